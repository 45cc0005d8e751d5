/* SPDX-License-Identifier: MIT */
/* The replaceable panic handler for contract violations. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "gcpool.h"
#include "lib/heap.h"

static pthread_mutex_t panic_lock = PTHREAD_MUTEX_INITIALIZER;
static gcp_panic_handler panic_handler;   /* NULL: the default */
static void *panic_user;

void gcp_set_panic_handler(gcp_panic_handler handler, void *user)
{
    pthread_mutex_lock(&panic_lock);
    panic_handler = handler;
    panic_user = handler ? user : NULL;
    pthread_mutex_unlock(&panic_lock);
}

void gcp__panic(const char *message)
{
    pthread_mutex_lock(&panic_lock);
    gcp_panic_handler h = panic_handler;
    void *user = panic_user;
    pthread_mutex_unlock(&panic_lock);
    if (h) {
        h(message, user);
        return;
    }
    fprintf(stderr, "gcpool: contract violation: %s\n", message);
    fflush(stderr);
    abort();
}
