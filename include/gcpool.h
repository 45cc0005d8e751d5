/* SPDX-License-Identifier: MIT */
/*
 * gcpool: sandboxed garbage-collected heaps for host runtimes, handed out
 * from a pool of pre-reserved, guarded virtual-memory slots.
 *
 * Conventions used throughout this header:
 *  - Every function that can fail returns a gcp_status; GCP_OK is 0 and
 *    every error is negative.  GCP_NEED_GC (positive) is not an error: it
 *    asks the caller to collect and retry.  gcp_strerror() names each code.
 *  - Output parameters are written only on GCP_OK unless stated otherwise.
 *  - Objects named gcp_X are opaque and owned by whoever created them; the
 *    function that frees them is named next to the one that creates them.
 *  - A pool and a type registry may be used from many threads at once.  A
 *    heap, a store, a host-data table and a roots list are used by one thread
 *    at a time (they may move between threads with proper synchronisation).
 */
#ifndef GCPOOL_H
#define GCPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GCP_API __attribute__((visibility("default")))
#else
#define GCP_API
#endif

/* ------------------------------------------------------------------------
 * Version
 *
 * The version of this header.  gcp_version() gives the library's, which
 * may be newer than the header a program was built with (README.md, "ABI
 * and versions", says what stays compatible).
 * ------------------------------------------------------------------------ */

#define GCP_VERSION_MAJOR 0
#define GCP_VERSION_MINOR 5
#define GCP_VERSION_PATCH 2
/* MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons. */
#define GCP_VERSION_NUMBER (GCP_VERSION_MAJOR * 10000 + GCP_VERSION_MINOR * 100 + GCP_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH" (static storage). */
GCP_API const char *gcp_version(void);
/* The library's version as GCP_VERSION_NUMBER computes it. */
GCP_API uint32_t gcp_version_number(void);

/* ------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------ */

typedef enum gcp_status {
    GCP_OK = 0,           /* success */
    GCP_NEED_GC = 1,      /* no room now: run a collection, then retry */
    GCP_EINVAL = -1,      /* bad argument or configuration */
    GCP_ENOMEM = -2,      /* host-side metadata could not be allocated */
    GCP_ESYS = -3,        /* a system call failed; errno holds its cause */
    GCP_EEXHAUSTED = -4,  /* every slot of the pool is in use */
    GCP_ELIMIT = -5,      /* the heap reached its configured maximum size */
    GCP_ETOOLARGE = -6,   /* the object can never fit (collector limit) */
    GCP_ECORRUPT = -7,    /* heap contents are invalid; the store is poisoned */
    GCP_ESTALE = -8,      /* stale, forged or unknown host-data id or handle */
    GCP_EPOISONED = -9,   /* the store was poisoned by an earlier corruption */
    GCP_ETYPE = -10,      /* wrong object kind or type for the operation */
    GCP_EBOUNDS = -11,    /* field offset or element index out of range */
    GCP_EDOUBLE = -12,    /* heap released twice */
    GCP_EFOREIGN = -13,   /* heap does not belong to this pool */
    GCP_ETRAP = -14,      /* a guarded call trapped (see gcp_trap) */
    GCP_EBUSY = -15,      /* object still in use (heaps outstanding, collection running) */
    GCP_ESTATE = -16,     /* operation not valid in the current state */
    GCP_ESTALEREF = -17   /* debug mode: a ref into memory a collection freed or vacated */
} gcp_status;

/* Static, human-readable text for a status; never NULL (unknown codes give
 * "unknown gcpool status"). */
GCP_API const char *gcp_strerror(int status);

/* The detail of the most recent failure on the calling thread that recorded
 * one: which configuration field was wrong and why (gcp_pool_new,
 * gcp_heap_new_ondemand, gcp_store_new_ondemand, gcp_pool_config_init,
 * gcp_pool_stats_read), or which system call failed with which errno
 * (GCP_ESYS from any function).  Never NULL; "" when nothing was recorded.
 * The functions that take a configuration clear it when called; others do
 * not, so read it right after the failing call.  The text belongs to the
 * thread and is valid until its next gcpool call. */
GCP_API const char *gcp_last_error(void);
/* Empties the calling thread's message. */
GCP_API void gcp_clear_last_error(void);

/* ------------------------------------------------------------------------
 * References
 *
 * A gcp_ref is 32 bits: 0 is null, odd values are i31 integers
 * (value << 1 | 1), even non-zero values are byte offsets from the heap base.
 * A heap ref is valid until the next collection unless rooted ("Roots list
 * and handles" says exactly when).
 * ------------------------------------------------------------------------ */

typedef uint32_t gcp_ref;

#define GCP_REF_NULL ((gcp_ref)0)
#define GCP_I31_MIN (-(int32_t)0x40000000)
#define GCP_I31_MAX ((int32_t)0x3fffffff)

static inline bool gcp_ref_is_null(gcp_ref r) { return r == 0; }
static inline bool gcp_ref_is_i31(gcp_ref r) { return (r & 1u) != 0; }
/* True for a non-null, non-i31 ref: an offset into a heap. */
static inline bool gcp_ref_is_heap(gcp_ref r) { return r != 0 && (r & 1u) == 0; }

/* i31 from an int32 in [GCP_I31_MIN, GCP_I31_MAX]; GCP_EINVAL otherwise. */
static inline gcp_status gcp_ref_from_i31(int32_t v, gcp_ref *out)
{
    if (v < GCP_I31_MIN || v > GCP_I31_MAX)
        return GCP_EINVAL;
    *out = ((uint32_t)v << 1) | 1u;
    return GCP_OK;
}

/* i31 keeping the low 31 bits of v (wasm's ref.i31 semantics). */
static inline gcp_ref gcp_ref_i31_wrap(int32_t v) { return ((uint32_t)v << 1) | 1u; }

/* The sign-extended value of an i31 ref (r must be an i31). */
static inline int32_t gcp_ref_i31_value(gcp_ref r) { return (int32_t)r >> 1; }

/* Stack roots are stored by compiled code as 64-bit values.  Converting
 * back rejects any value with bits above 31 set: GCP_EINVAL, never a
 * truncation. */
static inline gcp_status gcp_ref_from_r64(uint64_t r64, gcp_ref *out)
{
    if (r64 >> 32)
        return GCP_EINVAL;
    *out = (gcp_ref)r64;
    return GCP_OK;
}
static inline uint64_t gcp_ref_to_r64(gcp_ref r) { return (uint64_t)r; }

/* ------------------------------------------------------------------------
 * Object layout (readable by compiled code)
 *
 * Every object starts with a 16-byte header, 8-byte aligned:
 *   bytes 0..3   kind (bits 0..7) and flags (bits 8..15); bits 16..31 zero
 *   bytes 4..7   type index (struct and array objects; 0 for externrefs)
 *   bytes 8..11  total object size in bytes, header included
 *   bytes 12..15 collector word (reference count for DRC, 0 otherwise)
 * Bytes 0..7 are the portable header, which gcp_heap_header decodes into a
 * gcp_header (kind, flags, type index); bytes 12..15 belong to the
 * collectors.  Payloads start at GCP_OBJ_PAYLOAD:
 *   externref: u32 host-data id
 *   struct:    the fields, at the offsets its type gives
 *   array:     u32 length at GCP_ARRAY_LENGTH, elements from GCP_ARRAY_ELEMS
 * ------------------------------------------------------------------------ */

typedef enum gcp_kind {
    GCP_KIND_FREE = 0,      /* free-list block (collector internal) */
    GCP_KIND_EXTERNREF = 1,
    GCP_KIND_STRUCT = 2,
    GCP_KIND_ARRAY = 3
} gcp_kind;

#define GCP_OBJ_HEADER_BYTES 16u
#define GCP_OBJ_PAYLOAD 16u
#define GCP_ARRAY_LENGTH 16u
#define GCP_ARRAY_ELEMS 24u
#define GCP_OBJ_ALIGN 8u

typedef struct gcp_header {
    gcp_kind kind;
    uint8_t flags;
    uint32_t type_index;
} gcp_header;

/* ------------------------------------------------------------------------
 * Type registry
 *
 * Describes struct and array types so that collectors can trace reference
 * fields.  Shared by all heaps of a pool.  Registration is serialised
 * internally; registered types can be read from any number of threads.
 * ------------------------------------------------------------------------ */

typedef struct gcp_types gcp_types;

#define GCP_MAX_STRUCT_BYTES (1u << 20)   /* largest struct payload */
#define GCP_MAX_REF_FIELDS 4096u          /* most ref fields in one struct */
#define GCP_MAX_TYPES (1u << 20)          /* most types in one registry */

/* Creates an empty registry (reference count 1).  GCP_ENOMEM. */
GCP_API gcp_status gcp_types_new(gcp_types **out);
/* Drops the caller's reference; pools keep their own, so a registry may be
 * released as soon as the pools that use it are created.  NULL is ignored. */
GCP_API void gcp_types_release(gcp_types *types);
/* Registers a struct of payload_bytes (1..GCP_MAX_STRUCT_BYTES) whose
 * reference fields (4 bytes each) start at ref_offsets[0..n_refs).  Offsets
 * must be multiples of 4, inside the payload, and distinct.  Writes the new
 * type index.  GCP_EINVAL for a bad definition, GCP_ELIMIT past
 * GCP_MAX_TYPES, GCP_ENOMEM. */
GCP_API gcp_status gcp_types_add_struct(gcp_types *types, uint32_t payload_bytes,
                                        const uint32_t *ref_offsets, size_t n_refs,
                                        uint32_t *out_index);
/* Registers an array type whose elements are elem_bytes (1, 2, 4 or 8)
 * wide; elems_are_refs requires elem_bytes == 4.  GCP_EINVAL, GCP_ELIMIT,
 * GCP_ENOMEM. */
GCP_API gcp_status gcp_types_add_array(gcp_types *types, uint32_t elem_bytes,
                                       bool elems_are_refs, uint32_t *out_index);
/* Number of registered types. */
GCP_API uint32_t gcp_types_count(const gcp_types *types);

/* ------------------------------------------------------------------------
 * Pool configuration
 * ------------------------------------------------------------------------ */

/* The README's "Collectors" section describes each one.  DRC frees objects
 * whose count reached zero and that are neither exposed since the last
 * collection nor named by a root; cycles wait for a backup trace, which the
 * collection after an allocation's GCP_NEED_GC runs, or for the reset.
 * Mark-sweep frees everything unreachable from the roots.  Compact frees the
 * same and slides every surviving object down to the start of the heap: a
 * collection changes refs, rewriting every root (stack r64 roots, ref roots
 * and handles) and every ref field, so hosts re-read refs from their roots
 * after collecting.  Its collector data is a gcp_bump, as the null
 * collector's. */
