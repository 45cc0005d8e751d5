/* SPDX-License-Identifier: MIT */
/* The panic handler (lib/panic.c): contract violations reported to the
 * handler, the default abort, and handlers replaced from several threads. */
#include "heaputil.h"

static int panics;
static const char *last_panic;
static void *panic_seen_user;
static void record_panic(const char *msg, void *user)
{
    panics++;
    last_panic = msg;
    panic_seen_user = user;
}

START_TEST(gc_inside_no_gc_scope_panics)
{
    int token;
    panics = 0;
    gcp_set_panic_handler(record_panic, &token);
    gcp_heap_enter_no_gc(heap);
    gcp_collection *gc = NULL;
    ck_assert_status(gcp_heap_gc_start(heap, NULL, table, &gc), GCP_ESTATE);
    ck_assert_ptr_null(gc);
    ck_assert_int_eq(panics, 1);
    ck_assert_ptr_eq(panic_seen_user, &token);
    ck_assert_ptr_nonnull(strstr(last_panic, "no-GC"));
    ck_assert_status(gcp_heap_gc(heap, NULL, table), GCP_ESTATE);
    ck_assert_int_eq(panics, 2);
    gcp_heap_exit_no_gc(heap);
    ck_assert_ok(gcp_heap_gc(heap, NULL, table));
    ck_assert_int_eq(panics, 2);
    gcp_set_panic_handler(NULL, NULL);
}
END_TEST

START_TEST(exit_without_enter_panics)
{
    panics = 0;
    gcp_set_panic_handler(record_panic, NULL);
    gcp_heap_exit_no_gc(heap);
    ck_assert_int_eq(panics, 1);
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 0);
    ck_assert_ptr_nonnull(strstr(last_panic, "without"));
    gcp_heap_enter_no_gc(heap);
    gcp_heap_exit_no_gc(heap);
    gcp_heap_exit_no_gc(heap);
    ck_assert_int_eq(panics, 2);
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 0);
    gcp_set_panic_handler(NULL, NULL);
}
END_TEST

START_TEST(default_panic_aborts_on_gc_in_scope)
{
    gcp_set_panic_handler(NULL, NULL);
    gcp_heap_enter_no_gc(heap);
    gcp_heap_gc(heap, NULL, table);
}
END_TEST

START_TEST(default_panic_aborts_on_bad_exit)
{
    gcp_set_panic_handler(record_panic, NULL);
    gcp_set_panic_handler(NULL, NULL);   /* restored default */
    gcp_heap_exit_no_gc(heap);
}
END_TEST

/* Threads replace the handler and report panics at the same time: every
 * report reaches one of the installed handlers, with that handler's user. */
static atomic_int thread_panics;
static void counting_panic(const char *msg, void *user)
{
    (void)msg;
    if (user == &thread_panics)
        atomic_fetch_add(&thread_panics, 1);
}

static void *panic_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        gcp_set_panic_handler(counting_panic, &thread_panics);
        gcp__panic("test");
    }
    return NULL;
}

START_TEST(panic_handler_threads)
{
    atomic_store(&thread_panics, 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, panic_thread, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(atomic_load(&thread_panics), 8000);
    gcp_set_panic_handler(NULL, NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("panic");
    TCase *tc = tcase_create("panic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gc_inside_no_gc_scope_panics);
    tcase_add_test(tc, exit_without_enter_panics);
    tcase_add_test_raise_signal(tc, default_panic_aborts_on_gc_in_scope, SIGABRT);
    tcase_add_test_raise_signal(tc, default_panic_aborts_on_bad_exit, SIGABRT);
    tcase_add_test(tc, panic_handler_threads);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
