/* SPDX-License-Identifier: MIT */
/* Guard-page faults as traps: guarded calls, trap details, chaining to the
 * host's handlers, nesting, threads, the region registry, the access
 * helpers.  Every test runs in its own forked process (Check's default), so
 * each one starts with no gcpool handler installed. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static size_t page(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static volatile uint64_t sink;

/* What a guarded function should do: one access at base + ref + offset. */
typedef struct access_plan {
    uint8_t *base;
    gcp_ref ref;
    uint32_t offset;
    int width;        /* 1, 2, 4, 8 */
    bool write;
    int done;         /* set after the access: proves it did not trap */
} access_plan;

/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) gcp_status do_access(void *arg)
{
    access_plan *a = arg;
    switch (a->width * (a->write ? -1 : 1)) {
    case 1: sink = gcp_load8(a->base, a->ref, a->offset); break;
    case 2: sink = gcp_load16(a->base, a->ref, a->offset); break;
    case 4: sink = gcp_load32(a->base, a->ref, a->offset); break;
    case 8: sink = gcp_load64(a->base, a->ref, a->offset); break;
    case -1: gcp_store8(a->base, a->ref, a->offset, 0xA5); break;
    case -2: gcp_store16(a->base, a->ref, a->offset, 0xA5A5); break;
    case -4: gcp_store32(a->base, a->ref, a->offset, 0xA5A5A5A5u); break;
    case -8: gcp_store64(a->base, a->ref, a->offset, UINT64_C(0xA5A5A5A5A5A5A5A5)); break;
    default: return GCP_EINVAL;
    }
    a->done = 1;
    return GCP_OK;
}

/* A byte at an arbitrary address (before a base, host memory). */
typedef struct raw_plan {
    volatile uint8_t *p;
    bool write;
} raw_plan;

/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) gcp_status do_raw(void *arg)
{
    raw_plan *r = arg;
    if (r->write)
        *r->p = 1;
    else
        sink = *r->p;
    return GCP_OK;
}

/* Runs one access in a guarded call and expects a trap with these details. */
static void expect_trap(gcp_heap *heap, uint8_t *base, gcp_ref ref, uint32_t offset, int width,
                        bool write, int64_t want_offset)
{
    access_plan a = {.base = base, .ref = ref, .offset = offset, .width = width, .write = write};
    gcp_trap t;
    memset(&t, 0, sizeof t);
    ck_assert_status(gcp_guarded_call(heap, do_access, &a, &t), GCP_ETRAP);
    ck_assert_int_eq(a.done, 0);
    ck_assert_ptr_eq(t.heap, heap);
    ck_assert_int_eq(t.offset, want_offset);
    ck_assert_ptr_eq(t.addr, gcp_heap_base(heap) + want_offset);
    ck_assert_int_eq(t.signo, SIGSEGV);
#if defined(__x86_64__)
    ck_assert_int_eq(t.access, write ? GCP_ACCESS_WRITE : GCP_ACCESS_READ);
#endif
}

static void expect_access_ok(uint8_t *base, gcp_ref ref, uint32_t offset, int width, bool write)
{
    access_plan a = {.base = base, .ref = ref, .offset = offset, .width = width, .write = write};
    ck_assert_ok(gcp_guarded_call(NULL, do_access, &a, NULL));
    ck_assert_int_eq(a.done, 1);
}

static gcp_pool *new_pool(gcp_pool_config c)
{
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    return p;
}

/* A pool of cfg with one heap acquired from it. */
static gcp_heap *one_heap(gcp_pool_config c, gcp_pool **pool)
{
    gcp_heap *h;
    *pool = new_pool(c);
    ck_assert_ok(gcp_pool_acquire(*pool, &h));
    return h;
}

static void done_with(gcp_pool *p, gcp_heap *h)
{
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}

/* A one-byte access at the heap's bound traps with offset == bound. */
static void expect_trap_at_bound(gcp_heap *h, int width, bool write)
{
    expect_trap(h, gcp_heap_base(h), (gcp_ref)gcp_heap_bound(h), 0, width, write,
                (int64_t)gcp_heap_bound(h));
}

/* ------------------------------------------------------------ basics */

static gcp_status return_arg(void *arg) { return *(gcp_status *)arg; }

START_TEST(guarded_call_needs_install)
{
    gcp_status s = GCP_OK;
    ck_assert(!gcp_trap_installed());
    ck_assert_status(gcp_guarded_call(NULL, return_arg, &s, NULL), GCP_ESTATE);
}
END_TEST

START_TEST(install_is_idempotent)
{
    ck_assert_ok(gcp_trap_install());
    struct sigaction first, again;
    ck_assert_int_eq(sigaction(SIGSEGV, NULL, &first), 0);
    ck_assert(first.sa_flags & SA_SIGINFO);
    ck_assert(first.sa_flags & SA_ONSTACK);
    ck_assert_ok(gcp_trap_install());
    ck_assert_ok(gcp_trap_install());
    ck_assert(gcp_trap_installed());
    ck_assert_int_eq(sigaction(SIGSEGV, NULL, &again), 0);
    ck_assert_ptr_eq((void *)again.sa_sigaction, (void *)first.sa_sigaction);
    ck_assert_int_eq(sigaction(SIGBUS, NULL, &again), 0);
    ck_assert_ptr_eq((void *)again.sa_sigaction, (void *)first.sa_sigaction);
    /* A second install did not chain gcpool to itself: a fault outside a
     * guarded call must still end the process (see the death tests), and
     * a trap still works. */
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    expect_trap_at_bound(h, 1, false);
    done_with(p, h);
}
END_TEST

static atomic_int install_errors;
static void *install_thread(void *arg)
{
    (void)arg;
    if (gcp_trap_install() != GCP_OK)
        atomic_fetch_add(&install_errors, 1);
    return NULL;
}

