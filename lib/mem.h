/* The memory descriptor through which lib/ sees a heap's memory.  pool/
 * fills it in; lib/ never maps or protects memory itself, it asks the owner
 * to grow the accessible region through `grow`. */
#ifndef GCP_LIB_MEM_H
#define GCP_LIB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

typedef struct gcp_mem gcp_mem;

struct gcp_mem {
    uint8_t *base;    /* heap base: ref r is at base + r */
    size_t bound;     /* accessible (readable, writable) bytes from base */
    size_t max;       /* the largest bound grow may reach */
    /* Makes at least `min_bound` bytes accessible (the owner may round up)
     * and updates `bound`.  GCP_ELIMIT past `max`, GCP_ESYS if the kernel
     * refuses.  Newly accessible bytes read as zero. */
    gcp_status (*grow)(gcp_mem *mem, size_t min_bound);
    void *owner;      /* the pool slot or on-demand mapping behind it */
};

#endif
