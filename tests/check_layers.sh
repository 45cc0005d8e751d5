#!/bin/sh
# SPDX-License-Identifier: MIT
# The layering of DESIGN.md, checked on the sources:
#  - pool/ includes no lib/ header but the declared interfaces (the memory
#    descriptor, the heap-ops table) and the leaves both layers use (host
#    metadata, last-error messages, configuration copies);
#  - lib/ includes nothing of pool/ and never calls the kernel's memory
#    interfaces;
#  - no include cycle between source units (x.c and x.h count as one);
#  - every source file of lib/ and pool/ has its suite, tests/test_<name>.c.
set -u
cd "${top_srcdir:-.}" || exit 1
fail=0
say() { printf '%s\n' "$*"; fail=1; }

bad=$(grep -n '#include "lib/' pool/*.c pool/*.h |
      grep -v -e '"lib/mem.h"' -e '"lib/heapops.h"' -e '"lib/metadata.h"' \
              -e '"lib/error.h"' -e '"lib/poolcfg.h"')
[ -z "$bad" ] || say "pool/ includes lib/ internals:" "$bad"

bad=$(grep -n '#include "pool/' lib/*.c lib/*.h)
[ -z "$bad" ] || say "lib/ includes pool/:" "$bad"

bad=$(grep -nE '\b(mmap|munmap|mprotect|madvise)[[:space:]]*\(' lib/*.c lib/*.h)
[ -z "$bad" ] || say "lib/ calls the kernel memory interfaces:" "$bad"

edges=$(for f in lib/*.[ch] pool/*.[ch]; do
    u=${f%.*}
    sed -n 's/^#include "\(\(lib\|pool\)\/[^"]*\)\.h".*/\1/p' "$f" |
        while read -r v; do [ "$u" = "$v" ] || echo "$u $v"; done
done)
if ! printf '%s\n' "$edges" | tsort >/dev/null 2>tsort.err; then
    say "include cycle among the sources:" "$(cat tsort.err)"
fi
rm -f tsort.err

for f in lib/*.c pool/*.c; do
    n=$(basename "$f" .c)
    [ -f "tests/test_$n.c" ] || say "no suite tests/test_$n.c for $f"
done

[ "$fail" = 0 ] && echo "layers: pool/ -> lib/ through mem.h and heapops.h (and the leaves metadata.h, error.h, poolcfg.h); no cycles; every source has its suite"
exit "$fail"
