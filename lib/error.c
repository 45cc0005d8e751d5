/* SPDX-License-Identifier: MIT */
/* Last-error detail: one message buffer per thread, written only on the
 * failure paths (never on a hot path that succeeds). */
#include "lib/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_BYTES 256

static _Thread_local char msg[MSG_BYTES];

const char *gcp_last_error(void) { return msg; }

void gcp_clear_last_error(void) { gcp__error_clear(); }

void gcp__error_clear(void) { msg[0] = '\0'; }

void gcp__error_record(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errno = saved;
}

/* "ENOMEM" for ENOMEM where the C library can name it, else "errno 12". */
static void errno_name(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 32)
    const char *name = strerrorname_np(err);
    if (name) {
        snprintf(buf, len, "%s", name);
        return;
    }
#endif
#endif
    snprintf(buf, len, "errno %d", err);
}

void gcp__error_record_sys(const char *call, const char *what, ...)
{
    int saved = errno;
    char args[128];
    va_list ap;
    va_start(ap, what);
    vsnprintf(args, sizeof args, what, ap);
    va_end(ap);
    char name[32], text[128];
    errno_name(saved, name, sizeof name);
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    const char *t = strerror_r(saved, text, sizeof text);
#else
    const char *t = strerror_r(saved, text, sizeof text) == 0 ? text : "unknown error";
#endif
    snprintf(msg, sizeof msg, "%s(%s) failed: %s (%s)", call, args, name, t);
    errno = saved;
}
