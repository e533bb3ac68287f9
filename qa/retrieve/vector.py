"""Vector indexes behind one small interface, so another backend can be dropped in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

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


class FaissFlatIndex:
    """Exact inner-product search with FAISS (``IndexFlatIP``).

    A flat index keeps every vector, so it supports adding rows in place and returning them for
    an incremental rebuild; for news corpora of up to a few hundred thousand passages it answers
    in milliseconds on a CPU.

    Example:
        >>> ix = FaissFlatIndex(2)
        >>> ix.add(np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> ix.search(np.array([[0.1, 0.9]], dtype=np.float32), 1)[1].tolist()
        [[1]]
    """

    def __init__(self, dim: int) -> None:
        import faiss

        self.dim = dim
        self._index = faiss.IndexFlatIP(dim)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: Matrix) -> None:
        """Append rows."""
        self._index.add(_check(vectors, self.dim))

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query."""
        scores, rows = self._index.search(_check(queries, self.dim), k)
        return scores.astype(np.float32), rows.astype(np.int64)

    def vectors(self) -> Matrix:
        """All rows."""
        if len(self) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write with FAISS's own format."""
        import faiss

        faiss.write_index(self._index, os.fspath(path))

    @classmethod
    def load(cls, path: Path) -> FaissFlatIndex:
        """Read an index written by :meth:`save`.

        Raises:
            ValueError: When the file is not a readable flat inner-product index.
        """
        import faiss

        try:
            raw = faiss.read_index(os.fspath(path))
        except RuntimeError as exc:
            raise ValueError(f"unreadable FAISS index: {str(exc).splitlines()[0]}") from None
        if not isinstance(raw, faiss.IndexFlatIP):
            raise ValueError(f"expected a flat inner-product index, found {type(raw).__name__}")
        index = cls(raw.d)
        index._index = raw
        return index


class NumpyFlatIndex:
    """Brute-force inner-product search in NumPy: the reference the FAISS index is tested against.

    Example:
        >>> ix = NumpyFlatIndex(2)
        >>> ix.add(np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> ix.search(np.array([[0.9, 0.1]], dtype=np.float32), 2)[1].tolist()
        [[0, 1]]
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._rows = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    def add(self, vectors: Matrix) -> None:
        """Append rows."""
        self._rows = np.vstack([self._rows, _check(vectors, self.dim)])

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query; ties go to the lower row number, as FAISS does."""
        queries = _check(queries, self.dim)
        scores = queries @ self._rows.T
        take = min(k, len(self))
        order = np.argsort(-scores, axis=1, kind="stable")[:, :take]
        top = np.take_along_axis(scores, order, axis=1)
        out_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        out_rows = np.full((len(queries), k), -1, dtype=np.int64)
        out_scores[:, :take] = top
        out_rows[:, :take] = order
        return out_scores, out_rows

    def vectors(self) -> Matrix:
        """All rows."""
        return self._rows.copy()

    def save(self, path: Path) -> None:
        """Write as a ``.npy`` array."""
        with open(path, "wb") as handle:
            np.save(handle, self._rows)

    @classmethod
    def load(cls, path: Path) -> NumpyFlatIndex:
        """Read rows written by :meth:`save`.

        Raises:
            ValueError: When the file is not a two-dimensional float array.
        """
        try:
            rows = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"unreadable vector file: {exc}") from None
        if rows.ndim != 2:
            raise ValueError(f"expected a two-dimensional array, found shape {rows.shape}")
        index = cls(int(rows.shape[1]))
        index._rows = np.ascontiguousarray(rows, dtype=np.float32)
        return index


class VectorBackend(Protocol):
    """A :class:`VectorIndex` class: built empty for a dimension, or loaded from its file."""

    def __call__(self, dim: int) -> VectorIndex: ...

    def load(self, path: Path) -> VectorIndex: ...


# Backends by the name the ``vector_backend`` setting takes; an index records which wrote it.
_BACKENDS: dict[str, VectorBackend] = {
    "faiss-flat": FaissFlatIndex,
    "numpy-flat": NumpyFlatIndex,
}


def register_vector_backend(name: str, backend: VectorBackend) -> None:
    """Make a vector index class available as ``Settings(vector_backend=name)``.

    Args:
        name: The setting's value; must not be taken.
        backend: A class with ``__init__(dim)`` and a ``load(path)`` class method whose
            instances follow :class:`VectorIndex`.

    Raises:
        ValueError: When the name is empty or already registered.

    Example:
        >>> register_vector_backend("numpy-f16", Float16Index)               # doctest: +SKIP
    """
    if not name or name in _BACKENDS:
        raise ValueError(f"vector backend name {name!r} is empty or taken")
    _BACKENDS[name] = backend


def vector_backend(name: str) -> VectorBackend:
    """The backend registered under ``name``.

    Raises:
        KeyError: When none is (the message lists those that are).

    Example:
        >>> vector_backend("numpy-flat").__name__
        'NumpyFlatIndex'
    """
    try:
        return _BACKENDS[name]
    except KeyError:
        raise KeyError(f"no vector backend {name!r}; known: {', '.join(_BACKENDS)}") from None


def vector_backend_names() -> tuple[str, ...]:
    """Names the ``vector_backend`` setting accepts.

    Example:
        >>> vector_backend_names()[:2]
        ('faiss-flat', 'numpy-flat')
    """
    return tuple(_BACKENDS)


def _check(vectors: Matrix, dim: int) -> Matrix:
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(f"expected vectors of shape (n, {dim}), got {array.shape}")
    return array
