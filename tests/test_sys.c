/* SPDX-License-Identifier: MIT */
/* The fault seam (pool/sys.c): the default table is the real system calls,
 * a replacement sees every call pool/ makes, and NULL restores the default. */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "pool/sys.h"
#include "testutil.h"

static atomic_int mmaps;
static void *counting_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
    atomic_fetch_add(&mmaps, 1);
    return mmap(a, l, p, f, fd, o);
}
static void *refusing_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
    (void)a, (void)l, (void)p, (void)f, (void)fd, (void)o;
    errno = ENOMEM;
    return MAP_FAILED;
}

START_TEST(default_table_is_the_kernel)
{
    ck_assert_ptr_eq(gcp__sys(), &gcp__sys_default);
    ck_assert_ptr_eq((void *)gcp__sys_default.mmap, (void *)mmap);
    ck_assert_ptr_eq((void *)gcp__sys_default.munmap, (void *)munmap);
    ck_assert_ptr_eq((void *)gcp__sys_default.mprotect, (void *)mprotect);
    ck_assert_ptr_eq((void *)gcp__sys_default.madvise, (void *)madvise);
    ck_assert_ptr_nonnull((void *)gcp__sys_default.pidfd_open);
    ck_assert_ptr_nonnull((void *)gcp__sys_default.process_madvise);
    ck_assert_ptr_nonnull((void *)gcp__sys_default.sigaction);
    ck_assert_ptr_nonnull((void *)gcp__sys_default.sigaltstack);
    ck_assert_ptr_nonnull((void *)gcp__sys_default.key_create);
}
END_TEST

START_TEST(replacement_sees_pool_calls)
{
    gcp_sys t = gcp__sys_default;
    t.mmap = counting_mmap;
    ck_assert_ptr_eq(gcp__sys_replace(&t), &gcp__sys_default);
    ck_assert_ptr_eq(gcp__sys(), &t);
    atomic_store(&mmaps, 0);
    gcp_pool_config c = small_config(2);
    gcp_pool *pool;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    ck_assert_int_ge(atomic_load(&mmaps), 1);     /* the reservation */
    ck_assert_ok(gcp_pool_free(pool));
    /* A refusing table: the pool answers GCP_ESYS with the errno. */
    t.mmap = refusing_mmap;
    errno = 0;
    ck_assert_status(gcp_pool_new(&c, &pool), GCP_ESYS);
    ck_assert_int_eq(errno, ENOMEM);
    /* NULL restores the default. */
    ck_assert_ptr_eq(gcp__sys_replace(NULL), &t);
    ck_assert_ptr_eq(gcp__sys(), &gcp__sys_default);
    ck_assert_ok(gcp_pool_new(&c, &pool));
    ck_assert_ok(gcp_pool_free(pool));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sys");
    TCase *tc = tcase_create("sys");
    tcase_add_test(tc, default_table_is_the_kernel);
    tcase_add_test(tc, replacement_sees_pool_calls);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