START_TEST(install_from_many_threads)
{
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, install_thread, NULL), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(atomic_load(&install_errors), 0);
    ck_assert(gcp_trap_installed());
}
END_TEST

START_TEST(guarded_call_passes_status_through)
{
    ck_assert_ok(gcp_trap_install());
    gcp_status want[] = {GCP_OK, GCP_NEED_GC, GCP_ELIMIT, GCP_ECORRUPT};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        gcp_trap t = {.offset = 12345};
        ck_assert_status(gcp_guarded_call(NULL, return_arg, &want[i], &t), want[i]);
        ck_assert_int_eq(t.offset, 12345);   /* untouched without a trap */
        ck_assert_ptr_null(t.heap);
    }
    ck_assert_status(gcp_guarded_call(NULL, NULL, NULL, NULL), GCP_EINVAL);
}
END_TEST

/* ------------------------------------------------------ trap details */

START_TEST(read_and_write_one_past_bound)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p = new_pool(small_config(2));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    uint8_t *b = gcp_heap_base(h);
    uint32_t bound = (uint32_t)gcp_heap_bound(h);
    expect_access_ok(b, bound - 1, 0, 1, true);
    expect_access_ok(b, bound - 1, 0, 1, false);
    expect_trap(h, b, bound, 0, 1, false, bound);
    expect_trap(h, b, bound, 0, 1, true, bound);
    expect_trap(h, b, 0, bound, 4, false, bound);
    expect_trap(h, b, 0, bound, 4, true, bound);
    /* Every width, one byte of it past the bound: the access faults on its
     * first inaccessible byte and nothing is written below the bound. */
    for (int w = 2; w <= 8; w *= 2) {
        memset(b + bound - 8, 0, 8);
        access_plan a = {.base = b, .ref = bound - (uint32_t)w + 1, .width = w, .write = true};
        gcp_trap t;
        ck_assert_status(gcp_guarded_call(h, do_access, &a, &t), GCP_ETRAP);
        ck_assert_ptr_eq(t.heap, h);
        ck_assert_int_eq(t.offset, bound);
        for (uint32_t i = bound - (uint32_t)w + 1; i < bound; i++)
            ck_assert_uint_eq(b[i], 0);
    }
    done_with(p, h);
}
END_TEST

