/* Thin wrappers over the kernel's virtual-memory calls.  Only pool/ uses
 * them.  Each returns GCP_OK or GCP_ESYS with errno kept. */
#ifndef GCP_POOL_VM_H
#define GCP_POOL_VM_H

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
/* Gives [p, p+size) back to the kernel; it reads zero when next touched. */
gcp_status gcp__vm_decommit(uint8_t *p, size_t size);

#define GCP_HUGE_PAGE ((size_t)2 << 20)

/* Reserves size bytes aligned to `align` (a power of two >= page size). */
gcp_status gcp__vm_reserve_aligned(size_t size, size_t align, uint8_t **out);
/* Advises the kernel to back [p, p+size) with huge pages (best effort). */
void gcp__vm_advise_huge(uint8_t *p, size_t size);

/* One range to give back. */
typedef struct gcp_vm_range {
    uint8_t *start;
    size_t len;
} gcp_vm_range;

/* Gives back n ranges, with one process_madvise call where the kernel
 * supports MADV_DONTNEED through it (one batched TLB flush), else one
 * madvise per range.  Returns the number of system calls made, or -1 with
 * errno set (ranges may then be partly given back). */
int gcp__vm_decommit_many(const gcp_vm_range *ranges, size_t n);

#endif
