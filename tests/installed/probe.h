/* SPDX-License-Identifier: MIT */
/* The malloc probe of the installed-package clients: is the process's
 * malloc still the C library's after gcpool was linked or loaded? */
#ifndef GCP_INSTALLED_PROBE_H
#define GCP_INSTALLED_PROBE_H

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* glibc's allocator counts a block malloc() returned in mallinfo2();
 * any other malloc (jemalloc replacing it) would leave glibc's count
 * unchanged.  40000 bytes stay below glibc's mmap threshold. */
static int probe_malloc_is_glibc(void)
{
    struct mallinfo2 before = mallinfo2();
    char *volatile p = malloc(40000);
    if (!p)
        return 0;
    memset(p, 1, 40000);
    struct mallinfo2 after = mallinfo2();
    free(p);
    if (after.uordblks < before.uordblks + 40000) {
        fprintf(stderr, "probe: malloc(40000) is not glibc's: its in-use bytes went %zu -> %zu\n",
                before.uordblks, after.uordblks);
        return 0;
    }
    return 1;
}

#endif
