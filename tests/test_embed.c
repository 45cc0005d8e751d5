/* SPDX-License-Identifier: MIT */
/* What an embedding host relies on: the version, the documented defaults
 * (README's table and the header's comments, read from the source tree),
 * size-versioned config and stats structs, the last-error detail for every
 * rejected configuration field and for a failed system call, and the
 * store-level allocation that collects and retries, for every object kind
 * and collector. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

/* ------------------------------------------------------------- version */

START_TEST(version_matches_package)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", GCP_VERSION_MAJOR, GCP_VERSION_MINOR,
             GCP_VERSION_PATCH);
    ck_assert_str_eq(gcp_version(), want);
    ck_assert_str_eq(gcp_version(), PACKAGE_VERSION);
    ck_assert_uint_eq(gcp_version_number(), GCP_VERSION_NUMBER);
    ck_assert_uint_eq(GCP_VERSION_NUMBER,
                      GCP_VERSION_MAJOR * 10000 + GCP_VERSION_MINOR * 100 + GCP_VERSION_PATCH);
}
END_TEST

/* ---------------------------------------------- documented defaults */

static char *slurp(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", GCP_TOP_SRCDIR, rel);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *copy = malloc(n + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, buf, n + 1);
    return copy;
}

/* A documented value as text, parsed: "128", "4 GiB", "16 MiB", "one page
 * (...)", "`GCP_COLLECTOR_NULL`", "NULL", "false".  Returns false if the
 * text is none of these. */
static bool parse_value(const char *s, uint64_t *out)
{
    while (*s == ' ' || *s == '`')
        s++;
    if (!strncmp(s, "one page", 8)) {
        *out = (uint64_t)sysconf(_SC_PAGESIZE);
        return true;
    }
    if (!strncmp(s, "GCP_COLLECTOR_NULL", 18)) { *out = GCP_COLLECTOR_NULL; return true; }
    if (!strncmp(s, "GCP_COLLECTOR_DRC", 17)) { *out = GCP_COLLECTOR_DRC; return true; }
    if (!strncmp(s, "GCP_COLLECTOR_MARKSWEEP", 23)) { *out = GCP_COLLECTOR_MARKSWEEP; return true; }
    if (!strncmp(s, "NULL", 4) || !strncmp(s, "false", 5)) { *out = 0; return true; }
    if (!strncmp(s, "true", 4)) { *out = 1; return true; }
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    uint64_t v = strtoull(s, &end, 10);
    while (*end == ' ')
        end++;
    if (!strncmp(end, "KiB", 3))
        v <<= 10;
    else if (!strncmp(end, "MiB", 3))
        v <<= 20;
    else if (!strncmp(end, "GiB", 3))
        v <<= 30;
    *out = v;
    return true;
}

/* README: the row "| `field` | default | meaning |". */
static bool readme_default(const char *readme, const char *field, uint64_t *out)
{
    char key[96];
    snprintf(key, sizeof key, "\n| `%s` | ", field);
    const char *row = strstr(readme, key);
    return row && parse_value(row + strlen(key), out);
}

/* Header: the comment just above "<type> field;" inside gcp_pool_config
 * says "Default <value>". */
static bool header_default(const char *header, const char *field, uint64_t *out)
{
    const char *start = strstr(header, "typedef struct gcp_pool_config {");
    const char *stop = start ? strstr(start, "} gcp_pool_config;") : NULL;
    if (!start || !stop)
        return false;
    char key[96];
    snprintf(key, sizeof key, " %s;", field);
    const char *decl = strstr(start, key);
    if (!decl || decl > stop)
        return false;
    /* Back to the start of the comment above the declaration. */
    const char *c = decl;
    while (c > start && strncmp(c, "/*", 2) != 0)
        c--;
    const char *d = NULL;
    for (const char *p = c; p < decl; p++)
        if (!strncmp(p, "Default", 7) && (p[7] == ' ' || p[7] == '\n'))
            d = p + 8;
    if (!d)
        return false;
    char text[64];
    size_t n = 0;
    while (d < decl && n < sizeof text - 1 && *d != '.' && *d != ':' && *d != ',')
        text[n++] = *d == '\n' ? ' ' : *d, d++;
    text[n] = '\0';
    /* "Default\n     * 4 GiB": drop the comment's continuation stars. */
    size_t w = 0;
    for (size_t r = 0; text[r]; r++) {
        char ch = text[r] == '*' ? ' ' : text[r];
        if (ch == ' ' && w > 0 && text[w - 1] == ' ')
            continue;
        text[w++] = ch;
    }
    text[w] = '\0';
    return parse_value(text, out);
}

