/* SPDX-License-Identifier: MIT */
/* The fault-injection walk: every system call pool/ makes goes through the
 * table of pool/sys.h; these tests replace it and fail call N of a
 * scenario, for every N, with ENOMEM, EAGAIN and EINVAL.  After each run:
 * every failing call answered a clear status (errno kept), no mapping made
 * through the table is still in /proc/self/maps, and the pool (or heap)
 * still hands out every slot, reading zero.  Double frees and leaks of
 * host memory are for the sanitizer and valgrind runs of this suite.
 * Also the regression tests of the slot state machine (retirement, repair,
 * locked memory) and of the thread key retry. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/heap.h"
#include "pool/sys.h"
#include "testutil.h"

/* ------------------------------------------------------------ the table */

enum { C_MMAP, C_MUNMAP, C_MPROTECT, C_MADVISE, C_PIDFD, C_PMADVISE, C_SIGACTION,
       C_SIGALTSTACK, C_KEY, C_KINDS };
static const char *const kind_name[C_KINDS] = {"mmap", "munmap", "mprotect", "madvise",
                                               "pidfd_open", "process_madvise", "sigaction",
                                               "sigaltstack", "pthread_key_create"};

static atomic_int armed;         /* counting and failing calls */
static atomic_int calls;         /* calls counted since arming */
static int fail_at;              /* the call to fail (1-based), 0 none */
static int fail_errno;
static int fail_count = 1;       /* how many calls in a row to fail */
static atomic_int injected;      /* failures injected since arming */
static int injected_kind = -1;   /* what the last injected call was */

/* What is still mapped of the mappings made through the table (armed or
 * not): each mmap adds its range, each munmap through the table cuts its
 * range out.  Compared with /proc/self/maps, this tells our leftovers
 * from other mappings the allocator placed where ours were. */
#define MAX_MAPS 4096
static struct { uintptr_t start, len; } made[MAX_MAPS];
static atomic_int nmade;
static pthread_mutex_t made_lock = PTHREAD_MUTEX_INITIALIZER;

static void made_add(uintptr_t start, uintptr_t len)
{
    int i = atomic_fetch_add(&nmade, 1);
    if (i < MAX_MAPS) {
        made[i].start = start;
        made[i].len = len;
    }
}

static void made_cut(uintptr_t a, uintptr_t len)
{
    pthread_mutex_lock(&made_lock);
    int n = atomic_load(&nmade);
    if (n > MAX_MAPS)
        n = MAX_MAPS;
    for (int i = 0; i < n; i++) {
        uintptr_t s0 = made[i].start, e0 = s0 + made[i].len, e = a + len;
        if (!made[i].len || e <= s0 || a >= e0)
            continue;
        made[i].len = a > s0 ? a - s0 : 0;
        if (e < e0) {
            if (made[i].len == 0) {
                made[i].start = e;
                made[i].len = e0 - e;
            } else {
                made_add(e, e0 - e);
            }
        }
    }
    pthread_mutex_unlock(&made_lock);
}

static bool hit(int kind)
{
    if (!atomic_load(&armed))
        return false;
    int n = atomic_fetch_add(&calls, 1) + 1;
    if (fail_at && n >= fail_at && n < fail_at + fail_count) {
        atomic_fetch_add(&injected, 1);
        injected_kind = kind;
        errno = fail_errno;
        return true;
    }
    return false;
}

static void *f_mmap(void *a, size_t l, int prot, int fl, int fd, off_t off)
{
    if (hit(C_MMAP))
        return MAP_FAILED;
    void *p = gcp__sys_default.mmap(a, l, prot, fl, fd, off);
    if (p != MAP_FAILED) {
        pthread_mutex_lock(&made_lock);
        made_add((uintptr_t)p, l);
        pthread_mutex_unlock(&made_lock);
    }
    return p;
}
static int f_munmap(void *a, size_t l)
{
    if (hit(C_MUNMAP))
        return -1;
    int r = gcp__sys_default.munmap(a, l);
    if (r == 0)
        made_cut((uintptr_t)a, l);
    return r;
}
static int f_mprotect(void *a, size_t l, int p)
{
    return hit(C_MPROTECT) ? -1 : gcp__sys_default.mprotect(a, l, p);
}
static int f_madvise(void *a, size_t l, int adv)
{
    return hit(C_MADVISE) ? -1 : gcp__sys_default.madvise(a, l, adv);
}
static int f_pidfd(pid_t pid, unsigned fl) { return hit(C_PIDFD) ? -1 : gcp__sys_default.pidfd_open(pid, fl); }
static long f_pmadvise(int fd, const struct iovec *iov, size_t n, int adv, unsigned fl)
{
    return hit(C_PMADVISE) ? -1 : gcp__sys_default.process_madvise(fd, iov, n, adv, fl);
}
static int f_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
    return hit(C_SIGACTION) ? -1 : gcp__sys_default.sigaction(sig, sa, old);
}
static int f_sigaltstack(const stack_t *ss, stack_t *old)
{
    return hit(C_SIGALTSTACK) ? -1 : gcp__sys_default.sigaltstack(ss, old);
}
static int f_key(pthread_key_t *k, void (*d)(void *))
{
    if (hit(C_KEY))
        return fail_errno;
    return gcp__sys_default.key_create(k, d);
}