typedef enum gcp_collector {
    GCP_COLLECTOR_NULL = 0,       /* bump allocation, never reclaims */
    GCP_COLLECTOR_DRC = 1,        /* deferred reference counting over free lists */
    GCP_COLLECTOR_MARKSWEEP = 2,  /* incremental mark-sweep over free lists */
    GCP_COLLECTOR_COMPACT = 3     /* incremental mark-compact: bump allocation, moves objects */
} gcp_collector;

/* Versioned by size: `size` is the caller's sizeof(gcp_pool_config), set
 * by gcp_pool_config_default() (or gcp_pool_config_init()), so a library
 * newer than the caller's header reads only the fields the caller has and
 * gives the rest their defaults.  Always start from the defaults and set
 * fields by name; a struct whose size is wrong gets GCP_EINVAL. */
typedef struct gcp_pool_config {
    /* sizeof(gcp_pool_config) as the caller compiled it (do not change). */
    size_t size;
    /* Number of heaps the pool can hand out at once.  Default 128. */
    uint32_t num_slots;
    /* Largest size a heap may grow to; at most 4 GiB.  Default 4 GiB. */
    uint64_t max_heap_bytes;
    /* Bytes readable and writable when a heap is handed out.  Default one
     * page (4 KiB on x86-64), the least there is; at most max_heap_bytes. */
    uint64_t initial_heap_bytes;
    /* Virtual bytes reserved for each heap, >= max_heap_bytes; the part
     * past the heap's current bound is inaccessible.  Default 4 GiB: any
     * 32-bit ref then stays inside the slot.  Smaller reservations pack more
     * slots but lose that guarantee (see gcp_pool_stats.implicit_bounds). */
    uint64_t reservation_bytes;
    /* Inaccessible bytes after each slot's reservation (and before the
     * first slot).  Default 2 GiB: a ref plus any offset below this stays in
     * the slot. */
    uint64_t guard_bytes;
    /* After a release, at most this many bytes of the heap stay resident
     * (zeroed in place); the rest goes back to the kernel.  Zeroing is
     * cheaper than giving back at every size measured (gcpool-calibrate),
     * so this only bounds the idle footprint: at most
     * max_unused_warm_slots * keep_resident_bytes.  Default 16 MiB. */
    uint64_t keep_resident_bytes;
    /* Most released slots that keep resident memory; colder ones give it
     * back to the kernel.  Default 16. */
    uint32_t max_unused_warm_slots;
    /* Collector built into every heap of the pool.  Default GCP_COLLECTOR_NULL. */
    gcp_collector collector;
    /* Work units per incremental collection step (DRC, mark-sweep and
     * compact; a unit is about one object or one reference slot); see also
     * gc_step_time_us.  Default 10000. */
    uint32_t gc_step_budget;
    /* Heap growth (DRC, mark-sweep and compact): a heap grows past this percentage
     * of the bytes live after its last collection (and, before its first,
     * past 4 MiB) only once a collection has not made room: the allocation
     * answers GCP_NEED_GC first, so the heap follows the live set, not
     * max_heap_bytes.  0 grows freely up to max_heap_bytes.  At most
     * 10000.  Default 300: a grown heap then collects about once per
     * twice its live bytes allocated (200 marks the live set twice as
     * often); growth doubles the bound, so a heap can reach about 6 times
     * its live bytes. */
    uint32_t gc_heap_growth_percent;
    /* Type registry for struct and array objects; NULL means none (only
     * externrefs can be allocated).  The pool takes its own reference. */
    gcp_types *types;
    /* Ask for transparent huge pages (MADV_HUGEPAGE) on the heaps and grow
     * them in 2 MiB steps once past 2 MiB: first touch of a large heap is
     * several times cheaper (gcpool-calibrate), small heaps are unchanged.
     * Needs reservation_bytes and guard_bytes to be multiples of 2 MiB
     * (GCP_EINVAL otherwise).  Default false.  Best effort where the
     * kernel's THP setting is "never". */
    bool huge_pages;
    /* Debug mode, for host developers (GCPOOL_DEBUG=1 in the environment
     * turns it on for every heap too): after every collection the whole
     * heap and the roots are verified (GCP_ECORRUPT names the offset),
     * freed and vacated memory is filled with a poison pattern, and the
     * compacting collector moves every object at every collection (the
     * heap may grow to twice its live set for it).  A raw ref kept across a
     * collection without a root or handle then fails with GCP_ESTALEREF and
     * gcp_last_error names it, instead of reading another object.  Slow;
     * default false. */
    bool debug;
    /* Time budget of one incremental collection step, in microseconds (DRC,
     * mark-sweep and compact): a step ends after gc_step_budget units or
     * once about this much time has passed, whichever comes first.  The
     * monotonic clock is read between slices of at most 1024 units, so a
     * step may run over by one slice.  0: no time budget, units only.  At
     * most 10000000 (10 s).  A caller built against a header without this
     * field gets the default.  Default 500. */
    uint64_t gc_step_time_us;
} gcp_pool_config;

/* Writes the defaults listed above into the first `size` bytes of *cfg
 * (bytes of fields this library does not know are zeroed; with an older
 * header's size, only that struct's fields are written) and sets
 * cfg->size = size.  GCP_EINVAL (with gcp_last_error) for NULL, a size
 * smaller than the first versioned struct (gcpool 0.2) or one that is no
 * version's size (it would end inside a field). */
GCP_API gcp_status gcp_pool_config_init(gcp_pool_config *cfg, size_t size);

/* The defaults listed above, with size = sizeof(gcp_pool_config) as this
 * header defines it (inline: the size is the caller's, not the library's). */
static inline gcp_pool_config gcp_pool_config_default(void)
{
    gcp_pool_config c;
    memset(&c, 0, sizeof c);
    (void)gcp_pool_config_init(&c, sizeof c);
    return c;
}

/* ------------------------------------------------------------------------
 * Pools and heaps
 * ------------------------------------------------------------------------ */

typedef struct gcp_pool gcp_pool;
typedef struct gcp_heap gcp_heap;

/* Validates cfg and reserves the whole pool with one inaccessible mapping.
 * GCP_EINVAL: a cfg->size that is not a gcp_pool_config's, zero slots, zero
 * or over-4-GiB max heap, sizes that are not multiples of the page size,
 * initial > max, reservation < max, unknown collector, zero gc_step_budget,
 * gc_step_time_us over 10 s, huge_pages with unaligned sizes; gcp_last_error() names the field and its
 * value.  GCP_ESYS (errno kept, gcp_last_error() names the call): the
 * kernel refused the reservation.  GCP_ENOMEM (also when
 * GCP_TRAP_MAX_REGIONS pools and on-demand heaps already exist, see Traps).
 * Nothing is left behind on failure.  The caller owns *out and frees it with
 * gcp_pool_free. */
GCP_API gcp_status gcp_pool_new(const gcp_pool_config *cfg, gcp_pool **out);
/* Unmaps the pool.  GCP_EBUSY (and nothing freed) while heaps are still
 * acquired.  GCP_ESYS (errno kept) if the kernel refuses to unmap: the
 * pool is then left whole and may be freed again.  NULL gives GCP_OK. */
GCP_API gcp_status gcp_pool_free(gcp_pool *pool);
/* Hands out a heap with its initial bytes readable, writable and zero.
 * GCP_EEXHAUSTED when every slot is in use (or retired, see
 * gcp_pool_stats); GCP_ESYS (errno kept) if the kernel refuses to make the
 * memory accessible: the slot stays free for a later acquire.  An acquire
 * may run the decommit queue; a slot that pass has to retire is counted in
 * gcp_pool_stats.retired_slots, not reported by the acquire.
 * Thread-safe. */
GCP_API gcp_status gcp_pool_acquire(gcp_pool *pool, gcp_heap **out);
/* Resets the heap (a collection in progress is ended first; host data is
 * finalized by its store; memory zeroed or given back) and makes its slot
 * available.  Bytes up to keep_resident_bytes are zeroed in place at once;
 * memory past that, and whole slots beyond max_unused_warm_slots, go to a
 * decommit queue that is given back to the kernel in batches (or when an
 * acquire needs them).  Memory the kernel refuses to take back (locked by
 * mlock/mlockall, or any refusal) is zeroed in place instead, and a
 * refused shrink keeps the larger, zeroed bound: the slot stays usable.
 * GCP_ESYS (errno kept) only when a refusal could not be undone either
 * (two system calls refused in a row): the heap is released all the same,
 * but that slot (or a queued one given back by this call) is retired, see
 * gcp_pool_stats.retired_slots.  GCP_EDOUBLE when the heap is not
 * currently acquired, GCP_EFOREIGN when it belongs to another pool or to
 * the on-demand allocator.  Thread-safe. */
GCP_API gcp_status gcp_pool_release(gcp_pool *pool, gcp_heap *heap);

/* Gives back the memory of every free slot now: runs the decommit queue
 * and empties the warm slots (they become cold), asking the kernel again
 * even after it refused (see zero_in_place), and tries to bring retired
 * slots back.  Heaps in use are not touched.  GCP_EINVAL for NULL;
 * GCP_ESYS (errno kept) when a slot is (still) retired afterwards.
 * Thread-safe. */
GCP_API gcp_status gcp_pool_trim(gcp_pool *pool);

/* Versioned by size like gcp_pool_config: the library fills as many
 * fields as the caller's struct has and sets `size` to the bytes it
 * filled, so a caller built against a newer header can tell which fields
 * an older library left at zero. */
typedef struct gcp_pool_stats {
    size_t size;                   /* bytes filled by the library */
    uint32_t num_slots;
    uint32_t slots_in_use;
    uint32_t warm_slots;           /* released slots still holding resident memory */
    uint64_t reserved_bytes;       /* size of the whole reservation */
    uint64_t resident_bytes;       /* estimate: accessible bytes not given back */
    uint64_t acquires;
    uint64_t releases;
    uint64_t exhaustions;          /* acquires that found no free slot */
    uint64_t bytes_zeroed;         /* zeroed in place by resets */
    uint64_t bytes_decommitted;    /* given back to the kernel */
    uint64_t decommit_batches;     /* passes over the decommit queue */
    uint32_t decommit_queued;      /* released slots waiting for the next pass */
    uint64_t slot_stride;          /* distance between two slots' bases */
    bool implicit_bounds;          /* every ref + offset < guard stays in-slot */
    /* num_slots == slots_in_use + free_slots + retired_slots, always. */
    uint32_t free_slots;           /* not acquired: warm, cold, queued or being released */
    /* Slots whose memory the kernel would neither restore nor let be
     * zeroed (two refusals in a row); out of use until gcp_pool_trim
     * repairs them.  The call that retired one returned GCP_ESYS. */
    uint32_t retired_slots;
    /* The kernel refused a give-back with EINVAL (locked memory): released
     * memory is zeroed in place, not given back, until gcp_pool_trim. */
    bool zero_in_place;
} gcp_pool_stats;

