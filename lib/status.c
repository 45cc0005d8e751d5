/* SPDX-License-Identifier: MIT */
#include "gcpool.h"

const char *gcp_strerror(int status)
{
    switch (status) {
    case GCP_OK: return "success";
    case GCP_NEED_GC: return "no room now: collect garbage, then retry";
    case GCP_EINVAL: return "invalid argument or configuration";
    case GCP_ENOMEM: return "out of host memory";
    case GCP_ESYS: return "system call failed (see errno)";
    case GCP_EEXHAUSTED: return "pool exhausted: every slot is in use";
    case GCP_ELIMIT: return "heap limit reached";
    case GCP_ETOOLARGE: return "object too large for this heap";
    case GCP_ECORRUPT: return "corrupted heap detected; store poisoned";
    case GCP_ESTALE: return "stale or unknown host-data id or handle";
    case GCP_EPOISONED: return "store poisoned by an earlier corruption";
    case GCP_ETYPE: return "wrong object kind or type";
    case GCP_EBOUNDS: return "field or element out of bounds";
    case GCP_EDOUBLE: return "heap released twice";
    case GCP_EFOREIGN: return "heap belongs to another pool or allocator";
    case GCP_ETRAP: return "guarded call trapped";
    case GCP_EBUSY: return "resource busy";
    case GCP_ESTATE: return "operation not valid in this state";
    case GCP_ESTALEREF: return "stale ref: its object was freed or moved by a collection";
    default: return "unknown gcpool status";
    }
}
