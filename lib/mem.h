/* SPDX-License-Identifier: MIT */
/* The memory descriptor: one of the two interfaces between pool/ and lib/
 * (the other is lib/heapops.h).  The owner in pool/ (a pool slot or an
 * on-demand mapping) owns the descriptor and fills it in; the heap keeps a
 * pointer to it.  lib/ never maps or protects memory itself: it asks the
 * owner to grow the accessible region through `grow`. */
#ifndef GCP_LIB_MEM_H
#define GCP_LIB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

typedef struct gcp_mem gcp_mem;

/* Who owns the memory, so that a heap handed back by the host is given to
 * the right owner (and a foreign one refused). */
typedef enum gcp_mem_kind {
    GCP_MEM_POOLED = 1,      /* owner is a gcp_slot of a pool */
    GCP_MEM_ONDEMAND = 2     /* owner is an on-demand mapping */
} gcp_mem_kind;

struct gcp_mem {
    uint8_t *base;    /* heap base: ref r is at base + r */
    size_t bound;     /* accessible (readable, writable) bytes from base */
    size_t max;       /* the largest bound grow may reach */
    /* Makes at least `min_bound` bytes accessible (the owner may round up)
     * and updates `bound`.  GCP_ELIMIT past `max`, GCP_ESYS if the kernel
     * refuses.  Newly accessible bytes read as zero. */
    gcp_status (*grow)(gcp_mem *mem, size_t min_bound);
    void *owner;      /* the pool slot or on-demand mapping behind it */
    gcp_mem_kind kind;
};

#endif
