#include "pool/vm.h"

#include "lib/error.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <unistd.h>

size_t gcp__vm_page_size(void)
{
    static size_t page;
    if (!page) {
        long v = sysconf(_SC_PAGESIZE);
        page = v > 0 ? (size_t)v : 4096;
    }
    return page;
}

gcp_status gcp__vm_reserve(size_t size, uint8_t **out)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return gcp__fail_sys("mmap", "%zu bytes, PROT_NONE", size);
    *out = p;
    return GCP_OK;
}

gcp_status gcp__vm_reserve_aligned(size_t size, size_t align, uint8_t **out)
{
    if (align <= gcp__vm_page_size())
        return gcp__vm_reserve(size, out);
    if (size > SIZE_MAX - align)
        return GCP_EINVAL;
    uint8_t *raw;
    gcp_status st = gcp__vm_reserve(size + align, &raw);
    if (st != GCP_OK)
        return st;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + size + align - (p + size));
    if (tail)
        munmap(p + size, tail);
    *out = p;
    return GCP_OK;
}

void gcp__vm_advise_huge(uint8_t *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

gcp_status gcp__vm_unreserve(uint8_t *p, size_t size)
{
    return munmap(p, size) == 0 ? GCP_OK : gcp__fail_sys("munmap", "%p, %zu", (void *)p, size);
}

gcp_status gcp__vm_commit(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0
               ? GCP_OK : gcp__fail_sys("mprotect", "%zu bytes, PROT_READ|PROT_WRITE", size);
}

gcp_status gcp__vm_protect_none(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return mprotect(p, size, PROT_NONE) == 0
               ? GCP_OK : gcp__fail_sys("mprotect", "%zu bytes, PROT_NONE", size);
}

gcp_status gcp__vm_decommit(uint8_t *p, size_t size)
{
    if (size == 0)
        return GCP_OK;
    return madvise(p, size, MADV_DONTNEED) == 0
               ? GCP_OK : gcp__fail_sys("madvise", "%zu bytes, MADV_DONTNEED", size);
}

/* pidfd of this process for process_madvise, or -1 when the kernel lacks
 * it (or refuses MADV_DONTNEED through it).  Tied to the pid that opened
 * it, so a forked child opens its own. */
static atomic_int self_pidfd = -2;
static atomic_int self_pid;

static int pidfd_self(void)
{
#if defined(SYS_pidfd_open) && defined(SYS_process_madvise)
    int pid = (int)getpid();
    int fd = atomic_load(&self_pidfd);
    if (fd != -2 && atomic_load(&self_pid) == pid)
        return fd;
    fd = (int)syscall(SYS_pidfd_open, pid, 0);
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
#else
    return -1;
#endif
}

#define BATCH_IOV 64

int gcp__vm_decommit_many(const gcp_vm_range *ranges, size_t n)
{
    int calls = 0;
    size_t done = 0;
    int fd = pidfd_self();
    while (fd >= 0 && done < n) {
        struct iovec iov[BATCH_IOV];
        size_t k = 0, bytes = 0;
        for (; k < BATCH_IOV && done + k < n; k++) {
            iov[k].iov_base = ranges[done + k].start;
            iov[k].iov_len = ranges[done + k].len;
            bytes += ranges[done + k].len;
        }
        long r = syscall(SYS_process_madvise, fd, iov, k, MADV_DONTNEED, 0u);
        calls++;
        if (r < 0 || (size_t)r != bytes) {
            /* Not supported for this advice (older kernels): stop using it
             * and finish with madvise, which redoes any partial batch. */
            int old = atomic_exchange(&self_pidfd, -1);
            if (old >= 0)
                close(old);
            break;
        }
        done += k;
    }
    for (; done < n; done++) {
        if (madvise(ranges[done].start, ranges[done].len, MADV_DONTNEED) != 0) {
            gcp__error_record_sys("madvise", "%zu bytes, MADV_DONTNEED", ranges[done].len);
            return -1;
        }
        calls++;
    }
    return calls;
}
