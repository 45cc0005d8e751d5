/* SPDX-License-Identifier: MIT */
/* Status messages (lib/status.c). */
#include "testutil.h"

START_TEST(strerror_names_every_status)
{
    const int codes[] = {GCP_OK, GCP_NEED_GC, GCP_EINVAL, GCP_ENOMEM, GCP_ESYS, GCP_EEXHAUSTED,
                         GCP_ELIMIT, GCP_ETOOLARGE, GCP_ECORRUPT, GCP_ESTALE, GCP_EPOISONED,
                         GCP_ETYPE, GCP_EBOUNDS, GCP_EDOUBLE, GCP_EFOREIGN, GCP_ETRAP,
                         GCP_EBUSY, GCP_ESTATE};
    size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = gcp_strerror(12345);
    ck_assert_str_eq(unknown, "unknown gcpool status");
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(gcp_strerror(codes[i]));
        ck_assert_str_ne(gcp_strerror(codes[i]), unknown);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(gcp_strerror(codes[i]), gcp_strerror(codes[j]));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, strerror_names_every_status);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
