/* SPDX-License-Identifier: MIT */
#include "pool/sys.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_pidfd_open(pid_t pid, unsigned flags)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, flags);
#else
    (void)pid;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

static long sys_process_madvise(int pidfd, const struct iovec *iov, size_t n, int advice,
                                unsigned flags)
{
#ifdef SYS_process_madvise
    return syscall(SYS_process_madvise, pidfd, iov, n, advice, flags);
#else
    (void)pidfd;
    (void)iov;
    (void)n;
    (void)advice;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

const gcp_sys gcp__sys_default = {
    .mmap = mmap,
    .munmap = munmap,
    .mprotect = mprotect,
    .madvise = madvise,
    .pidfd_open = sys_pidfd_open,
    .process_madvise = sys_process_madvise,
    .sigaction = sigaction,
    .sigaltstack = sigaltstack,
    .key_create = pthread_key_create,
};

static _Atomic(const gcp_sys *) current = &gcp__sys_default;

const gcp_sys *gcp__sys(void) { return atomic_load_explicit(&current, memory_order_acquire); }

const gcp_sys *gcp__sys_replace(const gcp_sys *t)
{
    return atomic_exchange(&current, t ? t : &gcp__sys_default);
}
