"""An answer that only repeats its question is told apart from one that answers it."""

from __future__ import annotations

import pytest

from qa.question.frame import repeats_question


@pytest.mark.parametrize(
    ("answer", "question", "repeats"),
    [
        ("Washington D.C.", "Where is it held the year after its Washington D.C. debut?", True),
        ("the Normans", "Who adopted the feudal doctrines of the Normans?", True),
        ("Turing machine", "What is an example of a Turing machine model?", True),
        # Case, edge punctuation and a leading article do not make an answer new.
        ("The  Pentagon,", "What did the Pentagon test?", True),
        # A word the question lacks is news.
        ("Mexico City", "Where is it held the year after its Washington D.C. debut?", False),
        ("Notre Dame Stadium", "Where do the Notre Dame teams play?", False),
        # A choice question is answered by one of its own words.
        ("Spectre", "Which film had a wider release, Skyfall or Spectre?", False),
        ("male", "Was the boarding house for male or female students?", False),
        ("", "What?", False),
    ],
)
def test_repeats_question(answer: str, question: str, repeats: bool) -> None:
    assert repeats_question(answer, question) is repeats
