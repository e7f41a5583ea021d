"""Freed memory handed back to the system, so that a large export's peak is what it holds.

glibc keeps freed blocks for reuse and, by default, raises the size from which a
block gets a mapping of its own to the largest block freed so far (up to 32 MiB).
After the first large numpy array is freed, every later one is carved from the
heap: freed, it stays resident as a hole that a smaller request may pin. Two
habits keep the resident size near the live data (``bench/bench_export.py``
prints the peak at each study size):

* :func:`map_large_blocks` fixes that size, so every large array is a mapping of
  its own, returned to the system when freed;
* :func:`trim` returns the free pages inside the heap between phases.

Both are process-wide and only change where memory comes from; on a C library
other than glibc they do nothing.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

LARGE_BLOCK = 256 * 1024  # bytes from which a block is mapped on its own; block temporaries stay below
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h

_libc: ctypes.CDLL | None = None
_mapped = False


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        try:
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc has both; another libc raises here)
        except (OSError, AttributeError):
            return None
        _libc = libc
    return _libc


def map_large_blocks() -> None:
    """Give every block of :data:`LARGE_BLOCK` bytes or more a mapping of its own, from now on."""
    global _mapped
    libc = _glibc()
    if libc is None or _mapped:
        return
    if libc.mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) != 1:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused")
        return
    _mapped = True


def trim() -> None:
    """Return the heap's free pages to the system (after a phase that freed much)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
