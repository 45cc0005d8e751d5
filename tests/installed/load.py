# SPDX-License-Identifier: MIT
# Python ctypes loads the installed libgcpool.so and runs a pool and a
# store through it; the process's malloc must stay glibc's and no jemalloc
# entry point may appear.  Prints "python ok" on success.
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.gcp_version.restype = ctypes.c_char_p
lib.gcp_last_error.restype = ctypes.c_char_p
want = sys.argv[2]
got = lib.gcp_version().decode()
if got != want:
    sys.exit("python: gcp_version() is %s, want %s" % (got, want))

# gcp_pool_config: a buffer larger than the struct is accepted (the tail
# stays zero).  x86-64 layout: size_t size at 0, uint32_t num_slots at 8.
cfg = ctypes.create_string_buffer(1024)
if lib.gcp_pool_config_init(cfg, ctypes.c_size_t(len(cfg))) != 0:
    sys.exit("python: gcp_pool_config_init failed")
ctypes.c_uint32.from_buffer(cfg, 8).value = 2
pool = ctypes.c_void_p()
store = ctypes.c_void_p()
if lib.gcp_pool_new(cfg, ctypes.byref(pool)) != 0:
    sys.exit("python: gcp_pool_new: %s" % lib.gcp_last_error().decode())
if lib.gcp_store_new(pool, ctypes.byref(store)) != 0:
    sys.exit("python: gcp_store_new failed")
if lib.gcp_store_free(store) != 0 or lib.gcp_pool_free(pool) != 0:
    sys.exit("python: freeing failed")

libc = ctypes.CDLL(None)
for name in ("mallctl", "mallocx"):
    if hasattr(libc, name):
        sys.exit("python: %s is visible in the process" % name)


class Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                 "fsmblks", "uordblks", "fordblks", "keepcost")]


libc.mallinfo2.restype = Mallinfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
before = libc.mallinfo2().uordblks
p = libc.malloc(40000)
after = libc.mallinfo2().uordblks
libc.free(p)
if after < before + 40000:
    sys.exit("python: malloc is not glibc's (in-use %d -> %d)" % (before, after))
print("python ok: gcpool %s" % got)
