"""Exact inner-product search: every query is scored against every stored vector."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from qa.index.vectors.base import Ids, Matrix, checked


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
        self._index.add(checked(vectors, self.dim))

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query."""
        scores, rows = self._index.search(checked(queries, self.dim), k)
        return scores.astype(np.float32), rows.astype(np.int64)

    def vectors(self) -> Matrix:
        """All rows."""
        if len(self) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def rows(self, start: int, stop: int) -> Matrix:
        """Rows ``start`` to ``stop`` only."""
        stop = min(stop, len(self))
        if stop <= start:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(start, stop - start), dtype=np.float32)

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
        self._rows = np.vstack([self._rows, checked(vectors, self.dim)])

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query; ties go to the lower row number, as FAISS does."""
        queries = checked(queries, self.dim)
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

    def rows(self, start: int, stop: int) -> Matrix:
        """Rows ``start`` to ``stop`` only."""
        return self._rows[start:stop].copy()

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
