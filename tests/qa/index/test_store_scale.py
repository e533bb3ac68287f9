"""What a generation records and saves for large corpora: the vector backend "auto" chose,
exact vectors carried through updates, and BM25 saved beside the vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import HashingEncoder
from qa.index import IndexStore, LoadedIndex
from qa.index.generation import lexical_text
from qa.index.lexical import Bm25Index
from qa.index.vectors import registry as vector
from qa.read.typed.reader import TypedReader


def _store(folder: Path, backend: str = "auto") -> IndexStore:
    encoder = HashingEncoder()
    return IndexStore(
        folder, encoder, TypedReader(encoder), show_progress=False, vector_backend=backend
    )


def _write(corpus: Path, name: str, body: str) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(f"Title of {name}\n{body}\n", encoding="utf-8")


def _by_passage(index: LoadedIndex) -> dict[str, np.ndarray]:
    vectors = index.vectors.vectors()
    return {p.id: vectors[index.unit_passage == row] for row, p in enumerate(index.passages)}


def test_auto_writes_flat_for_a_small_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "a.txt", "Alpha one. Alpha two.\nAlpha three.")
    index, _ = _store(tmp_path / "ix").open(corpus)
    assert index.manifest.vector_backend == "faiss-flat"
    assert index.manifest.vector_setting == "auto"
    assert (index.folder / "dense.faiss").is_file()
    assert isinstance(index.vectors, vector.FaissFlatIndex)
    index.close()


def test_auto_follows_the_size_and_updates_keep_the_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "AUTO_EXACT_BELOW", 6)
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one. Alpha two.\nAlpha three.")  # 3 vectors
    index, _ = _store(ix).open(corpus)
    assert index.manifest.vector_backend == "faiss-flat"
    first = _by_passage(index)
    index.close()

    # Past the threshold: the next generation is approximate, and says so.
    _write(corpus, "b.txt", "Beta one. Beta two.\nBeta three.\nBeta four.")
    index, stats = _store(ix).open(corpus)
    assert stats.action == "updated" and stats.new_passages == 3
    assert index.manifest.vector_backend == "faiss-ivf-sq8"
    assert index.manifest.vectors_file == "dense.faiss-ivf-sq8"
    assert isinstance(index.vectors, vector.FaissIvfSq8Index)
    second = _by_passage(index)
    for pid, rows in first.items():  # carried over, rounded once to float16
        assert np.abs(second[pid] - rows).max() < 1e-3
    index.close()

    # Opened again with the same setting it is reused, not rebuilt.
    index, stats = _store(ix).open(corpus)
    assert stats.action == "reused" and index.manifest.vector_backend == "faiss-ivf-sq8"
    index.close()

    # Another update carries the vectors over exactly: no drift from update to update.
    _write(corpus, "c.txt", "Gamma one.")
    index, stats = _store(ix).open(corpus)
    assert stats.action == "updated" and stats.new_passages == 1
    third = _by_passage(index)
    assert all(np.array_equal(third[pid], rows) for pid, rows in second.items())
    index.close()

    # Back under the threshold: flat again, same vectors.
    (corpus / "b.txt").unlink()
    (corpus / "c.txt").unlink()
    index, stats = _store(ix).open(corpus)
    assert index.manifest.vector_backend == "faiss-flat"
    assert all(np.array_equal(_by_passage(index)[pid], second[pid]) for pid in first)
    index.close()


def test_another_vector_setting_rebuilds(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.\nAlpha two.")
    index, _ = _store(ix, "auto").open(corpus)
    index.close()
    index, stats = _store(ix, "auto").open(corpus)
    assert stats.action == "reused"
    index.close()
    # faiss-flat is what "auto" wrote for this corpus, but the setting differs: a later
    # update would choose differently, so the index is built for the new setting.
    index, stats = _store(ix, "faiss-flat").open(corpus)
    assert stats.action == "built" and index.manifest.vector_setting == "faiss-flat"
    index.close()


def test_bm25_is_saved_with_the_generation_and_searches_as_if_built(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "a.txt", "The dam opened on the river.\nThe bridge was shut to lorries.")
    _write(corpus, "b.txt", "The mayor resigned after a vote.")
    index, _ = _store(tmp_path / "ix").open(corpus)
    assert index.manifest.lexical_file == "lexical.bm25"
    assert "lexical.bm25" in index.manifest.checksums
    saved = index.lexical()
    assert index.lexical() is saved  # read once
    built = Bm25Index([lexical_text(p) for p in index.passages])
    queries = ["bridge lorries", "mayor vote", "title of a.txt"]
    for mine, fresh in zip(saved.search(queries, 3), built.search(queries, 3), strict=True):
        assert np.array_equal(mine, fresh)
    index.close()


def test_a_generation_without_saved_bm25_builds_it_when_first_asked(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "a.txt", "Alpha one.\nAlpha two.")
    index, _ = _store(tmp_path / "ix").open(corpus)
    bare = LoadedIndex(index.folder, index.manifest.model_copy(update={"lexical_file": ""}))
    assert len(bare.lexical()) == 2
    assert (
        bare.lexical().search(["alpha two"], 1)[1][0, 0]
        == index.lexical().search(["alpha two"], 1)[1][0, 0]
    )
    bare.close()
    index.close()
