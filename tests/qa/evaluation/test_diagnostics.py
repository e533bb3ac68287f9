from __future__ import annotations

from typing import Any

import pytest

from qa.evaluation.diagnostics import (
    baseline_comparison,
    decline_tradeoff,
    kind_figures,
    render_baseline,
    render_kinds,
    render_tradeoff,
)
from qa.evaluation.report import QuestionRecord


def _record(has_answer: bool, **fields: Any) -> QuestionRecord:
    values: dict[str, Any] = {
        "id": "q",
        "question": "Q?",
        "resolved_question": "Q?",
        "prediction": None,
        "answers": ("Seoul",) if has_answer else (),
        "score": 0.0,
        "em": 0.0,
        "f1": 0.0,
        "abstained": True,
        "rank": None,
        "type": "what/which",
        "has_answer": has_answer,
        "gold_available": False,
        "gold_prediction": None,
        "gold_score": None,
        "gold_em": None,
        "gold_f1": None,
        "gold_abstained": None,
        "end_to_end_ms": 1.0,
        "retrieve_ms": 1.0,
        "read_ms": None,
    }
    values.update(fields)
    return QuestionRecord(**values)


def test_baseline_comparison_hand_worked() -> None:
    records = [
        # Pipeline right; the baseline's span two-thirds right by F1, margin 3.
        _record(
            True,
            prediction="Seoul",
            em=1.0,
            f1=1.0,
            abstained=False,
            score=0.9,
            baseline_prediction="Seoul Korea",
            baseline_margin=3.0,
        ),
        # The pipeline declines an answerable one; the baseline gets it with margin 1.
        _record(True, baseline_prediction="Seoul", baseline_margin=1.0),
        # Unanswerable: the pipeline declines (scores 1); the baseline answers at margin 2.
        _record(False, em=1.0, f1=1.0, baseline_prediction="Tokyo", baseline_margin=2.0),
        # Not run by the baseline: left out of every column.
        _record(True, prediction="Seoul", em=1.0, f1=1.0, abstained=False),
    ]
    figures = baseline_comparison(records, {"low": 0.0, "high": 2.5})
    assert figures is not None and figures["n"] == 3
    pipeline, low, high = (
        figures["pipeline"],
        figures["baselines"]["low"],
        figures["baselines"]["high"],
    )
    assert pipeline["has_ans_f1"] == pytest.approx(0.5)
    assert pipeline["f1"] == pytest.approx(2 / 3)
    assert pipeline["wrongly_abstained"] == pytest.approx(0.5)
    # At 0 the baseline answers all three: F1 2/3 and 1 on the answerable, 0 on the other.
    assert low["has_ans_f1"] == pytest.approx((2 / 3 + 1) / 2)
    assert low["no_ans_abstained"] == 0.0 and low["wrongly_abstained"] == 0.0
    # At 2.5 only the first is answered; the unanswerable one is declined.
    assert high["has_ans_f1"] == pytest.approx(1 / 3)
    assert high["f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert high["no_ans_abstained"] == 1.0 and high["wrongly_abstained"] == 0.5
    text = "\n".join(render_baseline(figures))
    assert "| Has-answer F1 | 50.0 | 83.3 | 33.3 |" in text
    assert "Span model, high (2.50)" in text


def test_kind_figures_count_agreement_and_fit() -> None:
    records = [
        _record(True, expected_kind="year", gold_kind="year", gold_kind_fits=True),
        _record(True, expected_kind="year", gold_kind="date", gold_kind_fits=True),
        _record(True, expected_kind="person", gold_kind="place", gold_kind_fits=False),
        _record(True, expected_kind="person", gold_kind="person", gold_kind_fits=True),
        _record(False, expected_kind="year"),  # unanswerable: not counted
        _record(True, expected_kind="year"),  # gold answer not found in a passage
    ]
    figures = kind_figures(records)
    assert figures is not None and figures["n"] == 4
    assert figures["agreement"] == pytest.approx(0.5)
    assert figures["gold_fits"] == pytest.approx(0.75)
    table = "\n".join(render_kinds(figures))
    assert "| expected \\ gold | date | person | place | year |" in table
    assert "| year | 1 |  |  | 1 |" in table


def test_a_reason_read_as_other_agrees() -> None:
    records = [
        _record(True, expected_kind="reason", gold_kind="other", gold_kind_fits=True),
        _record(True, expected_kind="other", gold_kind="person", gold_kind_fits=True),
    ]
    figures = kind_figures(records)
    assert figures is not None and figures["agreement"] == pytest.approx(0.5)


def test_decline_tradeoff_hand_worked() -> None:
    records = [
        _record(True, em=1.0, abstained=False, score=0.8),
        _record(True, em=0.0, abstained=False, score=0.3),
        _record(False, abstained=False, score=0.4),
        _record(False, abstained=True, score=0.1),
    ]
    low, high = decline_tradeoff(records, [0.2, 0.5])
    assert low["answerable_declined"] == 0.0 and low["unanswerable_declined"] == 0.5
    assert high["answerable_declined"] == 0.5 and high["unanswerable_declined"] == 1.0
    assert low["has_ans_em"] == 0.5 and high["has_ans_em"] == 0.5
    assert "| 0.500 | 50.0 | 100.0 | 50.0 |" in "\n".join(render_tradeoff([low, high]))


def test_no_baseline_and_no_kinds_render_nothing() -> None:
    records = [_record(True)]
    assert baseline_comparison(records, {"best F1": 1.0}) is None and render_baseline(None) == []
    assert kind_figures(records) is None and render_kinds(None) == []
