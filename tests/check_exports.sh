#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails if the shared library exports any name outside the gcp_ namespace.
lib=${top_builddir:-.}/.libs/libgcpool.so
if [ ! -f "$lib" ]; then
    echo "SKIP: no shared library built"; exit 77
fi
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^gcp_[a-z0-9]' | grep -v '^_' )
if [ -n "$bad" ]; then
    echo "FAIL: exported names outside gcp_:"; echo "$bad"; exit 1
fi
n=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^gcp_')
echo "exports: $n gcp_ symbols, nothing else"