static const gcp_sys faulty = {
    .mmap = f_mmap, .munmap = f_munmap, .mprotect = f_mprotect, .madvise = f_madvise,
    .pidfd_open = f_pidfd, .process_madvise = f_pmadvise, .sigaction = f_sigaction,
    .sigaltstack = f_sigaltstack, .key_create = f_key,
};

static void arm(int at, int err)
{
    atomic_store(&calls, 0);
    atomic_store(&injected, 0);
    injected_kind = -1;
    fail_at = at;
    fail_errno = err;
    atomic_store(&armed, 1);
}
static void disarm(void) { atomic_store(&armed, 0); }

/* ------------------------------------------------- /proc/self/maps check */

/* Entries of /proc/self/maps that overlap what is left of the mappings
 * made through the table since the last reset_made(): read with plain
 * read(2) into a static buffer, so that the check itself maps nothing. */
static char maps_buf[1 << 20];

static int leaked_maps(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    size_t len = 0;
    ssize_t r;
    while (len < sizeof maps_buf - 1 && (r = read(fd, maps_buf + len, sizeof maps_buf - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    maps_buf[len] = 0;
    int n = atomic_load(&nmade);
    if (n > MAX_MAPS)
        n = MAX_MAPS;
    int leaked = 0;
    for (char *line = maps_buf; *line;) {
        char *nl = strchr(line, '\n');
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            for (int i = 0; i < n; i++)
                if (made[i].len && lo < made[i].start + made[i].len && made[i].start < hi) {
                    if (getenv("GCP_FAULTS_VERBOSE"))
                        fprintf(stderr, "leaked: %.*s (made %#lx+%#lx)\n",
                                (int)(nl ? nl - line : (long)strlen(line)), line,
                                (unsigned long)made[i].start, (unsigned long)made[i].len);
                    leaked++;
                    break;
                }
        if (!nl)
            break;
        line = nl + 1;
    }
    return leaked;
}
static void reset_made(void) { atomic_store(&nmade, 0); }

/* ---------------------------------------------------------- the outcomes */

typedef struct walk {
    int runs, injected, reported, recovered;
    int by_kind[C_KINDS];
} walk;

/* Statuses a call may give while a system call fails under it. */
static int reported_in_run;

static void clear_status(const char *what, gcp_status st, bool check_errno)
{
    if (st == GCP_OK)
        return;
    ck_assert_msg(st == GCP_ESYS || st == GCP_ENOMEM,
                  "%s gave %d (%s) with call %d failing (%s, errno %d)", what, st,
                  gcp_strerror(st), fail_at, injected_kind >= 0 ? kind_name[injected_kind] : "-",
                  fail_errno);
    if (check_errno)
        ck_assert_msg(errno == fail_errno, "%s: errno %d, the failed call's was %d", what, errno,
                      fail_errno);
    reported_in_run = 1;
}

/* Every slot acquirable, reading zero, stats adding up; then released. */
static void verify_pool(gcp_pool *p)
{
    gcp_pool_stats s;
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.num_slots, s.slots_in_use + s.free_slots + s.retired_slots);
    ck_assert_uint_eq(s.retired_slots, 0);
    ck_assert_uint_eq(s.slots_in_use, 0);
    gcp_heap *hs[16];
    ck_assert_uint_le(s.num_slots, 16);
    for (uint32_t i = 0; i < s.num_slots; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &hs[i]));
        assert_heap_zero(hs[i]);
        /* And it still grows. */
        if (gcp_heap_bound(hs[i]) < gcp_heap_max(hs[i])) {
            ck_assert_ok(gcp__heap_grow(hs[i], gcp_heap_bound(hs[i]) + 1));
            assert_heap_zero(hs[i]);
        }
    }
    gcp_heap *extra;
    ck_assert_status(gcp_pool_acquire(p, &extra), GCP_EEXHAUSTED);
    for (uint32_t i = 0; i < s.num_slots; i++)
        ck_assert_ok(gcp_pool_release(p, hs[i]));
}

