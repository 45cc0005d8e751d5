/* SPDX-License-Identifier: MIT */
/* The on-demand allocator: one mapping per heap with the same layout as a
 * pool slot (guard, reservation, guard). */
#include <errno.h>

#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/heapops.h"
#include "pool/slot.h"
#include "pool/trap.h"
#include "pool/vm.h"

typedef struct ondemand {
    gcp_slot slot;         /* must stay first: heap->mem.owner points here */
    gcp_layout layout;
    uint8_t *region;
    size_t region_size;
    uint32_t trap_id;      /* entry in the trap region registry */
    gcp_vm_map map;        /* the mapping, alignment slack included */
} ondemand;

gcp_status gcp_heap_new_ondemand(const gcp_pool_config *user_cfg, gcp_heap **out)
{
    if (!user_cfg || !out)
        return GCP_EINVAL;
    gcp_pool_config cfg_copy;
    gcp_layout layout;
    gcp_status st = gcp__layout_setup(user_cfg, &cfg_copy, &layout);
    if (st != GCP_OK)
        return st;
    const gcp_pool_config *cfg = &cfg_copy;
    ondemand *od = gcp__calloc(1, sizeof *od);
    if (!od)
        return GCP_ENOMEM;
    od->layout = layout;
    od->region_size = 2 * layout.guard + layout.reservation;
    st = gcp__slot_reserve(od->region_size, cfg->huge_pages, &od->map, &od->region);
    if (st != GCP_OK)
        goto fail;
    od->slot.base = od->region + layout.guard;
    od->slot.layout = &od->layout;
    od->slot.pool = NULL;
    atomic_init(&od->slot.state, GCP_SLOT_IN_USE);
    od->slot.mem = (gcp_mem){.base = od->slot.base, .bound = 0, .max = layout.max,
                             .grow = gcp__slot_grow, .owner = &od->slot,
                             .kind = GCP_MEM_ONDEMAND};
    st = gcp__heap_ops.create(cfg, &od->slot.mem, &od->slot.heap);
    if (st != GCP_OK)
        goto fail_unmap;
    st = gcp__slot_prepare(&od->slot);
    if (st != GCP_OK)
        goto fail_heap;
    /* Trap handling: make the mapping known to the fault handler. */
    st = gcp__trap_register(od->region, od->region_size, layout.guard, layout.stride,
                            &od->slot, 1, &od->trap_id);
    if (st != GCP_OK)
        goto fail_heap;
    gcp__heap_ops.reset(od->slot.heap);
    *out = od->slot.heap;
    return GCP_OK;

fail_heap:
    gcp__heap_ops.destroy(od->slot.heap);
fail_unmap: {
    int saved = errno;
    gcp__vm_unmap(&od->map);
    errno = saved;
}
fail: {
    int saved = errno;
    gcp__free(od);
    errno = saved;
}
    return st;
}

gcp_status gcp_heap_free_ondemand(gcp_heap *heap)
{
    if (!heap)
        return GCP_OK;
    gcp_mem *mem = gcp__heap_ops.mem(heap);
    if (mem->kind != GCP_MEM_ONDEMAND)
        return GCP_EFOREIGN;
    ondemand *od = mem->owner;
    /* A collection in progress ends before the memory goes. */
    gcp__heap_ops.release(heap, NULL);
    /* Unmapped first: if the kernel refuses, the heap is left whole. */
    if (gcp__vm_unmap(&od->map) != GCP_OK)
        return GCP_ESYS;
    gcp__trap_unregister(od->trap_id);
    gcp__heap_ops.destroy(heap);
    gcp__free(od);
    return GCP_OK;
}
