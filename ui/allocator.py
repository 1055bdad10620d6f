"""Keeping the C allocator from hoarding the memory of pictures the app has let go.

Decoded pictures are megabytes each, made on worker threads and freed when they leave the cache.
glibc's malloc maps blocks above its mmap threshold and unmaps them on free, but it raises that
threshold to the size of each mapped block freed (up to 32 MB): after the first few pictures it
serves them from its heaps instead, one per thread, and keeps what they free: the app started
7 MB larger and was 6–13 MB larger while browsing 500 images (``docs/benchmarks.md``). Setting
the threshold turns the adjustment off, so every block of :data:`MMAP_THRESHOLD` or more is mapped
and given back when freed; the price, the page faults of fresh mappings, is paid on the decoding
threads (a fraction of a millisecond for a screen-sized picture).
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

#: Blocks of this size or more are always mapped (the picture buffers are larger).
MMAP_THRESHOLD = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def keep_from_hoarding() -> bool:
    """Fix glibc's mmap threshold; True when it was set (False with another C library)."""
    if "CS_GNU_LIBC_VERSION" not in getattr(os, "confstr_names", {}):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        done = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError) as exc:  # no such library or function: nothing to tune
        log.debug("mallopt not available: %s", exc)
        return False
    return done