static void free_pool(gcp_pool *p)
{
    if (p) {
        verify_pool(p);
        ck_assert_ok(gcp_pool_free(p));
    }
}

/* -------------------------------------------------------------- scenarios */

static gcp_pool_config cfg_small(uint32_t slots)
{
    gcp_pool_config c = small_config(slots);
    c.keep_resident_bytes = 64 * KIB;
    return c;
}

/* Grows h to `bytes` and dirties every accessible byte. */
static void grow_dirty(gcp_heap *h, size_t bytes, const char *what)
{
    gcp_status st = gcp__heap_grow(h, bytes);
    clear_status(what, st, false);
    fill_heap(h, 0xA5);
}

/* Each scenario runs armed, then disarms and checks (and frees) what it
 * made. */
static void sc_pool_create(void)
{
    gcp_pool_config c = cfg_small(4);
    gcp_pool *p = NULL;
    arm(fail_at, fail_errno);
    gcp_status st = gcp_pool_new(&c, &p);
    clear_status("gcp_pool_new", st, true);
    disarm();
    if (st == GCP_OK)
        free_pool(p);
}

static void sc_acquire_growth(void)
{
    gcp_pool_config c = cfg_small(2);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    arm(fail_at, fail_errno);
    for (int round = 0; round < 2; round++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(p, &h);
        clear_status("gcp_pool_acquire", st, true);
        if (st != GCP_OK)
            continue;
        for (size_t b = 8 * KIB; b <= 1 * MIB; b *= 2)
            grow_dirty(h, b, "grow");
        st = gcp_pool_release(p, h);
        clear_status("gcp_pool_release", st, true);
    }
    disarm();
    free_pool(p);
}

static void sc_release_reset(void)
{
    /* One slot keeping everything resident: only scrubs and shrinks. */
    gcp_pool_config c = small_config(1);
    c.keep_resident_bytes = 1 * MIB;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    arm(fail_at, fail_errno);
    for (int round = 0; round < 12; round++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(p, &h);
        clear_status("gcp_pool_acquire", st, true);
        if (st != GCP_OK)
            continue;
        ck_assert_uint_le(gcp_heap_bound(h), 1 * MIB);
        if (round == 0)
            grow_dirty(h, 256 * KIB, "grow");
        else
            fill_heap(h, (uint8_t)round);   /* small holders after the shrink */
        st = gcp_pool_release(p, h);
        clear_status("gcp_pool_release", st, true);
    }
    disarm();
    free_pool(p);
}

static void sc_release_past_keep(void)
{
    /* One slot keeping 64 KiB: every other holder grows past that, so its
     * slot is queued; the next acquire drains it (give-back, then the
     * shrink to the small bound the last two holders needed). */
    gcp_pool_config c = cfg_small(1);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    arm(fail_at, fail_errno);
    for (int round = 0; round < 4; round++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(p, &h);
        clear_status("gcp_pool_acquire", st, true);
        if (st != GCP_OK)
            continue;
        assert_heap_zero(h);
        if (round % 2 == 0)
            grow_dirty(h, 256 * KIB, "grow");
        else
            fill_heap(h, (uint8_t)round);
        st = gcp_pool_release(p, h);
        clear_status("gcp_pool_release", st, true);
    }
    disarm();
    free_pool(p);
}

static void sc_decommit_batch(void)
{
    /* No warm slots: every release queues its slot, the eighth drains. */
    gcp_pool_config c = cfg_small(8);
    c.max_unused_warm_slots = 0;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *hs[8];
    int n = 0;
    arm(fail_at, fail_errno);
    for (int i = 0; i < 8; i++) {
        gcp_status st = gcp_pool_acquire(p, &hs[n]);
        clear_status("gcp_pool_acquire", st, true);
        if (st == GCP_OK)
            grow_dirty(hs[n++], 256 * KIB, "grow");
    }
    for (int i = 0; i < n; i++)
        clear_status("gcp_pool_release", gcp_pool_release(p, hs[i]), true);
    disarm();
    free_pool(p);
}

