/* Internal store helpers. */
#ifndef GCP_LIB_STORE_H
#define GCP_LIB_STORE_H

#include "gcpool.h"

/* Frees the spare store a heap keeps between holders (on heap destroy). */
void gcp__store_drop_spare(gcp_heap *heap);

#endif