START_TEST(defaults_match_readme_and_header)
{
    char *readme = slurp("README.md");
    char *header = slurp("include/gcpool.h");
    gcp_pool_config c = gcp_pool_config_default();
    ck_assert_uint_eq(c.size, sizeof c);
    struct {
        const char *name;
        uint64_t value;
        bool in_header;   /* the header's comment gives a "Default" */
    } fields[] = {
        {"num_slots", c.num_slots, true},
        {"max_heap_bytes", c.max_heap_bytes, true},
        {"initial_heap_bytes", c.initial_heap_bytes, true},
        {"reservation_bytes", c.reservation_bytes, true},
        {"guard_bytes", c.guard_bytes, true},
        {"keep_resident_bytes", c.keep_resident_bytes, true},
        {"max_unused_warm_slots", c.max_unused_warm_slots, true},
        {"collector", (uint64_t)c.collector, true},
        {"gc_step_budget", c.gc_step_budget, true},
        {"types", (uint64_t)(uintptr_t)c.types, false},
        {"huge_pages", c.huge_pages, true},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        uint64_t doc;
        ck_assert_msg(readme_default(readme, fields[i].name, &doc),
                      "README has no parsable default for %s", fields[i].name);
        ck_assert_msg(doc == fields[i].value, "%s: README says %llu, the code gives %llu",
                      fields[i].name, (unsigned long long)doc,
                      (unsigned long long)fields[i].value);
        if (!fields[i].in_header)
            continue;
        ck_assert_msg(header_default(header, fields[i].name, &doc),
                      "gcpool.h has no parsable default for %s", fields[i].name);
        ck_assert_msg(doc == fields[i].value, "%s: gcpool.h says %llu, the code gives %llu",
                      fields[i].name, (unsigned long long)doc,
                      (unsigned long long)fields[i].value);
    }
    /* The default configuration is one gcp_pool_new accepts. */
    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    ck_assert_uint_eq(gcp_heap_bound(h), c.initial_heap_bytes);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    free(readme);
    free(header);
}
END_TEST

/* ------------------------------------------------ size-versioned structs */

START_TEST(config_size_is_checked)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    c.size = 0;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "config.size is 0"));
    c.size = sizeof c - 1;
    ck_assert_status(gcp_heap_new_ondemand(&c, (gcp_heap **)&p), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "config.size"));
    /* A caller whose header is newer: unknown fields must be zero. */
    struct {
        gcp_pool_config c;
        uint64_t later_fields[4];
    } newer;
    memset(&newer, 0xa5, sizeof newer);
    ck_assert_ok(gcp_pool_config_init(&newer.c, sizeof newer));
    ck_assert_uint_eq(newer.c.size, sizeof newer);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(newer.later_fields[i], 0);
    ck_assert_uint_eq(newer.c.num_slots, 128);
    newer.c.num_slots = 1;
    newer.c.max_heap_bytes = newer.c.reservation_bytes = 1 * MIB;
    newer.c.guard_bytes = 64 * KIB;
    ck_assert_ok(gcp_pool_new(&newer.c, &p));
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.num_slots, 1);
    ck_assert_ok(gcp_pool_free(p));
    newer.later_fields[2] = 1;
    ck_assert_status(gcp_pool_new(&newer.c, &p), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "does not know"));
    /* init refuses what cannot be a config. */
    ck_assert_status(gcp_pool_config_init(&c, sizeof c - 8), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "size"));
    ck_assert_status(gcp_pool_config_init(NULL, sizeof c), GCP_EINVAL);
}
END_TEST

START_TEST(stats_fill_the_callers_size)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    struct {
        gcp_pool_stats s;
        unsigned char later[40];
    } newer;
    memset(&newer, 0xff, sizeof newer);
    ck_assert_ok(gcp_pool_stats_read(p, &newer.s, sizeof newer));
    ck_assert_uint_eq(newer.s.size, sizeof newer.s);   /* what this library filled */
    ck_assert_uint_eq(newer.s.num_slots, 2);
    ck_assert_uint_eq(newer.s.slots_in_use, 0);
    for (size_t i = 0; i < sizeof newer.later; i++)
        ck_assert_uint_eq(newer.later[i], 0);
    ck_assert_status(gcp_pool_stats_read(p, &newer.s, sizeof newer.s - 1), GCP_EINVAL);
    ck_assert_status(gcp_pool_stats_read(p, NULL, sizeof newer.s), GCP_EINVAL);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* ---------------------------------------------------------- last error */

