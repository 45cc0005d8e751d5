/* SPDX-License-Identifier: MIT */
/* Guard-page faults as recoverable traps.
 *
 * Three parts:
 *  - the region registry: a fixed table that pools and on-demand heaps
 *    enter at creation and leave before they unmap.  The fault handler
 *    reads it without locks; a writer removing an entry waits until no
 *    handler is reading that entry, so nothing a handler reads is ever
 *    freed under it;
 *  - per-thread state: the innermost guarded call (a linked list of frames
 *    on the callers' stacks) and the alternate signal stack;
 *  - the SIGSEGV/SIGBUS handler: a kernel-reported fault in a registered
 *    region while the thread is inside a guarded call unwinds to that call;
 *    everything else goes to the handler that was there before.
 *
 * The handler only reads atomics and thread-local data, calls
 * pthread_sigmask, sigaction and raise (async-signal-safe), and never
 * allocates or locks.
 *
 * Signal masks: the handler runs with SA_NODEFER and every asynchronous
 * signal blocked, so no other handler can start while it holds the thread
 * (a guarded call in such a handler would otherwise fault with SIGSEGV
 * blocked, which the kernel answers by killing the process).  A guarded
 * call saves the signal mask on entry and a trap puts that mask back,
 * whatever frame the fault came from: also a signal handler that
 * interrupted the guarded call and faulted outside a guarded call of its
 * own.  System calls go through the fault seam (pool/sys.h).
 */
#include "pool/trap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <ucontext.h>

#include "lib/error.h"
#include "pool/sys.h"
#include "pool/vm.h"

/* ------------------------------------------------------------ registry */

enum { ENTRY_FREE = 0, ENTRY_BUSY = 1, ENTRY_LIVE = 2 };

typedef struct region_entry {
    atomic_int state;        /* ENTRY_* */
    atomic_uint readers;     /* fault handlers inside this entry now */
    /* Written only while state is ENTRY_BUSY and readers is 0; atomic so
     * that a handler's first, unprotected range check is not a data race. */
    _Atomic uintptr_t start, end, lead, stride;
    _Atomic(const gcp_slot *) slots;
    _Atomic uint32_t nslots;
} region_entry;

static region_entry regions[GCP_TRAP_MAX_REGIONS];
/* Entries [0, regions_used) have been used at least once; the handler scans
 * no further. */
static atomic_uint regions_used;

gcp_status gcp__trap_register(const uint8_t *region, size_t size, size_t lead, size_t stride,
                              const gcp_slot *slots, uint32_t num_slots, uint32_t *out_id)
{
    for (uint32_t i = 0; i < GCP_TRAP_MAX_REGIONS; i++) {
        region_entry *e = &regions[i];
        int expect = ENTRY_FREE;
        if (atomic_load_explicit(&e->state, memory_order_relaxed) != ENTRY_FREE ||
            !atomic_compare_exchange_strong(&e->state, &expect, ENTRY_BUSY))
            continue;
        atomic_store_explicit(&e->start, (uintptr_t)region, memory_order_relaxed);
        atomic_store_explicit(&e->end, (uintptr_t)region + size, memory_order_relaxed);
        atomic_store_explicit(&e->lead, lead, memory_order_relaxed);
        atomic_store_explicit(&e->stride, stride, memory_order_relaxed);
        atomic_store_explicit(&e->slots, slots, memory_order_relaxed);
        atomic_store_explicit(&e->nslots, num_slots, memory_order_relaxed);
        unsigned used = atomic_load(&regions_used);
        while (used < i + 1 && !atomic_compare_exchange_weak(&regions_used, &used, i + 1))
            ;
        atomic_store_explicit(&e->state, ENTRY_LIVE, memory_order_release);
        *out_id = i;
        return GCP_OK;
    }
    return GCP_ENOMEM;
}

void gcp__trap_unregister(uint32_t id)
{
    region_entry *e = &regions[id];
    /* A handler announces itself (readers++) and then re-checks state; this
     * side changes state and then checks readers.  Both sequentially
     * consistent: either the handler sees BUSY, or this loop sees it. */
    atomic_store(&e->state, ENTRY_BUSY);
    while (atomic_load(&e->readers) != 0)
        sched_yield();   /* a handler holds it for a few instructions */
    atomic_store_explicit(&e->state, ENTRY_FREE, memory_order_release);
}

