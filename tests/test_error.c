/* SPDX-License-Identifier: MIT */
/* The last-error detail (lib/error.c): every rejected configuration field
 * and a failed system call named, one message per thread. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

/* ---------------------------------------------------------- last error */

typedef struct bad_field {
    const char *name;      /* also the text the message must contain */
    void (*spoil)(gcp_pool_config *c);
} bad_field;

static void zero_slots(gcp_pool_config *c) { c->num_slots = 0; }
static void zero_max(gcp_pool_config *c) { c->max_heap_bytes = 0; }
static void huge_max(gcp_pool_config *c) { c->max_heap_bytes = 8 * GIB; }
static void initial_over_max(gcp_pool_config *c) { c->initial_heap_bytes = 2 * MIB; }
static void small_reservation(gcp_pool_config *c) { c->reservation_bytes = 512 * KIB; }
static void huge_guard(gcp_pool_config *c) { c->guard_bytes = UINT64_C(1) << 41; }
static void odd_keep(gcp_pool_config *c) { c->keep_resident_bytes = 100; }
static void odd_guard(gcp_pool_config *c) { c->guard_bytes = 64 * KIB + 1; }
static void bad_collector(gcp_pool_config *c) { c->collector = (gcp_collector)7; }
static void zero_budget(gcp_pool_config *c) { c->gc_step_budget = 0; }
static void long_step_time(gcp_pool_config *c) { c->gc_step_time_us = 10000001; }
static void huge_growth(gcp_pool_config *c) { c->gc_heap_growth_percent = 10001; }
static void unaligned_huge(gcp_pool_config *c) { c->huge_pages = true; }

START_TEST(each_bad_field_is_named)
{
    const bad_field bad[] = {
        {"num_slots", zero_slots},
        {"max_heap_bytes", zero_max},
        {"max_heap_bytes", huge_max},
        {"initial_heap_bytes", initial_over_max},
        {"reservation_bytes", small_reservation},
        {"guard_bytes", huge_guard},
        {"keep_resident_bytes", odd_keep},
        {"guard_bytes", odd_guard},
        {"collector", bad_collector},
        {"gc_step_budget", zero_budget},
        {"gc_step_time_us", long_step_time},
        {"gc_heap_growth_percent", huge_growth},
        {"huge_pages", unaligned_huge},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gcp_pool_config c = small_config(1);
        bad[i].spoil(&c);
        gcp_pool *p = NULL;
        ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
        ck_assert_msg(strstr(gcp_last_error(), bad[i].name) != NULL,
                      "case %zu: message \"%s\" does not name %s", i, gcp_last_error(),
                      bad[i].name);
        if (bad[i].spoil == zero_slots)
            continue;   /* the on-demand allocator ignores num_slots */
        gcp_clear_last_error();
        ck_assert_str_eq(gcp_last_error(), "");
        gcp_store *s = NULL;
        ck_assert_status(gcp_store_new_ondemand(&c, &s), GCP_EINVAL);
        ck_assert_msg(strstr(gcp_last_error(), bad[i].name) != NULL,
                      "case %zu (on demand): message \"%s\" does not name %s", i,
                      gcp_last_error(), bad[i].name);
    }
}
END_TEST

START_TEST(failed_system_call_is_named)
{
    /* More address space than x86-64 and AArch64 give a process (48-bit
     * user space): the reservation's mmap fails (ENOMEM from the kernel;
     * valgrind answers EINVAL).  The message names the call and the errno
     * that errno still holds. */
    gcp_pool_config c = small_config(200);
    c.max_heap_bytes = 4 * GIB;
    c.reservation_bytes = UINT64_C(1) << 40;
    c.guard_bytes = UINT64_C(1) << 40;
    gcp_pool *p = NULL;
    errno = 0;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_ESYS);
    int err = errno;
    ck_assert_msg(err == ENOMEM || err == EINVAL, "errno %d", err);
    const char *m = gcp_last_error();
    char want[64];
    snprintf(want, sizeof want, "failed: %s (", err == ENOMEM ? "ENOMEM" : "EINVAL");
    ck_assert_msg(strstr(m, "mmap(") && strstr(m, want), "message: %s", m);
    ck_assert_msg(strstr(m, strerror(err)) != NULL, "message: %s", m);
    /* The next configuration call starts with an empty message. */
    c = small_config(1);
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_str_eq(gcp_last_error(), "");
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* The message is per thread: a failure in another thread leaves this
 * thread's message alone. */
static void *fail_elsewhere(void *arg)
{
    (void)arg;
    gcp_pool_config c = small_config(0);
    gcp_pool *p;
    return (void *)(uintptr_t)(gcp_pool_new(&c, &p) == GCP_EINVAL &&
                               strstr(gcp_last_error(), "num_slots"));
}

START_TEST(message_is_per_thread)
{
    gcp_pool_config c = small_config(1);
    c.gc_step_budget = 0;
    gcp_pool *p;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    pthread_t t;
    void *ok;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_elsewhere, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &ok), 0);
    ck_assert_ptr_nonnull(ok);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "gc_step_budget"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("error");
    tcase_add_test(tc, each_bad_field_is_named);
    tcase_add_test(tc, failed_system_call_is_named);
    tcase_add_test(tc, message_is_per_thread);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
