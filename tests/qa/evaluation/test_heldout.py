"""Leave-one-article-out fitting never tests on what it trained on."""

from __future__ import annotations

from typing import Any

from qa.evaluation.heldout import leave_one_article_out


def test_each_article_is_measured_by_a_model_that_never_saw_it() -> None:
    rows: list[dict[str, Any]] = [
        {"article": "A", "q": 1, "offtopic": False},
        {"article": "A", "q": 2, "offtopic": True},
        {"article": "B", "q": 3, "offtopic": False},
        {"article": "C", "q": 4, "offtopic": False},
        {"article": None, "q": 5, "offtopic": False},
    ]

    def fit(train: list[dict[str, Any]]) -> frozenset[int]:
        return frozenset(r["q"] for r in train)

    def evaluate(test: list[dict[str, Any]], seen: frozenset[int]) -> dict[str, float]:
        assert not seen & {r["q"] for r in test}
        return {"tested": float(sum(r["q"] for r in test)), "trained": float(sum(seen))}

    figures = leave_one_article_out(rows, fit, evaluate, tested=lambda r: not r["offtopic"])
    # The row with no article is always trained on and never tested; off-topic rows of the
    # held-out article are left out of its test but used when the others are held out.
    assert figures == {
        "A": {"tested": 1.0, "trained": 12.0},
        "B": {"tested": 3.0, "trained": 12.0},
        "C": {"tested": 4.0, "trained": 11.0},
    }