/* Fills the first `size` bytes of *out (size: the caller's
 * sizeof(gcp_pool_stats)) with a consistent-enough snapshot (counters are
 * read atomically one by one).  GCP_EINVAL for NULL arguments or a size
 * smaller than this version's struct. */
GCP_API gcp_status gcp_pool_stats_read(const gcp_pool *pool, gcp_pool_stats *out, size_t size);
/* gcp_pool_stats_read with the caller's sizeof (inline, so the size is the
 * one the caller was compiled with). */
static inline gcp_status gcp_pool_stats_get(const gcp_pool *pool, gcp_pool_stats *out)
{
    return gcp_pool_stats_read(pool, out, sizeof *out);
}

/* The on-demand allocator: one mapping per heap, laid out like a pool slot
 * (guard, heap, rest of reservation, guard), for hosts that do not want a
 * reservation up front.  cfg->num_slots and the warm-slot fields are
 * ignored.  Errors as gcp_pool_new.  Free with gcp_heap_free_ondemand. */
GCP_API gcp_status gcp_heap_new_ondemand(const gcp_pool_config *cfg, gcp_heap **out);
/* Ends a collection in progress and unmaps an on-demand heap.
 * GCP_EFOREIGN for a pooled heap; GCP_ESYS (errno kept) if the kernel
 * refuses to unmap: the heap is left whole and may be freed again.  NULL
 * gives GCP_OK. */
GCP_API gcp_status gcp_heap_free_ondemand(gcp_heap *heap);

/* ------------------------------------------------------------------------
 * Memory accessors for compiled code
 * ------------------------------------------------------------------------ */

/* Base of the heap: object ref r lives at base + r.  NULL for NULL. */
GCP_API uint8_t *gcp_heap_base(const gcp_heap *heap);
/* Current accessible size: [base, base + bound) is readable and writable.
 * 0 for NULL. */
GCP_API size_t gcp_heap_bound(const gcp_heap *heap);
/* Largest bound the heap may grow to.  0 for NULL. */
GCP_API size_t gcp_heap_max(const gcp_heap *heap);
/* Collector data for inline allocation: see gcp_bump for the null
 * collector; NULL for collectors that expose none, and for NULL. */
GCP_API void *gcp_heap_collector_data(gcp_heap *heap);

/* The null and compact collectors' collector data: compiled code may
 * allocate inline by bumping `next` while next + size <= limit, writing a
 * valid header.  A compacting collection moves `next` down and leaves the
 * bytes above it as they were (objects that died or moved), so an inline
 * allocation writes every byte of its object, payload included (the
 * library's own allocations zero it). */
typedef struct gcp_bump {
    uint32_t next;   /* offset of the next free byte (8-byte aligned) */
    uint32_t limit;  /* end of the allocatable region (current bound) */
} gcp_bump;

/* ------------------------------------------------------------------------
 * Traps
 *
 * Compiled guest code may access base + ref + offset with no bounds check
 * and rely on the guard pages: an access outside the heap's accessible
 * bytes faults.  Inside a guarded call such a fault becomes a trap: the
 * call unwinds and returns GCP_ETRAP with the details.  Any other fault (not
 * in a gcpool region, or not inside a guarded call on the faulting thread,
 * or a signal sent by kill/raise) goes to the SIGSEGV/SIGBUS handler that
 * was installed before gcp_trap_install (SA_SIGINFO or plain), or, when that
 * was SIG_DFL or SIG_IGN, to the default action (the process dies with the
 * signal).  A previous handler is called from gcpool's, with its own
 * sa_mask and SA_NODEFER applied; SA_RESETHAND and SA_RESTART are not
 * emulated.
 *
 * Regions: every pool and every on-demand heap registers its whole mapping
 * (guards included) in a fixed table of GCP_TRAP_MAX_REGIONS entries when it
 * is created and leaves it when freed.  When the table is full, creating a
 * pool or an on-demand heap fails with GCP_ENOMEM (so the promise below
 * always holds).  A fault is looked up by a lock-free scan of the table
 * entries ever used (bounded by GCP_TRAP_MAX_REGIONS).
 *
 * Attribution: an address in slot i's heap, the rest of its reservation or
 * the guard after it belongs to slot i's heap (offset >= bound); an address
 * in a pool's leading guard (or an on-demand heap's leading guard) belongs
 * to the first heap, with a negative offset.  For a pooled slot the heap
 * reported is the slot's heap whether or not it is currently acquired.
 *
 * Signal stacks: the handler runs with SA_ONSTACK.  A thread gets an
 * alternate signal stack on its first guarded call (or gcp_trap_thread_init);
 * if it already has one of at least GCP_TRAP_MIN_ALTSTACK bytes, that one is
 * kept.  A stack gcpool made is released when the thread exits.
 *
 * Lifetime: there is no uninstall; once installed, the library must stay
 * loaded.  Guarded calls are per thread: a fault on a thread that is not
 * inside one is never a trap.  Sanitizers (ASan, TSan) install their own
 * fault handlers before main: traps still work (gcpool's handler runs
 * first), and other faults reach the sanitizer's report; set
 * handle_segv=0:handle_sigbus=0 in ASAN_OPTIONS/TSAN_OPTIONS for them to
 * end the process with the signal instead.
 * ------------------------------------------------------------------------ */

#define GCP_TRAP_MAX_REGIONS 4096u          /* pools + on-demand heaps alive at once */
#define GCP_TRAP_MIN_ALTSTACK (64u * 1024u) /* size of the signal stacks gcpool makes */

typedef enum gcp_trap_access {
    GCP_ACCESS_UNKNOWN = 0,  /* the platform does not say (not x86-64) */
    GCP_ACCESS_READ = 1,
    GCP_ACCESS_WRITE = 2
} gcp_trap_access;

typedef struct gcp_trap {
    gcp_heap *heap;          /* heap whose slot contains the address */
    int64_t offset;          /* address - heap base; negative before the base */
    void *addr;              /* the faulting address */
    gcp_trap_access access;  /* read or write, where the platform tells */
    int signo;               /* SIGSEGV or SIGBUS */
} gcp_trap;

/* Installs the SIGSEGV and SIGBUS handlers, remembering the ones installed
 * before (which keep receiving every fault that is not a trap).  Idempotent
 * and thread-safe: only the first successful call installs.  Hosts that
 * install their own handlers afterwards must chain to gcpool's themselves.
 * GCP_ESYS (errno kept) if sigaction fails; nothing is left installed. */
GCP_API gcp_status gcp_trap_install(void);
/* True once gcp_trap_install has succeeded. */
GCP_API bool gcp_trap_installed(void);
/* Gives the calling thread an alternate signal stack if it has none of at
 * least GCP_TRAP_MIN_ALTSTACK bytes (guarded calls do this on first use).
 * Idempotent.  GCP_ESYS (errno kept) if the stack cannot be mapped or set;
 * GCP_ENOMEM if the per-thread cleanup cannot be registered. */
GCP_API gcp_status gcp_trap_thread_init(void);

/* Calls fn(arg) and returns its status, unless a trap happens inside it:
 * then fn is abandoned at the faulting instruction (no cleanup of its own
 * runs, so it must not hold locks or own resources the host cannot
 * recover), the signal mask is restored to what it was when the guarded
 * call was entered (saving it costs one system call per call), and the
 * call returns GCP_ETRAP with *trap_out filled in (trap_out may be
 * NULL).  Guarded calls may be made from signal handlers, also ones that
 * interrupted a guarded call (gcpool's fault handler blocks every
 * asynchronous signal while it runs); a fault in such a handler outside a
 * guarded call of its own is a trap of the call it interrupted.  The
 * thread must have its signal stack already (gcp_trap_thread_init): the
 * first call of a thread maps it, which a handler must not do.  trap_out is untouched when no trap happens.  heap may be NULL; it
 * documents the heap fn uses and is not required to match the trap's heap.
 * Guarded calls nest: a trap unwinds to the innermost one, which returns
 * to its caller normally.  fn must leave by returning or by a trap, never
 * by longjmp past this call.  After a trap the heap stays usable; it can be
 * released and its slot reused as usual.
 * GCP_ESTATE if gcp_trap_install has not succeeded; GCP_EINVAL if fn is
 * NULL; errors of gcp_trap_thread_init on a thread's first call. */
GCP_API gcp_status gcp_guarded_call(gcp_heap *heap, gcp_status (*fn)(void *arg), void *arg,
                                    gcp_trap *trap_out);

/* Compiled-code-style access: load or store a value (native byte order) at
 * base + ref + offset, with no bounds check (memcpy: any alignment).
 *
 * The promise: on a pool (or on-demand heap) with implicit bounds
 * (gcp_pool_stats.implicit_bounds: reservation_bytes >= 4 GiB), inside a
 * guarded call, for every 32-bit ref and every offset with offset + width
 * <= guard_bytes, the access either succeeds inside [base, base + bound) or
 * traps; it never touches another slot or host memory.  Outside a guarded
 * call a fault reaches the previous handler (by default the process dies).
 *
 * Without implicit bounds (smaller reservations) the promise does not hold
 * and these unchecked helpers must not be used on guest-controlled refs:
 * use the _checked variants below, which compare against the current bound
 * and return GCP_EBOUNDS instead of accessing. */
#define GCP__ACCESS_AT(base, ref, offset) ((base) + (uintptr_t)(ref) + (uintptr_t)(offset))
#define GCP__DEFINE_ACCESS(bits)                                                           \
    static inline uint##bits##_t gcp_load##bits(const uint8_t *base, gcp_ref ref,          \
                                                uint32_t offset)                           \
    {                                                                                      \
        uint##bits##_t v;                                                                  \
        memcpy(&v, GCP__ACCESS_AT(base, ref, offset), sizeof v);                           \
        return v;                                                                          \
    }                                                                                      \
    static inline void gcp_store##bits(uint8_t *base, gcp_ref ref, uint32_t offset,        \
                                       uint##bits##_t v)                                   \
    {                                                                                      \
        memcpy(GCP__ACCESS_AT(base, ref, offset), &v, sizeof v);                           \
    }                                                                                      \
    static inline gcp_status gcp_load##bits##_checked(const uint8_t *base, size_t bound,   \
                                                      gcp_ref ref, uint32_t offset,        \
                                                      uint##bits##_t *out)                 \
    {                                                                                      \
        if ((uint64_t)ref + offset + sizeof *out > (uint64_t)bound)                        \
            return GCP_EBOUNDS;                                                            \
        *out = gcp_load##bits(base, ref, offset);                                          \
        return GCP_OK;                                                                     \
    }                                                                                      \
    static inline gcp_status gcp_store##bits##_checked(uint8_t *base, size_t bound,        \
                                                       gcp_ref ref, uint32_t offset,       \
                                                       uint##bits##_t v)                   \
    {                                                                                      \
        if ((uint64_t)ref + offset + sizeof v > (uint64_t)bound)                           \
            return GCP_EBOUNDS;                                                            \
        gcp_store##bits(base, ref, offset, v);                                             \
        return GCP_OK;                                                                     \
    }
