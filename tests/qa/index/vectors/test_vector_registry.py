from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index.vectors import FaissFlatIndex, NumpyFlatIndex


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("k", [1, 5, 50])
def test_faiss_equals_brute_force(k: int) -> None:
    rng = np.random.default_rng(7)
    data, queries = _unit(rng, 300, 32), _unit(rng, 20, 32)
    faiss_index, numpy_index = FaissFlatIndex(32), NumpyFlatIndex(32)
    faiss_index.add(data)
    numpy_index.add(data)
    f_scores, f_rows = faiss_index.search(queries, k)
    n_scores, n_rows = numpy_index.search(queries, k)
    assert np.array_equal(f_rows, n_rows)
    assert np.allclose(f_scores, n_scores, atol=1e-5)
    # And against the plainest possible computation.
    expected = np.argsort(-(queries @ data.T), axis=1, kind="stable")[:, :k]
    assert np.array_equal(f_rows, expected)


def test_more_k_than_rows_pads_with_minus_one() -> None:
    index = FaissFlatIndex(2)
    index.add(np.array([[1.0, 0.0]], dtype=np.float32))
    _, rows = index.search(np.array([[1.0, 0.0]], dtype=np.float32), 3)
    assert rows.tolist() == [[0, -1, -1]]


def test_save_load_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    index = FaissFlatIndex(8)
    index.add(_unit(rng, 10, 8))
    index.save(tmp_path / "x.faiss")
    again = FaissFlatIndex.load(tmp_path / "x.faiss")
    assert np.array_equal(again.vectors(), index.vectors())
    (tmp_path / "bad.faiss").write_bytes(b"garbage" * 10)
    with pytest.raises(ValueError, match="unreadable"):
        FaissFlatIndex.load(tmp_path / "bad.faiss")


def test_wrong_dimension_is_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        FaissFlatIndex(4).add(np.zeros((2, 3), dtype=np.float32))


@pytest.mark.parametrize("backend", ["faiss-flat", "numpy-flat"])
def test_built_in_backends_conform(backend: str, tmp_path: Path) -> None:
    from vector_conformance import assert_conforms

    from qa.index.vectors.registry import vector_backend

    assert assert_conforms(vector_backend(backend), tmp_path) == 1.0
