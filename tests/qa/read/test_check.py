"""The answer check (qa.read.check): marked sentences, the gate, and the fine-tuned model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from embeddings import HashingEncoder
from qa.read.base import ReadRequest
from qa.read.check import AnswerCheck, CheckGate, marked_sentence
from qa.read.neural import NeuralReader
from qa.types import Hit, Passage

TEXT = (
    "Seoul said it would decide soon. The GSOMIA agreement is set to expire this Saturday if "
    "Japan or South Korea decides not to continue it. Talks went on."
)


def _hit(text: str) -> Hit:
    passage = Passage(
        id="a#0", document_id="a", title="T", text=text, start=0, end=len(text), ordinal=0
    )
    return Hit(passage=passage, score=1.0, similarity=0.9)


def _at(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


@pytest.mark.parametrize(
    ("part", "sentence"),
    [
        (
            "this Saturday",
            "The GSOMIA agreement is set to expire «this Saturday» if Japan or South Korea "
            "decides not to continue it.",
        ),
        ("Seoul", "«Seoul» said it would decide soon."),
        # An answer across two sentences is marked in both.
        (
            "soon. The GSOMIA",
            "Seoul said it would decide «soon. The GSOMIA» agreement is set "
            "to expire this Saturday if Japan or South Korea decides not to continue it.",
        ),
    ],
)
def test_the_answer_is_marked_in_its_own_sentence(part: str, sentence: str) -> None:
    assert marked_sentence(TEXT, *_at(TEXT, part)) == sentence


def test_the_gate_combines_the_two_logits_hand_worked() -> None:
    gate = CheckGate(confidence=0.5, check=2.0, bias=-1.0)
    # logit(0.8) = ln 4; z = 0.5 ln 4 + 2 * 1.5 - 1 = ln 2 + 2.
    expected = 1 / (1 + math.exp(-(math.log(2) + 2)))
    assert gate.probability(0.8, 1.5) == pytest.approx(expected)
    # A confidence of 0 or 1 is clipped, not an error.
    assert 0.0 < gate.probability(0.0, 0.0) < gate.probability(1.0, 0.0) < 1.0


@pytest.fixture(scope="module")
def check() -> AnswerCheck:
    found = AnswerCheck()
    if not found.available():
        pytest.skip("answer-check weights not present")
    return found


def test_the_sentence_that_answers_scores_above_a_look_alike_and_a_wrong_span(
    check: AnswerCheck,
) -> None:
    right = marked_sentence(TEXT, *_at(TEXT, "this Saturday"))
    wrong_span = marked_sentence(TEXT, *_at(TEXT, "Japan"))
    answer, look_alike, rival = check.logits(
        [
            ("When does GSOMIA expire?", right),
            ("When was GSOMIA first signed?", right),
            ("When does GSOMIA expire?", wrong_span),
        ]
    )
    assert answer > 0 > max(look_alike, rival)


def test_a_pair_scores_the_same_alone_and_in_company(check: AnswerCheck) -> None:
    pair = ("When does GSOMIA expire?", marked_sentence(TEXT, *_at(TEXT, "this Saturday")))
    other = ("Who said it?", marked_sentence(TEXT, *_at(TEXT, "Seoul")))
    assert check.logits([pair])[0] == check.logits([other, pair])[1]


def test_without_weights_nothing_is_checked(tmp_path: Path) -> None:
    missing = AnswerCheck(tmp_path)
    assert not missing.available()
    reader = NeuralReader(HashingEncoder(), check=missing)
    hit = _hit(TEXT)
    request = ReadRequest("When does GSOMIA expire?", [hit], reader.analyze([TEXT]))
    groups = reader.read([request])[0]
    assert groups and all(g.check is None for g in groups)


def test_the_reader_checks_its_best_answer_only(check: AnswerCheck) -> None:
    reader = NeuralReader(HashingEncoder(), check=check)
    hit = _hit(TEXT)
    request = ReadRequest("When does GSOMIA expire?", [hit], reader.analyze([TEXT]))
    groups = reader.read([request])[0]
    assert groups[0].check is not None and 0.0 < groups[0].check < 1.0
    assert all(g.check is None for g in groups[1:])
