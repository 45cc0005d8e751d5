/* SPDX-License-Identifier: MIT */
/* Thin wrappers over the kernel's virtual-memory calls, all made through
 * the fault seam (pool/sys.h).  Only pool/ uses them.  Each returns GCP_OK
 * or GCP_ESYS with errno kept. */
#ifndef GCP_POOL_VM_H
#define GCP_POOL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

size_t gcp__vm_page_size(void);
/* Reserves size bytes, inaccessible and with no swap reserved. */
gcp_status gcp__vm_reserve(size_t size, uint8_t **out);
gcp_status gcp__vm_unreserve(uint8_t *p, size_t size);
/* Makes [p, p+size) readable and writable. */
gcp_status gcp__vm_commit(uint8_t *p, size_t size);
/* Makes [p, p+size) inaccessible (contents kept). */
gcp_status gcp__vm_protect_none(uint8_t *p, size_t size);

#define GCP_HUGE_PAGE ((size_t)2 << 20)

/* A mapping as the kernel made it: what gcp__vm_unmap must remove. */
typedef struct gcp_vm_map {
    uint8_t *start;
    size_t len;
} gcp_vm_map;

/* Reserves size bytes aligned to `align` (a power of two; 0 or the page
 * size for none) and writes the aligned start to *out and the whole
 * mapping to *map.  The slack the alignment needs is trimmed off where the
 * kernel allows; what it refuses to trim stays part of *map (never lost).
 * GCP_EINVAL when the size overflows, GCP_ESYS. */
gcp_status gcp__vm_reserve_aligned(size_t size, size_t align, gcp_vm_map *map, uint8_t **out);
/* Removes a mapping made by gcp__vm_reserve_aligned.  GCP_ESYS (errno
 * kept, nothing removed) if the kernel refuses. */
gcp_status gcp__vm_unmap(const gcp_vm_map *map);
/* Advises the kernel to back [p, p+size) with huge pages (best effort: a
 * refusal changes nothing but the page size). */
void gcp__vm_advise_huge(uint8_t *p, size_t size);

/* One range to give back. */
typedef struct gcp_vm_range {
    uint8_t *start;
    size_t len;
} gcp_vm_range;

/* Gives back n ranges, with one process_madvise call where the kernel
 * supports MADV_DONTNEED through it (one batched TLB flush), else one
 * madvise per range.  done[i] tells whether range i was given back (it
 * then reads zero); a range that was not may be partly given back and
 * keeps its other bytes.  *err is the errno of the last refusal (0 when
 * every range was given back); after an EINVAL (locked memory) the rest
 * of the ranges are not asked for.  Returns the number of system calls
 * made. */
int gcp__vm_decommit_many(const gcp_vm_range *ranges, size_t n, bool *done, int *err);

#endif
