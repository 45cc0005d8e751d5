/* SPDX-License-Identifier: MIT */
/* Internal entry points of the roots list for the heap core and the
 * collectors. */
#ifndef GCP_LIB_ROOTS_H
#define GCP_LIB_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

/* Changes each time the host changes the root slots: a list entry added,
 * set, removed, truncated or cleared, a handle made, freed or set, a scope
 * left, a reset (not when a collector updates a root through
 * gcp__roots_update, nor on gcp_roots_scope_enter).  0 for NULL. */
uint64_t gcp__roots_version(const gcp_roots *roots);

/* The root slots a collector visits, by index 0 .. gcp__roots_n() - 1:
 * every entry of the list (stack and ref roots, in list order), then the
 * scoped handle cells of the open scopes, then every long-lived handle cell
 * (free ones included).  Stable while the version does not change.  0 for
 * NULL.  Collectors walk roots only through these three. */
size_t gcp__roots_n(const gcp_roots *roots);
/* The ref in root slot i: an r64 with upper bits set is GCP_EINVAL, an
 * unused cell reads as GCP_REF_NULL.  GCP_EBOUNDS past the end. */
gcp_status gcp__roots_value(const gcp_roots *roots, size_t i, gcp_ref *out);

/* A collector's GcRoot::set: stores value (already validated) into root i
 * without counting as a host change: where a list entry points, or into a
 * handle cell, which the host then reads through gcp_roots_handle_get.  An
 * unused cell takes only GCP_REF_NULL (nothing written), anything else is
 * GCP_EINVAL.  GCP_EBOUNDS past the end, GCP_EINVAL for NULL. */
gcp_status gcp__roots_update(gcp_roots *roots, size_t i, gcp_ref value);

/* For tests: gives the cell of the live handle h the generation gen
 * (1 .. UINT32_MAX - 1) and writes the handle that now names it, so that
 * the end of a cell's generations is reachable.  GCP_ESTALE for a handle
 * that is not live, GCP_EINVAL. */
gcp_status gcp__roots_handle_age(gcp_roots *roots, gcp_handle h, uint32_t gen, gcp_handle *out);

#endif