static void sc_trim(void)
{
    gcp_pool_config c = cfg_small(4);
    c.max_unused_warm_slots = 2;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *hs[4];
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &hs[i]));
        grow_dirty(hs[i], i < 2 ? 32 * KIB : 512 * KIB, "grow");
    }
    for (int i = 0; i < 4; i++)
        ck_assert_ok(gcp_pool_release(p, hs[i]));
    arm(fail_at, fail_errno);
    clear_status("gcp_pool_trim", gcp_pool_trim(p), true);
    disarm();
    free_pool(p);
}

static void sc_pool_free(void)
{
    gcp_pool_config c = cfg_small(3);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    grow_dirty(h, 512 * KIB, "grow");
    ck_assert_ok(gcp_pool_release(p, h));
    arm(fail_at, fail_errno);
    gcp_status st = gcp_pool_free(p);
    clear_status("gcp_pool_free", st, true);
    disarm();
    if (st != GCP_OK)
        free_pool(p);   /* left whole: still works, and frees */
}

static void ondemand_cycle(const gcp_pool_config *c)
{
    gcp_heap *h;
    gcp_status st = gcp_heap_new_ondemand(c, &h);
    clear_status("gcp_heap_new_ondemand", st, true);
    if (st != GCP_OK)
        return;
    bool was_armed = atomic_load(&armed);
    grow_dirty(h, 256 * KIB, "grow");
    st = gcp_heap_free_ondemand(h);
    clear_status("gcp_heap_free_ondemand", st, true);
    if (st != GCP_OK) {
        disarm();
        /* Left whole: readable, writable, and freed by a second call. */
        fill_heap(h, 1);
        ck_assert_ok(gcp_heap_free_ondemand(h));
        if (was_armed)
            atomic_store(&armed, 1);
    }
}

static void sc_ondemand(void)
{
    gcp_pool_config c = cfg_small(1);
    arm(fail_at, fail_errno);
    ondemand_cycle(&c);
    /* The store-level path: a refused unmap leaves the store whole. */
    gcp_store *s;
    gcp_status st = gcp_store_new_ondemand(&c, &s);
    clear_status("gcp_store_new_ondemand", st, true);
    if (st == GCP_OK) {
        st = gcp_store_free(s);
        clear_status("gcp_store_free", st, true);
        if (st != GCP_OK) {
            disarm();
            ck_assert_ok(gcp_store_free(s));
        }
    }
    disarm();
}

static void sc_huge_pages(void)
{
    gcp_pool_config c = small_config(2);
    c.huge_pages = true;
    c.max_heap_bytes = 4 * MIB;
    c.reservation_bytes = 4 * MIB;
    c.guard_bytes = 2 * MIB;
    c.keep_resident_bytes = 64 * KIB;
    gcp_pool *p = NULL;
    arm(fail_at, fail_errno);
    gcp_status st = gcp_pool_new(&c, &p);
    clear_status("gcp_pool_new (huge)", st, true);
    if (st == GCP_OK) {
        gcp_heap *h;
        st = gcp_pool_acquire(p, &h);
        clear_status("gcp_pool_acquire (huge)", st, true);
        if (st == GCP_OK) {
            grow_dirty(h, 3 * MIB, "grow (huge)");
            clear_status("gcp_pool_release (huge)", gcp_pool_release(p, h), true);
        }
    }
    ondemand_cycle(&c);
    disarm();
    free_pool(p);
}

/* The first guarded call of a thread (and the handler's installation):
 * each run in a fresh child, where no handler, key or signal stack exists
 * yet. */
static volatile uint64_t sink;

/* noinline: tests/valgrind.supp names it */
static __attribute__((noinline)) gcp_status do_access(void *arg)
{
    gcp_heap *h = arg;
    sink = gcp_load8(gcp_heap_base(h), (gcp_ref)gcp_heap_bound(h), 0);
    return GCP_OK;
}

typedef struct thread_run {
    gcp_heap *heap;
    gcp_status st;
    int err;
    gcp_status after;   /* a second guarded call, nothing failing */
} thread_run;

static void *guarded_thread(void *arg)
{
    thread_run *t = arg;
    gcp_trap trap;
    errno = 0;
    t->st = gcp_guarded_call(t->heap, do_access, t->heap, &trap);
    t->err = errno;
    bool was = atomic_exchange(&armed, 0);
    t->after = gcp_guarded_call(t->heap, do_access, t->heap, &trap);
    atomic_store(&armed, was);
    return NULL;
}

