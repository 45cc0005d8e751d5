/* SPDX-License-Identifier: MIT */
/* Internal entry points of the roots list for the heap core and the
 * collectors. */
#ifndef GCP_LIB_ROOTS_H
#define GCP_LIB_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

/* Changes each time the host adds, removes, rewrites or clears roots (not
 * when a collector updates a root through gcp__roots_update).  0 for NULL. */
uint64_t gcp__roots_version(const gcp_roots *roots);

/* The root slots a collector visits, by index 0 .. gcp__roots_n() - 1:
 * every entry of the list (stack and ref roots) and every handle cell.
 * 0 for NULL.  Collectors walk roots only through these three. */
size_t gcp__roots_n(const gcp_roots *roots);
/* The ref in root slot i: an r64 with upper bits set is GCP_EINVAL, an
 * unused cell reads as GCP_REF_NULL.  GCP_EBOUNDS past the end. */
gcp_status gcp__roots_value(const gcp_roots *roots, size_t i, gcp_ref *out);

/* A collector's GcRoot::set: stores value (already validated) into root i
 * without counting as a host change.  GCP_EBOUNDS, GCP_EINVAL. */
gcp_status gcp__roots_update(gcp_roots *roots, size_t i, gcp_ref value);

#endif
