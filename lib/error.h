/* SPDX-License-Identifier: MIT */
/* The calling thread's last-error detail (gcp_last_error). */
#ifndef GCP_LIB_ERROR_H
#define GCP_LIB_ERROR_H

#include "gcpool.h"

#if defined(__GNUC__)
#define GCP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GCP_PRINTF(f, a)
#endif

/* Records the detail message (printf format, truncated to the buffer) for
 * the calling thread; errno is preserved. */
void gcp__error_record(const char *fmt, ...) GCP_PRINTF(1, 2);
/* For a system call that just failed with errno set: records
 * "<call>(<args>) failed: <errno name> (<text>)"; errno is preserved. */
void gcp__error_record_sys(const char *call, const char *args_fmt, ...) GCP_PRINTF(2, 3);

/* `return gcp__fail(GCP_EINVAL, "...", ...)`: records the message and
 * yields the status.  Macros, so that the compiler sees the status value
 * (callers' definite-initialisation analysis depends on it). */
#define gcp__fail(st, ...) (gcp__error_record(__VA_ARGS__), (st))
/* `return gcp__fail_sys("mmap", "%zu bytes", n)`: yields GCP_ESYS. */
#define gcp__fail_sys(call, ...) (gcp__error_record_sys(call, __VA_ARGS__), GCP_ESYS)

/* Empties the calling thread's message (errno preserved). */
void gcp__error_clear(void);

#endif