START_TEST(last_byte_of_full_reservation)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = 2;
    gcp_pool *p = new_pool(c);
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert(st.implicit_bounds);
    gcp_heap *h[2];
    ck_assert_ok(gcp_pool_acquire(p, &h[0]));
    ck_assert_ok(gcp_pool_acquire(p, &h[1]));
    for (int i = 0; i < 2; i++) {
        uint8_t *b = gcp_heap_base(h[i]);
        expect_trap(h[i], b, 0xFFFFFFFFu, 0, 1, false, INT64_C(0xFFFFFFFF));
        expect_trap(h[i], b, 0xFFFFFFFFu, 0, 1, true, INT64_C(0xFFFFFFFF));
        /* The farthest access the promise covers: ref 2^32-1, offset
         * guard - 1, one byte: the last byte of the slot's guard. */
        uint32_t far = (uint32_t)c.guard_bytes - 1;
        expect_trap(h[i], b, 0xFFFFFFFFu, far, 1, true,
                    INT64_C(0xFFFFFFFF) + (int64_t)far);
        expect_trap(h[i], b, 0xFFFFFFFFu, far - 7, 8, false,
                    INT64_C(0xFFFFFFFF) + (int64_t)far - 7);
        expect_trap(h[i], b, 0x80000000u, 0, 8, true, INT64_C(0x80000000));
    }
    ck_assert_ok(gcp_pool_release(p, h[0]));
    ck_assert_ok(gcp_pool_release(p, h[1]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(offsets_into_the_guard)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = small_config(3);
    gcp_pool *p = new_pool(c);
    gcp_heap *h[3];
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
    uint32_t res = (uint32_t)c.reservation_bytes, guard = (uint32_t)c.guard_bytes;
    for (int i = 0; i < 3; i++) {
        uint8_t *b = gcp_heap_base(h[i]);
        /* Past the accessible part, in the rest of the reservation. */
        expect_trap(h[i], b, res / 2, 0, 4, true, res / 2);
        /* The guard after the reservation: first byte, a page in, last byte. */
        expect_trap(h[i], b, res, 0, 1, false, res);
        expect_trap(h[i], b, res, (uint32_t)page(), 2, true, res + page());
        expect_trap(h[i], b, 8, res + guard - 9, 1, false, res + guard - 1);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(before_the_base)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = small_config(2);
    gcp_pool *p = new_pool(c);
    gcp_heap *h0, *h1;
    ck_assert_ok(gcp_pool_acquire(p, &h0));
    ck_assert_ok(gcp_pool_acquire(p, &h1));
    uint8_t *b0 = gcp_heap_base(h0), *b1 = gcp_heap_base(h1);
    if (b0 > b1) {
        gcp_heap *t = h0; h0 = h1; h1 = t;
        uint8_t *tb = b0; b0 = b1; b1 = tb;
    }
    /* The pool's leading guard belongs to the first slot, offset < 0. */
    int64_t offs[] = {-1, -(int64_t)page(), -(int64_t)c.guard_bytes};
    for (size_t i = 0; i < 3; i++)
        for (int w = 0; w < 2; w++) {
            raw_plan r = {.p = b0 + offs[i], .write = w};
            gcp_trap t;
            ck_assert_status(gcp_guarded_call(h0, do_raw, &r, &t), GCP_ETRAP);
            ck_assert_ptr_eq(t.heap, h0);
            ck_assert_int_eq(t.offset, offs[i]);
#if defined(__x86_64__)
            ck_assert_int_eq(t.access, w ? GCP_ACCESS_WRITE : GCP_ACCESS_READ);
#endif
        }
    /* Just before the second slot is the first slot's trailing guard. */
    raw_plan r = {.p = b1 - 1, .write = true};
    gcp_trap t;
    ck_assert_status(gcp_guarded_call(h1, do_raw, &r, &t), GCP_ETRAP);
    ck_assert_ptr_eq(t.heap, h0);
    ck_assert_int_eq(t.offset, (int64_t)(c.reservation_bytes + c.guard_bytes) - 1);
    ck_assert_ok(gcp_pool_release(p, h0));
    ck_assert_ok(gcp_pool_release(p, h1));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(ondemand_heaps_trap)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = small_config(1);
    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    uint8_t *b = gcp_heap_base(h);
    uint32_t bound = (uint32_t)gcp_heap_bound(h);
    expect_access_ok(b, 0, bound - 8, 8, true);
    expect_trap(h, b, bound, 0, 1, false, bound);
    expect_trap(h, b, bound, 0, 8, true, bound);
    expect_trap(h, b, (uint32_t)c.reservation_bytes, (uint32_t)c.guard_bytes - 1, 1, true,
                (int64_t)(c.reservation_bytes + c.guard_bytes) - 1);
    raw_plan r = {.p = b - 1, .write = false};
    gcp_trap t;
    ck_assert_status(gcp_guarded_call(h, do_raw, &r, &t), GCP_ETRAP);
    ck_assert_ptr_eq(t.heap, h);
    ck_assert_int_eq(t.offset, -1);
    ck_assert_ok(gcp_heap_free_ondemand(h));

    /* A default, 4 GiB on-demand heap: its last reservation byte traps. */
    gcp_pool_config d = gcp_pool_config_default();
    ck_assert_ok(gcp_heap_new_ondemand(&d, &h));
    expect_trap(h, gcp_heap_base(h), 0xFFFFFFFFu, 0, 1, true, INT64_C(0xFFFFFFFF));
    ck_assert_ok(gcp_heap_free_ondemand(h));
}
END_TEST

/* ------------------------------------------------ faults that are not traps */

START_TEST(fault_outside_guarded_call_kills)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    sink = gcp_load8(gcp_heap_base(h), (gcp_ref)gcp_heap_bound(h), 0);
    ck_abort_msg("the access past the bound did not fault");
}
END_TEST

START_TEST(host_fault_in_guarded_call_kills)
{
    ck_assert_ok(gcp_trap_install());
    uint8_t *host = mmap(NULL, page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(host, MAP_FAILED);
    raw_plan r = {.p = host, .write = true};
    gcp_guarded_call(NULL, do_raw, &r, NULL);
    ck_abort_msg("a fault outside gcpool regions became a trap");
}
END_TEST

static gcp_status raise_segv(void *arg)
{
    (void)arg;
    raise(SIGSEGV);
    return GCP_OK;
}

START_TEST(sent_signal_is_not_a_trap)
{
    ck_assert_ok(gcp_trap_install());
    gcp_guarded_call(NULL, raise_segv, NULL, NULL);
    ck_abort_msg("a SIGSEGV sent with raise() became a trap");
}
END_TEST

START_TEST(sigbus_outside_gcpool_kills)
{
    ck_assert_ok(gcp_trap_install());
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    /* A mapping of an empty file: touching it raises SIGBUS. */
    uint8_t *m = mmap(NULL, page(), PROT_READ, MAP_SHARED, fileno(f), 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    raw_plan r = {.p = m, .write = false};
    gcp_guarded_call(NULL, do_raw, &r, NULL);
    ck_abort_msg("SIGBUS outside gcpool did not reach the default action");
}
END_TEST

START_TEST(freed_region_is_forgotten)
{
    /* After an on-demand heap is freed, a fault at its old address is no
     * longer a trap even if something else is mapped there now. */
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = small_config(1);
    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    uint8_t *b = gcp_heap_base(h);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    uint8_t *m = mmap(b, page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                      -1, 0);
    ck_assert_ptr_eq(m, b);
    raw_plan r = {.p = b, .write = false};
    gcp_guarded_call(NULL, do_raw, &r, NULL);
    ck_abort_msg("a fault in a freed region became a trap");
}
END_TEST

/* The host's own handler, installed before gcpool. */
static sigjmp_buf host_jump;
static volatile sig_atomic_t host_hits;
static void *volatile host_addr;

static volatile sig_atomic_t host_mask_ok;

/* The host asked for SIGUSR1 to be blocked while its handler runs, and
 * (SA_NODEFER) for SIGSEGV not to be. */
static void note_mask(void)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    host_mask_ok = sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGSEGV);
}

static void host_siginfo_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    note_mask();
    host_hits++;
    host_addr = si->si_addr;
    siglongjmp(host_jump, 1);
}

static void host_plain_handler(int sig)
{
    (void)sig;
    note_mask();
    host_hits++;
    siglongjmp(host_jump, 1);
}

static void install_host_handler(bool siginfo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (siginfo) {
        sa.sa_sigaction = host_siginfo_handler;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    } else {
        sa.sa_handler = host_plain_handler;
        sa.sa_flags = SA_NODEFER;
    }
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
}

/* Touches p outside any guarded call; true if the host handler caught it. */
/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) bool host_catches(volatile uint8_t *p)
{
    sig_atomic_t before = host_hits;
    host_mask_ok = 0;
    if (sigsetjmp(host_jump, 1) == 0) {
        sink = *p;
        return false;
    }
    return host_hits == before + 1 && host_mask_ok;
}

