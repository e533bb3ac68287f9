"""The confidence-floor rule of ``scripts/pick_threshold.py`` on hand-worked rows."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def script(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("pick_threshold")


def _row(score: float, has_answer: bool = True, answered: bool = True) -> dict[str, object]:
    return {"prediction": "x" if answered else None, "score": score, "has_answer": has_answer}


def test_highest_floor_that_keeps_the_share(script: ModuleType) -> None:
    # Answerable scores 0.01, 0.02, ..., 0.20; one already abstained (off-topic gate).
    rows = [_row(k / 100) for k in range(1, 21)] + [_row(0.5, answered=False)]
    rows += [_row(0.9, has_answer=False)]  # unanswerable rows do not move the floor
    # 21 answerable: a floor of 0.0k answers 21 - k (the abstained one never counts).
    # Keep 0.8 needs 17 of 21 answered: k <= 4, so 0.04.
    assert script.pick(rows, keep=0.8, step=0.01) == pytest.approx(0.04)
    assert script.pick(rows, keep=0.96, step=0.01) == 0.0  # 20/21 < 0.96 even with no floor
    assert script.answered_share([r for r in rows if r["has_answer"]], 0.105) == 10 / 21
