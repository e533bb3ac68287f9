"""What every vector-index backend must do, checked against brute force (used by the tests of
the built-in backends and of the worked example in CONTRIBUTING.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def assert_conforms(backend: Any, folder: Path, *, min_recall: float = 1.0) -> float:
    """Check ``backend`` (a class) against brute force; returns its recall@10.

    Rows are numbered in insertion order across several ``add`` calls, missing places are
    padded with row -1, scores come best first, ``vectors`` returns what was added, and an
    index saved and loaded again searches the same.
    """
    rng = np.random.default_rng(11)
    data, queries = unit_vectors(rng, 400, 24), unit_vectors(rng, 30, 24)
    index = backend(24)
    index.add(data[:150])
    index.add(data[150:])
    assert len(index) == 400 and index.dim == 24
    assert np.allclose(index.vectors(), data, atol=1e-2)

    scores, rows = index.search(queries, 10)
    assert rows.shape == (30, 10) and rows.dtype == np.int64
    assert np.all(np.diff(scores, axis=1) <= 1e-6), "scores must come best first"
    exact = np.argsort(-(queries @ data.T), axis=1, kind="stable")[:, :10]
    recall = float(np.mean([len(set(r) & set(e)) / 10 for r, e in zip(rows, exact, strict=True)]))
    assert recall >= min_recall, f"recall@10 {recall:.3f} below {min_recall}"

    small = backend(24)
    small.add(data[:3])
    assert small.search(queries[:1], 5)[1][0, 3:].tolist() == [-1, -1]

    index.save(folder / "vectors.bin")
    again = backend.load(folder / "vectors.bin")
    assert np.array_equal(again.search(queries, 10)[1], rows)
    return recall