static void check_host_handler_kept(bool siginfo)
{
    install_host_handler(siginfo);
    ck_assert_ok(gcp_trap_install());
    uint8_t *host = mmap(NULL, page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(host, MAP_FAILED);
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    uint8_t *past = gcp_heap_base(h) + gcp_heap_bound(h);

    /* Outside gcpool. */
    ck_assert(host_catches(host + 5));
    if (siginfo)
        ck_assert_ptr_eq(host_addr, host + 5);
    /* Inside a gcpool region, but not inside a guarded call. */
    ck_assert(host_catches(past));
    if (siginfo)
        ck_assert_ptr_eq(host_addr, past);
    /* Inside a guarded call: a trap, the host handler is not involved. */
    sig_atomic_t before = host_hits;
    expect_trap_at_bound(h, 1, false);
    ck_assert_int_eq(host_hits, before);
    /* And the host keeps working afterwards. */
    ck_assert(host_catches(host));
    ck_assert_int_eq(host_hits, before + 1);
    done_with(p, h);
    munmap(host, page());
}

START_TEST(host_siginfo_handler_still_receives)
{
    check_host_handler_kept(true);
}
END_TEST

START_TEST(host_plain_handler_still_receives)
{
    check_host_handler_kept(false);
}
END_TEST

/* ----------------------------------------------------------------- nesting */

typedef struct nest_plan {
    gcp_heap *outer, *inner;
    gcp_status inner_status;
    gcp_trap inner_trap;
    int outer_continued;
    bool outer_traps_after;
} nest_plan;

/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) gcp_status nest_outer(void *arg)
{
    nest_plan *n = arg;
    access_plan a = {.base = gcp_heap_base(n->inner), .ref = (gcp_ref)gcp_heap_bound(n->inner),
                     .width = 4, .write = true};
    n->inner_status = gcp_guarded_call(n->inner, do_access, &a, &n->inner_trap);
    /* An inner call that does not trap leaves the outer one in place. */
    access_plan ok = {.base = gcp_heap_base(n->outer), .ref = 0, .width = 8, .write = true};
    gcp_status s = gcp_guarded_call(n->outer, do_access, &ok, NULL);
    if (s != GCP_OK || !ok.done)
        return GCP_ESTATE;
    n->outer_continued = 1;
    if (n->outer_traps_after)
        sink = gcp_load8(gcp_heap_base(n->outer), (gcp_ref)gcp_heap_bound(n->outer), 3);
    return GCP_NEED_GC;
}

START_TEST(nested_guarded_calls)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p = new_pool(small_config(2));
    gcp_heap *ho, *hi;
    ck_assert_ok(gcp_pool_acquire(p, &ho));
    ck_assert_ok(gcp_pool_acquire(p, &hi));

    nest_plan n = {.outer = ho, .inner = hi};
    gcp_trap t = {.offset = 777};
    ck_assert_status(gcp_guarded_call(ho, nest_outer, &n, &t), GCP_NEED_GC);
    ck_assert_status(n.inner_status, GCP_ETRAP);
    ck_assert_ptr_eq(n.inner_trap.heap, hi);
    ck_assert_int_eq(n.inner_trap.offset, (int64_t)gcp_heap_bound(hi));
    ck_assert_int_eq(n.outer_continued, 1);
    ck_assert_int_eq(t.offset, 777);

    /* The outer call still traps to itself after the inner trap. */
    nest_plan m = {.outer = ho, .inner = hi, .outer_traps_after = true};
    ck_assert_status(gcp_guarded_call(ho, nest_outer, &m, &t), GCP_ETRAP);
    ck_assert_status(m.inner_status, GCP_ETRAP);
    ck_assert_int_eq(m.outer_continued, 1);
    ck_assert_ptr_eq(t.heap, ho);
    ck_assert_int_eq(t.offset, (int64_t)gcp_heap_bound(ho) + 3);

    /* And with every guarded call finished, a fault is no trap any more:
     * checked by the death tests; here the guarded state is balanced. */
    gcp_status s = GCP_OK;
    ck_assert_ok(gcp_guarded_call(NULL, return_arg, &s, NULL));
    ck_assert_ok(gcp_pool_release(p, ho));
    ck_assert_ok(gcp_pool_release(p, hi));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(fault_after_nested_traps_kills)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p = new_pool(small_config(2));
    gcp_heap *ho, *hi;
    ck_assert_ok(gcp_pool_acquire(p, &ho));
    ck_assert_ok(gcp_pool_acquire(p, &hi));
    nest_plan m = {.outer = ho, .inner = hi, .outer_traps_after = true};
    ck_assert_status(gcp_guarded_call(ho, nest_outer, &m, NULL), GCP_ETRAP);
    /* No guarded call is left open: this must not be a trap. */
    sink = gcp_load8(gcp_heap_base(hi), (gcp_ref)gcp_heap_bound(hi), 0);
    ck_abort_msg("fault after the guarded calls returned did not kill");
}
END_TEST

/* ----------------------------------------------------------------- threads */

#define THREAD_TRAPS 2000

typedef struct thread_plan {
    gcp_pool *pool;
    pthread_barrier_t *barrier;
    int bad;
    int traps;
} thread_plan;

static void *trap_thread(void *arg)
{
    thread_plan *tp = arg;
    gcp_heap *h;
    if (gcp_pool_acquire(tp->pool, &h) != GCP_OK) {
        tp->bad++;
        return NULL;
    }
    pthread_barrier_wait(tp->barrier);
    uint32_t bound = (uint32_t)gcp_heap_bound(h);
    for (int i = 0; i < THREAD_TRAPS; i++) {
        uint32_t off = (uint32_t)(i % 4096);
        access_plan a = {.base = gcp_heap_base(h), .ref = bound, .offset = off,
                         .width = 4, .write = i & 1};
        gcp_trap t;
        gcp_status s = gcp_guarded_call(h, do_access, &a, &t);
        if (s != GCP_ETRAP || t.heap != h || t.offset != (int64_t)bound + off || a.done)
            tp->bad++;
        else
            tp->traps++;
        /* And a good access in between. */
        access_plan g = {.base = gcp_heap_base(h), .ref = 8, .width = 8, .write = true};
        if (gcp_guarded_call(h, do_access, &g, NULL) != GCP_OK || !g.done)
            tp->bad++;
    }
    if (gcp_pool_release(tp->pool, h) != GCP_OK)
        tp->bad++;
    return NULL;
}