GCP__DEFINE_ACCESS(8)
GCP__DEFINE_ACCESS(16)
GCP__DEFINE_ACCESS(32)
GCP__DEFINE_ACCESS(64)
#undef GCP__DEFINE_ACCESS
/* gcp_load8/16/32/64(base, ref, offset), gcp_store8/16/32/64(base, ref,
 * offset, v): unchecked, as promised above.  gcp_loadN_checked(base, bound,
 * ref, offset, &out) and gcp_storeN_checked(base, bound, ref, offset, v):
 * GCP_OK, or GCP_EBOUNDS (nothing accessed) when ref + offset + width >
 * bound; bound is gcp_heap_bound() at the time of the access. */

/* ------------------------------------------------------------------------
 * Host-data table (externref payloads)
 *
 * Host pointers never enter a heap: an externref holds a 32-bit id into
 * this side table.  The guarantee, for ids read from a (possibly
 * corrupted) heap:
 *  - an id is bound to the one externref it was allocated with
 *    (gcp_heap_alloc_externref); the same id presented by any other object,
 *    or an id that is not live, is corruption (GCP_ECORRUPT, heap
 *    poisoned) wherever the library looks it up for that heap
 *    (gcp_heap_externref_data, gcp_store_externref_data, collections);
 *  - an id, once stale, never becomes valid again in its table: an id
 *    carries a 10-bit generation, and an entry whose generation would wrap
 *    (after 1024 uses) is retired for good instead of being reused.  A
 *    store's table starts over only when the store's heap is reset, which
 *    leaves no old id anywhere in the heap.
 * Each entry's finalizer runs exactly once: when the entry is removed, when
 * its externref is reclaimed by a collection, when its store's heap is reset,
 * or when the table is freed.
 * ------------------------------------------------------------------------ */

typedef struct gcp_hostdata gcp_hostdata;
typedef void (*gcp_finalizer)(void *host_ptr);

/* Creates an empty table.  GCP_ENOMEM. */
GCP_API gcp_status gcp_hostdata_new(gcp_hostdata **out);
/* Runs every remaining finalizer once and frees the table.  NULL ignored. */
GCP_API void gcp_hostdata_free(gcp_hostdata *table);
/* Stores ptr (and an optional finalizer, called with ptr) and writes its id
 * (never 0), not yet bound to any externref.  Freed entries are reused
 * with a new generation, so their old ids become stale.  GCP_EINVAL,
 * GCP_ENOMEM, GCP_ELIMIT when the table is full (about 4 million entries,
 * live or retired). */
GCP_API gcp_status gcp_hostdata_insert(gcp_hostdata *table, void *ptr,
                                       gcp_finalizer fin, uint32_t *out_id);
/* Reads the pointer stored under id, whichever object presents it (for ids
 * the host kept itself; for an id read from a heap use
 * gcp_heap_externref_data, which checks the binding).  GCP_EINVAL for NULL
 * table or out; GCP_ESTALE for an id that is not live. */
GCP_API gcp_status gcp_hostdata_get(const gcp_hostdata *table, uint32_t id, void **out);
/* Removes id, running its finalizer (after the entry is gone, so the
 * finalizer may use the table).  GCP_EINVAL for a NULL table, GCP_ESTALE
 * for an id that is not live.  An entry
 * still held by a live externref should be left to the heap: the externref's
 * id becomes stale (see gcp_store_externref_data). */
GCP_API gcp_status gcp_hostdata_remove(gcp_hostdata *table, uint32_t id);
/* Removes every entry, running each finalizer once (used on reset); keeps
 * the table's storage.  NULL ignored. */
GCP_API void gcp_hostdata_clear(gcp_hostdata *table);
/* Number of live entries. */
GCP_API size_t gcp_hostdata_count(const gcp_hostdata *table);

/* ------------------------------------------------------------------------
 * Roots list and handles
 *
 * What keeps a ref valid.  A raw gcp_ref the host holds (in a variable, a
 * host structure, a struct field it read) is valid until the next
 * collection of its heap, no longer, unless it is rooted: named by an
 * entry of the roots list the collection is given (the list borrows the
 * variable it lives in) or held in a handle of that list.  A collection
 * frees every object no root reaches (DRC, which never moves objects, also
 * keeps what a count the host holds keeps: see gcp_heap_clone_ref), and a
 * moving collector may give the objects it keeps new refs, which it writes
 * into the roots.  So after a collection (also one run by a
 * gcp_store_alloc_*_gc call) the host re-reads its handles
 * (gcp_roots_handle_get) and the variables its list entries point to, and
 * uses no other raw ref it kept from before.  i31 and null refs are values
 * and never change.
 *
 * List entries: pointers to the places where the host keeps references:
 * stack roots are 64-bit slots written by compiled code (r64), non-stack
 * roots are gcp_ref variables.  The list only borrows those places; they
 * must stay valid until the entry is removed.  Storage is kept across
 * gcp_roots_clear, so a list is reused from collection to collection
 * without reallocating.
 *
 * Handles: cells owned by the list, each holding one ref, named by a small
 * value (gcp_handle) the host copies freely.  Two kinds:
 *  - scoped handles, made inside a scope (gcp_roots_scope_enter gives a
 *    mark; gcp_roots_scope_leave with that mark unroots every scoped handle
 *    made since, in O(1)).  Scopes nest and are left innermost first.
 *  - long-lived handles (gcp_roots_handle_new / gcp_roots_handle_free),
 *    freed one by one in O(1).  Scopes do not touch them: one made inside a
 *    scope outlives it.
 * Each handle carries its list's id and its cell's generation: a handle
 * that was unrooted (freed, or its scope left), one of another list, one
 * from before a gcp_roots_reset and a forged one are refused with
 * GCP_ESTALE, never followed; a freed cell is reused under a new
 * generation, and a cell whose generations are used up is never reused, so
 * a handle never becomes valid again.  A zeroed gcp_handle is never valid.
 * The refs handles hold are not checked when set; a collection checks
 * every root first (see gcp_heap_gc_start).  Like list entries, handles
 * take no DRC count: a rooted object is protected from collections, and
 * the count the host got with it (allocation, gcp_heap_clone_ref) is still
 * the host's to drop.
 *
 * Any host change of a list (entry added, set, removed, truncated or
 * cleared; handle made, set or freed; scope left; reset) ends a collection
 * in progress over it with GCP_ESTATE (see "Life of a collection").
 * Reading does not, nor does gcp_roots_scope_enter.
 * ------------------------------------------------------------------------ */

typedef struct gcp_roots gcp_roots;

typedef struct gcp_root {
    bool on_stack;     /* true: points to a uint64_t r64; false: to a gcp_ref */
    void *where;
} gcp_root;

/* A rooted ref held by the list (see above).  The fields are opaque: the
 * list's id, the cell's index (its kind in bit 31) and generation. */
typedef struct gcp_handle {
    uint64_t list;
    uint32_t index;
    uint32_t gen;
} gcp_handle;

/* The mark of an open scope, given by gcp_roots_scope_enter (opaque). */
typedef struct gcp_scope {
    uint64_t list;
    uint64_t serial;
} gcp_scope;

/* The most scoped handles, long-lived handle cells, and open scopes a list
 * holds (each counted apart), unless lowered by gcp_roots_set_handle_limit. */
#define GCP_ROOTS_MAX_HANDLES ((size_t)1 << 24)

/* Creates an empty list.  GCP_EINVAL for NULL, GCP_ENOMEM. */
GCP_API gcp_status gcp_roots_new(gcp_roots **out);
/* Frees the list and its handle cells (not the places its entries point
 * to).  NULL ignored. */
GCP_API void gcp_roots_free(gcp_roots *roots);
/* Adds a stack root at index gcp_roots_count().  GCP_EINVAL for NULL,
 * GCP_ENOMEM. */
GCP_API gcp_status gcp_roots_add_stack(gcp_roots *roots, uint64_t *r64);
/* Adds a non-stack root at index gcp_roots_count().  GCP_EINVAL for NULL,
 * GCP_ENOMEM. */
GCP_API gcp_status gcp_roots_add(gcp_roots *roots, gcp_ref *ref);
/* Number of entries in the list (handles not counted); 0 for NULL. */
GCP_API size_t gcp_roots_count(const gcp_roots *roots);
/* The i-th entry.  GCP_EINVAL for NULL, GCP_EBOUNDS past the end. */
GCP_API gcp_status gcp_roots_at(const gcp_roots *roots, size_t i, gcp_root *out);
/* Reads the ref an entry holds, without barriers.  A stack root whose r64
 * has upper bits set gives GCP_EINVAL.  GCP_EBOUNDS past the end. */
GCP_API gcp_status gcp_roots_get(const gcp_roots *roots, size_t i, gcp_ref *out);
/* Writes a ref where the entry points (as r64 for a stack root), without
 * barriers.  GCP_EINVAL for NULL, GCP_EBOUNDS past the end. */
GCP_API gcp_status gcp_roots_set(gcp_roots *roots, size_t i, gcp_ref value);
/* Removes entry i in O(1): the last entry moves into index i (the order of
 * the others is kept; removing the last entry moves nothing).  GCP_EINVAL
 * for NULL, GCP_EBOUNDS past the end. */
GCP_API gcp_status gcp_roots_remove(gcp_roots *roots, size_t i);
/* Drops entries n and above: with n = gcp_roots_count() taken earlier as a
 * mark, removes everything added since (storage kept).  n equal to the
 * count changes nothing but still counts as a change.  GCP_EINVAL for NULL,
 * GCP_EBOUNDS for n above the count (nothing changed). */
GCP_API gcp_status gcp_roots_truncate(gcp_roots *roots, size_t n);
/* Empties the list of entries, keeping its storage.  Handles and scopes
 * are not touched.  NULL ignored. */
GCP_API void gcp_roots_clear(gcp_roots *roots);
/* Empties the list and drops every handle and every open scope: all
 * handles and marks given out so far are refused (GCP_ESTALE) from now on,
 * and the handle limit is back to GCP_ROOTS_MAX_HANDLES, as in a new list.
 * Storage is kept.  gcp_store_free does this to a store's list.  NULL
 * ignored. */
GCP_API void gcp_roots_reset(gcp_roots *roots);
/* Number of entries the list can hold without reallocating (kept by clear). */
GCP_API size_t gcp_roots_capacity(const gcp_roots *roots);

/* Opens a scope nested in the current ones and writes its mark.
 * GCP_EINVAL for NULL, GCP_ELIMIT past the limit on open scopes,
 * GCP_ENOMEM. */
