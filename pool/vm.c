/* SPDX-License-Identifier: MIT */
#include "pool/vm.h"

#include "lib/error.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pool/sys.h"

size_t gcp__vm_page_size(void)
{
    static atomic_size_t page;
    size_t v = atomic_load_explicit(&page, memory_order_relaxed);
    if (!v) {
        long s = sysconf(_SC_PAGESIZE);
        v = s > 0 ? (size_t)s : 4096;
        atomic_store_explicit(&page, v, memory_order_relaxed);
    }
    return v;
}

gcp_status gcp__vm_reserve(size_t size, uint8_t **out)
{
    void *p = gcp__sys()->mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                               -1, 0);
    if (p == MAP_FAILED)
        return gcp__fail_sys("mmap", "%zu bytes, PROT_NONE", size);
    *out = p;
    return GCP_OK;
}

gcp_status gcp__vm_reserve_aligned(size_t size, size_t align, gcp_vm_map *map, uint8_t **out)
{
    if (align <= gcp__vm_page_size()) {
        gcp_status st = gcp__vm_reserve(size, out);
        if (st == GCP_OK)
            *map = (gcp_vm_map){.start = *out, .len = size};
        return st;
    }
    if (size > SIZE_MAX - align)
        return GCP_EINVAL;
    uint8_t *raw;
    gcp_status st = gcp__vm_reserve(size + align, &raw);
    if (st != GCP_OK)
        return st;
    gcp_vm_map m = {.start = raw, .len = size + align};
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    /* A refused trim only costs address space: the slack stays in the
     * mapping and goes with it. */
    int saved = errno;
    if (p > raw && gcp__sys()->munmap(raw, (size_t)(p - raw)) == 0) {
        m.len -= (size_t)(p - raw);
        m.start = p;
    }
    uint8_t *end = m.start + m.len;
    if (end > p + size && gcp__sys()->munmap(p + size, (size_t)(end - (p + size))) == 0)
        m.len = (size_t)(p + size - m.start);
    errno = saved;
    *map = m;
    *out = p;
    return GCP_OK;
}

gcp_status gcp__vm_unmap(const gcp_vm_map *map) { return gcp__vm_unreserve(map->start, map->len); }

void gcp__vm_advise_huge(uint8_t *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    int saved = errno;
    (void)gcp__sys()->madvise(p, size, MADV_HUGEPAGE);
    errno = saved;
#else
    (void)p;
    (void)size;
#endif
}

gcp_status gcp__vm_unreserve(uint8_t *p, size_t size)
{
    return gcp__sys()->munmap(p, size) == 0 ? GCP_OK
                                            : gcp__fail_sys("munmap", "%p, %zu", (void *)p, size);
}

gcp_status gcp__vm_commit(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return gcp__sys()->mprotect(p, size, PROT_READ | PROT_WRITE) == 0
               ? GCP_OK : gcp__fail_sys("mprotect", "%zu bytes, PROT_READ|PROT_WRITE", size);
}

gcp_status gcp__vm_protect_none(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return gcp__sys()->mprotect(p, size, PROT_NONE) == 0
               ? GCP_OK : gcp__fail_sys("mprotect", "%zu bytes, PROT_NONE", size);
}

/* pidfd of this process for process_madvise, or -1 when the kernel lacks
 * it (or refuses MADV_DONTNEED through it).  Tied to the pid that opened
 * it, so a forked child opens its own. */
static atomic_int self_pidfd = -2;
static atomic_int self_pid;

static int pidfd_self(void)
{
    int pid = (int)getpid();
    int fd = atomic_load(&self_pidfd);
    if (fd != -2 && atomic_load(&self_pid) == pid)
        return fd;
    int saved = errno;
    fd = gcp__sys()->pidfd_open(pid, 0);
    errno = saved;
    if (fd < 0)
        fd = -1;
    int expect = atomic_load(&self_pidfd);
    if (atomic_compare_exchange_strong(&self_pidfd, &expect, fd)) {
        atomic_store(&self_pid, pid);
        return fd;
    }
    if (fd >= 0)
        close(fd);
    return atomic_load(&self_pidfd);
}

#define BATCH_IOV 64

int gcp__vm_decommit_many(const gcp_vm_range *ranges, size_t n, bool *done, int *err)
{
    int calls = 0;
    size_t i = 0;
    *err = 0;
    for (size_t k = 0; k < n; k++)
        done[k] = false;
    int fd = pidfd_self();
    while (fd >= 0 && i < n) {
        struct iovec iov[BATCH_IOV];
        size_t k = 0, bytes = 0;
        for (; k < BATCH_IOV && i + k < n; k++) {
            iov[k].iov_base = ranges[i + k].start;
            iov[k].iov_len = ranges[i + k].len;
            bytes += ranges[i + k].len;
        }
        int saved = errno;
        long r = gcp__sys()->process_madvise(fd, iov, k, MADV_DONTNEED, 0u);
        errno = saved;
        calls++;
        if (r < 0 || (size_t)r != bytes) {
            /* Not supported for this advice (older kernels), or refused:
             * stop using it and finish with madvise, which redoes any
             * partial batch. */
            int old = atomic_exchange(&self_pidfd, -1);
            if (old >= 0)
                close(old);
            break;
        }
        for (size_t j = 0; j < k; j++)
            done[i + j] = true;
        i += k;
    }
    for (; i < n; i++) {
        calls++;
        if (gcp__sys()->madvise(ranges[i].start, ranges[i].len, MADV_DONTNEED) == 0) {
            done[i] = true;
        } else {
            *err = errno;
            gcp__error_record_sys("madvise", "%zu bytes, MADV_DONTNEED", ranges[i].len);
            /* EINVAL on our own ranges means locked memory: the rest of
             * the batch is locked too, do not ask again. */
            if (*err == EINVAL)
                break;
        }
    }
    return calls;
}