typedef struct bad_field {
    const char *name;      /* also the text the message must contain */
    void (*spoil)(gcp_pool_config *c);
} bad_field;

static void zero_slots(gcp_pool_config *c) { c->num_slots = 0; }
static void zero_max(gcp_pool_config *c) { c->max_heap_bytes = 0; }
static void huge_max(gcp_pool_config *c) { c->max_heap_bytes = 8 * GIB; }
static void initial_over_max(gcp_pool_config *c) { c->initial_heap_bytes = 2 * MIB; }
static void small_reservation(gcp_pool_config *c) { c->reservation_bytes = 512 * KIB; }
static void huge_guard(gcp_pool_config *c) { c->guard_bytes = UINT64_C(1) << 41; }
static void odd_keep(gcp_pool_config *c) { c->keep_resident_bytes = 100; }
static void odd_guard(gcp_pool_config *c) { c->guard_bytes = 64 * KIB + 1; }
static void bad_collector(gcp_pool_config *c) { c->collector = (gcp_collector)7; }
static void zero_budget(gcp_pool_config *c) { c->gc_step_budget = 0; }
static void unaligned_huge(gcp_pool_config *c) { c->huge_pages = true; }

START_TEST(each_bad_field_is_named)
{
    const bad_field bad[] = {
        {"num_slots", zero_slots},
        {"max_heap_bytes", zero_max},
        {"max_heap_bytes", huge_max},
        {"initial_heap_bytes", initial_over_max},
        {"reservation_bytes", small_reservation},
        {"guard_bytes", huge_guard},
        {"keep_resident_bytes", odd_keep},
        {"guard_bytes", odd_guard},
        {"collector", bad_collector},
        {"gc_step_budget", zero_budget},
        {"huge_pages", unaligned_huge},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gcp_pool_config c = small_config(1);
        bad[i].spoil(&c);
        gcp_pool *p = NULL;
        ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
        ck_assert_msg(strstr(gcp_last_error(), bad[i].name) != NULL,
                      "case %zu: message \"%s\" does not name %s", i, gcp_last_error(),
                      bad[i].name);
        if (bad[i].spoil == zero_slots)
            continue;   /* the on-demand allocator ignores num_slots */
        gcp_clear_last_error();
        ck_assert_str_eq(gcp_last_error(), "");
        gcp_store *s = NULL;
        ck_assert_status(gcp_store_new_ondemand(&c, &s), GCP_EINVAL);
        ck_assert_msg(strstr(gcp_last_error(), bad[i].name) != NULL,
                      "case %zu (on demand): message \"%s\" does not name %s", i,
                      gcp_last_error(), bad[i].name);
    }
}
END_TEST

START_TEST(failed_system_call_is_named)
{
    /* More address space than x86-64 and AArch64 give a process (48-bit
     * user space): the reservation's mmap fails (ENOMEM from the kernel;
     * valgrind answers EINVAL).  The message names the call and the errno
     * that errno still holds. */
    gcp_pool_config c = small_config(200);
    c.max_heap_bytes = 4 * GIB;
    c.reservation_bytes = UINT64_C(1) << 40;
    c.guard_bytes = UINT64_C(1) << 40;
    gcp_pool *p = NULL;
    errno = 0;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_ESYS);
    int err = errno;
    ck_assert_msg(err == ENOMEM || err == EINVAL, "errno %d", err);
    const char *m = gcp_last_error();
    char want[64];
    snprintf(want, sizeof want, "failed: %s (", err == ENOMEM ? "ENOMEM" : "EINVAL");
    ck_assert_msg(strstr(m, "mmap(") && strstr(m, want), "message: %s", m);
    ck_assert_msg(strstr(m, strerror(err)) != NULL, "message: %s", m);
    /* The next configuration call starts with an empty message. */
    c = small_config(1);
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_str_eq(gcp_last_error(), "");
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* The message is per thread: a failure in another thread leaves this
 * thread's message alone. */
static void *fail_elsewhere(void *arg)
{
    (void)arg;
    gcp_pool_config c = small_config(0);
    gcp_pool *p;
    return (void *)(uintptr_t)(gcp_pool_new(&c, &p) == GCP_EINVAL &&
                               strstr(gcp_last_error(), "num_slots"));
}

