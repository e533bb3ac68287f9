"""What every vector index shares: the interface, the array types and FAISS's plumbing.

The backends live beside it (:mod:`qa.index.vectors.exact`,
:mod:`qa.index.vectors.approximate`); :mod:`qa.index.vectors.registry` names them and picks one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]


@runtime_checkable
class VectorIndex(Protocol):
    """Exact or approximate inner-product search over rows numbered from 0 in insertion order."""

    dim: int

    def __len__(self) -> int: ...

    def add(self, vectors: Matrix) -> None:
        """Append rows; they get the next row numbers."""
        ...

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows by inner product for each query: ``(scores, rows)``, best first.

        Where fewer than ``k`` rows exist, the missing places hold row ``-1``.
        """
        ...

    def vectors(self) -> Matrix:
        """All stored rows, in order (used to carry vectors over to a rebuilt index)."""
        ...

    def save(self, path: Path) -> None:
        """Write the index to ``path``."""
        ...


def vector_rows(index: VectorIndex, start: int, stop: int) -> Matrix:
    """Rows ``start`` to ``stop`` of ``index``, in float32.

    A backend with a ``rows(start, stop)`` method reads only those (every backend here has
    one), so an update of a large index carries its vectors over a batch at a time; one
    without is asked for all its vectors.

    Example:
        >>> from qa.index.vectors.exact import NumpyFlatIndex
        >>> ix = NumpyFlatIndex(2)
        >>> ix.add(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
        >>> vector_rows(ix, 1, 3).tolist()
        [[0.0, 1.0], [1.0, 1.0]]
    """
    rows = getattr(index, "rows", None)
    if callable(rows):
        return np.asarray(rows(start, stop), dtype=np.float32)
    return np.asarray(index.vectors()[start:stop], dtype=np.float32)


def faiss_module() -> Any:
    """The faiss module, untyped: its bundled stubs lack the search-parameter classes."""
    import faiss

    return faiss


def read_faiss(path: Path) -> Any:
    """A FAISS index file, or ValueError with FAISS's first line of complaint."""
    faiss = faiss_module()
    try:
        return faiss.read_index(os.fspath(path))
    except RuntimeError as exc:
        raise ValueError(f"unreadable FAISS index: {str(exc).splitlines()[0]}") from None


def padded(scores: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]) -> tuple[Matrix, Ids]:
    """FAISS's result with the missing places scored ``-inf`` (FAISS puts ``-FLT_MAX``)."""
    scores = scores.astype(np.float32)
    rows = rows.astype(np.int64)
    scores[rows < 0] = -np.inf
    return scores, rows


def checked(vectors: Matrix, dim: int) -> Matrix:
    """``vectors`` as contiguous float32 rows of ``dim``, or ValueError naming the shape."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(f"expected vectors of shape (n, {dim}), got {array.shape}")
    return array