static void child_first_guarded_call(int out_fd)
{
    gcp_pool_config c = cfg_small(1);
    gcp_pool *p;
    gcp_heap *h;
    if (gcp_pool_new(&c, &p) != GCP_OK || gcp_pool_acquire(p, &h) != GCP_OK)
        _exit(10);
    arm(fail_at, fail_errno);
    gcp_status ist = gcp_trap_install();
    int ierr = errno;
    thread_run t = {.heap = h};
    pthread_t th;
    if (pthread_create(&th, NULL, guarded_thread, &t) != 0)
        _exit(11);
    pthread_join(th, NULL);
    disarm();
    int n = atomic_load(&calls);
    if (write(out_fd, &n, sizeof n) != sizeof n)
        _exit(12);
    if (ist != GCP_OK && (ist != GCP_ESYS || ierr != fail_errno))
        _exit(13);
    if (ist != GCP_OK) {
        /* Not installed: guarded calls say so; installing again works. */
        if (t.st != GCP_ESTATE || gcp_trap_install() != GCP_OK)
            _exit(14);
    } else if (t.st != GCP_ETRAP &&
               !((t.st == GCP_ESYS || t.st == GCP_ENOMEM) && t.err == fail_errno)) {
        _exit(15);
    } else if (t.after != GCP_ETRAP) {
        _exit(16);   /* the same thread's next call must work */
    }
    /* Another thread, nothing failing: its first guarded call works. */
    t = (thread_run){.heap = h};
    if (pthread_create(&th, NULL, guarded_thread, &t) != 0)
        _exit(17);
    pthread_join(th, NULL);
    if (t.st != GCP_ETRAP || t.after != GCP_ETRAP)
        _exit(18);
    if (gcp_pool_release(p, h) != GCP_OK || gcp_pool_free(p) != GCP_OK)
        _exit(19);
    /* Every signal stack made through the table is gone with its thread. */
    if (leaked_maps() != 0)
        _exit(20);
    _exit(0);
}

/* Runs the thread scenario in a child; returns the calls it counted. */
static int run_child(void)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        reset_made();
        child_first_guarded_call(fds[1]);
    }
    close(fds[1]);
    int n = -1;
    ssize_t r = read(fds[0], &n, sizeof n);
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "first guarded call with call %d failing (errno %d): child status %#x", fail_at,
                  fail_errno, status);
    ck_assert_int_eq(r, (ssize_t)sizeof n);
    return n;
}

typedef struct scenario {
    const char *name;
    void (*run)(void);
    bool in_child;
} scenario;

