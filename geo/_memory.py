"""Give freed memory back to the operating system (glibc keeps freed arenas otherwise).

A Streamlit server that served many sessions frees their objects when they close, but glibc's
allocator keeps the freed pages in its arenas: the resident size stays at its peak. Calling
``malloc_trim(0)`` after a garbage collection returns them. Measured in ``docs/PERFORMANCE.md``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.malloc_trim.argtypes = [ctypes.c_size_t]
        lib.malloc_trim.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


def release_memory() -> bool:
    """Collect garbage, then ask glibc to return free memory to the system; False where that is not possible.

    Objects frozen by :func:`freeze_long_lived` are thawed for this collection and what survives
    it is frozen again: sessions alive when the catalog was frozen leave cycles behind when they
    close, and those must not stay for good.
    """
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()
    gc.collect()
    if frozen:
        gc.freeze()
    lib = _libc()
    if lib is None:
        return False
    lib.malloc_trim(0)
    return True


def freeze_long_lived() -> None:
    """Collect once, then put every object alive now out of the cyclic collector's reach (:func:`gc.freeze`).

    Streamlit collects garbage after every script run (``runner.postScriptGC``, on by default
    and kept: it frees what each run made). With the catalog, its join and the imported
    libraries alive (~340,000 tracked objects) each of those collections scanned them all:
    ~100 ms of the server's Python, longer than the map page's run itself, and the map's
    message to the browser waited behind it. Frozen objects are still freed by reference
    counting when dropped; only reference cycles among them stay until :func:`thaw_long_lived`.
    Call it once what should live long is loaded (the catalog), and thaw before replacing it.
    """
    gc.collect()
    gc.freeze()


def thaw_long_lived() -> None:
    """Undo :func:`freeze_long_lived`: the next collection may free the frozen objects' cycles again
    (call before replacing the long-lived data, e.g. a catalog reload)."""
    gc.unfreeze()
