#!/bin/sh
# SPDX-License-Identifier: MIT
# gcpool-bench: option parsing (bad options exit 2 with a message, --help
# exits 0) and a --quick run of every workload (the tree workloads at small
# depths) whose CSV must have the documented header and well-formed rows.
# Timings are never checked.
bench=${top_builddir:-.}/gcpool-bench
if [ ! -x "$bench" ]; then
    echo "FAIL: $bench not built"; exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# usage_error ARGS...: exit status 2, a gcpool-bench: message on stderr,
# nothing on stdout.
usage_error() {
    "$bench" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "'$*' exited $rc, want 2"
    grep -q '^gcpool-bench: ' "$tmp/err" || fail "'$*' gave no error message"
    [ -s "$tmp/out" ] && fail "'$*' wrote to stdout"
}

usage_error --bogus
usage_error extra-argument
usage_error --workload nope
usage_error --workload binary-tree
usage_error --depths 5
usage_error --depths 23
usage_error --depths 8,,10
usage_error --depths 1K
usage_error --workload
usage_error --k abc
usage_error --k 16,,x
usage_error --k 16,
usage_error --k ''
usage_error --k 0
usage_error --k 16,-3
usage_error --threads 0
usage_error --threads 2x
usage_error --reps 0
usage_error --collector copying
usage_error --system nosuch
usage_error --system gcpool,,
usage_error --max-heap 5G
usage_error --max-heap 1000
usage_error --max-heap 64Q
usage_error --workload gc --plot "$tmp/x.png"

"$bench" --bogus 2>"$tmp/err"
grep -q "unknown option '--bogus'" "$tmp/err" || fail "--bogus not named in the error"

"$bench" --help >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "--help exited $rc"
grep -q '^Usage: gcpool-bench' "$tmp/out" || fail "--help printed no usage"
grep -q -- '--workload' "$tmp/out" || fail "--help does not list --workload"

# The smoke run: every workload once, short repetitions.
header='workload,system,collector,k,threads,max_heap_bytes,ns_per_cycle_median,ns_per_cycle_min,ns_per_cycle_max,cycles_per_sec,min_fit_bytes,peak_heap_bytes,collections,longest_gc_ns,longest_step_ns'
"$bench" --quick --workload all --k 16,1024 --threads 2 --reps 2 --max-heap 64M \
    --csv "$tmp/out.csv" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || { fail "--quick run exited $rc"; cat "$tmp/err"; }
[ "$(head -n 1 "$tmp/out.csv")" = "$header" ] || fail "CSV header: $(head -n 1 "$tmp/out.csv")"
rows=$(tail -n +2 "$tmp/out.csv" | wc -l)
[ "$rows" -ge 10 ] || fail "only $rows CSV rows"
bad=$(tail -n +2 "$tmp/out.csv" | awk -F, '
    NF != 15 { print "fields: " $0; next }
    $1 !~ /^(churn|reset|reset-after-dirty|reset-alone|reset-host-dirty|reset-next|reset-next8|threads|gc-alloc|gc-collect|gc-step|gcbench|binary-trees|bulk)$/ { print "workload: " $0; next }
    $2 == "" || $3 == "" { print "names: " $0; next }
    { for (i = 4; i <= 10; i++) if ($i !~ /^[0-9]+(\.[0-9]+)?$/) { print "number " i ": " $0; next } }
    { for (i = 11; i <= 15; i++) if ($i !~ /^[0-9]*$/) { print "number " i ": " $0; next } }
    $1 !~ /^(gcbench|binary-trees)$/ && $11 $12 $13 $14 $15 != "" { print "tree columns: " $0; next }
    $1 ~ /^(gcbench|binary-trees)$/ && $12 <= 0 { print "no peak heap: " $0; next }
    $1 ~ /^(gcbench|binary-trees)$/ && $2 ~ /^gcpool(-init)?$/ && $3 != "null" && ($11 <= 0 || $6 != 2 * $11) { print "heap max: " $0; next }
    $5 < 1 || $7 < $8 || $7 > $9 || $10 <= 0 { print "values: " $0 }')
[ -z "$bad" ] || fail "bad CSV rows:
$bad"
for sys in gcpool memset-baseline mmap-munmap jemalloc-arena madvise-baseline; do
    grep -q "^[a-z-]*,$sys," "$tmp/out.csv" || fail "no $sys row"
done
grep -q '^churn,gcpool,null,16,2,' "$tmp/out.csv" || fail "no 2-thread gcpool churn row"
# The tree workloads: every gcpool collector and malloc at each size (Boehm
# and mimalloc when configure found them).
for row in gcbench,gcpool,null,10 gcbench,gcpool,drc,10 gcbench,gcpool,marksweep,10 \
    gcbench,malloc,-,10 binary-trees,gcpool,marksweep,6 binary-trees,gcpool,drc,8 \
    binary-trees,gcpool,null,8 binary-trees,malloc,-,8 gcbench,gcpool-init,compact,10 \
    binary-trees,gcpool-init,drc,6 binary-trees,gcpool-init,marksweep,8; do
    grep -q "^$row,1," "$tmp/out.csv" || fail "no $row row"
done
for row in gcpool-elems,null gcpool-fill,drc gcpool-elems-ref,marksweep gcpool-fill-ref,drc; do
    grep -q "^bulk,$row,1024,1," "$tmp/out.csv" || fail "no bulk $row row"
done
grep -q '^== bulk' "$tmp/out" || fail "no bulk table"
grep -q '^== gcbench' "$tmp/out" || fail "no gcbench table"
grep -q '^N = 8' "$tmp/out" || fail "no binary-trees table"
grep -q '^checksum ' "$tmp/out" || fail "no checksum line"
grep -q '^K = 16' "$tmp/out" || fail "no table"
# The stores after a 16 MiB store, for every collector, beside the normal one.
for w in reset-alone reset-host-dirty reset-next reset-next8; do
    for coll in null drc marksweep; do
        grep -q "^$w,gcpool,$coll,16,1," "$tmp/out.csv" || fail "no $w row for $coll"
    done
done
grep -q '^K = 16 stores timed alone' "$tmp/out" || fail "no table of the stores after 16 MiB"

# The plot: a PNG when gnuplot is there; a clear error and exit 1 when the
# gnuplot command does not exist.
if gnuplot --version >/dev/null 2>&1; then
    "$bench" --quick --k 16 --system memset-baseline --plot "$tmp/churn.png" >/dev/null 2>&1 ||
        fail "--plot run failed"
    [ "$(head -c 4 "$tmp/churn.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "--plot wrote no PNG"
fi
GNUPLOT=/nonexistent/gnuplot "$bench" --quick --k 16 --plot "$tmp/none.png" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "--plot without gnuplot exited $rc, want 1"
grep -q 'needs gnuplot' "$tmp/err" || fail "--plot without gnuplot gave no message"
[ -e "$tmp/none.png" ] && fail "--plot without gnuplot wrote a file"

if [ "$fails" -ne 0 ]; then
    echo "$fails failures"; exit 1
fi
echo "gcpool-bench: options and --quick CSV shape ok ($rows rows)"
