from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from qa.index.lexical import Bm25Builder, Bm25Index

VOCABULARY = (
    "gsomia expires saturday seoul tokyo summit minister talks missile launch sanctions "
    "treaty agreement election vote court ruling hospital health patients privacy settlement "
    "storm flood rescue pilgrims stampede bridge festival lantern shuttle nasa anniversary"
)
WORDS = VOCABULARY.split()


def _corpus(n: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))) for _ in range(n)]


def _bm25s_top(texts: list[str], query: str, k: int) -> list[tuple[int, float]]:
    """What bm25s's own retrieval gives, the reference for the vectorised sum."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    words = bm25s.tokenize(
        [query], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False
    )[0]
    rows, scores = retriever.retrieve([words], k=k, show_progress=False, n_threads=1)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]


@pytest.mark.parametrize("query", ["gsomia summit talks", "pilgrims pilgrims bridge", "nasa"])
def test_scores_equal_bm25s(query: str) -> None:
    texts = _corpus(300)
    # k as large as the corpus, so equal scores at the cut cannot make the two lists differ.
    scores, rows = Bm25Index(texts).search([query], 300)
    expected = dict(_bm25s_top(texts, query, 300))
    mine = {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}
    assert mine.keys() == expected.keys() and len(mine) > 10
    assert all(abs(mine[row] - expected[row]) < 1e-5 for row in mine)
    assert np.all(np.diff(scores[0][: len(mine)]) <= 0)


def test_ties_go_to_the_lower_row_and_missing_words_to_minus_one() -> None:
    index = Bm25Index(["storm flood", "court ruling", "storm flood", "storm flood"])
    scores, rows = index.search(["storm", "unknownword", "the of and"], 5)
    assert rows[0].tolist() == [0, 2, 3, -1, -1]
    assert scores[0][0] == scores[0][1] == scores[0][2] > 0
    assert rows[1].tolist() == rows[2].tolist() == [-1] * 5


def test_empty_and_stop_word_corpora_find_nothing() -> None:
    for texts in ([], ["the of and", "a an"]):
        index = Bm25Index(texts)
        assert len(index) == len(texts)
        assert index.search(["storm"], 3)[1].tolist() == [[-1, -1, -1]]


def test_save_load_round_trip(tmp_path: Path) -> None:
    texts = _corpus(200, seed=5)
    index = Bm25Index(texts)
    index.save(tmp_path / "x.bm25")
    again = Bm25Index.load(tmp_path / "x.bm25")
    queries = ["summit talks", "hospital privacy settlement", "lantern"]
    assert len(again) == 200
    for a, b in zip(index.search(queries, 10), again.search(queries, 10), strict=True):
        assert np.array_equal(a, b)
    # A stop-word corpus saves and loads too.
    Bm25Index(["the of"]).save(tmp_path / "empty.bm25")
    assert Bm25Index.load(tmp_path / "empty.bm25").search(["storm"], 2)[1].tolist() == [[-1, -1]]


def test_damaged_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.bm25").write_bytes(b"garbage" * 10)
    with pytest.raises(ValueError, match="BM25"):
        Bm25Index.load(tmp_path / "bad.bm25")
    Bm25Index(_corpus(50)).save(tmp_path / "cut.bm25")
    data = (tmp_path / "cut.bm25").read_bytes()
    (tmp_path / "cut.bm25").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut short"):
        Bm25Index.load(tmp_path / "cut.bm25")


def test_search_cost_follows_the_matching_passages_not_the_corpus() -> None:
    # No loop over documents per query: a rare word in a large corpus is found as fast as in
    # a small one (generous bound; the sum touches only the word's passages).
    texts = [*_corpus(50_000, seed=9), "zanzibar clove harvest"]
    index = Bm25Index(texts)
    started = time.perf_counter()
    for _ in range(20):
        _, rows = index.search(["zanzibar"], 10)
    assert rows[0, 0] == 50_000
    assert (time.perf_counter() - started) / 20 < 0.05


@pytest.mark.parametrize("batch", [1, 7, 300])
def test_a_build_in_batches_is_the_one_built_at_once(batch: int) -> None:
    texts = [*_corpus(299), "", "the of and"]  # a passage with no words counts as length 0
    builder = Bm25Builder()
    for first in range(0, len(texts), batch):
        builder.add(texts[first : first + batch])
    built, whole = builder.finish(), Bm25Index(texts)
    assert len(built) == len(whole) == 301
    assert built._vocab == whole._vocab and list(built._vocab) == sorted(built._vocab)
    assert np.array_equal(built._indptr, whole._indptr)
    assert np.array_equal(built._indices, whole._indices)
    assert np.array_equal(built._data, whole._data)
    # Each word's passages are listed in row order, as search expects of a column.
    for w in range(len(built._indptr) - 1):
        column = built._indices[built._indptr[w] : built._indptr[w + 1]]
        assert np.all(np.diff(column) > 0)


@pytest.mark.parametrize("batch", [1, 7, 300])
def test_a_build_spilling_its_counts_to_disk_is_the_one_held_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    # Slices smaller than the postings, so the spill file is read back in several.
    monkeypatch.setattr("qa.index.lexical._POSTINGS_SLICE", 97)
    texts = [*_corpus(299), "", "the of and"]
    spill = tmp_path / "postings.tmp"
    spilled, held = Bm25Builder(spill=spill), Bm25Builder()
    for first in range(0, len(texts), batch):
        spilled.add(texts[first : first + batch])
        held.add(texts[first : first + batch])
    assert spill.stat().st_size > 0 and not spilled._words  # nothing kept in memory
    a, b = spilled.finish(), held.finish()
    assert not spill.exists()
    assert a._vocab == b._vocab and len(a) == len(b) == 301
    for name in ("_indptr", "_indices", "_data"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_postings_are_placed_the_same_across_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _corpus(200)
    whole = Bm25Index(texts)
    monkeypatch.setattr("qa.index.lexical._POSTINGS_SLICE", 5)
    sliced = Bm25Index(texts)
    assert np.array_equal(sliced._data, whole._data)
    assert np.array_equal(sliced._indices, whole._indices)
