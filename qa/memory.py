"""Giving freed memory back to the system during long builds.

Building an index encodes and parses tens of thousands of batches of varying shape. glibc's
allocator keeps what they freed in its arenas rather than returning it, and oneDNN (which
runs MiniLM's bfloat16 matrix products) caches a compiled kernel per shape: a 2,000-passage
build's resident memory grew from 0.6 to 1.35 GB though it held almost nothing
(``docs/scaling.md``). With oneDNN's cache bounded (``embeddings`` sets
``ONEDNN_PRIMITIVE_CACHE_CAPACITY``) and the arenas trimmed after each batch, it stayed
under 0.7 GB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:  # pragma: no cover - no C library found
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - not glibc (macOS, musl)
        return None
    return trim


def release_free_memory() -> bool:
    """Return the allocator's free memory to the system, where the C library can (glibc).

    Returns:
        Whether anything could be asked of the allocator.

    Example:
        >>> release_free_memory() in (True, False)
        True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
