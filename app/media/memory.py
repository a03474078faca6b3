"""Memory that large pictures take is given back to the system when they are freed (glibc)."""

from __future__ import annotations

import ctypes
import functools

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 4 * 1024 * 1024


@functools.cache
def large_allocations_returned() -> bool:
    """Pin glibc's mmap threshold, so every allocation of 4 MB or more is mapped on its own and
    unmapped when freed; True if the C library took it (elsewhere than glibc nothing changes).

    glibc raises the threshold (up to 32 MB) each time a mapped block is freed: after the first
    big picture, Pillow's 16 MB blocks come from the heap of whichever thread decoded it and stay
    there. Measured with bench.upload_memory: a worker kept 300 MB after a batch instead of 110,
    and a progressive JPEG then peaked at 377 MB instead of 262, the next big block not fitting
    the holes. Allocations that large are rare outside image work, so the cost is nil.
    """
    try:
        return ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    except (OSError, AttributeError):
        return False