START_TEST(message_is_per_thread)
{
    gcp_pool_config c = small_config(1);
    c.gc_step_budget = 0;
    gcp_pool *p;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    pthread_t t;
    void *ok;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_elsewhere, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &ok), 0);
    ck_assert_ptr_nonnull(ok);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "gc_step_budget"));
}
END_TEST

/* ------------------------------------------------ allocation with retry */

enum { KIND_STRUCT, KIND_ARRAY, KIND_EXTERNREF, KINDS };
static const char *kind_name[KINDS] = {"struct", "array", "externref"};
static const gcp_collector collectors[] = {GCP_COLLECTOR_NULL, GCP_COLLECTOR_DRC,
                                           GCP_COLLECTOR_MARKSWEEP};

static int finalized;
static void count_fin(void *p) { (void)p; finalized++; }

typedef struct fixture {
    gcp_types *types;
    uint32_t node, bytes;
    gcp_pool *pool;
    gcp_store *store;
} fixture;

static void fixture_new(fixture *f, gcp_collector coll)
{
    ck_assert_ok(gcp_types_new(&f->types));
    const uint32_t refs[] = {0};
    ck_assert_ok(gcp_types_add_struct(f->types, 8, refs, 1, &f->node));
    ck_assert_ok(gcp_types_add_array(f->types, 1, false, &f->bytes));
    gcp_pool_config c = small_config(1);
    c.max_heap_bytes = c.reservation_bytes = 256 * KIB;
    c.collector = coll;
    c.types = f->types;
    ck_assert_ok(gcp_pool_new(&c, &f->pool));
    ck_assert_ok(gcp_store_new(f->pool, &f->store));
    finalized = 0;
}

static void fixture_free(fixture *f)
{
    ck_assert_ok(gcp_store_free(f->store));
    ck_assert_ok(gcp_pool_free(f->pool));
    gcp_types_release(f->types);
}

static gcp_status alloc_gc(fixture *f, int kind, gcp_ref *out)
{
    switch (kind) {
    case KIND_STRUCT: return gcp_store_alloc_struct_gc(f->store, f->node, out);
    case KIND_ARRAY: return gcp_store_alloc_array_gc(f->store, f->bytes, 40, out);
    default: return gcp_store_alloc_externref_gc(f->store, &finalized, count_fin, out);
    }
}

static gcp_status alloc_plain(fixture *f, int kind, gcp_ref *out)
{
    gcp_heap *h = gcp_store_heap(f->store);
    switch (kind) {
    case KIND_STRUCT: return gcp_heap_alloc_struct(h, f->node, out);
    case KIND_ARRAY: return gcp_heap_alloc_array(h, f->bytes, 40, out);
    default: return gcp_store_alloc_externref(f->store, &finalized, count_fin, out);
    }
}

/* Garbage far beyond the heap's size: every allocation succeeds, the
 * rooted object keeps its value, and the collections ran. */
START_TEST(retry_reclaims_garbage)
{
    for (size_t ci = 1; ci < 3; ci++) {
        for (int kind = 0; kind < KINDS; kind++) {
            fixture f;
            fixture_new(&f, collectors[ci]);
            gcp_heap *h = gcp_store_heap(f.store);
            gcp_ref keep;
            ck_assert_ok(gcp_store_alloc_struct_gc(f.store, f.node, &keep));
            ck_assert_ok(gcp_roots_add(gcp_store_roots(f.store), &keep));
            uint32_t v = 0xC0FFEE;
            ck_assert_ok(gcp_struct_write(h, keep, 4, &v, sizeof v));
            for (int i = 0; i < 30000; i++) {
                gcp_ref r;
                gcp_status st = alloc_gc(&f, kind, &r);
                ck_assert_msg(st == GCP_OK, "collector %d, %s #%d: %s", (int)collectors[ci],
                              kind_name[kind], i, gcp_strerror(st));
                if (collectors[ci] == GCP_COLLECTOR_DRC)
                    ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), r));
            }
            ck_assert_uint_gt(gcp_heap_collections(h), 0);
            v = 0;
            ck_assert_ok(gcp_struct_read(h, keep, 4, &v, sizeof v));
            ck_assert_uint_eq(v, 0xC0FFEE);
            if (kind == KIND_EXTERNREF)
                ck_assert_int_gt(finalized, 0);
            fixture_free(&f);
        }
    }
}
END_TEST

/* Everything live (rooted, for every collector): one collection, then
 * GCP_ELIMIT; an externref's host pointer stays the caller's. */