START_TEST(traps_in_two_threads)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p = new_pool(small_config(2));
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    thread_plan tp[2] = {{.pool = p, .barrier = &barrier}, {.pool = p, .barrier = &barrier}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, trap_thread, &tp[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(tp[i].bad, 0);
        ck_assert_int_eq(tp[i].traps, THREAD_TRAPS);
    }
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* --------------------------------------------------- after a trap: reuse */

typedef struct fill_plan {
    gcp_heap *heap;
} fill_plan;

/* Writes every accessible byte, then runs off the end. */
/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) gcp_status fill_and_overrun(void *arg)
{
    fill_plan *f = arg;
    uint8_t *b = gcp_heap_base(f->heap);
    size_t bound = gcp_heap_bound(f->heap);
    for (size_t i = 0; i < bound; i += 8)
        gcp_store64(b, (gcp_ref)i, 0, UINT64_C(0x0123456789ABCDEF));
    gcp_store8(b, (gcp_ref)bound, 0, 1);
    return GCP_OK;
}

START_TEST(slot_reused_after_trap_reads_zero)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    uint8_t *base = gcp_heap_base(h);
    fill_plan f = {.heap = h};
    gcp_trap t;
    ck_assert_status(gcp_guarded_call(h, fill_and_overrun, &f, &t), GCP_ETRAP);
    ck_assert_int_eq(t.offset, (int64_t)gcp_heap_bound(h));
    uint64_t last;   /* the writes before the fault happened */
    memcpy(&last, base + gcp_heap_bound(h) - 8, sizeof last);
    ck_assert_uint_eq(last, UINT64_C(0x0123456789ABCDEF));
    ck_assert_ok(gcp_pool_release(p, h));

    gcp_heap *again;
    ck_assert_ok(gcp_pool_acquire(p, &again));
    ck_assert_ptr_eq(again, h);
    ck_assert_ptr_eq(gcp_heap_base(again), base);
    size_t bound = gcp_heap_bound(again);
    for (size_t i = 0; i < bound; i++)
        ck_assert_uint_eq(base[i], 0);
    /* And the reused slot still traps in the same place. */
    expect_trap(again, base, (gcp_ref)bound, 0, 1, true, (int64_t)bound);
    ck_assert_ok(gcp_pool_release(p, again));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(signal_mask_restored_after_trap)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    for (int i = 0; i < 3; i++) {
        expect_trap_at_bound(h, 1, false);
        sigset_t now;
        ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
        ck_assert(!sigismember(&now, SIGSEGV));
        ck_assert(!sigismember(&now, SIGBUS));
    }
    done_with(p, h);
}
END_TEST

/* ------------------------------------------- traps and signal handlers */

/* ThreadSanitizer delays asynchronous signal handlers and runs them from
 * inside its runtime; a trap leaving such a handler by siglongjmp breaks
 * its bookkeeping (the process dies inside TSan).  These tests then say so
 * and pass; the other builds run them. */
#if defined(__SANITIZE_THREAD__)
#define ASYNC_HANDLER_TRAPS_UNSUPPORTED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASYNC_HANDLER_TRAPS_UNSUPPORTED 1
#endif
#endif
#ifdef ASYNC_HANDLER_TRAPS_UNSUPPORTED
#define SKIP_UNDER_TSAN(name)                                                              \
    do {                                                                                   \
        printf("%s skipped: TSan runs async signal handlers from its runtime\n", name);   \
        return;                                                                            \
    } while (0)
#else
#define SKIP_UNDER_TSAN(name) ((void)0)
#endif

/* The handler is installed so that no other handler can run while it
 * holds the thread (a guarded call in one would fault with SIGSEGV
 * blocked) and so that a fault in a handler it chains to is delivered. */
START_TEST(handler_blocks_async_signals_and_not_faults)
{
    ck_assert_ok(gcp_trap_install());
    struct sigaction sa;
    ck_assert_int_eq(sigaction(SIGSEGV, NULL, &sa), 0);
    ck_assert(sa.sa_flags & SA_NODEFER);
    ck_assert(sigismember(&sa.sa_mask, SIGALRM));
    ck_assert(sigismember(&sa.sa_mask, SIGRTMIN));
    ck_assert(sigismember(&sa.sa_mask, SIGUSR1));
    ck_assert(!sigismember(&sa.sa_mask, SIGSEGV));
    ck_assert(!sigismember(&sa.sa_mask, SIGBUS));
}
END_TEST

/* A timer signal at 50 kHz on a thread that traps continuously; the
 * signal's handler makes a guarded call that traps too.  Regression
 * (issue 11, finding 2): the handler used to interrupt gcpool's fault
 * handler with SIGSEGV blocked, and its trap then killed the process. */
typedef struct timer_run {
    gcp_heap *heap;
    atomic_int in_handler, handler_traps, handler_bad, stopped, loop_traps, seen_loop;
    int loop_bad, mask_bad, setup_bad;
    timer_t timer;
    struct timespec t0;
} timer_run;

static double ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static timer_run *the_timer_run;

