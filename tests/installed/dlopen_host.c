/* SPDX-License-Identifier: MIT */
/* A plugin-style host: loads the installed libgcpool.so with dlopen
 * (RTLD_NOW | RTLD_LOCAL), runs a pool and a store through dlsym'd
 * functions, checks that nothing but gcp_* became visible and that malloc
 * is still glibc's.  Prints "dlopen ok" and exits 0 on success. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <gcpool.h>

#include "probe.h"

/* name_: the library's name, typed from the header's declaration (typeof
 * is not evaluated, so nothing is linked). */
#define SYM(name)                                                                        \
    __typeof__(&name) name##_ = (__typeof__(&name))dlsym(lib, #name);                    \
    if (!name##_) {                                                                      \
        fprintf(stderr, "dlopen_host: %s missing: %s\n", #name, dlerror());              \
        return 1;                                                                        \
    }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dlopen_host LIBRARY\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen_host: dlopen(%s): %s\n", argv[1], dlerror());
        return 1;
    }
    SYM(gcp_version)
    SYM(gcp_last_error)
    SYM(gcp_pool_config_init)
    SYM(gcp_pool_new)
    SYM(gcp_pool_free)
    SYM(gcp_store_new)
    SYM(gcp_store_free)
    SYM(gcp_store_alloc_externref_gc)

    gcp_pool_config cfg;
    if (gcp_pool_config_init_(&cfg, sizeof cfg) != GCP_OK)
        return 1;
    cfg.num_slots = 2;
    cfg.max_heap_bytes = cfg.reservation_bytes = 1 << 20;
    cfg.guard_bytes = 64 << 10;
    gcp_pool *pool;
    gcp_store *store;
    gcp_ref r;
    int x = 0;
    if (gcp_pool_new_(&cfg, &pool) != GCP_OK || gcp_store_new_(pool, &store) != GCP_OK ||
        gcp_store_alloc_externref_gc_(store, &x, NULL, &r) != GCP_OK ||
        gcp_store_free_(store) != GCP_OK || gcp_pool_free_(pool) != GCP_OK) {
        fprintf(stderr, "dlopen_host: pool/store cycle failed: %s\n", gcp_last_error_());
        return 1;
    }
    /* RTLD_LOCAL: nothing of the library is visible globally, and no
     * jemalloc entry point appeared in the process. */
    const char *leaks[] = {"gcp_version", "mallctl", "mallocx", "je_malloc"};
    for (size_t i = 0; i < sizeof leaks / sizeof *leaks; i++)
        if (dlsym(RTLD_DEFAULT, leaks[i])) {
            fprintf(stderr, "dlopen_host: %s is visible in the process\n", leaks[i]);
            return 1;
        }
    if (!probe_malloc_is_glibc())
        return 1;
    printf("dlopen ok: gcpool %s\n", gcp_version_());
    dlclose(lib);
    return 0;
}