/* Fills heap and offset for addr if it lies in a registered region.  A
 * kernel-reported fault there is always in an inaccessible part (guards,
 * reservation past the bound): the rest is ordinary read-write memory. */
static bool lookup(uintptr_t addr, gcp_trap *t)
{
    unsigned n = atomic_load_explicit(&regions_used, memory_order_acquire);
    for (unsigned i = 0; i < n; i++) {
        region_entry *e = &regions[i];
        if (atomic_load_explicit(&e->state, memory_order_acquire) != ENTRY_LIVE)
            continue;
        uintptr_t start = atomic_load_explicit(&e->start, memory_order_relaxed);
        uintptr_t end = atomic_load_explicit(&e->end, memory_order_relaxed);
        if (addr < start || addr >= end)
            continue;
        bool found = false;
        atomic_fetch_add(&e->readers, 1);
        if (atomic_load(&e->state) == ENTRY_LIVE &&
            atomic_load_explicit(&e->start, memory_order_relaxed) == start &&
            atomic_load_explicit(&e->end, memory_order_relaxed) == end) {
            uintptr_t lead = atomic_load_explicit(&e->lead, memory_order_relaxed);
            uintptr_t stride = atomic_load_explicit(&e->stride, memory_order_relaxed);
            const gcp_slot *slots = atomic_load_explicit(&e->slots, memory_order_relaxed);
            uint32_t nslots = atomic_load_explicit(&e->nslots, memory_order_relaxed);
            uintptr_t idx = addr < start + lead ? 0 : (addr - start - lead) / stride;
            if (idx >= nslots)
                idx = nslots - 1;
            t->heap = slots[idx].heap;
            t->offset = (int64_t)(addr - (uintptr_t)slots[idx].base);
            t->addr = (void *)addr;
            found = true;
        }
        atomic_fetch_sub_explicit(&e->readers, 1, memory_order_release);
        if (found)
            return true;
    }
    return false;
}

/* ------------------------------------------------------ per-thread state */

typedef struct trap_frame {
    sigjmp_buf jump;
    struct trap_frame *prev;
    gcp_trap *out;         /* the caller's trap_out, may be NULL */
} trap_frame;

typedef struct trap_tls {
    trap_frame *top;       /* innermost guarded call, NULL outside */
    bool stack_ready;      /* the thread has a usable alternate stack */
} trap_tls;

/* initial-exec: reading it in the signal handler never allocates. */
static __thread trap_tls tls __attribute__((tls_model("initial-exec")));

/* The key whose destructor frees a thread's signal stack.  Created on the
 * first thread's first guarded call; a refusal is retried by the next
 * call (pthread_once would never try again). */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t stack_key;
static atomic_bool stack_key_ok;

static size_t altstack_total(void) { return gcp__vm_page_size() + GCP_TRAP_MIN_ALTSTACK; }

/* Signal stacks of exited threads that the kernel refused to unmap (or
 * to switch off) at the thread's exit: unmapped by a later thread's first
 * guarded call or exit instead of leaking.  A full table leaks the stack
 * (64 refusals outstanding at once). */
#define ORPHANS 64
static _Atomic(uint8_t *) orphans[ORPHANS];

static void adopt_orphan(uint8_t *low)
{
    for (int i = 0; i < ORPHANS; i++) {
        uint8_t *expect = NULL;
        if (atomic_compare_exchange_strong(&orphans[i], &expect, low))
            return;
    }
}

static void unmap_orphans(void)
{
    for (int i = 0; i < ORPHANS; i++) {
        if (!atomic_load_explicit(&orphans[i], memory_order_relaxed))
            continue;
        uint8_t *low = atomic_exchange(&orphans[i], NULL);
        if (low && gcp__vm_unreserve(low, altstack_total()) != GCP_OK)
            adopt_orphan(low);
    }
}

/* Thread exit: the stack gcpool made (one inaccessible page below it). */
static void release_stack(void *mapping)
{
    uint8_t *low = mapping;
    stack_t cur;
    const gcp_sys *sys = gcp__sys();
    int saved = errno;
    tls.stack_ready = false;
    bool off_ok = true;
    if (sys->sigaltstack(NULL, &cur) != 0) {
        off_ok = false;
    } else if (cur.ss_sp == low + gcp__vm_page_size() && !(cur.ss_flags & SS_DISABLE)) {
        stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
        off_ok = sys->sigaltstack(&off, NULL) == 0;
    }
    /* Still this thread's signal stack (the kernel would not say or
     * switch it off): it is unused once the thread is gone, so another
     * thread unmaps it later. */
    if (!off_ok || gcp__vm_unreserve(low, altstack_total()) != GCP_OK)
        adopt_orphan(low);
    else
        unmap_orphans();
    errno = saved;
}

