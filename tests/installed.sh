#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests of the installed package.  Installs the library parts (shared
# library, static archive, header, gcpool.pc) with DESTDIR under the build
# tree, then builds clients with nothing but what pkg-config says:
#   - shared, with gcc (and clang + lld when present);
#   - static archive, fully static (-static) and with a dynamic libc, with
#     ld.bfd, gold, lld, gcc -fno-use-linker-plugin and clang;
#   - a C host that dlopens libgcpool.so, and a Python ctypes load.
# Every client asserts that it ran and that malloc is still glibc's.
# Missing tools are skipped with a printed reason.
set -u
: "${abs_top_builddir:?run from make check}"
if [ -n "${SAN_CFLAGS:-}" ]; then
    echo "SKIP: sanitizer build: installed clients would need the sanitizer runtime"; exit 77
fi
src=$abs_top_srcdir/tests/installed
tmp=$(mktemp -d "$abs_top_builddir/installed-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 runs=0 skips=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; skips=$((skips + 1)); }

root=$tmp/root
if ! $MAKE -s -C "$abs_top_builddir" $INSTALL_PARTS DESTDIR="$root" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"; echo "FAIL: make install DESTDIR=$root"; exit 1
fi
ilib=$root$libdir
# System directories (/usr/local) are kept: under DESTDIR they are not.
export PKG_CONFIG_PATH="$ilib/pkgconfig" PKG_CONFIG_LIBDIR="$ilib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" \
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
pc="${PKG_CONFIG:-pkg-config}"
version=$($pc --modversion gcpool) || { echo "FAIL: pkg-config does not find the installed gcpool.pc"; exit 1; }
cflags=$($pc --cflags gcpool)
libs=$($pc --libs gcpool)
slibs=$($pc --static --libs gcpool)
echo "installed gcpool $version: cflags '$cflags', libs '$libs', static libs '$slibs'"

# --- what was installed
so=$(ls "$ilib"/libgcpool.so.* 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "FAIL: no libgcpool.so.* in $ilib"; exit 1; }
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^gcp_[a-z0-9]')
[ -z "$bad" ] || fail "libgcpool.so exports names outside gcp_: $bad"
if readelf -d "$so" | grep -q 'NEEDED.*jemalloc'; then fail "libgcpool.so needs libjemalloc"; fi
if [ "$SHARED_METADATA" = libc ] && readelf -d "$so" | grep -q STATIC_TLS; then
    echo "note: libgcpool.so uses static TLS (initial-exec); dlopen relies on glibc's surplus"
fi
archive=$ilib/libgcpool.a
if [ "$BUILD_STATIC_ARCHIVE" = yes ]; then
    [ -f "$archive" ] || fail "no libgcpool.a installed"
    bad=$(nm -g --defined-only "$archive" | awk 'NF == 3 {print $3}' | grep -v '^gcp_[a-z0-9]')
    [ -z "$bad" ] && [ -f "$archive" ] || fail "libgcpool.a defines global names outside gcp_: $(echo $bad | head -c 300)"
    nm -g --defined-only "$archive" | grep -q ' T gcp_types_new$' ||
        fail "libgcpool.a holds no machine code for gcp_types_new"
    # Every member an ELF object (LLVM bitcode is not), with no GCC LTO
    # bytecode sections that would need the matching compiler.
    readelf -h "$archive" >/dev/null 2>&1 || fail "libgcpool.a has members that are not ELF objects"
    if readelf -SW "$archive" | grep -q '\.gnu\.lto_\|\.llvmbc'; then fail "libgcpool.a carries LTO sections"; fi
fi

# run NAME CMD...: the client must exit 0 and print its "ok" line.
run() {
    name=$1; shift
    runs=$((runs + 1))
    if "$@" >"$tmp/out" 2>&1 && grep -q ' ok' "$tmp/out"; then
        echo "ok: $name: $(grep ' ok' "$tmp/out")"
    else
        fail "$name: $(cat "$tmp/out")"
    fi
}
# build NAME CC ARGS...: compiles and links tests/installed/client.c.
build() {
    name=$1; shift
    if ! "$@" >"$tmp/build.log" 2>&1; then
        fail "$name: build failed: $* : $(cat "$tmp/build.log")"
        return 1
    fi
}
have() { command -v "$1" >/dev/null 2>&1; }
# Does CC link a trivial program with these extra flags?
links() {
    c=$1; shift
    printf 'int main(void){return 0;}\n' >"$tmp/t.c"
    "$c" "$tmp/t.c" -o "$tmp/t" "$@" >/dev/null 2>&1
}

client=$src/client.c
rpath="-Wl,-rpath,$ilib"
# --- shared
build "gcc shared" $CC -I"$src" $cflags "$client" -o "$tmp/c-shared" $libs $rpath &&
    run "gcc shared" "$tmp/c-shared"
if have clang && links clang -fuse-ld=lld; then
    build "clang+lld shared" clang -I"$src" $cflags "$client" -o "$tmp/c-clang-shared" \
        -fuse-ld=lld $libs $rpath && run "clang+lld shared" "$tmp/c-clang-shared"
else
    skip "clang with lld not found (Debian: clang lld): no clang+lld shared client"
fi

# --- static archive
if [ "$BUILD_STATIC_ARCHIVE" != yes ]; then
    skip "configured without the static archive"
else
    # Fully static executables need libc.a.
    if links $CC -static; then
        for ld in bfd gold lld; do
            if links $CC -static -fuse-ld=$ld; then
                build "gcc -static ld.$ld" $CC -static -fuse-ld=$ld -I"$src" $cflags "$client" \
                    -o "$tmp/c-static-$ld" $slibs && run "gcc -static ld.$ld" "$tmp/c-static-$ld"
            else
                skip "gcc cannot link with -fuse-ld=$ld"
            fi
        done
        build "gcc -static -fno-use-linker-plugin" $CC -static -fno-use-linker-plugin -I"$src" \
            $cflags "$client" -o "$tmp/c-static-noplugin" $slibs &&
            run "gcc -static -fno-use-linker-plugin" "$tmp/c-static-noplugin"
        if have clang && links clang -static -fuse-ld=lld; then
            build "clang+lld -static" clang -static -fuse-ld=lld -I"$src" $cflags "$client" \
                -o "$tmp/c-clang-static" $slibs && run "clang+lld -static" "$tmp/c-clang-static"
        else
            skip "clang with lld not found: no clang+lld static client"
        fi
    else
        skip "$CC cannot link -static (no libc.a; Debian: libc6-dev): no fully static clients"
    fi
    # The archive with a dynamic libc: glibc's malloc stays the process's.
    build "gcc archive, dynamic libc" $CC -I"$src" $cflags "$client" -o "$tmp/c-archive" \
        "$archive" $($pc --static --libs-only-l gcpool | sed 's/-lgcpool//') &&
        run "gcc archive, dynamic libc" "$tmp/c-archive"
    if have clang && links clang -fuse-ld=lld; then
        build "clang+lld archive" clang -fuse-ld=lld -I"$src" $cflags "$client" -o "$tmp/c-clang-archive" \
            "$archive" $($pc --static --libs-only-l gcpool | sed 's/-lgcpool//') &&
            run "clang+lld archive, dynamic libc" "$tmp/c-clang-archive"
    fi
fi

# --- dlopen
# With --with-shared-metadata=jemalloc the library carries jemalloc's
# initial-exec TLS: dlopen must fail with glibc's static-TLS error unless
# the process starts with more static TLS to spare (README.md).
tunable=
if [ "$SHARED_METADATA" = jemalloc ]; then
    tunable=glibc.rtld.optional_static_tls=4096
fi
build "dlopen host" $CC -I"$src" $cflags "$src/dlopen_host.c" -o "$tmp/dlopen_host" -ldl && {
    if [ -n "$tunable" ]; then
        runs=$((runs + 1))
        if "$tmp/dlopen_host" "$so" >"$tmp/out" 2>&1 || ! grep -q 'static TLS' "$tmp/out"; then
            fail "dlopen of the jemalloc-metadata library did not fail on static TLS: $(cat "$tmp/out")"
        else
            echo "ok: dlopen host without the tunable fails as documented: $(cat "$tmp/out")"
        fi
    fi
    run "dlopen host" env GLIBC_TUNABLES=$tunable "$tmp/dlopen_host" "$so"
}
if have python3; then
    run "python ctypes" env GLIBC_TUNABLES=$tunable python3 "$src/load.py" "$so" "$version"
else
    skip "python3 not found: no ctypes load"
fi

echo "installed package: $runs clients run, $fails failures, $skips skipped"
[ "$fails" -eq 0 ]
