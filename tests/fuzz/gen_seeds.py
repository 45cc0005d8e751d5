#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of tests/fuzz_heap.c into tests/fuzz/corpus/.

Each seed is one small program in the target's input format (see the
comment at the top of tests/fuzz_heap.c): five configuration bytes, then
operations.  The seeds cover every operation with every collector, the
small step budgets and the lifecycle cases (stores freed in the middle of a
collection, trims, stale collection handles, roots lists changed during a
collection); libFuzzer mutates from there.

Usage: python3 tests/fuzz/gen_seeds.py [OUTDIR]   (default: next to this file)
"""
import os
import sys

NULL, DRC, MS = 0, 1, 2
# Byte 0 bit 4 picks the compacting collector, bit 5 the debug mode.
COMPACT, DEBUG = 16, 32

# Opcodes (the target dispatches on opcode % 20; bit 7 picks store 1 when the
# pool has two slots; NOGC with bit 7 of its byte set is a bulk operation).
ALLOC_OBJ, ALLOC_EXT, FILL, STRUCT, ARRAY, BARRIER, STACK, ROOTS = 0, 1, 4, 5, 7, 9, 10, 11
SCRIBBLE, GC_START, GC_SLICE, GC_FULL, FREE, HOST, NOGC = 12, 14, 15, 16, 17, 18, 19

# Types: 0 struct{ref@0,ref@8}, 1 ref array, 2 byte array, 3 u64 array,
# 4 struct{ref@0}, 5 u16 array, 6 the input's own struct.
S2, RA, BA, QA, S1, HA, SX = range(7)


def config(collector, budget=0, heap=0, slots=1, keep_small=False, initial_max=False,
           no_warm=False, sx_words=3, sx_refs=0b101):
    """budget: 0 = default 10000; 1..8 = tiny; otherwise 1 + 4k."""
    b0 = collector | ((slots - 1) << 2) | (8 if keep_small else 0)
    if budget == 0:
        b1 = 0
    elif budget <= 8:
        b1 = 1 | ((budget - 1) << 2)
    else:
        b1 = 3 | (((budget - 1) // 4) << 2)
    b2 = heap | (8 if initial_max else 0) | (16 if no_warm else 0)
    return bytes([b0, b1 & 0xff, b2, sx_words - 1, sx_refs])


def le16(v):
    return bytes([v & 0xff, (v >> 8) & 0xff])


def le32(v):
    return le16(v & 0xffff) + le16(v >> 16)


def alloc(h, t, length=None, retry=True):
    b = bytes([ALLOC_OBJ, h | (0x80 if retry else 0), t])
    if t in (RA, BA, QA, HA):
        n = length or 0
        b += bytes([0x80 | (n // 32)]) if n > 127 else bytes([n])
    return b


def ext(h, retry=True):
    return bytes([ALLOC_EXT, h | (0x80 if retry else 0), 0])


def fill(h, n):
    return bytes([FILL, h]) + le16(n)


def sset(h, field, val_handle):
    # sel bit 7 clear: off picks one of the type's ref fields
    return bytes([STRUCT, h, 0, field, 2 | (val_handle << 2)])


def sget(h, field, into):
    return bytes([STRUCT, h, 1 | (into << 2), field])


def swrite(h, off, data):
    return bytes([STRUCT, h, 0x83, off, len(data) - 1]) + data


def aset(h, idx, val_handle):
    return bytes([ARRAY, h, 0]) + le16(idx) + bytes([2 | (val_handle << 2)])


def aget(h, idx, into):
    return bytes([ARRAY, h, 1 | (into << 2)]) + le16(idx)


def awrite(h, idx, data8):
    return bytes([ARRAY, h, 3]) + le16(idx) + data8


def clone(src, dst):
    return bytes([BARRIER, src | (0 << 4), dst])


def drop(h):
    return bytes([BARRIER, h | (1 << 4), 0])


def write(src, dst):
    return bytes([BARRIER, src | (2 << 4), dst])


def expose(h):
    return bytes([BARRIER, h | (3 << 4), 0])


def push(slot, h):
    return bytes([STACK, slot | (h << 5)])


def pop(slot):
    return bytes([STACK, slot | (1 << 3)])


def roots(n):
    return bytes([ROOTS, n])


def poke_word(h, off, value):
    return bytes([SCRIBBLE, 1 | (h << 2), off, 3]) + le32(value)


def copy(src_h, src_off, dst_h, dst_off, len_sel=0):
    return bytes([SCRIBBLE, 2 | (src_h << 2), src_off, dst_h, dst_off, len_sel])


def poke_byte(off, value):
    return bytes([SCRIBBLE, 0]) + le32(off) + bytes([value])


def memfill(off, n, value):
    return bytes([SCRIBBLE, 3]) + le32(off) + bytes([n - 1, value])


def gc_start():
    return bytes([GC_START])


def gc_slice(n):
    return bytes([GC_SLICE, n - 1])


def gc_full():
    return bytes([GC_FULL])


def free_store(trim=False, stale_before=False, stay_closed=False, stale_after=False, steps=1):
    a = (1 if trim else 0) | (2 if stale_before else 0) | (4 if stay_closed else 0) | \
        (8 if stale_after else 0) | ((steps - 1) << 4)
    return bytes([FREE, a])


def churn(n):
    return bytes([HOST, 1]) + le16(n - 1)


def data(h):
    return bytes([HOST, 0, h])


def nogc(enter):
    return bytes([NOGC, 1 if enter else 0])


def val_null():
    return bytes([0])


def val_i31(v):
    return bytes([1]) + le16(v)


def val_handle(h):
    return bytes([2 | (h << 2)])


# Bulk operations: opcode NOGC with bit 7 of its byte set.
BULK_ARRAY_TYPES = {RA: 0, BA: 1, QA: 2, HA: 3}
BULK_STRUCT_TYPES = {S2: 0, S1: 1, SX: 2}


def bulk_alloc(h, fn, t, length=0, values=b'', via_store=False, bad_size=False):
    """fn 0 struct_init (values: a seed byte, then one value per ref field),
    1 array_fill (values: one value, or a seed byte), 2 array_copy (values:
    up to 16 values, or a seed byte)."""
    a = 0x81 | (fn << 3) | (0x40 if via_store else 0)
    sel = (BULK_STRUCT_TYPES[t] if fn == 0 else BULK_ARRAY_TYPES[t]) | (0x80 if bad_size else 0)
    b = bytes([NOGC, a, h | 0x80, sel])
    if fn != 0:
        b += bytes([length])
    return b + values


def bulk_access(op, h, src=0, idx=0, n=0, sidx=0, values=b'', raw=False):
    """op 0 fill (values: one value or a seed byte), 1 copy from src, 2 read
    range, 3 write range (values: up to 16 values or a seed byte)."""
    a = 0x80 | (op << 3) | (0x40 if raw else 0)
    return bytes([NOGC, a, h, src, idx, n, sidx]) + values


def bulk_ops():
    """Every bulk operation on the graph's objects, overlapping copies and
    out-of-range requests included."""
    return (bulk_alloc(4, 1, RA, 8, val_handle(0)) + bulk_alloc(5, 2, QA, 10, b'\x11') +
            bulk_alloc(6, 0, S2, values=b'\x22' + val_handle(1) + val_i31(7), via_store=True) +
            bulk_alloc(7, 2, RA, 3, val_handle(1) + val_null() + val_handle(2)) +
            bulk_access(0, 4, idx=2, n=3, values=val_handle(1)) +
            bulk_access(1, 4, src=2, idx=0, n=4, sidx=0) +
            bulk_access(3, 5, idx=1, n=5, values=b'\x33') + bulk_access(2, 5, idx=0, n=10) +
            bulk_access(1, 5, src=5, idx=2, n=6, sidx=0) +
            bulk_access(1, 7, src=7, idx=0, n=2, sidx=1) +
            bulk_access(0, 5, idx=200, n=200, values=b'\x44', raw=True) +
            bulk_alloc(8, 2, BA, 50, b'\x55', bad_size=True))


def graph():
    """A small graph: two structs linked both ways, an array of both, an
    externref held by the first struct."""
    return (alloc(0, S2) + alloc(1, S2) + alloc(2, RA, 4) + ext(3) + sset(0, 0, 1) +
            sset(1, 0, 0) + aset(2, 0, 0) + aset(2, 1, 1) + sset(0, 1, 3) + swrite(1, 4, b'\x2a\0\0\0'))


def seeds():
    out = {}
    for cname, c in (("null", NULL), ("drc", DRC), ("ms", MS), ("compact", COMPACT),
                     ("debug-ms", MS | DEBUG), ("debug-compact", COMPACT | DEBUG)):
        out[f"{cname}-basic"] = config(c) + graph() + gc_full() + data(3) + drop(0) + gc_full()
        out[f"{cname}-budget1-graph"] = config(c, budget=1) + graph() + gc_start() + \
            gc_slice(3) + gc_slice(32) + gc_full()
        out[f"{cname}-fill300-budget1"] = config(c, budget=1, heap=2) + alloc(0, RA, 300) + \
            fill(0, 300) + gc_full()
        out[f"{cname}-fill-stackroot"] = config(c, heap=3) + alloc(0, RA, 1024) + \
            fill(0, 255) + push(0, 0) + drop(0) + gc_full()
        out[f"{cname}-free-midgc"] = config(c, budget=2) + graph() + alloc(4, RA, 64) + \
            fill(4, 64) + gc_start() + gc_slice(2) + free_store() + graph() + gc_full()
        out[f"{cname}-free-midgc-trim"] = config(c, budget=1, keep_small=True, heap=2) + \
            alloc(0, RA, 600) + fill(0, 600) + gc_start() + gc_slice(40) + \
            free_store(trim=True) + graph()
        out[f"{cname}-stale-step"] = config(c, budget=3) + graph() + gc_start() + gc_slice(1) + \
            free_store(stale_before=True, stale_after=True, steps=4) + graph() + gc_full()
        out[f"{cname}-roots-shrink-midgc"] = config(c, budget=1) + graph() + push(0, 1) + \
            gc_start() + gc_slice(6) + roots(2) + gc_slice(8) + roots(18) + gc_full()
        out[f"{cname}-scribble-header"] = config(c, budget=7) + graph() + \
            poke_word(0, 0, 0x3) + gc_full() + graph()
        out[f"{cname}-scribble-size"] = config(c) + graph() + poke_word(1, 8, 0xfffffff8) + \
            gc_full() + free_store() + graph()
        out[f"{cname}-scribble-count"] = config(c) + graph() + poke_word(0, 12, 0) + drop(1) + \
            gc_full() + sget(0, 0, 5)
        out[f"{cname}-id-copy"] = config(c) + ext(0) + ext(1) + copy(0, 16, 1, 16) + data(1) + \
            drop(0) + gc_full() + data(1)
        out[f"{cname}-id-wrap"] = config(c) + ext(0) + alloc(1, SX) + copy(0, 16, 1, 16) + \
            ext(2) + drop(0) + gc_full() + churn(1023) + ext(3) + \
            copy(1, 16, 2, 16) + data(2) + data(3)
        out[f"{cname}-arrays"] = config(c, budget=5) + alloc(0, BA, 40) + alloc(1, QA, 9) + \
            alloc(2, HA, 100) + awrite(0, 39, b'\x01' * 8) + awrite(1, 8, b'\x02' * 8) + \
            awrite(2, 99, b'\x03' * 8) + alloc(3, RA, 5) + aset(3, 4, 0) + aget(3, 4, 4) + \
            gc_full() + poke_word(1, 16, 0xffff) + gc_full()
        out[f"{cname}-barriers"] = config(c) + graph() + clone(0, 5) + write(1, 6) + \
            expose(2) + drop(5) + drop(6) + bytes([BARRIER, 4 << 4, 9]) + gc_full()
        out[f"{cname}-stack-r64"] = config(c) + graph() + push(0, 0) + push(1, 2) + \
            bytes([STACK, 2 | (3 << 3)]) + le32(1) + le32(1) + gc_full() + pop(2) + gc_full()
        out[f"{cname}-fillbytes"] = config(c, initial_max=True) + graph() + \
            memfill(16, 64, 0xff) + poke_byte(40, 0x03) + gc_full() + free_store() + graph()
        out[f"{cname}-nogc"] = config(c) + graph() + nogc(True) + gc_full() + nogc(False) + \
            nogc(False) + gc_full()
        out[f"{cname}-twoslots"] = config(c, slots=2, budget=2) + graph() + \
            bytes([ALLOC_OBJ | 0x80, 0x80, RA, 20]) + bytes([FILL | 0x80, 0]) + le16(20) + \
            bytes([GC_START | 0x80]) + gc_start() + bytes([GC_SLICE | 0x80, 3]) + \
            bytes([FREE | 0x80, 0]) + gc_full()
        out[f"{cname}-bulk"] = config(c, budget=4) + graph() + bulk_ops() + gc_full() + \
            drop(4) + drop(7) + gc_full() + bulk_ops() + poke_word(7, 24, 0x5) + bulk_ops()
        out[f"{cname}-full-heap"] = config(c, heap=0, budget=8, no_warm=True) + \
            b''.join(alloc(i % 12, RA, 500) for i in range(40)) + gc_full() + free_store(trim=True)
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(outdir, exist_ok=True)
    for name, blob in sorted(seeds().items()):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(blob)
    print(f"{len(seeds())} seeds in {outdir}")


if __name__ == "__main__":
    main()
