/* SPDX-License-Identifier: MIT */
/* The virtual-memory wrappers (pool/vm.c), through the fault seam: what
 * each one does to a mapping, and that a refused call answers GCP_ESYS
 * with errno kept and nothing lost. */
#include <errno.h>
#include <sys/mman.h>

#include "pool/sys.h"
#include "pool/vm.h"
#include "testutil.h"

static int refuse_errno;   /* 0: pass every call through */
static int refused;

static int fake_mprotect(void *a, size_t l, int p)
{
    if (refuse_errno) {
        refused++;
        errno = refuse_errno;
        return -1;
    }
    return mprotect(a, l, p);
}
static int fake_madvise(void *a, size_t l, int adv)
{
    if (refuse_errno) {
        refused++;
        errno = refuse_errno;
        return -1;
    }
    return madvise(a, l, adv);
}
static long no_process_madvise(int fd, const struct iovec *iov, size_t n, int adv, unsigned f)
{
    (void)fd, (void)iov, (void)n, (void)adv, (void)f;
    errno = ENOSYS;
    return -1;
}
static gcp_sys table;

static void setup(void)
{
    table = gcp__sys_default;
    table.mprotect = fake_mprotect;
    table.madvise = fake_madvise;
    refuse_errno = 0;
    refused = 0;
    gcp__sys_replace(&table);
}
static void teardown(void) { gcp__sys_replace(NULL); }

START_TEST(commit_protect_decommit_unmap)
{
    size_t page = gcp__vm_page_size();
    ck_assert_uint_ge(page, 4096);
    gcp_vm_map map;
    uint8_t *p;
    ck_assert_ok(gcp__vm_reserve_aligned(16 * page, 0, &map, &p));
    ck_assert_ptr_eq(p, map.start);
    ck_assert_ok(gcp__vm_commit(p, 4 * page));
    memset(p, 0xab, 4 * page);
    /* Refused: GCP_ESYS, errno kept, and the range is as it was. */
    refuse_errno = EAGAIN;
    errno = 0;
    ck_assert_status(gcp__vm_protect_none(p + 2 * page, 2 * page), GCP_ESYS);
    ck_assert_int_eq(errno, EAGAIN);
    p[3 * page] = 1;   /* still writable */
    gcp_vm_range r = {p, 4 * page};
    bool done = true;
    int err = 0;
    table.process_madvise = no_process_madvise;
    ck_assert_int_ge(gcp__vm_decommit_many(&r, 1, &done, &err), 1);
    ck_assert(!done);
    ck_assert_int_eq(err, EAGAIN);
    ck_assert_uint_eq(p[0], 0xab);     /* nothing given back */
    refuse_errno = 0;
    ck_assert_int_ge(gcp__vm_decommit_many(&r, 1, &done, &err), 1);
    ck_assert(done);
    ck_assert_int_eq(err, 0);
    for (size_t i = 0; i < 4 * page; i += page)
        ck_assert_uint_eq(p[i], 0);    /* given back: reads zero */
    ck_assert_ok(gcp__vm_protect_none(p, 4 * page));
    ck_assert_ok(gcp__vm_unmap(&map));
}
END_TEST

START_TEST(aligned_reservations)
{
    for (size_t align = 4096; align <= GCP_HUGE_PAGE; align *= 8) {
        gcp_vm_map map;
        uint8_t *p;
        ck_assert_ok(gcp__vm_reserve_aligned(3 * GCP_HUGE_PAGE, align, &map, &p));
        ck_assert_uint_eq((uintptr_t)p % align, 0);
        ck_assert((uintptr_t)p >= (uintptr_t)map.start);
        ck_assert((uintptr_t)p + 3 * GCP_HUGE_PAGE <= (uintptr_t)map.start + map.len);
        ck_assert_ok(gcp__vm_commit(p, 3 * GCP_HUGE_PAGE));
        p[3 * GCP_HUGE_PAGE - 1] = 1;
        ck_assert_ok(gcp__vm_unmap(&map));
    }
    gcp_vm_map map;
    uint8_t *p;
    ck_assert_status(gcp__vm_reserve_aligned(SIZE_MAX - 4096, GCP_HUGE_PAGE, &map, &p), GCP_EINVAL);
}
END_TEST

/* Locked memory: madvise answers EINVAL, and the rest of the batch is not
 * asked again (a host that called mlockall would pay one call per range
 * for nothing). */
START_TEST(einval_stops_a_batch)
{
    size_t page = gcp__vm_page_size();
    gcp_vm_map map;
    uint8_t *p;
    ck_assert_ok(gcp__vm_reserve_aligned(8 * page, 0, &map, &p));
    ck_assert_ok(gcp__vm_commit(p, 8 * page));
    gcp_vm_range r[4];
    for (int i = 0; i < 4; i++)
        r[i] = (gcp_vm_range){p + (size_t)i * 2 * page, page};
    bool done[4];
    int err;
    table.process_madvise = no_process_madvise;
    refuse_errno = EINVAL;
    /* At most one process_madvise attempt (unsupported here), then one
     * madvise: the other three ranges are not asked for. */
    ck_assert_int_le(gcp__vm_decommit_many(r, 4, done, &err), 2);
    ck_assert_int_eq(refused, 1);
    ck_assert_int_eq(err, EINVAL);
    for (int i = 0; i < 4; i++)
        ck_assert(!done[i]);
    refuse_errno = 0;
    ck_assert_ok(gcp__vm_unmap(&map));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm");
    TCase *tc = tcase_create("vm");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, commit_protect_decommit_unmap);
    tcase_add_test(tc, aligned_reservations);
    tcase_add_test(tc, einval_stops_a_batch);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