static void timer_handler(int sig)
{
    (void)sig;
    int saved = errno;
    timer_run *tr = the_timer_run;
    gcp_heap *h = tr->heap;
    /* At most one handler trap per trap of the loop: in slow builds a trap
     * takes longer than the timer's period, and handlers alone would fill
     * the thread. */
    int loop = atomic_load(&tr->loop_traps);
    if (loop == atomic_load(&tr->seen_loop)) {
        errno = saved;
        return;
    }
    atomic_store(&tr->seen_loop, loop);
    access_plan a = {.base = gcp_heap_base(h), .ref = (gcp_ref)gcp_heap_bound(h), .offset = 8,
                     .width = 4, .write = false};
    gcp_trap t;
    gcp_status st = gcp_guarded_call(h, do_access, &a, &t);
    if (st == GCP_ETRAP && t.heap == h && t.offset == (int64_t)gcp_heap_bound(h) + 8)
        atomic_fetch_add(&tr->handler_traps, 1);
    else
        atomic_fetch_add(&tr->handler_bad, 1);
    /* Enough: the handler stops the timer itself (timer_settime is
     * async-signal-safe). */
    if (!atomic_load(&tr->stopped) &&
        (atomic_load(&tr->handler_traps) >= 2000 || ms_since(&tr->t0) > 3000)) {
        struct itimerspec off;
        memset(&off, 0, sizeof off);
        timer_settime(tr->timer, 0, &off, NULL);
        atomic_store(&tr->stopped, 1);
    }
    errno = saved;
}

static bool same_mask(const sigset_t *a, const sigset_t *b)
{
    for (int s = 1; s < NSIG; s++)
        if (sigismember(a, s) != sigismember(b, s))
            return false;
    return true;
}

static void *timer_thread(void *arg)
{
    timer_run *tr = arg;
    gcp_heap *h = tr->heap;
    /* The thread's signal stack before any handler can need it. */
    if (gcp_trap_thread_init() != GCP_OK) {
        tr->setup_bad = 1;
        return NULL;
    }
    sigset_t before, after;
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN;
    sev._sigev_un._tid = (pid_t)gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &tr->timer) != 0) {
        tr->setup_bad = 2;
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &tr->t0);
    struct itimerspec its = {.it_interval = {.tv_nsec = 20000}, .it_value = {.tv_nsec = 20000}};
    timer_settime(tr->timer, 0, &its, NULL);
    for (int i = 0;; i++) {
        access_plan a = {.base = gcp_heap_base(h), .ref = (gcp_ref)gcp_heap_bound(h),
                         .offset = (uint32_t)(i % 64), .width = 1, .write = (i & 1) != 0};
        gcp_trap t;
        if (gcp_guarded_call(h, do_access, &a, &t) == GCP_ETRAP && t.heap == h &&
            t.offset == (int64_t)gcp_heap_bound(h) + i % 64)
            atomic_fetch_add(&tr->loop_traps, 1);
        else
            tr->loop_bad++;
        /* Traps go on while the timer runs, and 200 ms at least. */
        double ms = ms_since(&tr->t0);
        if (ms > 30000 || (ms > 200 && atomic_load(&tr->stopped)))
            break;
    }
    timer_delete(tr->timer);
    pthread_sigmask(SIG_BLOCK, NULL, &after);
    if (!same_mask(&before, &after))
        tr->mask_bad = 1;
    return NULL;
}

START_TEST(traps_from_a_50khz_timer_handler)
{
    SKIP_UNDER_TSAN("traps_from_a_50khz_timer_handler");
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    timer_run tr;
    memset(&tr, 0, sizeof tr);
    tr.heap = one_heap(small_config(1), &p);
    the_timer_run = &tr;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = timer_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ck_assert_int_eq(sigaction(SIGRTMIN, &sa, NULL), 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, timer_thread, &tr), 0);
    pthread_join(th, NULL);
    printf("timer: %d handler traps, %d loop traps\n", atomic_load(&tr.handler_traps),
           atomic_load(&tr.loop_traps));
    fflush(stdout);
    ck_assert_int_eq(tr.setup_bad, 0);
    ck_assert_int_eq(atomic_load(&tr.handler_bad), 0);
    ck_assert_int_eq(tr.loop_bad, 0);
    ck_assert_int_eq(tr.mask_bad, 0);
    ck_assert_int_gt(atomic_load(&tr.handler_traps), 50);
    ck_assert_int_gt(atomic_load(&tr.loop_traps), 50);
    done_with(p, tr.heap);
}
END_TEST

/* A handler that interrupted a guarded call faults in the heap outside
 * a guarded call of its own: the fault unwinds to the interrupted call,
 * and the mask is the one that call was entered with.  Regression
 * (finding 2): the handler's signal (and its sa_mask) stayed blocked. */
static access_plan *usr1_plan;

static void usr1_faults(int sig)
{
    (void)sig;
    do_access(usr1_plan);
}

static gcp_status send_usr1(void *arg)
{
    (void)arg;
    pthread_kill(pthread_self(), SIGUSR1);
    return GCP_OK;   /* not reached: the handler's fault unwinds */
}

START_TEST(fault_in_interrupting_handler_restores_mask)
{
    SKIP_UNDER_TSAN("fault_in_interrupting_handler_restores_mask");
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    access_plan a = {.base = gcp_heap_base(h), .ref = (gcp_ref)gcp_heap_bound(h), .width = 1};
    usr1_plan = &a;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = usr1_faults;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    sigset_t before, after;
    ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &before), 0);
    ck_assert(!sigismember(&before, SIGUSR1));
    for (int i = 0; i < 3; i++) {
        gcp_trap t;
        ck_assert_status(gcp_guarded_call(h, send_usr1, NULL, &t), GCP_ETRAP);
        ck_assert_ptr_eq(t.heap, h);
        ck_assert_int_eq(t.offset, (int64_t)gcp_heap_bound(h));
        ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
        ck_assert_msg(!sigismember(&after, SIGUSR1), "SIGUSR1 left blocked");
        ck_assert_msg(!sigismember(&after, SIGUSR2), "the handler's sa_mask left blocked");
        ck_assert(same_mask(&before, &after));
    }
    done_with(p, h);
}
END_TEST

/* A guarded call entered with signals blocked gets that mask back. */
START_TEST(trap_restores_the_entry_mask)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    sigset_t block, before, after;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGRTMIN);
    ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
    ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &before), 0);
    expect_trap_at_bound(h, 8, true);
    ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
    ck_assert(same_mask(&before, &after));
    done_with(p, h);
}
END_TEST

