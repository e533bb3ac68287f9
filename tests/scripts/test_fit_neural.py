"""Threshold picking and fold assignment of ``scripts/fit_neural.py``, on hand-made rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from qa import Settings
from qa.read.combiner import COMBINER_FILE


@pytest.fixture(scope="module")
def fit_neural(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("fit_neural")


def _row(fit: ModuleType, source: str, article: str = "A", closest: float = 0.5, **kw: Any) -> Any:
    answers = ("x",) if source == "answerable" else ()
    item = fit.Item("q?", answers, article, source)
    return fit.Row(item, kw.get("proposals", []), [], kw.get("baseline"), closest)


def test_floor_keeps_the_asked_share_of_answerable_questions(fit_neural: ModuleType) -> None:
    picks = [("a", s, True) for s in (0.9, 0.6, 0.3, 0.1)] + [("b", 0.95, False)]
    # Keeping 3 of 4 answerable questions: the floor is the third highest score.
    assert fit_neural.pick_floor(picks, keep=0.75) == pytest.approx(0.3)
    # A question with no pick cannot be kept by any floor.
    assert fit_neural.pick_floor([(None, 0.0, True), ("a", 0.5, True)], keep=1.0) == 0.0


def test_similarity_floor_loses_at_most_the_given_share(fit_neural: ModuleType) -> None:
    rows = [_row(fit_neural, "answerable", closest=c) for c in (0.1, 0.4, 0.5, 0.6, 0.7)]
    rows.append(_row(fit_neural, "offtopic", closest=0.9))  # off-topic rows do not count
    assert fit_neural.pick_similarity_floor(rows, lose=0.2, step=0.1) == pytest.approx(0.4)
    assert fit_neural.pick_similarity_floor(rows, lose=0.0, step=0.1) == pytest.approx(0.1)


def test_null_threshold_keeps_the_share_of_answerable(fit_neural: ModuleType) -> None:
    rows = [_row(fit_neural, "answerable", baseline=("x", m)) for m in (5.0, 3.0, 1.0, -2.0)]
    rows.append(_row(fit_neural, "lookalike", baseline=("y", 4.0)))
    tau = fit_neural.pick_null_threshold(rows, keep=0.75)
    assert 0.9 < tau < 1.0
    assert fit_neural.baseline_figures(rows, tau)["has_ans_abstained"] == 0.25


def test_best_f1_null_threshold_maximises_squad2_f1(fit_neural: ModuleType) -> None:
    rows = [
        _row(fit_neural, "answerable", baseline=("x", 5.0)),
        _row(fit_neural, "answerable", baseline=("x", 3.0)),
        _row(fit_neural, "lookalike", baseline=("y", 2.0)),
        _row(fit_neural, "lookalike", baseline=("y", 4.0)),
    ]
    # Answering above 2.0 gets both answerable right and declines one look-alike: 3 of 4.
    tau = fit_neural.best_f1_null_threshold(rows)
    assert 2.0 <= tau < 3.0
    figures = fit_neural.baseline_figures(rows, tau)
    assert figures["has_ans_f1"] == 1.0 and figures["lookalike_declined"] == 0.5


def test_folds_keep_an_article_together(fit_neural: ModuleType) -> None:
    rows = [_row(fit_neural, "answerable", article=a) for a in "AAABBC"]
    rows += [_row(fit_neural, "offtopic", article="") for _ in range(4)]
    fit_neural.assign_folds(rows, 2)
    by_article: dict[str, set[int]] = {}
    for r in rows[:6]:
        by_article.setdefault(r.item.article, set()).add(r.fold)
    assert all(len(folds) == 1 for folds in by_article.values())
    assert by_article["A"] != by_article["B"]
    assert sorted(r.fold for r in rows[6:]) == [0, 0, 1, 1]


def test_the_shipped_settings_use_the_fitted_floors() -> None:
    fitted = json.loads(COMBINER_FILE.read_text(encoding="utf-8"))
    assert "squad2-dev-sample" not in fitted["fitted_on"]
    assert Settings().abstain_threshold == pytest.approx(fitted["threshold"], abs=1e-4)
    assert Settings().similarity_floor == pytest.approx(fitted["similarity_floor"])
