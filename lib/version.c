/* SPDX-License-Identifier: MIT */
#include "gcpool.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *gcp_version(void)
{
    return STR(GCP_VERSION_MAJOR) "." STR(GCP_VERSION_MINOR) "." STR(GCP_VERSION_PATCH);
}

uint32_t gcp_version_number(void) { return GCP_VERSION_NUMBER; }
