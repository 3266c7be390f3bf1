"""Large arrays whose memory costs nothing until it is written.

An anonymous mmap rather than ``np.empty``: numpy advises transparent huge pages for
large arrays, and on kernels that then compact memory at first touch (THP defrag
"madvise") filling 1.5 GB took 4 s instead of 1 s. Untouched pages are never
mapped, so an array reserved from an upper bound on the rows (the reader counts line
ends) costs only the rows filled.
"""

from __future__ import annotations

import math
import mmap

import numpy as np

SMALL_BYTES = 64 * 1024**2  # below this, np.empty


def lazy_array(shape: tuple[int, ...], dtype, order: str = "C") -> np.ndarray:
    """An uninitialised array of ``shape``; ``order`` 'C' or 'F' (column-major)."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < SMALL_BYTES:
        return np.empty(shape, dtype=dtype, order=order)
    flat = np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype)
    if order == "F":
        return flat.reshape(shape[::-1]).T
    return flat.reshape(shape)
