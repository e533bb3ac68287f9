"""``scripts/prepare_real.py``: the no-answer questions it adds, checked on a tiny file."""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

CONTEXT = (
    "Nurses walked out of the hospital on Monday. A state mediator, Ann Lee, joined the talks. "
    "The union said pay was the main issue. The hospital declined to comment."
)


class _NoEntities:
    """Stands in for spaCy: no names, so no look-alike swaps a name."""

    def pipe(self, texts: list[str], **_: Any) -> list[Any]:
        return [type("Doc", (), {"ents": ()})() for _ in texts]


def _data() -> list[dict[str, Any]]:
    start = CONTEXT.index("Ann Lee")
    question = {
        "id": "q1",
        "question": "Who is the state mediator?",
        "answers": [{"text": "Ann Lee", "answer_start": start}],
    }
    return [{"title": "Strike", "paragraphs": [{"context": CONTEXT, "qas": [question]}]}]


@pytest.fixture(scope="module")
def prepare_real(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("prepare_real")


def _questions(data: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(p["context"], q) for a in data for p in a["paragraphs"] for q in p["qas"]]


def test_drop_sentence_adds_the_question_without_its_answer_sentence(
    prepare_real: ModuleType,
) -> None:
    out, counts = prepare_real.prepare(
        _data(), None, 0.0, 0.0, 0, _NoEntities(), random.Random(1), drop_sentence=1.0
    )
    assert counts["answerable"] == 1 and counts["nosentence"] == 1
    (kept_context, kept), (cut_context, cut) = _questions(out)
    assert kept["answers"][0]["text"] == "Ann Lee" and not kept["is_impossible"]
    assert cut["id"] == "q1-nosentence" and cut["is_impossible"] and cut["answers"] == []
    assert cut["question"] == kept["question"]
    assert "Ann Lee" not in cut_context and "mediator" not in cut_context
    assert cut_context.startswith("Nurses walked out") and kept_context == CONTEXT


def test_no_drop_sentence_share_leaves_the_output_as_it_was(prepare_real: ModuleType) -> None:
    before, _ = prepare_real.prepare(_data(), None, 0.5, 0.5, 0, _NoEntities(), random.Random(3))
    after, counts = prepare_real.prepare(
        _data(), None, 0.5, 0.5, 0, _NoEntities(), random.Random(3), drop_sentence=0.0
    )
    assert after == before and counts["nosentence"] == 0
