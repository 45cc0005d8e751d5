/* SPDX-License-Identifier: MIT */
/* The collectors built in, by kind. */
#include "lib/collector.h"

const gcp_collector_ops *gcp__collector_ops(gcp_collector kind)
{
    switch (kind) {
    case GCP_COLLECTOR_NULL:
        return &gcp__null_collector;
    case GCP_COLLECTOR_DRC:
        return &gcp__drc_collector;
    case GCP_COLLECTOR_MARKSWEEP:
        return &gcp__marksweep_collector;
    case GCP_COLLECTOR_COMPACT:
        return &gcp__compact_collector;
    default:
        return NULL;
    }
}
