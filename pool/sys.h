/* SPDX-License-Identifier: MIT */
/* The fault seam: every system call pool/ makes goes through this table,
 * so that tests can replace it and fail any call they choose.  Nothing
 * outside pool/ (and the tests) uses it.
 *
 * The table in use is read with one acquire load per call.  Tests
 * install a replacement while no other thread is inside gcpool; entries
 * left NULL in a replacement are not allowed (copy gcp__sys_default and
 * override some).  The signal handler uses sigaction through it too, so
 * replacements must be async-signal-safe. */
#ifndef GCP_POOL_SYS_H
#define GCP_POOL_SYS_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct gcp_sys {
    void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
    int (*munmap)(void *addr, size_t len);
    int (*mprotect)(void *addr, size_t len, int prot);
    int (*madvise)(void *addr, size_t len, int advice);
    /* pidfd_open(2) and process_madvise(2) (raw system calls: -1 with
     * errno when the kernel lacks them). */
    int (*pidfd_open)(pid_t pid, unsigned flags);
    long (*process_madvise)(int pidfd, const struct iovec *iov, size_t n, int advice,
                            unsigned flags);
    int (*sigaction)(int sig, const struct sigaction *sa, struct sigaction *old);
    int (*sigaltstack)(const stack_t *ss, stack_t *old);
    /* Returns 0 or an error number, like pthread_key_create. */
    int (*key_create)(pthread_key_t *key, void (*destructor)(void *));
} gcp_sys;

/* The real system calls. */
extern const gcp_sys gcp__sys_default;

/* The table in use (gcp__sys_default unless a test replaced it). */
const gcp_sys *gcp__sys(void);
/* Installs t (NULL: the default) and returns the previous table. */
const gcp_sys *gcp__sys_replace(const gcp_sys *t);

#endif
