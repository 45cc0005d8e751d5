/* SPDX-License-Identifier: MIT */
/* gcpool-calibrate: measures the kernel and memory costs behind gcpool's
 * reset policy on this machine and prints the crossover figures:
 *  1. zeroing a dirty range in place (memset) against giving it back
 *     (madvise DONTNEED) and touching it again, by range size;
 *  2. giving back N separate ranges with one madvise each against one
 *     batched process_madvise, with and without a second running thread
 *     (whose TLB must be shot down);
 *  3. first-touch cost of a large heap with and without transparent huge
 *     pages (MADV_HUGEPAGE);
 *  4. shrinking a zeroed bound back to one page (mprotect PROT_NONE of
 *     resident memory) and growing it again by doubling, against zeroing
 *     the range once more: what one big store among small ones costs the
 *     store that shrinks, and what it costs the next one if nobody does.
 * Figures are medians of several runs, in nanoseconds. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

static void touch(volatile uint8_t *p, size_t n)
{
    for (size_t o = 0; o < n; o += 4096)
        p[o] = 1;
}

#define REPS 9

static uint8_t *map(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

static void zero_vs_giveback(void)
{
    printf("1. reset of a dirty range: zero in place vs give back (+ touch again)\n");
    printf("   %10s %12s %12s %12s %14s\n", "bytes", "memset", "madvise", "re-touch", "madvise+touch");
    size_t max = (size_t)64 << 20;
    uint8_t *p = map(max);
    size_t first_madvise_win = 0;
    for (size_t n = 4096; n <= max; n *= 4) {
        double ms[REPS], md[REPS], rt[REPS];
        for (int r = 0; r < REPS; r++) {
            memset(p, 0xAB, n);
            double t0 = now_ns();
            memset(p, 0, n);
            __asm__ volatile("" ::"r"(p) : "memory");
            ms[r] = now_ns() - t0;
            memset(p, 0xAB, n);
            t0 = now_ns();
            madvise(p, n, MADV_DONTNEED);
            double t1 = now_ns();
            touch(p, n);
            rt[r] = now_ns() - t1;
            md[r] = t1 - t0;
        }
        double m0 = median(ms, REPS), m1 = median(md, REPS), m2 = median(rt, REPS);
        printf("   %10zu %12.0f %12.0f %12.0f %14.0f\n", n, m0, m1, m2, m1 + m2);
        if (!first_madvise_win && m1 < m0)
            first_madvise_win = n;
    }
    if (first_madvise_win)
        printf("   => madvise alone beats memset from %zu bytes; with the re-touch it never does\n",
               first_madvise_win);
    else
        printf("   => memset is cheaper than madvise at every size: zero in place; give memory\n"
               "      back only to bound the footprint (keep_resident_bytes)\n");
    munmap(p, max);
}

static atomic_int spin_stop;

static void *spinner(void *arg)
{
    volatile uint8_t *p = arg;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        p[0]++;
    return NULL;
}

#define NRANGES 16
#define RANGE_BYTES (256 * 1024)

static void batched_giveback(void)
{
    printf("\n2. giving back %d ranges of %d KiB: one madvise each vs one process_madvise\n",
           NRANGES, RANGE_BYTES / 1024);
    size_t stride = 2 * RANGE_BYTES;
    uint8_t *p = map(NRANGES * stride);
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    for (int busy = 0; busy < 2; busy++) {
        pthread_t t;
        uint8_t *spin_page = map(4096);
        if (busy) {
            atomic_store(&spin_stop, 0);
            pthread_create(&t, NULL, spinner, spin_page);
        }
        double loop[REPS], batch[REPS];
        int batch_ok = pidfd >= 0;
        for (int r = 0; r < REPS; r++) {
            for (int i = 0; i < NRANGES; i++)
                touch(p + i * stride, RANGE_BYTES);
            double t0 = now_ns();
            for (int i = 0; i < NRANGES; i++)
                madvise(p + i * stride, RANGE_BYTES, MADV_DONTNEED);
            loop[r] = now_ns() - t0;
            for (int i = 0; i < NRANGES; i++)
                touch(p + i * stride, RANGE_BYTES);
            struct iovec iov[NRANGES];
            for (int i = 0; i < NRANGES; i++) {
                iov[i].iov_base = p + i * stride;
                iov[i].iov_len = RANGE_BYTES;
            }
            t0 = now_ns();
            long rc = batch_ok ? syscall(SYS_process_madvise, pidfd, iov, NRANGES, MADV_DONTNEED, 0u) : -1;
            batch[r] = now_ns() - t0;
            if (rc < 0)
                batch_ok = 0;
        }
        if (busy) {
            atomic_store(&spin_stop, 1);
            pthread_join(t, NULL);
        }
        munmap(spin_page, 4096);
        printf("   %-28s madvise loop %9.0f ns   process_madvise %s", busy ? "another thread running:" : "single thread:",
               median(loop, REPS), batch_ok ? "" : "unsupported\n");
        if (batch_ok)
            printf("%9.0f ns\n", median(batch, REPS));
    }
    if (pidfd >= 0)
        close(pidfd);
    munmap(p, NRANGES * stride);
}

static void huge_pages(void)
{
    printf("\n3. first touch of a 64 MiB heap: 4 KiB pages vs MADV_HUGEPAGE\n");
    size_t n = (size_t)64 << 20;
    for (int huge = 0; huge < 2; huge++) {
        double v[5];
        for (int r = 0; r < 5; r++) {
            /* 2 MiB aligned so that huge pages can be used at all. */
            uint8_t *raw = map(n + (2u << 20));
            uint8_t *p = (uint8_t *)(((uintptr_t)raw + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
            if (huge)
                madvise(p, n, MADV_HUGEPAGE);
            double t0 = now_ns();
            touch(p, n);
            v[r] = now_ns() - t0;
            munmap(raw, n + (2u << 20));
        }
        printf("   %-16s %12.0f ns (%6.0f ns per 4 KiB)\n", huge ? "MADV_HUGEPAGE:" : "4 KiB pages:",
               median(v, 5), median(v, 5) / (double)(n / 4096));
    }
}