GCP_API gcp_status gcp_roots_scope_enter(gcp_roots *roots, gcp_scope *out);
/* Leaves the innermost scope, whose mark this is: every scoped handle made
 * since it was entered is unrooted (O(1)); long-lived handles stay.
 * GCP_ESTATE when scope is an outer scope that is still open (a scope
 * entered after it has not been left: leave that first; nothing changed),
 * GCP_ESTALE for a mark of a scope already left, of another list, or
 * forged; GCP_EINVAL for NULL. */
GCP_API gcp_status gcp_roots_scope_leave(gcp_roots *roots, gcp_scope scope);
/* Number of open scopes; 0 for NULL. */
GCP_API size_t gcp_roots_scope_depth(const gcp_roots *roots);
/* Roots ref in the innermost scope: writes a scoped handle holding it, valid
 * until that scope is left.  GCP_ESTATE when no scope is open, GCP_ELIMIT
 * past the limit on scoped handles, GCP_ENOMEM, GCP_EINVAL for NULL. */
GCP_API gcp_status gcp_roots_scope_handle(gcp_roots *roots, gcp_ref ref, gcp_handle *out);
/* Roots ref in a long-lived handle (reusing a freed cell when there is
 * one), valid until gcp_roots_handle_free or gcp_roots_reset, whatever
 * scopes are entered or left.  GCP_ELIMIT past the limit on long-lived
 * cells, GCP_ENOMEM, GCP_EINVAL for NULL. */
GCP_API gcp_status gcp_roots_handle_new(gcp_roots *roots, gcp_ref ref, gcp_handle *out);
/* Unroots a long-lived handle in O(1); the handle (and every copy of it)
 * is refused from then on.  GCP_ESTALE for a handle that is not live in
 * this list; GCP_EINVAL for a scoped handle (it ends with its scope:
 * nothing changed) or NULL. */
GCP_API gcp_status gcp_roots_handle_free(gcp_roots *roots, gcp_handle h);
/* The ref a live handle holds now (after any move by a collector).
 * GCP_ESTALE for a handle that is not live in this list, GCP_EINVAL for
 * NULL. */
GCP_API gcp_status gcp_roots_handle_get(const gcp_roots *roots, gcp_handle h, gcp_ref *out);
/* Makes a live handle hold ref instead, without barriers.  GCP_ESTALE,
 * GCP_EINVAL as for get. */
GCP_API gcp_status gcp_roots_handle_set(gcp_roots *roots, gcp_handle h, gcp_ref ref);
/* Number of live handles, scoped and long-lived; 0 for NULL. */
GCP_API size_t gcp_roots_handle_count(const gcp_roots *roots);
/* Lowers (or raises again) the most scoped handles, long-lived cells and
 * open scopes the list holds, each, to limit (1 .. GCP_ROOTS_MAX_HANDLES);
 * what it holds already stays, only later growth is refused (GCP_ELIMIT).
 * GCP_EINVAL for NULL or a limit out of range. */
GCP_API gcp_status gcp_roots_set_handle_limit(gcp_roots *roots, size_t limit);

/* ------------------------------------------------------------------------
 * Contract violations
 *
 * A collection started inside a no-GC scope, or a no-GC exit without an
 * enter, is a bug in the host.  It is reported to the panic handler, which
 * by default prints the message to stderr and aborts.  A handler that
 * returns lets the offending call return GCP_ESTATE (gcp_heap_exit_no_gc,
 * which returns nothing, leaves the depth at 0).
 * ------------------------------------------------------------------------ */

typedef void (*gcp_panic_handler)(const char *message, void *user);

/* Replaces the process-wide handler (NULL restores the default) and
 * returns nothing; thread-safe. */
GCP_API void gcp_set_panic_handler(gcp_panic_handler handler, void *user);

/* ------------------------------------------------------------------------
 * Heap operations
 *
 * All take a heap acquired from a pool or made on demand.  Every operation
 * on a poisoned heap returns GCP_EPOISONED until the heap is reset, and
 * every one except gcp_collection_step returns GCP_EBUSY while a collection
 * is in progress.  GCP_EINVAL for NULL pointers, and for a null or i31 ref
 * where an object is needed.  Refs
 * read from the heap are validated (offset in bounds and aligned, header
 * kind, type index, size, length, host-data id); a failed check returns
 * GCP_ECORRUPT and poisons the heap.
 * ------------------------------------------------------------------------ */

/* Nested no-GC scopes: enter increments the depth, exit decrements it; an
 * exit at depth 0 goes to the panic handler.  They work on a poisoned heap. */
GCP_API void gcp_heap_enter_no_gc(gcp_heap *heap);
GCP_API void gcp_heap_exit_no_gc(gcp_heap *heap);
/* Current nesting depth. */
GCP_API uint32_t gcp_heap_no_gc_depth(const gcp_heap *heap);

/* True if the heap has been poisoned by a detected corruption. */
GCP_API bool gcp_heap_is_poisoned(const gcp_heap *heap);

/* Copies the portable header of the object at ref after validating the
 * whole object.  GCP_EINVAL for null or i31 refs, GCP_ECORRUPT for a ref or
 * header that is not valid. */
GCP_API gcp_status gcp_heap_header(gcp_heap *heap, gcp_ref ref, gcp_header *out);

/* Barriers.  clone: the host takes a new reference to src (counted by DRC);
 * *out == src.  write: *dst = src (src borrowed, may be NULL for null), the
 * old value of *dst is released (an externref reclaimed this way has its
 * host data removed from `table`).  drop: write with a null source.
 * i31 and null refs pass through untouched.  table may be NULL only for
 * collectors that never reclaim in barriers (null).  Every heap ref involved
 * (src, old *dst) is validated first: GCP_ECORRUPT. */
GCP_API gcp_status gcp_heap_clone_ref(gcp_heap *heap, gcp_ref src, gcp_ref *out);
GCP_API gcp_status gcp_heap_write_ref(gcp_heap *heap, gcp_hostdata *table,
                                      gcp_ref *dst, const gcp_ref *src);
GCP_API gcp_status gcp_heap_drop_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref ref);
/* The ref is being handed to compiled code (argument or return value).
 * DRC keeps it alive until the next collection completes (the exposed set,
 * host memory); GCP_ENOMEM if that set cannot grow. */
GCP_API gcp_status gcp_heap_expose_ref(gcp_heap *heap, gcp_ref ref);
/* Should the host collect before passing n (> 0) refs into compiled code?
 * DRC: true when its exposed set would then hold more than 1024 refs
 * (exposing more still works; the set just grows); false otherwise. */
GCP_API bool gcp_heap_need_gc_before_entering_wasm(const gcp_heap *heap, size_t n);

/* Allocation.  The new object is zeroed; the heap grows (up to its maximum)
 * when needed.  GCP_OK with *out set; GCP_NEED_GC when the heap is full and
 * cannot grow but a collection might make room (collect, then retry);
 * GCP_ELIMIT when the heap is at its maximum and collecting cannot help --
 * in particular an allocation that finds no room after a collection has
 * completed (with no successful allocation since) always gets GCP_ELIMIT,
 * so "alloc; on NEED_GC collect and retry" runs at most one collection per
 * allocation; GCP_ETOOLARGE for an object that can never fit; GCP_ETYPE for
 * an unknown or wrong-kind type; GCP_ESYS if the memory could not grow.
 * The caller owns the returned reference (for DRC: a count of one).
 * alloc_externref binds host_data_id, which must be live in table and not
 * bound yet, to the new externref (GCP_EINVAL otherwise, NULL table
 * included); gcp_store_alloc_externref does the insert and this in one. */
GCP_API gcp_status gcp_heap_alloc_externref(gcp_heap *heap, gcp_hostdata *table,
                                            uint32_t host_data_id, gcp_ref *out);
GCP_API gcp_status gcp_heap_alloc_struct(gcp_heap *heap, uint32_t type_index, gcp_ref *out);
GCP_API gcp_status gcp_heap_alloc_array(gcp_heap *heap, uint32_t type_index,
                                        uint32_t length, gcp_ref *out);

/* The host-data id held by an externref, exactly as read from the heap
 * (untrusted: compiled code may have rewritten it).  GCP_ETYPE if not an
 * externref. */
GCP_API gcp_status gcp_heap_externref_host_data(gcp_heap *heap, gcp_ref ref, uint32_t *out_id);
/* The host pointer behind an externref, through table: the id it holds must
 * be live and bound to this very externref, else GCP_ECORRUPT (heap
 * poisoned).  GCP_ETYPE if not an externref, GCP_EINVAL for NULL. */
GCP_API gcp_status gcp_heap_externref_data(gcp_heap *heap, gcp_hostdata *table, gcp_ref ref,
                                           void **out);

/* Struct fields, by byte offset into the payload (these, and the ref calls
 * of arrays, are also inline: see "Inline fast paths" below).  Ref fields
 * go through the write barrier; scalar reads and writes must not overlap a
 * ref field (GCP_ETYPE) and must lie inside the payload (GCP_EBOUNDS, also
 * for len 0).
 * A ref offset that is not one of the type's ref fields gives GCP_ETYPE.
 * get_ref returns a borrowed ref, validated (GCP_ECORRUPT if the field holds
 * an invalid ref); clone it to keep it across barriers, root it to keep it
 * across collections (see "Roots list and handles").
 * set_ref validates both the old field value and the new one. */
GCP_API gcp_status gcp_struct_get_ref(gcp_heap *heap, gcp_ref obj, uint32_t offset, gcp_ref *out);
GCP_API gcp_status gcp_struct_set_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref obj,
                                      uint32_t offset, gcp_ref value);
GCP_API gcp_status gcp_struct_read(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                   void *buf, size_t len);
GCP_API gcp_status gcp_struct_write(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                    const void *buf, size_t len);

/* Arrays.  Element reads and writes copy elem_bytes of the array's type;
 * ref elements go through the write barrier.  GCP_EBOUNDS past the length,
 * GCP_ETYPE for ref/scalar mismatch.  Refs are validated as for structs. */
GCP_API gcp_status gcp_array_length(gcp_heap *heap, gcp_ref arr, uint32_t *out);
GCP_API gcp_status gcp_array_get_ref(gcp_heap *heap, gcp_ref arr, uint32_t index, gcp_ref *out);
GCP_API gcp_status gcp_array_set_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                                     uint32_t index, gcp_ref value);
GCP_API gcp_status gcp_array_read(gcp_heap *heap, gcp_ref arr, uint32_t index, void *out);
GCP_API gcp_status gcp_array_write(gcp_heap *heap, gcp_ref arr, uint32_t index, const void *in);

