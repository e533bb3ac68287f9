"""The approximate vector backends and the size-based ``auto`` choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vector_conformance import assert_conforms, unit_vectors

from qa.index.vectors import registry as vector
from qa.index.vectors.registry import (
    AUTO,
    FaissHnswIndex,
    FaissIvfSq8Index,
    choose_vector_backend,
    ivf_lists,
    register_vector_backend,
    vector_backend,
    vector_backend_names,
)


def _clustered(rng: np.random.Generator, n: int, dim: int, clusters: int) -> np.ndarray:
    """Unit vectors around ``clusters`` centres: topics, as sentence embeddings have them
    (uniformly random vectors have no neighbours worth the name, the worst case for IVF)."""
    centres = unit_vectors(rng, clusters, dim)
    rows = centres[rng.integers(0, clusters, size=n)] + 0.6 * unit_vectors(rng, n, dim)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _recall_at_10(index: vector.VectorIndex, data: np.ndarray, queries: np.ndarray) -> float:
    _, rows = index.search(queries, 10)
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    return float(np.mean([len(set(r) & set(e)) / 10 for r, e in zip(rows, exact, strict=True)]))


@pytest.mark.parametrize("name", ["faiss-hnsw", "faiss-ivf-sq8"])
def test_approximate_backends_conform(name: str, tmp_path: Path) -> None:
    assert assert_conforms(vector_backend(name), tmp_path, min_recall=0.95) >= 0.95


@pytest.mark.parametrize("backend", [FaissHnswIndex, FaissIvfSq8Index])
def test_recall_at_10_on_random_clustered_data(backend: type) -> None:
    # Large enough that HNSW walks a graph rather than the whole set; IVF gets 64 lists and
    # scans a quarter of them, the share its default scans of a 100,000-passage index's 512.
    # The queries are new points, not stored rows.
    rng = np.random.default_rng(5)
    data = _clustered(rng, 12_000, 48, clusters=60)
    queries = _clustered(np.random.default_rng(6), 200, 48, clusters=60)
    index = backend(48, nprobe=16) if backend is FaissIvfSq8Index else backend(48)
    index.add(data)
    assert _recall_at_10(index, data, queries) >= 0.95


def test_ivf_scores_are_exact_inner_products_of_the_stored_vectors() -> None:
    # The candidates are re-scored on the float16 vectors: a similarity threshold means the
    # same as with exact search, and the order among candidates is exact.
    rng = np.random.default_rng(2)
    data = _clustered(rng, 3_000, 32, clusters=20)
    queries = unit_vectors(rng, 10, 32)
    index = FaissIvfSq8Index(32)
    index.add(data)
    scores, rows = index.search(queries, 20)
    stored = data.astype(np.float16).astype(np.float32)
    for q, row_list, score_list in zip(queries, rows, scores, strict=True):
        assert np.allclose(stored[row_list] @ q, score_list, atol=1e-5)
        assert np.all(np.diff(score_list) <= 0)


def test_ivf_vectors_round_once_and_never_drift(tmp_path: Path) -> None:
    # An incremental update rebuilds the index from vectors() of the old one: going through
    # float16 again must change nothing, however many updates there are.
    rng = np.random.default_rng(3)
    data = unit_vectors(rng, 500, 16)
    first = FaissIvfSq8Index(16)
    first.add(data)
    first.save(tmp_path / "a")
    once = FaissIvfSq8Index.load(tmp_path / "a").vectors()
    assert np.abs(once - data).max() < 1e-3
    second = FaissIvfSq8Index(16)
    second.add(once)
    second.save(tmp_path / "b")
    assert np.array_equal(FaissIvfSq8Index.load(tmp_path / "b").vectors(), once)


def test_ivf_loaded_file_is_mapped_and_damage_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    index = FaissIvfSq8Index(8)
    index.add(unit_vectors(rng, 100, 8))
    index.save(tmp_path / "v")
    loaded = FaissIvfSq8Index.load(tmp_path / "v")
    assert isinstance(loaded._exact, np.memmap)  # not read into memory
    data = (tmp_path / "v").read_bytes()
    (tmp_path / "short").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="cut short"):
        FaissIvfSq8Index.load(tmp_path / "short")
    # Rows missing before an intact record: the sizes disagree.
    (tmp_path / "gap").write_bytes(data[: -64 - 32] + data[-32:])
    with pytest.raises(ValueError, match="does not match"):
        FaissIvfSq8Index.load(tmp_path / "gap")
    (tmp_path / "junk").write_bytes(b"junk" * 20)
    with pytest.raises(ValueError, match="not an IVF-SQ8"):
        FaissIvfSq8Index.load(tmp_path / "junk")
    # A FAISS file of another kind is not taken for an HNSW one.
    flat = vector.FaissFlatIndex(8)
    flat.add(unit_vectors(rng, 3, 8))
    flat.save(tmp_path / "flat")
    with pytest.raises(ValueError, match="HNSW"):
        FaissHnswIndex.load(tmp_path / "flat")


def test_hnsw_returns_k_rows_when_k_exceeds_its_search_depth() -> None:
    # The retriever asks for hundreds of vectors (50 passages x their sentences); the walk
    # must keep that many candidates, not stop at ef_search.
    rng = np.random.default_rng(8)
    index = FaissHnswIndex(16, ef_search=16)
    index.add(unit_vectors(rng, 2_000, 16))
    _, rows = index.search(unit_vectors(rng, 3, 16), 300)
    assert (rows >= 0).all() and all(len(set(r)) == 300 for r in rows)


def test_auto_is_exact_below_the_threshold_and_approximate_from_it() -> None:
    below, at = vector.AUTO_EXACT_BELOW - 1, vector.AUTO_EXACT_BELOW
    assert choose_vector_backend(AUTO, 0) == "faiss-flat"
    assert choose_vector_backend(AUTO, below) == "faiss-flat"
    assert choose_vector_backend(AUTO, at) == vector.AUTO_APPROXIMATE
    assert choose_vector_backend(AUTO, 50 * at) == vector.AUTO_APPROXIMATE
    # A named backend is used whatever the size.
    assert choose_vector_backend("faiss-flat", 50 * at) == "faiss-flat"
    assert choose_vector_backend("faiss-hnsw", 10) == "faiss-hnsw"
    with pytest.raises(KeyError, match="no vector backend"):
        choose_vector_backend("nonesuch", 10)


def test_auto_is_a_setting_not_a_backend_name_anyone_can_take() -> None:
    assert AUTO in vector_backend_names()
    with pytest.raises(ValueError, match="taken"):
        register_vector_backend(AUTO, FaissHnswIndex)
    with pytest.raises(KeyError):
        vector_backend(AUTO)


def test_ivf_list_count_follows_the_row_count() -> None:
    assert ivf_lists(0) == ivf_lists(1) == 1
    assert ivf_lists(450_000) == 512 and ivf_lists(4_500_000) == 2048
    # Never fewer than 39 training rows per list.
    assert all(ivf_lists(n) * 39 <= n for n in (39, 100, 1_000, 12_345, 99_999))


def test_settings_default_to_auto_and_accept_every_backend() -> None:
    from qa.settings import Settings

    assert Settings().vector_backend == AUTO
    for name in vector_backend_names():
        assert Settings(vector_backend=name).vector_backend == name


def test_ivf_filled_from_a_mapped_file_equals_one_filled_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.index.vectors.approximate as approximate

    # Slices smaller than the rows, and a training sample drawn across several of them.
    monkeypatch.setattr(approximate, "_ADD_SLICE", 70)
    monkeypatch.setattr(approximate, "TRAIN_PER_LIST", 20)
    rows = _clustered(np.random.default_rng(5), 600, 16, 8).astype(np.float16)
    (tmp_path / "rows.f16").write_bytes(b"pad!" * 8 + rows.tobytes())
    mapped = np.memmap(
        tmp_path / "rows.f16", dtype=np.float16, mode="r", offset=32, shape=rows.shape
    )
    from_file, in_memory = FaissIvfSq8Index(16, nlist=8), FaissIvfSq8Index(16, nlist=8)
    from_file.add(mapped)
    in_memory.add(rows.copy())
    from_file.save(tmp_path / "a.ivf")
    in_memory.save(tmp_path / "b.ivf")
    assert (tmp_path / "a.ivf").read_bytes() == (tmp_path / "b.ivf").read_bytes()
    # A slice of a mapping is read through the mapping, not from its parent's offset.
    part = FaissIvfSq8Index(16, nlist=4)
    part.add(mapped[100:300])
    assert np.array_equal(part.vectors(), rows[100:300].astype(np.float32))


def test_ivf_lists_filled_in_place_equal_faiss_own_add(monkeypatch: pytest.MonkeyPatch) -> None:
    import faiss

    import qa.index.vectors.approximate as approximate

    # Slices smaller than the rows, so lists are written in several pieces.
    monkeypatch.setattr(approximate, "_ADD_SLICE", 70)
    rows = _clustered(np.random.default_rng(6), 700, 16, 8).astype(np.float16)

    def trained() -> faiss.IndexIVFScalarQuantizer:
        quantizer = faiss.IndexFlatIP(16)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, 16, 8, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.train(rows.astype(np.float32))
        return index

    by_faiss, in_place = trained(), trained()
    by_faiss.add(rows.astype(np.float32))
    approximate._fill(in_place, rows)
    assert in_place.ntotal == 700
    assert bytes(faiss.serialize_index(in_place)) == bytes(faiss.serialize_index(by_faiss))


def test_ivf_file_of_the_first_format_still_opens(tmp_path: Path) -> None:
    import faiss

    # Format 1 put the record first and the FAISS part after it.
    rng = np.random.default_rng(7)
    index = FaissIvfSq8Index(8, nlist=2)
    index.add(unit_vectors(rng, 120, 8))
    queries = unit_vectors(rng, 3, 8)
    expected = index.search(queries, 5)
    blob = bytes(faiss.serialize_index(index._ready()))
    pad = -(32 + len(blob)) % 64
    record = (
        b"QAIVFSQ8"
        + np.array([1, 8], dtype="<u4").tobytes()
        + np.array([120, len(blob)], dtype="<u8").tobytes()
    )
    exact = np.asarray(index._exact, dtype=np.float16).tobytes()
    (tmp_path / "old").write_bytes(record + blob + b"\0" * pad + exact)
    old = FaissIvfSq8Index.load(tmp_path / "old")
    index.save(tmp_path / "new")
    new = FaissIvfSq8Index.load(tmp_path / "new")
    for loaded in (old, new):
        scores, found = loaded.search(queries, 5)
        assert np.array_equal(found, expected[1]) and np.allclose(scores, expected[0])
        assert np.array_equal(loaded.rows(10, 20), index.rows(10, 20))
    assert new.rows(118, 200).shape == (2, 8) and new.rows(5, 5).shape == (0, 8)


@pytest.mark.parametrize(
    ("distinct", "layout"),
    [(600, b"full"), (3, b"sprs")],  # most lists used; at most half used (FAISS's sparse sizes)
)
def test_ivf_lists_written_straight_to_the_file_equal_faiss_own_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, distinct: int, layout: bytes
) -> None:
    import qa.index.vectors.approximate as approximate

    monkeypatch.setattr(approximate, "_ADD_SLICE", 70)
    base = _clustered(np.random.default_rng(8), distinct, 16, 8)
    rows = base[np.arange(600) % distinct].astype(np.float16)
    queries = unit_vectors(np.random.default_rng(9), 4, 16)
    streamed, filled = FaissIvfSq8Index(16, nlist=8), FaissIvfSq8Index(16, nlist=8)
    streamed.add(rows)
    filled.add(rows.copy())
    expected = filled.search(queries, 5)  # fills the lists in memory; save lets FAISS write

    def held(*_: object) -> None:
        raise AssertionError("a build's save must not fill the lists in memory")

    with monkeypatch.context() as patched:
        patched.setattr(approximate, "_fill", held)
        streamed.save(tmp_path / "streamed.ivf")
    filled.save(tmp_path / "filled.ivf")
    written = (tmp_path / "streamed.ivf").read_bytes()
    assert written == (tmp_path / "filled.ivf").read_bytes()
    assert b"ilar" + np.array([8, 16], dtype="<u8").tobytes() + layout in written
    found = FaissIvfSq8Index.load(tmp_path / "streamed.ivf").search(queries, 5)
    assert np.array_equal(found[1], expected[1]) and np.allclose(found[0], expected[0])
    # Searched after saving, the streamed index fills its lists then and agrees too.
    assert np.array_equal(streamed.search(queries, 5)[1], expected[1])


def test_ivf_lists_filled_in_memory_when_faiss_writes_empty_lists_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.index.vectors.approximate as approximate

    rows = _clustered(np.random.default_rng(10), 300, 16, 8).astype(np.float16)
    fallback, streamed = FaissIvfSq8Index(16, nlist=4), FaissIvfSq8Index(16, nlist=4)
    fallback.add(rows)
    streamed.add(rows)
    streamed.save(tmp_path / "streamed.ivf")
    # An unknown layout of the empty lists: FAISS writes the filled lists itself.
    monkeypatch.setattr(approximate, "_head_before_lists", lambda *_: None)
    fallback.save(tmp_path / "fallback.ivf")
    assert (tmp_path / "fallback.ivf").read_bytes() == (tmp_path / "streamed.ivf").read_bytes()


@pytest.mark.parametrize(("rows", "nlist"), [(700, 8), (3000, 16), (50, 1)])
def test_ivf_trained_a_slice_at_a_time_equals_faiss_own_train(rows: int, nlist: int) -> None:
    import faiss

    import qa.index.vectors.approximate as approximate

    sample = _clustered(np.random.default_rng(rows), rows, 16, 8)

    def untrained() -> faiss.IndexIVFScalarQuantizer:
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(16),
            16,
            nlist,
            faiss.ScalarQuantizer.QT_8bit,
            faiss.METRIC_INNER_PRODUCT,
        )
        index.cp.min_points_per_centroid = 1
        return index

    by_faiss, by_slices = untrained(), untrained()
    by_faiss.train(sample)
    approximate._train_lists(by_slices, sample)
    assert by_slices.is_trained
    assert bytes(faiss.serialize_index(by_slices)) == bytes(faiss.serialize_index(by_faiss))


@pytest.mark.parametrize("first_zero", [-0.0, 0.0])
def test_ivf_range_of_zero_keeps_the_sign_faiss_keeps(first_zero: float) -> None:
    import faiss

    import qa.index.vectors.approximate as approximate

    # A dimension every row leaves at zero: its residuals are all zero, and FAISS keeps the
    # first one's sign (-0.0 and 0.0 compare equal but are written differently).
    sample = _clustered(np.random.default_rng(11), 2500, 16, 4)
    sample[:, 0] = 0.0
    sample[0, 0] = first_zero
    # A later zero of the other sign, which a plain minimum may pick instead.
    sample[1500, 0] = 0.0 if np.signbit(first_zero) else -0.0

    def untrained() -> faiss.IndexIVFScalarQuantizer:
        return faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(16), 16, 4, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )

    by_faiss, by_slices = untrained(), untrained()
    by_faiss.train(sample)
    approximate._train_lists(by_slices, sample)
    ranges = faiss.vector_to_array(by_slices.sq.trained)
    assert np.signbit(ranges[0]) == np.signbit(first_zero)
    assert bytes(faiss.serialize_index(by_slices)) == bytes(faiss.serialize_index(by_faiss))