START_TEST(retry_collects_once_then_reports_the_limit)
{
    for (size_t ci = 0; ci < 3; ci++) {
        for (int kind = 0; kind < KINDS; kind++) {
            fixture f;
            fixture_new(&f, collectors[ci]);
            gcp_heap *h = gcp_store_heap(f.store);
            static gcp_ref live[1 << 16];
            size_t n = 0;
            gcp_status st;
            while ((st = alloc_plain(&f, kind, &live[n])) == GCP_OK) {
                ck_assert_ok(gcp_roots_add(gcp_store_roots(f.store), &live[n]));
                n++;
                ck_assert_uint_lt(n, sizeof live / sizeof *live);
            }
            ck_assert_msg(st == GCP_NEED_GC, "collector %d, %s: %s", (int)collectors[ci],
                          kind_name[kind], gcp_strerror(st));
            size_t entries = gcp_hostdata_count(gcp_store_hostdata(f.store));
            uint64_t before = gcp_heap_collections(h);
            gcp_ref r = 12345;
            ck_assert_status(alloc_gc(&f, kind, &r), GCP_ELIMIT);
            ck_assert_uint_eq(gcp_heap_collections(h), before + 1);
            ck_assert_uint_eq(r, 12345);
            ck_assert_uint_eq(gcp_hostdata_count(gcp_store_hostdata(f.store)), entries);
            ck_assert_int_eq(finalized, 0);
            fixture_free(&f);
            if (kind == KIND_EXTERNREF)
                ck_assert_int_eq(finalized, (int)n);   /* all of them, once, at free */
        }
    }
}
END_TEST

/* Inside a no-GC scope nothing is collected: GCP_NEED_GC comes back. */
START_TEST(retry_never_collects_in_a_no_gc_scope)
{
    for (int kind = 0; kind < KINDS; kind++) {
        fixture f;
        fixture_new(&f, GCP_COLLECTOR_MARKSWEEP);
        gcp_heap *h = gcp_store_heap(f.store);
        gcp_ref r;
        gcp_status st;
        while ((st = alloc_plain(&f, kind, &r)) == GCP_OK)
            ;
        ck_assert_status(st, GCP_NEED_GC);
        gcp_heap_enter_no_gc(h);
        ck_assert_status(alloc_gc(&f, kind, &r), GCP_NEED_GC);
        ck_assert_uint_eq(gcp_heap_collections(h), 0);
        gcp_heap_exit_no_gc(h);
        ck_assert_ok(alloc_gc(&f, kind, &r));   /* nothing was rooted */
        ck_assert_uint_eq(gcp_heap_collections(h), 1);
        fixture_free(&f);
    }
}
END_TEST

START_TEST(retry_argument_errors)
{
    fixture f;
    fixture_new(&f, GCP_COLLECTOR_DRC);
    gcp_ref r;
    ck_assert_status(gcp_store_alloc_struct_gc(NULL, f.node, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_struct_gc(f.store, f.node, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_array_gc(NULL, f.bytes, 1, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.bytes, 1, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_externref_gc(NULL, &r, NULL, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_externref_gc(f.store, &r, NULL, NULL), GCP_EINVAL);
    /* Errors a collection cannot fix come back without one. */
    ck_assert_status(gcp_store_alloc_struct_gc(f.store, 999, &r), GCP_ETYPE);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.node, 1, &r), GCP_ETYPE);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.bytes, UINT32_MAX, &r), GCP_ETOOLARGE);
    ck_assert_uint_eq(gcp_heap_collections(gcp_store_heap(f.store)), 0);
    fixture_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("embed");
    TCase *tc = tcase_create("abi");
    tcase_add_test(tc, version_matches_package);
    tcase_add_test(tc, defaults_match_readme_and_header);
    tcase_add_test(tc, config_size_is_checked);
    tcase_add_test(tc, stats_fill_the_callers_size);
    suite_add_tcase(s, tc);
    tc = tcase_create("last_error");
    tcase_add_test(tc, each_bad_field_is_named);
    tcase_add_test(tc, failed_system_call_is_named);
    tcase_add_test(tc, message_is_per_thread);
    suite_add_tcase(s, tc);
    tc = tcase_create("alloc_gc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, retry_reclaims_garbage);
    tcase_add_test(tc, retry_collects_once_then_reports_the_limit);
    tcase_add_test(tc, retry_never_collects_in_a_no_gc_scope);
    tcase_add_test(tc, retry_argument_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
