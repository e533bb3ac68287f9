"""Report sections about answer trust: the span-model baseline beside the pipeline, how well
answer kinds are predicted, and what a higher confidence floor would trade.

Each function takes the per-question records of a ``qa eval`` run and returns JSON-ready
figures; each ``render_*`` turns them into markdown lines for ``report.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from qa.evaluation.metrics import exact_match, f1_score
from qa.question.kinds import same_kind


class _Record(Protocol):
    """The fields of :class:`qa.evaluation.report.QuestionRecord` used here."""

    @property
    def answers(self) -> tuple[str, ...]: ...
    @property
    def prediction(self) -> str | None: ...
    @property
    def has_answer(self) -> bool: ...
    @property
    def em(self) -> float: ...
    @property
    def f1(self) -> float: ...
    @property
    def abstained(self) -> bool: ...
    @property
    def score(self) -> float: ...
    @property
    def baseline_prediction(self) -> str | None: ...
    @property
    def baseline_margin(self) -> float | None: ...
    @property
    def expected_kind(self) -> str | None: ...
    @property
    def gold_kind(self) -> str | None: ...
    @property
    def gold_kind_fits(self) -> bool | None: ...


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _side(
    rows: Sequence[_Record], predict: Callable[[_Record], str | None]
) -> dict[str, float | None]:
    """Answer figures of one way of answering over the same questions."""
    has = [r for r in rows if r.has_answer]
    no = [r for r in rows if not r.has_answer]
    return {
        "has_ans_em": _mean([exact_match(predict(r), r.answers) for r in has]),
        "has_ans_f1": _mean([f1_score(predict(r), r.answers) for r in has]),
        "f1": _mean([f1_score(predict(r), r.answers) for r in rows]),
        "wrongly_abstained": _mean([float(predict(r) is None) for r in has]),
        "no_ans_abstained": _mean([float(predict(r) is None) for r in no]),
    }


def baseline_comparison(
    records: Sequence[_Record], thresholds: Mapping[str, float]
) -> dict[str, Any] | None:
    """The pipeline and the span-model baseline at each null threshold, on the same questions
    (None when the run had no baseline, as with a reader that has no span model).

    The baseline answers with its best span when the span's margin over the no-answer logit
    is above the threshold.

    Example:
        >>> baseline_comparison([], {"best F1": 1.0}) is None
        True
    """
    rows = [r for r in records if r.baseline_margin is not None]
    if not rows or not thresholds:
        return None

    def at(tau: float) -> Callable[[_Record], str | None]:
        return lambda r: r.baseline_prediction if (r.baseline_margin or -1e9) > tau else None

    out: dict[str, Any] = {
        "n": len(rows),
        "pipeline": _side(rows, lambda r: None if r.abstained else r.prediction),
        "baselines": {
            name: {"null_threshold": tau, **_side(rows, at(tau))}
            for name, tau in thresholds.items()
        },
    }
    return out


def kind_figures(records: Sequence[_Record]) -> dict[str, Any] | None:
    """How the expected answer kind compares with the kind of the gold answer, over the
    answerable questions whose gold answer was found in a passage.

    ``agreement`` is the share whose expected kind equals the gold answer's kind (read from
    the answer's own words and entity labels, so "other" there often means a plain noun
    phrase, and agrees with "reason": :func:`qa.question.kinds.same_kind`); ``gold_fits`` is the
    share whose gold answer passes the kind check, so at most ``1 - gold_fits`` of the
    answerable questions can be lost to it.

    Example:
        >>> kind_figures([]) is None
        True
    """
    rows = [r for r in records if r.has_answer and r.gold_kind is not None]
    if not rows:
        return None
    pairs = Counter((str(r.expected_kind), str(r.gold_kind)) for r in rows)
    return {
        "n": len(rows),
        "agreement": sum(n for (e, g), n in pairs.items() if same_kind(e, g)) / len(rows),
        "gold_fits": _mean([float(bool(r.gold_kind_fits)) for r in rows]),
        "confusion": [
            {"expected": e, "gold": g, "n": n}
            for (e, g), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def decline_tradeoff(
    records: Sequence[_Record], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """At each confidence floor: the share of answerable questions that would be declined
    (right answers lost with them) and of unanswerable ones that would be declined.

    Example:
        >>> decline_tradeoff([], [0.1])[0]["answerable_declined"]
        0.0
    """
    has = [r for r in records if r.has_answer]
    no = [r for r in records if not r.has_answer]
    out = []
    for t in thresholds:

        def declined(r: _Record, t: float = t) -> bool:
            return r.abstained or r.score < t

        out.append(
            {
                "threshold": t,
                "answerable_declined": _mean([float(declined(r)) for r in has]) or 0.0,
                "unanswerable_declined": _mean([float(declined(r)) for r in no]) or 0.0,
                "has_ans_em": _mean([0.0 if declined(r) else r.em for r in has]) or 0.0,
            }
        )
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def render_baseline(figures: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines for :func:`baseline_comparison`."""
    if figures is None:
        return []
    names = list(figures["baselines"])
    lines = [
        "## Pipeline against the span model alone (%)",
        "",
        "The baseline reads the same retrieved passages with the span model only and gives its "
        "best span when that beats the no-answer logit by a null threshold, fitted on the "
        'training questions (`scripts/fit_neural.py`) two ways: "same loss" declines no more '
        'answerable questions there than the pipeline does (5%); "best F1" maximises F1 '
        "there counting a right decline as 1, the usual SQuAD 2.0 setting.",
        "",
        "|  | Whole pipeline | "
        + " | ".join(
            f"Span model, {n} ({figures['baselines'][n]['null_threshold']:.2f})" for n in names
        )
        + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for key, label in (
        ("has_ans_em", "Has-answer EM"),
        ("has_ans_f1", "Has-answer F1"),
        ("f1", "Overall F1 (a right decline scores 1)"),
        ("wrongly_abstained", "Has-answer wrongly declined"),
        ("no_ans_abstained", "No-answer declined"),
    ):
        cells = [_pct(figures["baselines"][n][key]) for n in names]
        lines.append(f"| {label} | {_pct(figures['pipeline'][key])} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def render_kinds(figures: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines for :func:`kind_figures`: the confusion table, expected kind by row."""
    if figures is None:
        return []
    cells = {(c["expected"], c["gold"]): c["n"] for c in figures["confusion"]}
    expected = sorted({e for e, _ in cells})
    gold = sorted({g for _, g in cells})
    lines = [
        "## Answer kinds (answerable questions)",
        "",
        f"Expected kind equals the gold answer's kind for {_pct(figures['agreement'])}% of "
        f"{figures['n']} questions; the gold answer passes the kind check for "
        f"{_pct(figures['gold_fits'])}%. Rows: kind expected from the question; columns: kind "
        "of the gold answer, read from its words and entity labels (a reason has no such "
        "mark, so it reads as other, and counts as agreeing).",
        "",
        "| expected \\ gold | " + " | ".join(gold) + " |",
        "|---|" + "---|" * len(gold),
    ]
    for e in expected:
        row = [str(cells.get((e, g), "")) for g in gold]
        lines.append(f"| {e} | " + " | ".join(row) + " |")
    lines.append("")
    return lines


def render_tradeoff(rows: Sequence[Mapping[str, float]]) -> list[str]:
    """Markdown lines for :func:`decline_tradeoff`."""
    if not rows:
        return []
    lines = [
        "## Declining: answerable questions lost against unanswerable ones declined (%)",
        "",
        "| Confidence floor | Answerable declined | Unanswerable declined | Has-answer EM |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['threshold']:.3f} | {_pct(r['answerable_declined'])} | "
            f"{_pct(r['unanswerable_declined'])} | {_pct(r['has_ans_em'])} |"
        )
    lines.append("")
    return lines
