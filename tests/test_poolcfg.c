/* SPDX-License-Identifier: MIT */
/* Pool configurations (lib/poolcfg.c): the documented defaults (README's
 * table and the header's comments, read from the source tree) and the
 * size-versioned config and stats structs. */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

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
        {"gc_heap_growth_percent", c.gc_heap_growth_percent, true},
        {"types", (uint64_t)(uintptr_t)c.types, false},
        {"huge_pages", c.huge_pages, true},
        {"gc_step_time_us", c.gc_step_time_us, true},
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
    ck_assert_status(gcp_pool_config_init(&c, sizeof c - 4), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "size"));
    ck_assert_status(gcp_pool_config_init(&c, offsetof(gcp_pool_config, gc_step_time_us) - 8),
                     GCP_EINVAL);
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

int main(void)
{
    Suite *s = suite_create("poolcfg");
    TCase *tc = tcase_create("poolcfg");
    tcase_add_test(tc, defaults_match_readme_and_header);
    tcase_add_test(tc, config_size_is_checked);
    tcase_add_test(tc, stats_fill_the_callers_size);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