/* ------------------------------------------------------------------------
 * Inline fast paths
 *
 * gcp_struct_read, gcp_struct_write, gcp_struct_get_ref, gcp_struct_set_ref,
 * gcp_array_length, gcp_array_get_ref, gcp_array_set_ref, gcp_heap_clone_ref
 * and gcp_heap_drop_ref are also defined here as macros over static inline
 * functions, so that a host's common access makes no call.  (gcp_array_read
 * and _write stay calls: an element's width is the array type's, which the
 * caller's buffer does not show the compiler.)  The inline code runs the
 * library's own fast-path checks: heap usable; the ref aligned, its header
 * inside the bound, of a registered struct or array type and of the size
 * that type (and the array's length) gives; the range inside the payload
 * and clear of ref fields, the offset one of its ref fields, or the index
 * below the length of a ref array; every ref value read or stored null, an
 * i31, or a valid struct or array; under DRC, no count reaching zero.  Then
 * it copies and counts.  Anything else -- an error, an externref value, a
 * type registered after the heap's snapshot of the registry, a DRC count
 * that reaches zero, another library layout -- calls the exported
 * function, which gives the exact status.  Results are the same either
 * way.  Taking a function's address, or writing its name in parentheses,
 * as in (gcp_struct_read)(...), uses the exported function.  Define
 * GCP_NO_INLINE before including this header to get plain calls.
 *
 * Everything below, up to the macros, is internal: the parts of a heap,
 * of its memory descriptor and of a registered type that the inline code
 * reads, and the inline functions themselves.  The
 * library checks these layouts when it is built, and the inline code
 * checks the heap's layout tag on every call, so a host built with another
 * version of this header only loses the inline path.  Hosts must not use
 * these names.
 * ------------------------------------------------------------------------ */

/* Internal: the inline functions are inlined even where the compiler
 * would rather call them (a call would cost what they save). */
#if defined(__GNUC__)
#define GCP__INLINE static inline __attribute__((always_inline))
#else
#define GCP__INLINE static inline
#endif

/* Internal: a registered type, as the library stores it. */
struct gcp__type {
    gcp_kind kind;            /* GCP_KIND_STRUCT or GCP_KIND_ARRAY */
    uint32_t payload_bytes;   /* struct: payload size */
    uint32_t elem_bytes;      /* array: element size */
    bool elems_are_refs;      /* array */
    uint8_t elem_shift;       /* array: log2(elem_bytes) */
    uint32_t n_refs;          /* struct: number of ref fields */
    /* struct: the whole object's size, header included (what the size
     * word of every valid object of this type holds); array: 0. */
    uint32_t obj_bytes;
    /* struct: the payload bytes below the first ref field and from the
     * end of the last one on hold no ref (payload_bytes and 0 without
     * ref fields): a scalar access inside either needs no search. */
    uint32_t refs_from, refs_to;
    /* struct: bit i set when a ref field starts at payload offset 4 * i
     * (i < 64: ref fields in the first 256 bytes). */
    uint64_t ref_words;
    const uint32_t *ref_offsets; /* struct: sorted ascending */
};

/* Internal: the start of a heap (the library's struct gcp_heap begins
 * with these fields) and of its memory descriptor. */
#define GCP__HEAP_LAYOUT UINT64_C(0x6763703100000001)   /* odd: never a pointer */
struct gcp__heap_head {
    uint64_t layout;                   /* GCP__HEAP_LAYOUT */
    const void *mem;                   /* struct gcp__mem_head * */
    struct {
        const struct gcp__type *first; /* the heap's snapshot of the registry */
        uint32_t n;
    } tsnap;
    bool poisoned;
    bool gc_active;
    uint8_t barrier;                   /* GCP__BARRIER_* */
};
/* Internal: what a ref store, clone or drop does besides validation. */
#define GCP__BARRIER_CALL 0u     /* the collector's hooks: no inline path */
#define GCP__BARRIER_NONE 1u     /* nothing (null, mark-sweep, compact) */
/* Counts in the collector word (DRC): a new referent gains one (saturating
 * at UINT32_MAX, which never changes again), the old one loses one; inline
 * only while no count reaches zero. */
#define GCP__BARRIER_COUNTS 2u
struct gcp__mem_head {
    uint8_t *base;
    size_t bound;
};

/* Internal: reads a field of the heap head (bytes copied: the heap is not
 * a struct gcp__heap_head as far as the compiler knows). */
#define GCP__HEAD_FIELD(heap, field, dst)                                                  \
    memcpy(&(dst), (const char *)(heap) + offsetof(struct gcp__heap_head, field), sizeof(dst))

/* Internal: the heap's memory and snapshot when mutator operations may run
 * on it and its layout is this header's. */
typedef struct gcp__inl_view {
    uint8_t *base;
    size_t bound;
    const struct gcp__type *types;
    uint32_t ntypes;
} gcp__inl_view;

GCP__INLINE bool gcp__inl_heap(const gcp_heap *heap, gcp__inl_view *v)
{
    if (!heap)
        return false;
    uint64_t layout;
    bool poisoned, gc_active;
    const void *mem;
    GCP__HEAD_FIELD(heap, layout, layout);
    GCP__HEAD_FIELD(heap, poisoned, poisoned);
    GCP__HEAD_FIELD(heap, gc_active, gc_active);
    if (layout != GCP__HEAP_LAYOUT || poisoned || gc_active)
        return false;
    GCP__HEAD_FIELD(heap, mem, mem);
    GCP__HEAD_FIELD(heap, tsnap.first, v->types);
    GCP__HEAD_FIELD(heap, tsnap.n, v->ntypes);
    memcpy(&v->base, (const char *)mem + offsetof(struct gcp__mem_head, base), sizeof v->base);
    memcpy(&v->bound, (const char *)mem + offsetof(struct gcp__mem_head, bound), sizeof v->bound);
    return true;
}

/* Internal: ref is aligned, non-zero, with its header inside the bound
 * and of `kind` (any flags), its type in the snapshot and of that kind,
 * its size inside the bound: *o its address, *ty its type, *size its size. */
GCP__INLINE bool gcp__inl_header(const gcp__inl_view *v, gcp_ref ref, gcp_kind kind,
                                 uint8_t **o, const struct gcp__type **ty, uint32_t *size)
{
    if (ref == 0 || (ref & (GCP_OBJ_ALIGN - 1)) != 0 ||
        (uint64_t)ref + GCP_OBJ_HEADER_BYTES > (uint64_t)v->bound)
        return false;
    uint8_t *p = v->base + ref;
    /* Word by word, as the library writes a new header: a wider load
     * would wait for those stores to retire. */
    uint32_t k, ti;
    memcpy(&k, p, sizeof k);
    memcpy(&ti, p + 4, sizeof ti);
    memcpy(size, p + 8, sizeof *size);
    if ((k & 0xffff00ffu) != (uint32_t)kind || ti >= v->ntypes ||
        (uint64_t)ref + *size > (uint64_t)v->bound || v->types[ti].kind != kind)
        return false;
    *o = p;
    *ty = v->types + ti;
    return true;
}

/* Internal: ref is a struct object with a valid header of a type in the
 * snapshot (the library's fast check for structs): *p its address. */
GCP__INLINE bool gcp__inl_struct(const gcp__inl_view *v, gcp_ref ref, uint8_t **p,
                                 const struct gcp__type **t)
{
    uint32_t size;
    return gcp__inl_header(v, ref, GCP_KIND_STRUCT, p, t, &size) && size == (*t)->obj_bytes;
}

/* Internal: ref is an array object with a valid header of a type in the
 * snapshot, its size what its length gives (the library's fast check for
 * arrays): *p its address, *len its length. */
GCP__INLINE bool gcp__inl_array(const gcp__inl_view *v, gcp_ref ref, uint8_t **p,
                                const struct gcp__type **t, uint32_t *len)
{
    uint32_t size;
    if (!gcp__inl_header(v, ref, GCP_KIND_ARRAY, p, t, &size) || size < GCP_ARRAY_ELEMS)
        return false;
    /* The length word lies inside the object once the size says so. */
    memcpy(len, *p + GCP_ARRAY_LENGTH, sizeof *len);
    return (((uint64_t)GCP_ARRAY_ELEMS + ((uint64_t)*len << (*t)->elem_shift) + 7u) &
            ~(uint64_t)7u) == size;
}

/* Internal: v is null, an i31, or a valid struct or array of the heap
 * viewed (externrefs take the library's check). */
GCP__INLINE bool gcp__inl_value(const gcp__inl_view *v, gcp_ref r)
{
    uint8_t *p;
    const struct gcp__type *t;
    uint32_t n;
    if (!gcp_ref_is_heap(r))
        return true;
    if ((r & (GCP_OBJ_ALIGN - 1)) != 0 || (uint64_t)r + GCP_OBJ_HEADER_BYTES > (uint64_t)v->bound)
        return false;
    return v->base[r] == GCP_KIND_ARRAY ? gcp__inl_array(v, r, &p, &t, &n)
                                        : gcp__inl_struct(v, r, &p, &t);
}

/* Internal: [offset, offset + len) inside the payload of type t and wholly
 * before its first ref field or after its last. */
GCP__INLINE bool gcp__inl_scalar(const struct gcp__type *t, uint32_t offset, size_t len)
{
    /* len - 1 wraps for 0. */
    return len - 1 < t->payload_bytes && offset <= t->payload_bytes - len &&
           (offset + len <= t->refs_from || offset >= t->refs_to);
}

GCP__INLINE gcp_status gcp__struct_read_inline(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                                 void *buf, size_t len)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    if (gcp__inl_heap(heap, &v) && gcp__inl_struct(&v, obj, &p, &t) && buf &&
        gcp__inl_scalar(t, offset, len)) {
        memcpy(buf, p + GCP_OBJ_PAYLOAD + offset, len);
        return GCP_OK;
    }
    return (gcp_struct_read)(heap, obj, offset, buf, len);
}

GCP__INLINE gcp_status gcp__struct_write_inline(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                                  const void *buf, size_t len)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    if (gcp__inl_heap(heap, &v) && gcp__inl_struct(&v, obj, &p, &t) && buf &&
        gcp__inl_scalar(t, offset, len)) {
        memcpy(p + GCP_OBJ_PAYLOAD + offset, buf, len);
        return GCP_OK;
    }
    return (gcp_struct_write)(heap, obj, offset, buf, len);
}

GCP__INLINE gcp_status gcp__struct_get_ref_inline(gcp_heap *heap, gcp_ref obj,
                                                    uint32_t offset, gcp_ref *out)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    if (gcp__inl_heap(heap, &v) && gcp__inl_struct(&v, obj, &p, &t) && out &&
        (offset & 3u) == 0 && offset < 256u && ((t->ref_words >> (offset >> 2)) & 1u) != 0) {
        gcp_ref r;
        memcpy(&r, p + GCP_OBJ_PAYLOAD + offset, sizeof r);
        if (gcp__inl_value(&v, r)) {
            *out = r;
            return GCP_OK;
        }
    }
    return (gcp_struct_get_ref)(heap, obj, offset, out);
}