/* GCP_OK once the key exists; GCP_ENOMEM (errno set) while the system
 * refuses it. */
static gcp_status ensure_key(void)
{
    if (atomic_load_explicit(&stack_key_ok, memory_order_acquire))
        return GCP_OK;
    pthread_mutex_lock(&key_lock);
    int err = 0;
    if (!atomic_load_explicit(&stack_key_ok, memory_order_relaxed)) {
        err = gcp__sys()->key_create(&stack_key, release_stack);
        if (err == 0)
            atomic_store_explicit(&stack_key_ok, true, memory_order_release);
    }
    pthread_mutex_unlock(&key_lock);
    if (err) {
        errno = err;
        return GCP_ENOMEM;
    }
    return GCP_OK;
}

gcp_status gcp_trap_thread_init(void)
{
    if (tls.stack_ready)
        return GCP_OK;
    stack_t cur;
    const gcp_sys *sys = gcp__sys();
    if (sys->sigaltstack(NULL, &cur) != 0)
        return gcp__fail_sys("sigaltstack", "query");
    if (!(cur.ss_flags & SS_DISABLE) && cur.ss_size >= GCP_TRAP_MIN_ALTSTACK) {
        tls.stack_ready = true;
        return GCP_OK;
    }
    gcp_status kst = ensure_key();
    if (kst != GCP_OK)
        return kst;
    unmap_orphans();
    uint8_t *low;
    gcp_status st = gcp__vm_reserve(altstack_total(), &low);
    if (st != GCP_OK)
        return st;
    stack_t ss = {.ss_sp = low + gcp__vm_page_size(), .ss_flags = 0,
                  .ss_size = GCP_TRAP_MIN_ALTSTACK};
    st = gcp__vm_commit(ss.ss_sp, ss.ss_size);
    if (st == GCP_OK && sys->sigaltstack(&ss, NULL) != 0)
        st = gcp__fail_sys("sigaltstack", "%zu bytes", ss.ss_size);
    if (st == GCP_OK) {
        int err = pthread_setspecific(stack_key, low);
        if (err != 0) {
            stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
            sys->sigaltstack(&off, NULL);
            errno = err;
            st = GCP_ENOMEM;
        }
    }
    if (st != GCP_OK) {
        int saved = errno;
        /* Cannot leak: the mapping was never handed to anyone.  A refused
         * unmap here is reported as the original failure. */
        gcp__vm_unreserve(low, altstack_total());
        errno = saved;
        return st;
    }
    tls.stack_ready = true;
    return GCP_OK;
}

/* ---------------------------------------------------------- the handler */

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool installed;
static struct sigaction prev_segv, prev_bus;

static gcp_trap_access access_kind(const void *ucv)
{
#if defined(__x86_64__)
    /* The page-fault error code: bit 1 is set for a write. */
    const ucontext_t *uc = ucv;
    return (uc->uc_mcontext.gregs[REG_ERR] & 2) ? GCP_ACCESS_WRITE : GCP_ACCESS_READ;
#else
    (void)ucv;
    return GCP_ACCESS_UNKNOWN;
#endif
}

