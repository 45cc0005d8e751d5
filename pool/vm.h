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

#endif