static const scenario scenarios[] = {
    {"pool create", sc_pool_create, false},
    {"acquire with growth", sc_acquire_growth, false},
    {"release/reset", sc_release_reset, false},
    {"release past keep_resident", sc_release_past_keep, false},
    {"decommit batch", sc_decommit_batch, false},
    {"trim", sc_trim, false},
    {"pool free", sc_pool_free, false},
    {"on-demand heaps", sc_ondemand, false},
    {"huge pages", sc_huge_pages, false},
    {"first guarded call of a thread", NULL, true},
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

static const int errnos[] = {ENOMEM, EAGAIN, EINVAL};

START_TEST(injection_walk)
{
    const scenario *sc = &scenarios[_i];
    const gcp_sys *old = gcp__sys_replace(&faulty);
    walk w = {0};
    for (size_t e = 0; e < sizeof errnos / sizeof errnos[0]; e++) {
        for (int n = 1;; n++) {
            int counted;
            reported_in_run = 0;
            if (sc->in_child) {
                fail_at = n;
                fail_errno = errnos[e];
                counted = run_child();
                /* The child's own injections are not visible here: the
                 * call counted tells whether call n existed. */
                if (counted >= n) {
                    w.injected++;
                    w.runs++;
                }
            } else {
                reset_made();
                fail_at = n;
                fail_errno = errnos[e];
                sc->run();
                disarm();
                counted = atomic_load(&calls);
                w.runs++;
                int inj = atomic_load(&injected);
                w.injected += inj;
                if (inj && injected_kind >= 0)
                    w.by_kind[injected_kind]++;
                if (inj && reported_in_run)
                    w.reported++;
                else if (inj)
                    w.recovered++;
                int leaked = leaked_maps();
                ck_assert_msg(leaked == 0, "%s, call %d failing (%s, errno %d): %d mappings leaked",
                              sc->name, n, inj ? kind_name[injected_kind] : "none", errnos[e],
                              leaked);
            }
            if (counted < n)
                break;
            ck_assert_int_lt(n, 2000);
        }
    }
    gcp__sys_replace(old);
    printf("fault walk: %-32s %4d runs, %4d calls failed", sc->name, w.runs, w.injected);
    if (!sc->in_child) {
        printf(" (%d reported, %d recovered;", w.reported, w.recovered);
        for (int k = 0; k < C_KINDS; k++)
            if (w.by_kind[k])
                printf(" %s %d", kind_name[k], w.by_kind[k]);
        printf(")");
    }
    printf(" x ENOMEM/EAGAIN/EINVAL\n");
    fflush(stdout);
    /* A walk that failed nothing tested nothing. */
    ck_assert_int_ge(w.injected, (int)(sizeof errnos / sizeof errnos[0]));
}
END_TEST

/* ------------------------------------------------ state machine tests */

/* Fails every call of one kind from the next one on. */
static void fail_from_now(int err, int count)
{
    fail_count = count;
    arm(1, err);
}

/* Regression (issue 11, finding 1): one refused MADV_DONTNEED used to
 * retire the whole batch, slots already given back included. */
START_TEST(refused_give_back_loses_no_slot)
{
    gcp_pool_config c = cfg_small(8);
    c.max_unused_warm_slots = 0;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_sys only_madvise = gcp__sys_default;
    only_madvise.madvise = f_madvise;
    only_madvise.process_madvise = f_pmadvise;
    const gcp_sys *old = gcp__sys_replace(&only_madvise);
    for (int round = 0; round < 3; round++) {
        gcp_heap *hs[8];
        for (int i = 0; i < 8; i++) {
            ck_assert_ok(gcp_pool_acquire(p, &hs[i]));
            assert_heap_zero(hs[i]);
            ck_assert_ok(gcp__heap_grow(hs[i], 256 * KIB));
            fill_heap(hs[i], 0x5A);
        }
        /* Every give-back of this round refused (ENOMEM: not locked). */
        fail_from_now(ENOMEM, 1000);
        for (int i = 0; i < 8; i++)
            ck_assert_ok(gcp_pool_release(p, hs[i]));
        ck_assert_int_gt(atomic_load(&injected), 0);
        disarm();
        gcp_pool_stats s;
        ck_assert_ok(gcp_pool_stats_get(p, &s));
        ck_assert_uint_eq(s.retired_slots, 0);
        ck_assert_uint_eq(s.free_slots, 8);
        ck_assert(!s.zero_in_place);
    }
    fail_count = 1;
    gcp__sys_replace(old);
    verify_pool(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Regression (finding 1): a refused shrink mprotect used to retire a slot
 * that was already zeroed (a one-slot pool was dead). */
START_TEST(refused_shrink_keeps_zeroed_bound)
{
    gcp_pool_config c = small_config(1);
    c.keep_resident_bytes = 1 * MIB;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp__heap_grow(h, 512 * KIB));
    gcp_sys only_mprotect = gcp__sys_default;
    only_mprotect.mprotect = f_mprotect;
    const gcp_sys *old = gcp__sys_replace(&only_mprotect);
    /* Holders that hand out little: each release shrinks the bound; the
     * shrinks are refused, the undo is not (it is a second call). */
    int refused = 0;
    for (int i = 0; i < 20; i++) {
        if (i > 0)
            ck_assert_ok(gcp_pool_acquire(p, &h));
        assert_heap_zero(h);
        ck_assert_uint_eq(gcp_heap_bound(h), 512 * KIB);
        fill_heap(h, (uint8_t)(i + 1));
        arm(1, ENOMEM);   /* the first mprotect of the release: the shrink */
        ck_assert_ok(gcp_pool_release(p, h));
        refused += atomic_load(&injected);
        disarm();
    }
    ck_assert_int_eq(refused, 20);
    /* Nothing refused: the next release shrinks. */
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_uint_eq(gcp_heap_bound(h), 4 * KIB);
    ck_assert_ok(gcp_pool_release(p, h));
    gcp__sys_replace(old);
    gcp_pool_stats s;
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 0);
    verify_pool(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Two refusals in a row (the shrink and its undo): the slot is retired,
 * visibly, and gcp_pool_trim brings it back. */
START_TEST(retired_slot_is_counted_and_repaired)
{
    gcp_pool_config c = small_config(2);
    c.keep_resident_bytes = 1 * MIB;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp__heap_grow(h, 512 * KIB));
    fill_heap(h, 3);
    gcp_sys only_mprotect = gcp__sys_default;
    only_mprotect.mprotect = f_mprotect;
    const gcp_sys *old = gcp__sys_replace(&only_mprotect);
    /* The release shrinks the bound it zeroed: the shrink and its undo
     * are refused. */
    fail_from_now(EAGAIN, 2);
    errno = 0;
    gcp_status st = gcp_pool_release(p, h);
    disarm();
    fail_count = 1;
    ck_assert_int_eq(atomic_load(&injected), 2);
    ck_assert_status(st, GCP_ESYS);
    ck_assert_int_eq(errno, EAGAIN);
    /* Released all the same: a second release is a double release. */
    ck_assert_status(gcp_pool_release(p, h), GCP_EDOUBLE);
    gcp_pool_stats s;
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 1);
    ck_assert_uint_eq(s.num_slots, s.slots_in_use + s.free_slots + s.retired_slots);
    /* The retired slot is not handed out. */
    gcp_heap *a, *b;
    ck_assert_ok(gcp_pool_acquire(p, &a));
    ck_assert_status(gcp_pool_acquire(p, &b), GCP_EEXHAUSTED);
    ck_assert_ok(gcp_pool_release(p, a));
    /* A trim whose repair is refused keeps it retired and says so. */
    fail_from_now(ENOMEM, 1);
    ck_assert_status(gcp_pool_trim(p), GCP_ESYS);
    disarm();
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 1);
    gcp__sys_replace(old);
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 0);
    ck_assert_uint_eq(s.free_slots, 2);
    verify_pool(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* The shrink after a give-back (the bound goes below keep_resident, to
 * what the last holders needed): refused, the larger bound is kept, zero;
 * refused together with its undo, the slot is retired, counted, and a trim
 * repairs it. */
START_TEST(refused_shrink_after_give_back)
{
    gcp_pool_config c = cfg_small(1);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_sys only_mprotect = gcp__sys_default;
    only_mprotect.mprotect = f_mprotect;
    const gcp_sys *old = gcp__sys_replace(&only_mprotect);
    gcp_heap *h;
    gcp_pool_stats s;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp__heap_grow(h, 256 * KIB));
    fill_heap(h, 0x42);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.decommit_queued, 1);
    arm(1, ENOMEM);   /* the acquire drains the queue: its shrink */
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_int_eq(atomic_load(&injected), 1);
    disarm();
    ck_assert_uint_eq(gcp_heap_bound(h), 256 * KIB);
    assert_heap_zero(h);
    fill_heap(h, 0x43);
    ck_assert_ok(gcp_pool_release(p, h));
    fail_from_now(EAGAIN, 2);
    errno = 0;
    ck_assert_status(gcp_pool_acquire(p, &h), GCP_EEXHAUSTED);
    ck_assert_int_eq(atomic_load(&injected), 2);
    disarm();
    fail_count = 1;
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 1);
    ck_assert_uint_eq(s.num_slots, s.slots_in_use + s.free_slots + s.retired_slots);
    gcp__sys_replace(old);
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert_uint_eq(s.retired_slots, 0);
    verify_pool(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Locked memory: MADV_DONTNEED answers EINVAL.  The pool zeroes in place
 * from then on and says so; a trim asks again. */
START_TEST(einval_give_back_switches_to_zeroing)
{
    gcp_pool_config c = cfg_small(8);
    c.max_unused_warm_slots = 0;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_sys only_madvise = gcp__sys_default;
    only_madvise.madvise = f_madvise;
    only_madvise.process_madvise = f_pmadvise;
    const gcp_sys *old = gcp__sys_replace(&only_madvise);
    fail_from_now(EINVAL, 1000);
    for (int round = 0; round < 4; round++) {
        gcp_heap *hs[8];
        for (int i = 0; i < 8; i++) {
            ck_assert_ok(gcp_pool_acquire(p, &hs[i]));
            assert_heap_zero(hs[i]);
            ck_assert_ok(gcp__heap_grow(hs[i], 128 * KIB));
            fill_heap(hs[i], 0xEE);
        }
        for (int i = 0; i < 8; i++)
            ck_assert_ok(gcp_pool_release(p, hs[i]));
    }
    gcp_pool_stats s;
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert(s.zero_in_place);
    ck_assert_uint_eq(s.retired_slots, 0);
    /* Asked once (per refusal pass), not for every slot of every round. */
    int asked = atomic_load(&calls);
    ck_assert_int_le(asked, 2);
    disarm();
    fail_count = 1;
    gcp__sys_replace(old);
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &s));
    ck_assert(!s.zero_in_place);
    verify_pool(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Regression (finding 5): a refused munmap used to be ignored (GCP_OK and
 * the reservation leaked). */
START_TEST(refused_unmap_is_reported)
{
    gcp_pool_config c = cfg_small(2);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_sys only_munmap = gcp__sys_default;
    only_munmap.munmap = f_munmap;
    const gcp_sys *old = gcp__sys_replace(&only_munmap);
    fail_from_now(ENOMEM, 1);
    errno = 0;
    ck_assert_status(gcp_pool_free(p), GCP_ESYS);
    ck_assert_int_eq(errno, ENOMEM);
    disarm();
    verify_pool(p);   /* left whole */
    ck_assert_ok(gcp_pool_free(p));

    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    fail_from_now(EINVAL, 1);
    ck_assert_status(gcp_heap_free_ondemand(h), GCP_ESYS);
    disarm();
    fill_heap(h, 9);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    gcp__sys_replace(old);
}
END_TEST

/* Regression (finding 5): the huge-page alignment trim used to leak the
 * slack the kernel refused to unmap. */
START_TEST(refused_alignment_trim_does_not_leak)
{
    gcp_pool_config c = small_config(1);
    c.huge_pages = true;
    c.max_heap_bytes = 2 * MIB;
    c.reservation_bytes = 2 * MIB;
    c.guard_bytes = 2 * MIB;
    gcp_sys only_munmap = gcp__sys_default;
    only_munmap.munmap = f_munmap;
    only_munmap.mmap = f_mmap;
    const gcp_sys *old = gcp__sys_replace(&only_munmap);
    int trims_refused = 0;
    for (int which = 2; which <= 3; which++) {
        reset_made();
        fail_count = 1;
        arm(which, ENOMEM);   /* call 1 is the mmap, then the trims */
        gcp_heap *h;
        ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
        trims_refused += atomic_load(&injected);
        fill_heap(h, 1);
        gcp_status st = gcp_heap_free_ondemand(h);
        disarm();
        if (st != GCP_OK)
            ck_assert_ok(gcp_heap_free_ondemand(h));
        ck_assert_int_eq(leaked_maps(), 0);
    }
    ck_assert_int_ge(trims_refused, 1);
    gcp__sys_replace(old);
}
END_TEST

/* ---------------------------------------------------- thread key retry */

static void *first_call_thread(void *arg)
{
    gcp_heap *h = arg;
    gcp_trap t;
    return (void *)(intptr_t)gcp_guarded_call(h, do_access, h, &t);
}

/* Regression (finding 4): one refused pthread_key_create disabled guarded
 * calls on every later thread (pthread_once never retried). */
START_TEST(key_creation_is_retried)
{
    gcp_pool_config c = cfg_small(1);
    gcp_pool *p;
    gcp_heap *h;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp_trap_install());
    gcp_sys only_key = gcp__sys_default;
    only_key.key_create = f_key;
    const gcp_sys *old = gcp__sys_replace(&only_key);
    fail_from_now(EAGAIN, 1);
    pthread_t th;
    void *r;
    ck_assert_int_eq(pthread_create(&th, NULL, first_call_thread, h), 0);
    pthread_join(th, &r);
    ck_assert_status((int)(intptr_t)r, GCP_ENOMEM);
    ck_assert_int_eq(atomic_load(&injected), 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pthread_create(&th, NULL, first_call_thread, h), 0);
        pthread_join(th, &r);
        ck_assert_status((int)(intptr_t)r, GCP_ETRAP);
    }
    disarm();
    gcp__sys_replace(old);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("walk");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, injection_walk, 0, (int)NSCEN);
    suite_add_tcase(s, tc);
    tc = tcase_create("slots");
    tcase_add_test(tc, refused_give_back_loses_no_slot);
    tcase_add_test(tc, refused_shrink_keeps_zeroed_bound);
    tcase_add_test(tc, retired_slot_is_counted_and_repaired);
    tcase_add_test(tc, refused_shrink_after_give_back);
    tcase_add_test(tc, einval_give_back_switches_to_zeroing);
    tcase_add_test(tc, refused_unmap_is_reported);
    tcase_add_test(tc, refused_alignment_trim_does_not_leak);
    tcase_add_test(tc, key_creation_is_retried);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
