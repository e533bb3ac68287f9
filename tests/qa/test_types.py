from __future__ import annotations

import pytest
from pydantic import ValidationError

from qa.types import Answer, Citation, Passage, Span, answer_key


def _citation(passage: str, start: int, end: int, pid: str = "d#0") -> Citation:
    return Citation(
        document_id="d",
        title="T",
        passage=passage,
        start=start,
        end=end,
        passage_id=pid,
        passage_start=0,
        score=0.5,
    )


def test_passage_offsets_must_fit_text() -> None:
    with pytest.raises(ValidationError, match="span 3 characters"):
        Passage(id="d#0", document_id="d", title="T", text="ab", start=0, end=3, ordinal=0)


def test_span_offsets_must_fit_text() -> None:
    with pytest.raises(ValidationError):
        Span(passage_id="p", start=0, end=5, text="abc", score=0.5)


def test_citation_outside_passage_is_rejected() -> None:
    with pytest.raises(ValidationError, match="outside"):
        _citation("short", 2, 9)


def test_answer_must_match_first_citation() -> None:
    good = _citation("It ends Monday.", 8, 14)
    assert Answer(question="q", text="Monday", score=0.9, citations=(good,)).text == "Monday"
    with pytest.raises(ValidationError, match="not the answer"):
        Answer(question="q", text="Sunday", score=0.9, citations=(good,))


def test_answer_without_citation_or_abstention_with_citation_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Answer(question="q", text="x", score=0.5)
    with pytest.raises(ValidationError):
        Answer(question="q", text=None, citations=(_citation("abc", 0, 1),))


def test_a_decline_carries_no_confidence() -> None:
    # A decline's score of 0.70 beside text null read as a confident answer; the turned-down
    # candidate's confidence has a field of its own.
    with pytest.raises(ValidationError, match="best_candidate_score"):
        Answer(question="q", text=None, score=0.7)
    declined = Answer(question="q", text=None, best_candidate_score=0.7)
    assert declined.score is None and declined.model_dump()["score"] is None
    assert declined.best_candidate_score == 0.7
    with pytest.raises(ValidationError, match="for declines"):
        Answer(
            question="q",
            text="abc",
            score=0.9,
            best_candidate_score=0.2,
            citations=(_citation("abc", 0, 3),),
        )


def test_later_citations_may_differ_in_case_and_articles() -> None:
    first = _citation("The Pentagon said", 0, 12)
    second = _citation("the pentagon, then", 0, 12, pid="d#1")
    answer = Answer(question="q", text="The Pentagon", score=0.9, citations=(first, second))
    assert len(answer.citations) == 2
    assert answer_key("The  Pentagon,") == answer_key("pentagon")


def test_models_are_frozen() -> None:
    span = Span(passage_id="p", start=0, end=3, text="abc", score=0.5)
    with pytest.raises(ValidationError):
        span.score = 0.9  # type: ignore[misc]
