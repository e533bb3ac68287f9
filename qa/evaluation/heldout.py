"""Held-out measurement for anything fitted on the SQuAD sample: fit on every article but one,
measure on that one, for each article in turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

Model = TypeVar("Model")
Row = TypeVar("Row", bound=Mapping[str, Any])


def leave_one_article_out(
    rows: Sequence[Row],
    fit: Callable[[list[Row]], Model],
    evaluate: Callable[[list[Row], Model], dict[str, float]],
    *,
    tested: Callable[[Row], bool] | None = None,
) -> dict[str, dict[str, float]]:
    """Figures for each article, from a model fitted on the other articles' rows only.

    Args:
        rows: One row per question, each with an ``"article"`` entry (None: never tested, but
            always trained on).
        fit: Fits a model on rows.
        evaluate: Measures a model on rows.
        tested: Which of an article's rows to measure on, None for all of them (training
            still uses all of the other articles' rows).

    Returns:
        Article title -> the figures ``evaluate`` gave, in title order.

    Example:
        >>> rows = [{"article": "A", "x": 1}, {"article": "B", "x": 2}]
        >>> leave_one_article_out(
        ...     rows, lambda train: sum(r["x"] for r in train), lambda test, m: {"m": m}
        ... )
        {'A': {'m': 2}, 'B': {'m': 1}}
    """
    titles = sorted({str(r["article"]) for r in rows if r["article"]})
    figures = {}
    for title in titles:
        model = fit([r for r in rows if r["article"] != title])
        test = [r for r in rows if r["article"] == title and (tested is None or tested(r))]
        figures[title] = evaluate(test, model)
    return figures