/* Hands the signal to whatever was installed before gcpool. */
static void chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *p = sig == SIGBUS ? &prev_bus : &prev_segv;
    bool sent = si->si_code <= 0;   /* kill, raise, sigqueue: not a fault */
    bool runs_handler = (p->sa_flags & SA_SIGINFO) ||
                        (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN);
    if (runs_handler) {
        /* The mask the kernel would have set up for that handler: the
         * interrupted code's mask, its sa_mask, and sig itself unless
         * SA_NODEFER (gcpool's own handler blocks more).  The kernel puts
         * the interrupted code's mask back when gcpool's handler returns. */
        const ucontext_t *ctx = uc;
        sigset_t m = ctx->uc_sigmask;
        for (int s = 1; s < NSIG; s++)
            if (sigismember(&p->sa_mask, s) == 1)
                sigaddset(&m, s);
        if (p->sa_flags & SA_NODEFER)
            sigdelset(&m, sig);
        else
            sigaddset(&m, sig);
        pthread_sigmask(SIG_SETMASK, &m, NULL);
    }
    if (p->sa_flags & SA_SIGINFO) {
        p->sa_sigaction(sig, si, uc);
        return;
    }
    if (p->sa_handler == SIG_IGN && sent)
        return;
    if (p->sa_handler == SIG_DFL || p->sa_handler == SIG_IGN) {
        /* A fault cannot be ignored: with the default action back, the
         * faulting instruction runs again when we return and the kernel
         * ends the process with this signal.  A sent signal is sent again
         * (it stays pending until the handler returns). */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        gcp__sys()->sigaction(sig, &dfl, NULL);
        if (sent)
            raise(sig);
        return;
    }
    p->sa_handler(sig);
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    trap_frame *f = tls.top;
    gcp_trap t;
    if (f && si->si_code > 0 && lookup((uintptr_t)si->si_addr, &t)) {
        t.access = access_kind(ucv);
        t.signo = sig;
        if (f->out)
            *f->out = t;
        tls.top = f->prev;
        /* siglongjmp puts back the mask saved when the guarded call was
         * entered: not the faulting code's, which is another one when the
         * fault came from a signal handler that interrupted the call. */
        errno = saved_errno;
        siglongjmp(f->jump, 1);
    }
    chain(sig, si, ucv);
    errno = saved_errno;
}

gcp_status gcp_trap_install(void)
{
    if (atomic_load_explicit(&installed, memory_order_acquire))
        return GCP_OK;
    pthread_mutex_lock(&install_lock);
    gcp_status st = GCP_OK;
    if (!atomic_load_explicit(&installed, memory_order_relaxed)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        /* SA_NODEFER and every asynchronous signal blocked: see the top of
         * this file.  Synchronous ones stay open, a fault is a fault. */
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigfillset(&sa.sa_mask);
        static const int sync_sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
        for (size_t i = 0; i < sizeof sync_sigs / sizeof sync_sigs[0]; i++)
            sigdelset(&sa.sa_mask, sync_sigs[i]);
        const gcp_sys *sys = gcp__sys();
        /* Read the previous handlers before ours can run. */
        if (sys->sigaction(SIGSEGV, NULL, &prev_segv) != 0 ||
            sys->sigaction(SIGBUS, NULL, &prev_bus) != 0) {
            st = gcp__fail_sys("sigaction", "query SIGSEGV/SIGBUS");
        } else if (sys->sigaction(SIGSEGV, &sa, NULL) != 0) {
            st = gcp__fail_sys("sigaction", "SIGSEGV");
        } else if (sys->sigaction(SIGBUS, &sa, NULL) != 0) {
            int saved = errno;
            sys->sigaction(SIGSEGV, &prev_segv, NULL);
            errno = saved;
            st = gcp__fail_sys("sigaction", "SIGBUS");
        } else {
            atomic_store_explicit(&installed, true, memory_order_release);
        }
    }
    pthread_mutex_unlock(&install_lock);
    return st;
}

bool gcp_trap_installed(void) { return atomic_load_explicit(&installed, memory_order_acquire); }

gcp_status gcp_guarded_call(gcp_heap *heap, gcp_status (*fn)(void *arg), void *arg,
                            gcp_trap *trap_out)
{
    (void)heap;
    if (!fn)
        return GCP_EINVAL;
    if (!atomic_load_explicit(&installed, memory_order_relaxed))
        return GCP_ESTATE;
    if (__builtin_expect(!tls.stack_ready, 0)) {
        gcp_status st = gcp_trap_thread_init();
        if (st != GCP_OK)
            return st;
    }
    trap_frame f;
    f.prev = tls.top;
    f.out = trap_out;
    /* The mask is saved (one system call) so that a trap restores it even
     * when the fault came from a signal handler that interrupted fn.
     * Nothing in f changes after sigsetjmp: the handler writes only
     * *trap_out. */
    if (sigsetjmp(f.jump, 1) != 0)
        return GCP_ETRAP;
    tls.top = &f;
    atomic_signal_fence(memory_order_seq_cst);
    gcp_status st = fn(arg);
    atomic_signal_fence(memory_order_seq_cst);
    tls.top = f.prev;
    return st;
}
