#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per object of the checked API under callgrind: bench/api_cycle
# runs STORES stores of K and of 2K objects (each allocated with
# gcp_heap_alloc_struct, written with gcp_struct_write of 32 bytes, read
# back with gcp_struct_read); the difference of the two totals divided by
# STORES * K is the cost of one object's cycle, start-up and per-store work
# removed.  Also prints the inclusive count per call of each of the three.
# Usage: bench/callgrind_api.sh [K [STORES [COLLECTOR]]] (1024, 32, null).
set -eu
k=${1:-1024}
stores=${2:-32}
coll=${3:-null}
prog=${top_builddir:-.}/bench/api_cycle
libtool=${LIBTOOL:-${top_builddir:-.}/libtool}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total() {
    $libtool --mode=execute valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
        "$prog" "$1" "$stores" "$coll" >/dev/null 2>"$tmp/err.$1" || { cat "$tmp/err.$1" >&2; exit 1; }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/err.$1"
}
a=$(total "$k")
b=$(total $((2 * k)))
objects=$((stores * k))
echo "callgrind, $coll collector, $stores stores of $k and $((2 * k)) objects:" \
     "$a and $b instructions"
awk -v a="$a" -v b="$b" -v n="$objects" \
    'BEGIN { printf "per object (alloc + write 32 B + read 32 B, and the reset of its bytes): %.1f\n", (b - a) / n }'
# Each call site's line "cost => file:function (Nx)" gives the inclusive
# cost of the calls made there and their number.
callgrind_annotate --inclusive=yes "$tmp/cg.$((2 * k))" 2>/dev/null |
    awk '
        $3 == "=>" && $4 ~ /:(gcp_heap_alloc_struct|gcp_struct_write|gcp_struct_read)$/ {
            v = $1; gsub(",", "", v); fn = $4; sub(/^.*:/, "", fn);
            c = $5; gsub(/[(),x]/, "", c);
            cost[fn] += v; calls[fn] += c
        }
        END {
            split("gcp_heap_alloc_struct gcp_struct_write gcp_struct_read", order, " ");
            for (i = 1; i <= 3; i++)
                if (calls[order[i]] > 0)
                    printf "  %-22s %6.1f instructions per call\n", order[i],
                           cost[order[i]] / calls[order[i]]
                else
                    printf "  %-22s inline in the caller (gcpool.h), in the per-object figure\n",
                           order[i]
        }'