static void shrink_vs_zero(void)
{
    printf("\n4. a zeroed bound of N bytes: shrink it to one page and grow it back by doubling\n"
           "   (mprotect of resident memory), against zeroing it once more (memset)\n");
    printf("   %10s %12s %12s %12s %12s\n", "bytes", "memset", "shrink", "regrow", "shrink+regrow");
    size_t max = (size_t)64 << 20, page = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *p = map(max);
    for (size_t n = (size_t)256 << 10; n <= max; n *= 4) {
        double ms[REPS], sh[REPS], rg[REPS];
        for (int r = 0; r < REPS; r++) {
            memset(p, 0xAB, n);
            double t0 = now_ns();
            memset(p, 0, n);
            __asm__ volatile("" ::"r"(p) : "memory");
            ms[r] = now_ns() - t0;
            t0 = now_ns();
            if (mprotect(p + page, n - page, PROT_NONE) != 0) {
                perror("mprotect");
                exit(1);
            }
            double t1 = now_ns();
            for (size_t b = page; b < n; b *= 2)
                if (mprotect(p + b, (2 * b < n ? 2 * b : n) - b, PROT_READ | PROT_WRITE) != 0) {
                    perror("mprotect");
                    exit(1);
                }
            rg[r] = now_ns() - t1;
            sh[r] = t1 - t0;
        }
        double m0 = median(ms, REPS), m1 = median(sh, REPS), m2 = median(rg, REPS);
        printf("   %10zu %12.0f %12.0f %12.0f %12.0f\n", n, m0, m1, m2, m1 + m2);
    }
    munmap(p, max);
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: gcpool-calibrate (no arguments)\n");
        return 2;
    }
    printf("gcpool-calibrate: page size %ld\n\n", sysconf(_SC_PAGESIZE));
    zero_vs_giveback();
    batched_giveback();
    huge_pages();
    shrink_vs_zero();
    return 0;
}
