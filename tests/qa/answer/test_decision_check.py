"""The answer check's floor in the decision (qa.answer.decision, qa.read.check)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from qa import Assistant, Settings
from qa.answer.decision import Evidence, decide
from qa.read.base import AnswerGroup
from qa.types import Hit, Passage, Span

TEXT = "The Brannock Rotary Club set up a relief fund, club president Walt Dobrev said."
PASSAGE = Passage(
    id="p1",
    document_id="fund.txt",
    title="Relief fund",
    text=TEXT,
    start=0,
    end=len(TEXT),
    ordinal=0,
)
AT = TEXT.index("Walt Dobrev")
ANSWER = Span(passage_id="p1", start=AT, end=AT + 11, text="Walt Dobrev", score=0.4)


def evidence(group: AnswerGroup) -> Evidence:
    question = "Who is the treasurer of the Brannock Rotary Club?"
    return Evidence(question, question, [Hit(passage=PASSAGE, score=1.0, similarity=0.8)], [group])


def test_a_sure_answer_that_fails_the_check_is_declined_with_the_figures() -> None:
    answer = decide(
        evidence(AnswerGroup(0.4, (ANSWER,), check=0.05)),
        cast(Any, None),
        Settings(check_floor=0.1352),
        top_k=3,
    )
    assert answer.text is None
    assert answer.abstain_reason == (
        "The sentence “Walt Dobrev” comes from does not seem to say what is asked: its check "
        "is 0.05, and at least 0.1352 is needed to answer."
    )
    assert answer.best_candidate_score == 0.4


def test_the_confidence_floor_is_the_reason_given_first() -> None:
    answer = decide(
        evidence(AnswerGroup(0.001, (ANSWER,), check=0.05)),
        cast(Any, None),
        Settings(check_floor=0.1352),
        top_k=3,
    )
    assert answer.abstain_reason is not None and "confidence" in answer.abstain_reason


@pytest.fixture(scope="module")
def fund(tmp_path_factory: pytest.TempPathFactory) -> Any:
    corpus = tmp_path_factory.mktemp("fund")
    (corpus / "fund.txt").write_text(f"Relief fund\n\n{TEXT}\n", encoding="utf-8")

    def assistant(floor: float) -> Assistant:
        settings = Settings(
            encoder="hashing",
            index_dir=corpus.parent / "fund-ix",
            show_progress=False,
            check_floor=floor,
        )
        return Assistant.from_corpus(corpus, settings)

    return assistant


def test_the_floor_decides_through_the_pipeline(fund: Any) -> None:
    question = "Who is the president of the Brannock Rotary Club?"
    # Off (0): the check is not computed and the reader's answer stands.
    assert fund(0.0).ask(question).text == "Walt Dobrev"
    # A floor no answer can pass: declined, and the reason says it was the check.
    strict = fund(1.0).ask(question)
    assert strict.text is None
    assert strict.abstain_reason is not None and "its check is" in strict.abstain_reason