/* ---------------------------------------------------- signal stacks */

static void *stack_thread(void *arg)
{
    void **out = arg;
    gcp_status s = GCP_OK;
    if (gcp_guarded_call(NULL, return_arg, &s, NULL) != GCP_OK)
        return NULL;
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0 || (cur.ss_flags & SS_DISABLE) ||
        cur.ss_size < GCP_TRAP_MIN_ALTSTACK)
        return NULL;
    *out = cur.ss_sp;
    return NULL;
}

START_TEST(thread_stack_made_and_released)
{
    ck_assert_ok(gcp_trap_install());
    void *sp = NULL;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stack_thread, &sp), 0);
    pthread_join(th, NULL);
    ck_assert_ptr_nonnull(sp);
    /* The thread is gone: so is the stack mapping. */
    errno = 0;
    ck_assert_int_eq(msync(sp, page(), MS_ASYNC), -1);
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(host_signal_stack_kept)
{
    ck_assert_ok(gcp_trap_install());
    size_t size = 2 * GCP_TRAP_MIN_ALTSTACK;
    uint8_t *mine = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(mine, MAP_FAILED);
    stack_t ss = {.ss_sp = mine, .ss_size = size, .ss_flags = 0};
    ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
    ck_assert_ok(gcp_trap_thread_init());
    ck_assert_ok(gcp_trap_thread_init());
    stack_t cur;
    ck_assert_int_eq(sigaltstack(NULL, &cur), 0);
    ck_assert_ptr_eq(cur.ss_sp, mine);
    /* Traps run on it. */
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    expect_trap_at_bound(h, 2, true);
    done_with(p, h);
}
END_TEST

/* ----------------------------------------------------------- registry */

START_TEST(registry_full_refuses_creation)
{
    gcp_pool_config c = small_config(1);
    c.max_heap_bytes = c.reservation_bytes = c.initial_heap_bytes = 4 * KIB;
    c.guard_bytes = 4 * KIB;
    c.keep_resident_bytes = 4 * KIB;
    gcp_heap **hs = calloc(GCP_TRAP_MAX_REGIONS, sizeof *hs);
    ck_assert_ptr_nonnull(hs);
    for (uint32_t i = 0; i < GCP_TRAP_MAX_REGIONS; i++)
        ck_assert_ok(gcp_heap_new_ondemand(&c, &hs[i]));
    gcp_heap *extra;
    gcp_pool *p;
    ck_assert_status(gcp_heap_new_ondemand(&c, &extra), GCP_ENOMEM);
    ck_assert_status(gcp_pool_new(&c, &p), GCP_ENOMEM);
    /* One freed entry is enough for the next one, and it traps. */
    ck_assert_ok(gcp_heap_free_ondemand(hs[1234]));
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_status(gcp_heap_new_ondemand(&c, &extra), GCP_ENOMEM);
    ck_assert_ok(gcp_trap_install());
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    expect_trap_at_bound(h, 1, false);
    expect_trap(hs[GCP_TRAP_MAX_REGIONS - 1], gcp_heap_base(hs[GCP_TRAP_MAX_REGIONS - 1]),
                4096, 0, 1, true, 4096);
    done_with(p, h);
    for (uint32_t i = 0; i < GCP_TRAP_MAX_REGIONS; i++)
        if (i != 1234)
            ck_assert_ok(gcp_heap_free_ondemand(hs[i]));
    free(hs);
    /* Everything given back: creation works again. */
    ck_assert_ok(gcp_heap_new_ondemand(&c, &extra));
    ck_assert_ok(gcp_heap_free_ondemand(extra));
}
END_TEST

/* One thread traps in its own heap while another creates and frees
 * on-demand heaps (registering and unregistering regions).  The churn runs
 * on the main thread: a second thread allocating through the library's
 * jemalloc arena in a forked test trips a ThreadSanitizer false report
 * inside jemalloc. */
typedef struct churn_plan {
    gcp_heap *heap;
    atomic_int finished;
    int bad;
} churn_plan;

static void *trapping_thread(void *arg)
{
    churn_plan *cp = arg;
    gcp_heap *h = cp->heap;
    for (int i = 0; i < 2000; i++) {
        access_plan a = {.base = gcp_heap_base(h), .ref = (gcp_ref)gcp_heap_bound(h),
                         .offset = (uint32_t)i, .width = 1, .write = true};
        gcp_trap t;
        if (gcp_guarded_call(h, do_access, &a, &t) != GCP_ETRAP || t.heap != h ||
            t.offset != (int64_t)gcp_heap_bound(h) + i)
            cp->bad++;
    }
    atomic_store(&cp->finished, 1);
    return NULL;
}

START_TEST(traps_while_regions_come_and_go)
{
    ck_assert_ok(gcp_trap_install());
    gcp_pool_config c = small_config(1);
    churn_plan cp = {.bad = 0};
    ck_assert_ok(gcp_heap_new_ondemand(&c, &cp.heap));
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, trapping_thread, &cp), 0);
    int cycles = 0;
    while (!atomic_load(&cp.finished) || cycles < 100) {
        gcp_heap *h;
        ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
        ck_assert_ok(gcp_heap_free_ondemand(h));
        cycles++;
    }
    pthread_join(th, NULL);
    ck_assert_int_eq(cp.bad, 0);
    ck_assert_ok(gcp_heap_free_ondemand(cp.heap));
}
END_TEST

/* ------------------------------------------------------ checked helpers */