/* Internal: the heap's barrier kind, GCP__BARRIER_CALL for NULL. */
GCP__INLINE unsigned gcp__inl_barrier(const gcp_heap *heap)
{
    uint8_t b = GCP__BARRIER_CALL;
    if (heap)
        GCP__HEAD_FIELD(heap, barrier, b);
    return b;
}

/* Internal: the counts of a ref store from old to nw (each null, i31 or a
 * valid struct) under GCP__BARRIER_COUNTS: nw gains one, then old loses
 * one.  False, with nothing changed, when old's count would reach zero
 * or is zero (the library then frees or reports it). */
GCP__INLINE bool gcp__inl_recount(uint8_t *base, gcp_ref old, gcp_ref nw)
{
    uint8_t *po = gcp_ref_is_heap(old) ? base + old + 12 : NULL;
    uint8_t *pn = gcp_ref_is_heap(nw) ? base + nw + 12 : NULL;
    uint32_t c;
    if (po) {
        memcpy(&c, po, sizeof c);
        if (po == pn && c != UINT32_MAX)
            c++;   /* the increment comes first */
        if (c < 2u)
            return false;
    }
    if (pn) {
        memcpy(&c, pn, sizeof c);
        if (c != UINT32_MAX) {
            c++;
            memcpy(pn, &c, sizeof c);
        }
    }
    if (po) {
        memcpy(&c, po, sizeof c);
        if (c != UINT32_MAX) {
            c--;
            memcpy(po, &c, sizeof c);
        }
    }
    return true;
}

/* Internal: the barrier of a ref store from old to nw, inline: true when
 * done (nothing to do, or the counts changed), false to call the
 * library with nothing changed. */
GCP__INLINE bool gcp__inl_store_barrier(const gcp_heap *heap, const gcp__inl_view *v,
                                          gcp_ref old, gcp_ref nw)
{
    unsigned b = gcp__inl_barrier(heap);
    return b == GCP__BARRIER_NONE || (b == GCP__BARRIER_COUNTS && gcp__inl_recount(v->base, old, nw));
}

GCP__INLINE gcp_status gcp__struct_set_ref_inline(gcp_heap *heap, gcp_hostdata *table,
                                                    gcp_ref obj, uint32_t offset, gcp_ref value)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    if (gcp__inl_heap(heap, &v) && gcp__inl_struct(&v, obj, &p, &t) && (offset & 3u) == 0 &&
        offset < 256u && ((t->ref_words >> (offset >> 2)) & 1u) != 0) {
        gcp_ref old;
        memcpy(&old, p + GCP_OBJ_PAYLOAD + offset, sizeof old);
        if (gcp__inl_value(&v, old) && gcp__inl_value(&v, value) &&
            gcp__inl_store_barrier(heap, &v, old, value)) {
            memcpy(p + GCP_OBJ_PAYLOAD + offset, &value, sizeof value);
            return GCP_OK;
        }
    }
    return (gcp_struct_set_ref)(heap, table, obj, offset, value);
}

GCP__INLINE gcp_status gcp__heap_clone_ref_inline(gcp_heap *heap, gcp_ref src, gcp_ref *out)
{
    gcp__inl_view v;
    unsigned b = gcp__inl_barrier(heap);
    if (b != GCP__BARRIER_CALL && gcp__inl_heap(heap, &v) && out && gcp__inl_value(&v, src)) {
        if (b == GCP__BARRIER_COUNTS && gcp_ref_is_heap(src)) {
            uint8_t *pc = v.base + src + 12;
            uint32_t c;
            memcpy(&c, pc, sizeof c);
            if (c != UINT32_MAX) {
                c++;
                memcpy(pc, &c, sizeof c);
            }
        }
        *out = src;
        return GCP_OK;
    }
    return (gcp_heap_clone_ref)(heap, src, out);
}

GCP__INLINE gcp_status gcp__heap_drop_ref_inline(gcp_heap *heap, gcp_hostdata *table,
                                                   gcp_ref ref)
{
    gcp__inl_view v;
    if (gcp__inl_heap(heap, &v) && gcp__inl_value(&v, ref) &&
        gcp__inl_store_barrier(heap, &v, ref, GCP_REF_NULL))
        return GCP_OK;
    return (gcp_heap_drop_ref)(heap, table, ref);
}

GCP__INLINE gcp_status gcp__array_length_inline(gcp_heap *heap, gcp_ref arr, uint32_t *out)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    uint32_t n;
    if (gcp__inl_heap(heap, &v) && gcp__inl_array(&v, arr, &p, &t, &n) && out) {
        *out = n;
        return GCP_OK;
    }
    return (gcp_array_length)(heap, arr, out);
}

GCP__INLINE gcp_status gcp__array_get_ref_inline(gcp_heap *heap, gcp_ref arr, uint32_t index,
                                                 gcp_ref *out)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    uint32_t n;
    if (gcp__inl_heap(heap, &v) && gcp__inl_array(&v, arr, &p, &t, &n) && t->elems_are_refs &&
        index < n && out) {
        gcp_ref r;
        memcpy(&r, p + GCP_ARRAY_ELEMS + 4u * (size_t)index, sizeof r);
        if (gcp__inl_value(&v, r)) {
            *out = r;
            return GCP_OK;
        }
    }
    return (gcp_array_get_ref)(heap, arr, index, out);
}

GCP__INLINE gcp_status gcp__array_set_ref_inline(gcp_heap *heap, gcp_hostdata *table,
                                                 gcp_ref arr, uint32_t index, gcp_ref value)
{
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    uint32_t n;
    if (gcp__inl_heap(heap, &v) && gcp__inl_array(&v, arr, &p, &t, &n) && t->elems_are_refs &&
        index < n) {
        uint8_t *slot = p + GCP_ARRAY_ELEMS + 4u * (size_t)index;
        gcp_ref old;
        memcpy(&old, slot, sizeof old);
        if (gcp__inl_value(&v, old) && gcp__inl_value(&v, value) &&
            gcp__inl_store_barrier(heap, &v, old, value)) {
            memcpy(slot, &value, sizeof value);
            return GCP_OK;
        }
    }
    return (gcp_array_set_ref)(heap, table, arr, index, value);
}

#ifndef GCP_NO_INLINE
#define gcp_array_length(heap, arr, out) gcp__array_length_inline(heap, arr, out)
#define gcp_array_get_ref(heap, arr, index, out)                                           \
    gcp__array_get_ref_inline(heap, arr, index, out)
#define gcp_array_set_ref(heap, table, arr, index, value)                                  \
    gcp__array_set_ref_inline(heap, table, arr, index, value)
#define gcp_struct_set_ref(heap, table, obj, offset, value)                                \
    gcp__struct_set_ref_inline(heap, table, obj, offset, value)
#define gcp_heap_clone_ref(heap, src, out) gcp__heap_clone_ref_inline(heap, src, out)
#define gcp_heap_drop_ref(heap, table, ref) gcp__heap_drop_ref_inline(heap, table, ref)
#define gcp_struct_read(heap, obj, offset, buf, len)                                       \
    gcp__struct_read_inline(heap, obj, offset, buf, len)
#define gcp_struct_write(heap, obj, offset, buf, len)                                      \
    gcp__struct_write_inline(heap, obj, offset, buf, len)
#define gcp_struct_get_ref(heap, obj, offset, out)                                         \
    gcp__struct_get_ref_inline(heap, obj, offset, out)
#endif

/* ------------------------------------------------------------------------
 * Collections
 *
 * gcp_heap_gc_start begins a collection over the given roots (which must
 * stay valid until it completes); the heap owns the collection object.  The
 * host drives it with gcp_collection_step, each a bounded slice of work
 * (the pool's gc_step_budget and gc_step_time_us), and may yield between
 * steps; the mutator must
 * not touch the heap until the collection is complete (GCP_EBUSY until
 * then).  Reclaimed externrefs have their host data removed from `table`
 * (required: GCP_EINVAL if NULL; roots may be NULL for none).
 *
 * Life of a collection: it ends when it completes, when a step fails, or
 * when its heap is released (gcp_pool_release, gcp_store_free,
 * gcp_heap_free_ondemand), which ends it first, while the heap is intact, so
 * nothing is written into a heap after its reset.  The roots list must not
 * change while it runs: any host change of its entries or handles (see
 * "Roots list and handles") ends it with GCP_ESTATE at the next step.  The
 * collection object is owned by the heap: after a completion every step answers GCP_OK with GCP_COMPLETE, after a
 * failure the failure's status (GCP_EPOISONED once the heap is poisoned),
 * and once its heap was released GCP_ESTATE -- until the heap's next holder
 * starts a collection of its own, which reuses the object.  For an
 * on-demand heap the object is freed with the heap.
 *
 * Which raw refs stay valid: a ref the host holds outside the roots list
 * stays valid until the next collection starts; across a collection only
 * what is rooted (a roots list entry, or a handle) is kept alive, and with
 * a moving collector (GCP_COLLECTOR_COMPACT) only the rooted locations are
 * rewritten to the objects' new refs -- a raw copy kept elsewhere then
 * names whatever lies at its old offset.  The debug mode (gcp_pool_config
 * .debug) turns such a use into GCP_ESTALEREF.  A compacting collection
 * that ends before it completes once it has begun rewriting refs (a failed
 * step, or the roots changed) leaves the heap half moved: it is poisoned.
 * ------------------------------------------------------------------------ */

typedef struct gcp_collection gcp_collection;

typedef enum gcp_progress {
    GCP_CONTINUE = 0,
    GCP_COMPLETE = 1
} gcp_progress;

/* Inside a no-GC scope this is a contract violation (panic handler, then
 * GCP_ESTATE).  Every root is checked first: GCP_EINVAL for a stack root
 * whose r64 has upper bits set, GCP_ECORRUPT (heap poisoned) for a root
 * holding an invalid heap ref.  GCP_EBUSY if a collection is already
 * running, GCP_EPOISONED, GCP_ECORRUPT from the collector (collection ended,
 * heap poisoned). */
GCP_API gcp_status gcp_heap_gc_start(gcp_heap *heap, gcp_roots *roots,
                                     gcp_hostdata *table, gcp_collection **out);
/* One slice of work: at most about the pool's gc_step_budget units and
 * about its gc_step_time_us microseconds, whichever ends it first; *out says
 * whether more remain (set only with GCP_OK).  A completed collection keeps
 * answering GCP_COMPLETE.  GCP_ECORRUPT ends the collection and poisons the
 * heap; GCP_EPOISONED; GCP_ESTATE when the heap was released or the roots
 * list changed since the start (see "Life of a collection"); GCP_ENOMEM
 * when host memory for the collector's tables ran out (collection ended). */
