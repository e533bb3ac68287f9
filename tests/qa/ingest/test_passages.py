from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from embeddings import HashingEncoder
from qa.ingest import Chunker, load_corpus, split_paragraphs
from qa.ingest.passages import sentence_spans, split_sentences
from qa.types import Document

SEED = Path(__file__).resolve().parents[3] / "seeds"


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def test_seed_passages_round_trip_and_drop_debris() -> None:
    (doc,) = load_corpus(SEED).documents
    passages = Chunker(HashingEncoder().token_offsets, 254, 64).passages(doc)
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
    texts = [p.text for p in passages]
    assert "Photo: Sputnik" in texts  # a real credit line is kept, its table pipe trimmed
    assert not any("![]()" in t for t in texts)
    assert not any(t == doc.title for t in texts)
    assert len(passages) == 15


def test_blank_line_paragraphs_keep_wrapped_lines_together() -> None:
    text = "Title\n\nFirst line\ncontinues here.\n\n\nSecond paragraph.\n"
    doc = Document(id="d", title="Title", text=text, source="d")
    assert [text[s:e] for s, e in split_paragraphs(doc)] == [
        "First line\ncontinues here.",
        "Second paragraph.",
    ]


def test_long_paragraph_is_windowed_with_overlap() -> None:
    body = " ".join(f"w{i}" for i in range(25))
    doc = Document(id="d", title="T", text="T\n" + body, source="d")
    passages = Chunker(_words, window_tokens=10, overlap_tokens=3).passages(doc)
    # 25 words, 10 per window, 3 shared: windows start at words 0, 7, 14 and 21.
    assert len(passages) == 4
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert len(p.text.split()) <= 10
    assert passages[0].text.split()[-3:] == passages[1].text.split()[:3]
    assert passages[-1].text.endswith("w24")
    assert [p.ordinal for p in passages] == [0, 1, 2, 3]


def test_dateline_is_the_date_not_a_passage(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Team honored\nFriday, July 21, 2017\nThe team was honored.\n")
    (doc,) = load_corpus(tmp_path).documents
    assert str(doc.date) == "2017-07-21"
    assert [doc.text[s:e] for s, e in split_paragraphs(doc)] == ["The team was honored."]


def test_link_only_lines_are_debris_and_bracket_runs_are_not() -> None:
    from qa.ingest.passages import _is_debris

    assert _is_debris("![]() | [Photo](http://x.org/a.png) |")
    assert not _is_debris("See [the report](http://x.org) for details.")
    # A run of brackets once made the link pattern backtrack quadratically (minutes per MB).
    assert not _is_debris("[" * 20_000 + " words after the brackets")


@pytest.mark.parametrize(
    "text",
    [
        "Kim met Biegun. “It went well,” he said. Talks resume in 2020.",
        "  One.  Two?\n\nThree! (Four.) Five",
        "no capital after the stop. so one sentence",
        "",
    ],
)
def test_sentence_spans_are_the_split_sentences_offsets(text: str) -> None:
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == split_sentences(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
