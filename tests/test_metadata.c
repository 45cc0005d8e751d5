/* SPDX-License-Identifier: MIT */
/* Host-metadata allocation (lib/metadata.c): the allocators' contracts, and
 * that sanitizer builds and GCPOOL_METADATA=libc put host tables where the
 * tools see them, so an overflow of one is reported. */
#include "lib/metadata.h"
#include "lib/vec.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#endif

START_TEST(allocators_keep_their_contracts)
{
    unsigned char *p = gcp__calloc(100, 3);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 300; i++)
        ck_assert_uint_eq(p[i], 0);
    memset(p, 0x5a, 300);
    p = gcp__realloc(p, 5000);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 300; i++)
        ck_assert_uint_eq(p[i], 0x5a);
    gcp__free(p);
    unsigned char *l = gcp__calloc_lines(3, 10);
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq((uintptr_t)l % GCP_CACHE_LINE, 0);
    for (int i = 0; i < GCP_CACHE_LINE; i++)
        ck_assert_uint_eq(l[i], 0);
    gcp__free(l);
    ck_assert_ptr_null(gcp__calloc(SIZE_MAX / 2, 3));      /* n * size overflows */
    ck_assert_ptr_null(gcp__calloc_lines(SIZE_MAX / 2, 3));
    ck_assert_ptr_null(gcp__calloc_lines(1, SIZE_MAX - 10));
    gcp__free(NULL);
    p = gcp__realloc(NULL, 10);                             /* realloc(NULL) allocates */
    ck_assert_ptr_nonnull(p);
    gcp__free(p);
}
END_TEST

static const char *self_path;   /* argv[0]: /proc/self/exe is valgrind's own under memcheck */

/* Runs this program again with `arg` (and the environment value for
 * GCPOOL_METADATA, or none) and returns what it printed. */
static void probe(const char *arg, const char *env, char *out, size_t len)
{
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        if (env)
            setenv("GCPOOL_METADATA", env, 1);
        else
            unsetenv("GCPOOL_METADATA");
        execl(self_path, self_path, arg, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < len && (r = read(fd[0], out + got, len - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    close(fd[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

START_TEST(metadata_source_follows_build_and_environment)
{
    char out[256];
    probe("--which", "libc", out, sizeof out);
    ck_assert_str_eq(out, "libc\n");
    probe("--which", NULL, out, sizeof out);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(GCP_METADATA_LIBC)
    ck_assert_str_eq(out, "libc\n");      /* sanitizer builds: always */
#else
    ck_assert_str_eq(out, "jemalloc\n");
#endif
}
END_TEST

#ifdef ASAN_BUILD
/* One entry written past a full host table is reported by ASan. */
START_TEST(host_table_overflow_is_reported)
{
    char out[4096];
    probe("--overflow", NULL, out, sizeof out);
    ck_assert_msg(strstr(out, "heap-buffer-overflow") != NULL, "no ASan report in: %s", out);
}
END_TEST
#endif

/* Writes one element past a bounded vector's storage, as the grey stack's
 * unchecked push once did. */
static int overflow_a_table(void)
{
    gcp_vec v;
    gcp__vec_init(&v, sizeof(uint64_t), 16);
    void *slot;
    for (int i = 0; i < 16; i++)
        if (gcp__vec_push(&v, &slot) != GCP_OK)
            return 2;
    volatile uint64_t *past = (uint64_t *)gcp__vec_at(&v, 16);
    *past = 0xdeadbeef;
    gcp__vec_free(&v);
    return 0;
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 2 && strcmp(argv[1], "--which") == 0) {
        printf("%s\n", gcp__alloc_uses_libc() ? "libc" : "jemalloc");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--overflow") == 0)
        return overflow_a_table();
    Suite *s = suite_create("metadata");
    TCase *tc = tcase_create("metadata");
    tcase_add_test(tc, allocators_keep_their_contracts);
    tcase_add_test(tc, metadata_source_follows_build_and_environment);
#ifdef ASAN_BUILD
    tcase_add_test(tc, host_table_overflow_is_reported);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