GCP_API gcp_status gcp_collection_step(gcp_collection *gc, gcp_progress *out);
/* Steps until complete; the first error of a step is returned. */
GCP_API gcp_status gcp_collection_run(gcp_collection *gc);
/* Convenience: start and run to completion.  Statuses of both. */
GCP_API gcp_status gcp_heap_gc(gcp_heap *heap, gcp_roots *roots, gcp_hostdata *table);
/* Collections completed since the heap was last reset. */
GCP_API uint64_t gcp_heap_collections(const gcp_heap *heap);

/* ------------------------------------------------------------------------
 * Stores
 *
 * A store is what a host creates and drops: a heap, its host-data table and
 * its roots list.  Freeing a store finalizes its host data and gives the
 * heap back (to its pool, or unmaps an on-demand heap).
 * ------------------------------------------------------------------------ */

typedef struct gcp_store gcp_store;

/* Acquires a heap from pool.  Errors of gcp_pool_acquire, GCP_ENOMEM,
 * GCP_EINVAL.  The caller owns *out and frees it with gcp_store_free. */
GCP_API gcp_status gcp_store_new(gcp_pool *pool, gcp_store **out);
/* Makes an on-demand heap.  Errors of gcp_heap_new_ondemand. */
GCP_API gcp_status gcp_store_new_ondemand(const gcp_pool_config *cfg, gcp_store **out);
/* Runs every host-data finalizer once (even for a poisoned store), resets
 * the roots list (gcp_roots_reset: its entries and handles are dropped,
 * the places its entries point to are not touched), gives the
 * heap back (gcp_pool_release or gcp_heap_free_ondemand, whose status is
 * returned) and frees the store.  NULL gives GCP_OK.  A pooled store's
 * memory, with its emptied table and roots list, is kept by its heap for
 * the heap's next holder (freed with the pool), so freeing it a second
 * time (before the pool hands the heap out again) is detected:
 * GCP_EDOUBLE, nothing changed.  An on-demand store is freed outright: a
 * second free is a use after free, as with free().  If an on-demand heap
 * cannot be unmapped (GCP_ESYS) the store is left whole, emptied, and may
 * be freed again.  The store, its table and its roots list must not be
 * used after a successful free. */
GCP_API gcp_status gcp_store_free(gcp_store *store);
/* The store's parts; owned by the store (NULL for a NULL store).  The
 * roots list is where the host keeps its handles (see "Roots list and
 * handles"); a handle of a freed store is refused by its next holder's. */
GCP_API gcp_heap *gcp_store_heap(gcp_store *store);
GCP_API gcp_hostdata *gcp_store_hostdata(gcp_store *store);
GCP_API gcp_roots *gcp_store_roots(gcp_store *store);
/* Collects over the store's roots list and table, to completion.
 * Statuses of gcp_heap_gc. */
GCP_API gcp_status gcp_store_gc(gcp_store *store);
/* Inserts ptr (with its optional finalizer) into the store's table and
 * allocates an externref holding it.  On any failure the entry is removed
 * again without running the finalizer: ptr stays the caller's.  Statuses of
 * gcp_hostdata_insert and gcp_heap_alloc_externref. */
GCP_API gcp_status gcp_store_alloc_externref(gcp_store *store, void *ptr, gcp_finalizer fin,
                                             gcp_ref *out);
/* Allocation that collects for the caller.  Each tries the allocation; on
 * GCP_NEED_GC it runs one full collection over the store's roots list and
 * table (gcp_store_gc) and tries once more, so the host writes no retry
 * loop.  The collection frees what the store's roots do not reach (for
 * DRC: what neither a root nor a host-held count keeps): every ref the host
 * still needs must be in gcp_store_roots(store) (or counted) before the
 * call.  Inside a no-GC scope no collection is started and GCP_NEED_GC is
 * returned.  Statuses: those of the allocation (the retry's: GCP_ELIMIT when
 * even a completed collection made no room) and of gcp_store_gc.  The
 * caller owns the new reference as with gcp_heap_alloc_*.  externref: as
 * gcp_store_alloc_externref; on failure ptr stays the caller's. */
GCP_API gcp_status gcp_store_alloc_struct_gc(gcp_store *store, uint32_t type_index, gcp_ref *out);
GCP_API gcp_status gcp_store_alloc_array_gc(gcp_store *store, uint32_t type_index,
                                            uint32_t length, gcp_ref *out);
GCP_API gcp_status gcp_store_alloc_externref_gc(gcp_store *store, void *ptr, gcp_finalizer fin,
                                                gcp_ref *out);
/* The host pointer behind an externref of this store
 * (gcp_heap_externref_data with the store's table).  GCP_ETYPE for a
 * non-externref; GCP_ECORRUPT (store poisoned) when the id in the heap is
 * not live in the store's table or belongs to another externref. */
GCP_API gcp_status gcp_store_externref_data(gcp_store *store, gcp_ref ref, void **out);

/* ------------------------------------------------------------------------
 * Initial contents and bulk array operations
 *
 * One call where the functions above need one per field or element, with
 * the same checks: the heap-operation rules above apply (GCP_EINVAL for
 * NULL pointers and for a null or i31 ref where an object is needed,
 * GCP_ETYPE for an unknown type or an object of the wrong kind,
 * GCP_EPOISONED, GCP_EBUSY while a collection is in progress, GCP_ECORRUPT
 * with the heap poisoned for an invalid object or ref).  Elements are the
 * array type's elem_bytes wide, in host byte order; for a ref array a host
 * buffer holds gcp_ref values.  Every ref stored goes through the write
 * barrier (for DRC: the new value gains a count, the value it replaces
 * loses one), every ref read from the heap is validated as
 * gcp_array_get_ref does, and every check -- ranges (computed without
 * overflow), types, each ref to be stored and each ref to be overwritten --
 * passes before the first byte is written: a call that fails has changed
 * nothing (but the poison mark on GCP_ECORRUPT).  Ranges follow wasm's
 * array.fill / array.copy: [index, index + count) must lie within the
 * length (GCP_EBOUNDS otherwise), so count 0 is valid for index <= length.
 * A host buffer described by (buf, buf_bytes) must hold at least
 * count * elem_bytes bytes (GCP_EBOUNDS otherwise); buf may be NULL when
 * that is 0.
 * ------------------------------------------------------------------------ */

/* Allocates a struct whose payload is the payload_bytes at fields
 * (len must equal the type's payload size, else GCP_EBOUNDS): scalar fields
 * are copied, each ref field (a gcp_ref at its offset in the image) is
 * validated and stored through the write barrier.  The refs stay the
 * caller's (borrowed); the new object holds its own references to them.
 * Statuses and ownership of gcp_heap_alloc_struct; a ref that is not valid
 * is GCP_ECORRUPT before anything is allocated. */
GCP_API gcp_status gcp_heap_alloc_struct_init(gcp_heap *heap, uint32_t type_index,
                                              const void *fields, size_t len, gcp_ref *out);
/* Allocates an array of length elements, each the elem_bytes at value (a
 * gcp_ref for a ref array, validated first and stored length times through
 * the barrier): wasm's array.new.  Statuses and ownership of
 * gcp_heap_alloc_array. */
GCP_API gcp_status gcp_heap_alloc_array_fill(gcp_heap *heap, uint32_t type_index,
                                             uint32_t length, const void *value, gcp_ref *out);
/* Allocates an array of length elements copied from elems (at least
 * length * elem_bytes bytes of elems_bytes, else GCP_EBOUNDS; for a ref
 * array each gcp_ref validated first and stored through the barrier):
 * wasm's array.new_fixed and array.new_data.  Statuses and ownership of
 * gcp_heap_alloc_array. */
GCP_API gcp_status gcp_heap_alloc_array_copy(gcp_heap *heap, uint32_t type_index,
                                             uint32_t length, const void *elems,
                                             size_t elems_bytes, gcp_ref *out);

/* The three allocations above, collecting for the caller as
 * gcp_store_alloc_struct_gc does: on GCP_NEED_GC one full collection over
 * the store's roots and table, then one more try.  The heap refs among the
 * initial values are kept alive by that collection (they are rooted for
 * its length, in a host-side copy of the values) and, if it moves them,
 * the retry uses their new refs; the caller's buffer is not written, so a
 * host that still needs those objects afterwards reads them back from the
 * new object or keeps them rooted itself.  Statuses of the heap function,
 * of gcp_roots_add and of gcp_store_gc (GCP_ENOMEM for the copy). */
GCP_API gcp_status gcp_store_alloc_struct_init_gc(gcp_store *store, uint32_t type_index,
                                                  const void *fields, size_t len,
                                                  gcp_ref *out);
GCP_API gcp_status gcp_store_alloc_array_fill_gc(gcp_store *store, uint32_t type_index,
                                                 uint32_t length, const void *value,
                                                 gcp_ref *out);
GCP_API gcp_status gcp_store_alloc_array_copy_gc(gcp_store *store, uint32_t type_index,
                                                 uint32_t length, const void *elems,
                                                 size_t elems_bytes, gcp_ref *out);

/* Sets elements [index, index + count) of arr to the elem_bytes at value
 * (wasm's array.fill).  For a ref array value is a gcp_ref, borrowed; the
 * refs it replaces are released through the barrier (an externref
 * reclaimed that way has its host data removed from table, which may be
 * NULL only for collectors that never reclaim in barriers, as for
 * gcp_heap_write_ref). */
GCP_API gcp_status gcp_array_fill(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                                  uint32_t index, uint32_t count, const void *value);
/* Copies elements [src_index, src_index + count) of src over
 * [dst_index, dst_index + count) of dst (wasm's array.copy).  The arrays
 * must have the same element width and both hold refs or both scalars
 * (GCP_ETYPE otherwise); dst and src may be the same array, with
 * overlapping ranges copied as memmove does.  Ref elements go through the
 * barrier (table as for gcp_array_fill); every source element is validated
 * first. */
GCP_API gcp_status gcp_array_copy(gcp_heap *heap, gcp_hostdata *table, gcp_ref dst,
                                  uint32_t dst_index, gcp_ref src, uint32_t src_index,
                                  uint32_t count);
/* Copies elements [index, index + count) of arr into buf (buf_bytes at
 * least count * elem_bytes).  Refs of a ref array are validated, all of
 * them before buf is written, and borrowed as with gcp_array_get_ref. */
GCP_API gcp_status gcp_array_read_range(gcp_heap *heap, gcp_ref arr, uint32_t index,
                                        uint32_t count, void *buf, size_t buf_bytes);
/* Stores count elements from buf (buf_bytes at least count * elem_bytes)
 * into [index, index + count) of arr.  For a ref array each gcp_ref of buf
 * is borrowed, validated and stored through the barrier, releasing the ref
 * it replaces (table as for gcp_array_fill). */
GCP_API gcp_status gcp_array_write_range(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                                         uint32_t index, uint32_t count, const void *buf,
                                         size_t buf_bytes);

#ifdef __cplusplus
}
#endif

#endif /* GCPOOL_H */
