/* SPDX-License-Identifier: MIT */
/* The version macros and functions (lib/version.c) against the package. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

/* ------------------------------------------------------------- version */

START_TEST(version_matches_package)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", GCP_VERSION_MAJOR, GCP_VERSION_MINOR,
             GCP_VERSION_PATCH);
    ck_assert_str_eq(gcp_version(), want);
    ck_assert_str_eq(gcp_version(), PACKAGE_VERSION);
    ck_assert_uint_eq(gcp_version_number(), GCP_VERSION_NUMBER);
    ck_assert_uint_eq(GCP_VERSION_NUMBER,
                      GCP_VERSION_MAJOR * 10000 + GCP_VERSION_MINOR * 100 + GCP_VERSION_PATCH);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("version");
    TCase *tc = tcase_create("version");
    tcase_add_test(tc, version_matches_package);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