START_TEST(checked_helpers_refuse_out_of_bounds)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p = new_pool(c);
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert(!st.implicit_bounds);   /* so compiled code must use _checked */
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    uint8_t *b = gcp_heap_base(h);
    size_t bound = gcp_heap_bound(h);
    ck_assert_ok(gcp_store32_checked(b, bound, (gcp_ref)bound - 8, 4, 0xDEADBEEFu));
    uint32_t v32 = 0;
    ck_assert_ok(gcp_load32_checked(b, bound, (gcp_ref)bound - 8, 4, &v32));
    ck_assert_uint_eq(v32, 0xDEADBEEFu);
    ck_assert_uint_eq(gcp_load32(b, (gcp_ref)bound - 4, 0), 0xDEADBEEFu);
    ck_assert_status(gcp_store32_checked(b, bound, (gcp_ref)bound - 3, 0, 1), GCP_EBOUNDS);
    ck_assert_status(gcp_load32_checked(b, bound, (gcp_ref)bound - 8, 5, &v32), GCP_EBOUNDS);
    uint64_t v64 = 9;
    ck_assert_status(gcp_load64_checked(b, bound, 0xFFFFFFFFu, 0xFFFFFFFFu, &v64), GCP_EBOUNDS);
    ck_assert_uint_eq(v64, 9);   /* untouched on refusal */
    ck_assert_status(gcp_store64_checked(b, bound, 0xFFFFFFF8u, 0, 1), GCP_EBOUNDS);
    uint8_t v8;
    ck_assert_status(gcp_load8_checked(b, bound, (gcp_ref)bound, 0, &v8), GCP_EBOUNDS);
    ck_assert_ok(gcp_store8_checked(b, bound, (gcp_ref)bound - 1, 0, 0x7F));
    ck_assert_ok(gcp_load8_checked(b, bound, 0, (uint32_t)bound - 1, &v8));
    ck_assert_uint_eq(v8, 0x7F);
    uint16_t v16;
    ck_assert_ok(gcp_store16_checked(b, bound, 1, 0, 0xBEEF));   /* unaligned */
    ck_assert_ok(gcp_load16_checked(b, bound, 0, 1, &v16));
    ck_assert_uint_eq(v16, 0xBEEF);
    ck_assert_status(gcp_store16_checked(b, bound, 0, (uint32_t)bound - 1, 1), GCP_EBOUNDS);
    ck_assert_uint_eq(b[bound - 1], 0x7F);
    done_with(p, h);
}
END_TEST

START_TEST(unchecked_helpers_round_trip)
{
    gcp_pool *p;
    gcp_heap *h = one_heap(small_config(1), &p);
    uint8_t *b = gcp_heap_base(h);
    gcp_store64(b, 16, 3, UINT64_C(0x1122334455667788));
    ck_assert_uint_eq(gcp_load64(b, 16, 3), UINT64_C(0x1122334455667788));
    uint64_t raw;
    memcpy(&raw, b + 19, sizeof raw);
    ck_assert_uint_eq(raw, UINT64_C(0x1122334455667788));
    gcp_store16(b, 101, 0, 0xABCD);
    ck_assert_uint_eq(gcp_load16(b, 100, 1), 0xABCD);
    gcp_store32(b, 0, 201, 0xCAFEF00Du);
    ck_assert_uint_eq(gcp_load32(b, 200, 1), 0xCAFEF00Du);
    gcp_store8(b, 300, 0, 0x5A);
    ck_assert_uint_eq(b[300], 0x5A);
    done_with(p, h);
}
END_TEST

static Suite *trap_suite(void)
{
    Suite *s = suite_create("trap");
    TCase *tc = tcase_create("basics");
    tcase_add_test(tc, guarded_call_needs_install);
    tcase_add_test(tc, install_is_idempotent);
    tcase_add_test(tc, install_from_many_threads);
    tcase_add_test(tc, guarded_call_passes_status_through);
    tcase_add_test(tc, unchecked_helpers_round_trip);
    tcase_add_test(tc, checked_helpers_refuse_out_of_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("details");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, read_and_write_one_past_bound);
    tcase_add_test(tc, last_byte_of_full_reservation);
    tcase_add_test(tc, offsets_into_the_guard);
    tcase_add_test(tc, before_the_base);
    tcase_add_test(tc, ondemand_heaps_trap);
    tcase_add_test(tc, slot_reused_after_trap_reads_zero);
    tcase_add_test(tc, signal_mask_restored_after_trap);
    suite_add_tcase(s, tc);

    tc = tcase_create("signal_handlers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, handler_blocks_async_signals_and_not_faults);
    tcase_add_test(tc, traps_from_a_50khz_timer_handler);
    tcase_add_test(tc, fault_in_interrupting_handler_restores_mask);
    tcase_add_test(tc, trap_restores_the_entry_mask);
    suite_add_tcase(s, tc);

    tc = tcase_create("not_traps");
    tcase_add_test_raise_signal(tc, fault_outside_guarded_call_kills, SIGSEGV);
    tcase_add_test_raise_signal(tc, host_fault_in_guarded_call_kills, SIGSEGV);
    tcase_add_test_raise_signal(tc, sent_signal_is_not_a_trap, SIGSEGV);
    tcase_add_test_raise_signal(tc, sigbus_outside_gcpool_kills, SIGBUS);
    tcase_add_test_raise_signal(tc, freed_region_is_forgotten, SIGSEGV);
    tcase_add_test_raise_signal(tc, fault_after_nested_traps_kills, SIGSEGV);
    tcase_add_test(tc, host_siginfo_handler_still_receives);
    tcase_add_test(tc, host_plain_handler_still_receives);
    suite_add_tcase(s, tc);

    tc = tcase_create("nesting_threads_stacks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, nested_guarded_calls);
    tcase_add_test(tc, traps_in_two_threads);
    tcase_add_test(tc, thread_stack_made_and_released);
    tcase_add_test(tc, host_signal_stack_kept);
    suite_add_tcase(s, tc);

    tc = tcase_create("registry");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, registry_full_refuses_creation);
    tcase_add_test(tc, traps_while_regions_come_and_go);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return run_suite(trap_suite()); }
