"""The hand-written question sets in ``eval/`` load and keep their own rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.evaluation.data import load_questions

EVAL = Path(__file__).resolve().parents[3] / "eval"


@pytest.mark.parametrize(
    "name",
    [
        "seed_questions.jsonl",
        "seed_offtopic.jsonl",
        "squad_offtopic.jsonl",
        "wikinews_followups.jsonl",
        "wikinews_questions.jsonl",
    ],
)
def test_set_loads_with_unique_ids_and_known_histories(name: str) -> None:
    questions = load_questions(EVAL / name).questions
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    asked = {q.question for q in questions}
    for q in questions:
        # Each earlier question of a conversation is also a line of its own.
        assert set(q.history) <= asked, q.id


def test_wikinews_followups_pair_a_first_question_with_one_follow_up() -> None:
    questions = load_questions(EVAL / "wikinews_followups.jsonl").questions
    firsts = [q for q in questions if not q.history]
    follow_ups = [q for q in questions if q.history]
    assert len(firsts) == len(follow_ups) == 20
    assert all(q.has_answer for q in questions)
    assert [f.history for f in follow_ups] == [(q.question,) for q in firsts]


def test_wikinews_questions_are_half_answerable_half_lookalikes() -> None:
    questions = load_questions(EVAL / "wikinews_questions.jsonl").questions
    answerable = [q for q in questions if q.has_answer]
    assert len(questions) >= 40
    assert len(answerable) * 2 == len(questions)
    assert not any(q.history for q in questions)
