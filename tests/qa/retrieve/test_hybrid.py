from __future__ import annotations

import numpy as np
import pytest

from embeddings import HashingEncoder
from qa.index.lexical import Bm25Index
from qa.index.vectors import FaissFlatIndex
from qa.retrieve import HybridRetriever
from qa.retrieve.hybrid import copy_groups, reciprocal_rank_fusion, zscore_fusion
from qa.types import Passage


def test_rrf_hand_worked() -> None:
    # k=1: row 1 gets 1/3 + 1/2, row 3 gets 1/2, row 2 gets 1/3.
    fused = reciprocal_rank_fusion([[3, 1], [1, 2]], k=1)
    assert [row for row, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 3 + 1 / 2)


def test_zscore_hand_worked() -> None:
    # Pool [0, 1, 2]; dense [0.9, 0.1, 0.1 (floor)] -> z = [1.414, -0.707, -0.707];
    # lexical [0 (floor 1.0), 5, 1] -> values [1, 5, 1] -> z = [-0.707, 1.414, -0.707].
    fused = dict(zscore_fusion({0: 0.9, 1: 0.1}, {1: 5.0, 2: 1.0}, dense_weight=0.5))
    assert fused[0] == pytest.approx(0.3536, abs=1e-3)
    assert fused[1] == pytest.approx(0.3536, abs=1e-3)
    assert fused[2] == pytest.approx(-0.7071, abs=1e-3)


def _retriever(texts: list[str], fusion: str) -> HybridRetriever:
    enc = HashingEncoder()
    passages = [
        Passage(id=f"d#{i}", document_id="d", title="T", text=t, start=0, end=len(t), ordinal=i)
        for i, t in enumerate(texts)
    ]
    vectors = FaissFlatIndex(enc.dim)
    vectors.add(enc.encode(texts))
    return HybridRetriever(passages, vectors, Bm25Index(texts), enc, fusion=fusion)  # type: ignore[arg-type]


@pytest.mark.parametrize("fusion", ["zscore", "rrf", "dense", "lexical"])
def test_each_fusion_finds_the_obvious_passage(fusion: str) -> None:
    texts = ["the cat sat on the mat", "GSOMIA expires this Saturday", "rain in Spain"]
    hits = _retriever(texts, fusion).search("when does GSOMIA expire", top_k=2)
    assert hits[0].text == "GSOMIA expires this Saturday"
    assert hits[0].dense_rank is not None or fusion == "lexical"


def test_dense_only_matches_brute_force_order() -> None:
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(40)]
    texts = [" ".join(rng.choice(vocab, size=6)) for _ in range(30)]
    retriever = _retriever(texts, "dense")
    enc = HashingEncoder()
    q = " ".join(vocab[:8])
    sims = enc.encode(texts) @ enc.encode([q])[0]
    got = [int(h.passage.id.split("#")[1]) for h in retriever.search(q, top_k=5)]
    # Equal scores may come in either order, so compare the similarities, not the row numbers.
    assert np.allclose(sims[got], np.sort(sims)[::-1][:5], atol=1e-6)


def test_passages_score_as_their_best_unit() -> None:
    enc = HashingEncoder()
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(30)]
    passages, units, owner = [], [], []
    for i in range(12):
        sentences = [" ".join(rng.choice(vocab, size=5)) for _ in range(1 + i % 3)]
        text = " ".join(sentences)
        passages.append(
            Passage(
                id=f"d#{i}",
                document_id="d",
                title="T",
                text=text,
                start=0,
                end=len(text),
                ordinal=i,
            )
        )
        for unit in [text, *sentences]:
            units.append(unit)
            owner.append(i)
    vectors = FaissFlatIndex(enc.dim)
    vectors.add(enc.encode(units))
    retriever = HybridRetriever(
        passages,
        vectors,
        Bm25Index([p.text for p in passages]),
        enc,
        fusion="dense",
        unit_passage=np.array(owner),
    )
    query = " ".join(vocab[:6])
    sims = enc.encode(units) @ enc.encode([query])[0]
    best = np.full(len(passages), -np.inf)
    for s, o in zip(sims, owner, strict=True):
        best[o] = max(best[o], s)
    hits = retriever.search(query, top_k=5)
    got = [int(h.passage.id.split("#")[1]) for h in hits]
    assert np.allclose(best[got], np.sort(best)[::-1][:5], atol=1e-6)
    # The similarity a hit carries is its best unit's cosine, comparable across questions.
    assert np.allclose([h.similarity for h in hits], best[got], atol=1e-6)
    # ...and the same number is available for passages the caller picks.
    picked = [11, 0, 5]
    assert np.allclose(
        retriever.similarities(enc.encode([query])[0], picked), best[picked], atol=1e-6
    )


def test_unit_map_must_match_the_vectors() -> None:
    enc = HashingEncoder()
    passage = Passage(id="d#0", document_id="d", title="T", text="a b", start=0, end=3, ordinal=0)
    vectors = FaissFlatIndex(enc.dim)
    vectors.add(enc.encode(["a b", "a", "b"]))
    with pytest.raises(ValueError, match="disagree"):
        HybridRetriever([passage], vectors, Bm25Index(["a b"]), enc, unit_passage=np.array([0]))


def test_stop_word_only_corpus_has_no_lexical_hits() -> None:
    index = Bm25Index(["the a of", "and the"])
    assert index.search(["the"], 2)[1].tolist() == [[-1, -1]]


def test_copy_groups_hand_worked() -> None:
    texts = ["A b.", "C.", "A  b.", "A\nb.", "a b."]
    passages = [
        Passage(id=f"d#{i}", document_id="d", title="T", text=t, start=0, end=len(t), ordinal=i)
        for i, t in enumerate(texts)
    ]
    # Whitespace aside the same; case is not whitespace.
    assert copy_groups(passages) == {0: (0, 2, 3), 2: (0, 2, 3), 3: (0, 2, 3)}


@pytest.mark.parametrize("fusion", ["zscore", "rrf", "dense", "lexical"])
def test_a_passage_printed_twice_comes_back_once(fusion: str) -> None:
    texts = [
        "GSOMIA expires this Saturday",
        "the cat sat on the mat",
        "GSOMIA  expires this\nSaturday",
        "GSOMIA will expire unless renewed",
        "rain in Spain",
    ]
    # Every retriever, BM25 alone included, finds four passages for this; three texts differ.
    retriever = _retriever(texts, fusion)
    assert retriever.copies == 1
    hits = retriever.search("when does GSOMIA expire, rain in Spain", top_k=3)
    assert len(hits) == 3
    normalised = [" ".join(h.text.split()) for h in hits]
    assert len(set(normalised)) == 3
    first = next(h for h in hits if "Saturday" in h.text)
    other = {"d#0": ("d#2",), "d#2": ("d#0",)}[first.passage.id]
    assert first.copies == other
    assert all(h.copies == () for h in hits if h is not first)
