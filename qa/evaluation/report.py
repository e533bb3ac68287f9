"""Turning per-question results into the evaluation report: JSON, a markdown table, and plots.

Calibration is measured over the questions the assistant answered: the confidence is
``answer.score`` and an answer counts as correct when it is an exact match (an answer to a
question with no gold answer is always wrong). Abstentions are left out of the ECE because their
score is the confidence of a candidate that was *not* given, so it says nothing about how often
given answers are right; how well the assistant abstains is reported separately. The
risk-coverage table runs over every question, so its coverage is the share of all questions that
would still be answered at each threshold.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.evaluation.data import QUESTION_TYPES
from qa.evaluation.diagnostics import (
    baseline_comparison,
    decline_tradeoff,
    kind_figures,
    render_baseline,
    render_kinds,
    render_tradeoff,
)
from qa.evaluation.metrics import (
    expected_calibration_error,
    mean_reciprocal_rank,
    percentile,
    recall_at_k,
    reliability_bins,
    risk_coverage,
)
from qa.evaluation.plots import plot_reliability, plot_risk_coverage

__all__ = [
    "CALIBRATION_NOTE",
    "QuestionRecord",
    "render_markdown",
    "summarize",
    "write_outputs",
]

CALIBRATION_NOTE = (
    "ECE over answered questions only: confidence = answer score, correct = exact match "
    "(an answer to an unanswerable question is wrong); 10 equal-width bins"
)
RECALL_CUTOFFS = (1, 3, 5)


@dataclass(frozen=True)
class QuestionRecord:
    """What happened to one question; one line of ``predictions.jsonl``.

    Attributes:
        id: The question's id in the data file.
        question: The question as asked.
        resolved_question: The standalone question the pipeline searched for.
        prediction: The pipeline's answer, None when it abstained.
        answers: Gold answers; empty when the articles do not answer the question.
        score: The pipeline's confidence (for an abstention, that of the candidate turned down).
        em: Exact match of the prediction (for a no-answer question, 1.0 when it abstained).
        f1: Token F1 of the prediction, scored the same way.
        abstained: Whether the pipeline abstained.
        rank: 1-based retrieval rank of the first gold passage, None when not retrieved (or
            when the question has no answer).
        type: Question type.
        has_answer: Whether a gold answer exists.
        gold_available: Whether the reader could be given a gold passage.
        gold_prediction: The reader's answer given only the gold passage(s).
        gold_score: Its confidence.
        gold_em: Its exact match, None when no gold passage was available.
        gold_f1: Its F1, None when no gold passage was available.
        gold_abstained: Whether it abstained, None when no gold passage was available.
        end_to_end_ms: Time of ``assistant.ask``.
        retrieve_ms: Time of ``assistant.search``.
        read_ms: Time of the gold-passage read, None when none was made.
        baseline_prediction: The span model's best span on the same retrieved passages
            (:mod:`qa.read.span.baseline`), before any null threshold; None when it found
            none or was not run.
        baseline_margin: How far that span beats the no-answer logit; None when not run.
        expected_kind: The kind of answer the pipeline looked for, when its reader has kinds.
        gold_kind: The kind of the gold answer, read from its words and entity labels in the
            passage that holds it; None when that passage was not found.
        gold_kind_fits: Whether the gold answer passes the check for the expected kind.
    """

    id: str
    question: str
    resolved_question: str
    prediction: str | None
    answers: tuple[str, ...]
    score: float
    em: float
    f1: float
    abstained: bool
    rank: int | None
    type: str
    has_answer: bool
    gold_available: bool
    gold_prediction: str | None
    gold_score: float | None
    gold_em: float | None
    gold_f1: float | None
    gold_abstained: bool | None
    end_to_end_ms: float
    retrieve_ms: float
    read_ms: float | None
    baseline_prediction: str | None = None
    baseline_margin: float | None = None
    expected_kind: str | None = None
    gold_kind: str | None = None
    gold_kind_fits: bool | None = None


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _latency(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "mean_ms": None}
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "mean_ms": sum(values) / len(values),
    }


def _answer_figures(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    has = [r for r in records if r.has_answer]
    no = [r for r in records if not r.has_answer]
    return {
        "n": len(records),
        "n_has_ans": len(has),
        "n_no_ans": len(no),
        "em": _mean(r.em for r in records),
        "f1": _mean(r.f1 for r in records),
        "has_ans_em": _mean(r.em for r in has),
        "has_ans_f1": _mean(r.f1 for r in has),
        "no_ans_abstained": _mean(float(r.abstained) for r in no),
        "wrongly_abstained": _mean(float(r.abstained) for r in has),
    }


def _gold_reader_figures(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    read = [r for r in records if r.gold_available]
    has = [r for r in read if r.has_answer]
    no = [r for r in read if not r.has_answer]
    return {
        "n": len(read),
        "n_has_ans": len(has),
        "n_no_ans": len(no),
        "has_ans_em": _mean(r.gold_em or 0.0 for r in has),
        "has_ans_f1": _mean(r.gold_f1 or 0.0 for r in has),
        "no_ans_abstained": _mean(float(bool(r.gold_abstained)) for r in no),
        "wrongly_abstained": _mean(float(bool(r.gold_abstained)) for r in has),
        # The pipeline on the same questions, so the two columns compare like with like.
        "pipeline_has_ans_em": _mean(r.em for r in has),
        "pipeline_has_ans_f1": _mean(r.f1 for r in has),
    }


def _loss_attribution(records: Sequence[QuestionRecord]) -> dict[str, int]:
    # A miss the reader gets right when handed the gold passage is lost before reading (the
    # gold passage was not retrieved, or retrieved passages outvoted it); a miss it still gets
    # wrong with the gold passage is the reader's. No gold passage at all is a retrieval miss.
    has = [r for r in records if r.has_answer]
    missed = [r for r in has if r.em < 1.0]
    reading = sum(1 for r in missed if r.gold_available and (r.gold_em or 0.0) < 1.0)
    return {
        "has_ans": len(has),
        "correct": len(has) - len(missed),
        "lost_before_reading": len(missed) - reading,
        "lost_in_reading": reading,
    }


def _retrieval_figures(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    ranks = [r.rank for r in records if r.has_answer]
    figures: dict[str, Any] = {"n": len(ranks)}
    for k in RECALL_CUTOFFS:
        figures[f"recall_at_{k}"] = recall_at_k(ranks, k) if ranks else None
    figures["mrr"] = mean_reciprocal_rank(ranks) if ranks else None
    return figures


def _by_type(records: Sequence[QuestionRecord]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for kind in QUESTION_TYPES:
        group = [r for r in records if r.type == kind]
        if not group:
            continue
        figures = _answer_figures(group)
        figures["recall_at_5"] = _retrieval_figures(group)["recall_at_5"]
        figures["gold_has_ans_f1"] = _gold_reader_figures(group)["has_ans_f1"]
        out[kind] = figures
    return out


def _thresholds(abstain_threshold: float) -> list[float]:
    # Below the abstain threshold nothing changes (those answers are already withheld), so the
    # table starts there and rises in steps of 0.05.
    steps = {round(i / 20, 2) for i in range(20) if i / 20 > abstain_threshold}
    return sorted({round(abstain_threshold, 4), *steps})


def summarize(
    records: Sequence[QuestionRecord],
    *,
    abstain_threshold: float,
    meta: Mapping[str, Any] | None = None,
    null_thresholds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """All figures of a run, as a JSON-ready dict.

    Top-level keys include ``has_ans_em``, ``has_ans_f1``, ``no_ans_abstained``,
    ``wrongly_abstained``, ``recall_at_1``/``3``/``5``, ``mrr``, ``p50_ms``/``p95_ms`` (end to
    end), ``ece``, ``risk_coverage``, ``gold_reader``, ``latency``, ``by_type`` and the counts;
    ``meta`` (data file, settings...) is merged in first. A figure over an empty group is None.

    Args:
        records: One record per question.
        abstain_threshold: The pipeline's threshold, where the risk-coverage table starts.
        meta: Descriptive entries to put at the top of the report.
        null_thresholds: The span-model baseline's null thresholds, by name; the baseline is
            reported at each.

    Example:
        >>> summarize([], abstain_threshold=0.3)["has_ans_em"] is None
        True
    """
    report: dict[str, Any] = dict(meta or {})
    answers = _answer_figures(records)
    report["n_questions"] = answers.pop("n")
    report.update(answers)
    report["answered"] = _mean(float(not r.abstained) for r in records)

    retrieval = _retrieval_figures(records)
    report["retrieval_questions"] = retrieval.pop("n")
    report.update(retrieval)

    gold = _gold_reader_figures(records)
    report["gold_reader"] = gold
    report["gold_has_ans_em"] = gold["has_ans_em"]
    report["gold_has_ans_f1"] = gold["has_ans_f1"]
    report["loss"] = _loss_attribution(records)

    end_to_end = _latency([r.end_to_end_ms for r in records])
    report["p50_ms"] = end_to_end["p50_ms"]
    report["p95_ms"] = end_to_end["p95_ms"]
    report["latency"] = {
        "end_to_end": end_to_end,
        "retrieve": _latency([r.retrieve_ms for r in records]),
        "read": _latency([r.read_ms for r in records if r.read_ms is not None]),
        # Every ask reads its top read_k passages (the off-topic check comes after reading),
        # so ask minus a search of the same question is the time spent reading them.
        "read_retrieved": _latency([max(0.0, r.end_to_end_ms - r.retrieve_ms) for r in records]),
    }

    answered = [r for r in records if not r.abstained]
    confidences = [r.score for r in answered]
    correct = [r.em >= 1.0 for r in answered]
    report["calibration"] = {"method": CALIBRATION_NOTE, "n": len(answered)}
    report["ece"] = expected_calibration_error(confidences, correct) if answered else None
    report["reliability"] = [dataclasses.asdict(b) for b in reliability_bins(confidences, correct)]
    # Abstentions score below the abstain threshold, so every threshold of the table drops them.
    points = risk_coverage(
        [r.score for r in records],
        [not r.abstained and r.em >= 1.0 for r in records],
        thresholds=_thresholds(abstain_threshold),
    )
    report["risk_coverage"] = [{**dataclasses.asdict(p), "risk": p.risk} for p in points]
    report["by_type"] = _by_type(records)
    report["baseline"] = baseline_comparison(records, null_thresholds or {})
    report["kinds"] = kind_figures(records)
    report["decline_tradeoff"] = decline_tradeoff(records, _thresholds(abstain_threshold))
    return report


# -- markdown ---------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _count(n: Any, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{'?' if n is None else n} {noun}s"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_markdown(report: Mapping[str, Any]) -> str:
    """A readable report: answers, reader on gold passages, retrieval, latency, calibration, types.

    Percentages are shown with one decimal; "-" marks a figure over an empty group.

    Example:
        >>> text = render_markdown(summarize([], abstain_threshold=0.3, meta={"data": "x.json"}))
        >>> text.splitlines()[0]
        '# Evaluation: x.json'
    """
    gold = report["gold_reader"]
    loss = report["loss"]
    lines = [f"# Evaluation: {report.get('data', '?')}", ""]
    corpus = report.get("corpus_name")
    if corpus is not None:
        lines += [
            f"{report['n_questions']} questions ({report['n_has_ans']} with an answer, "
            f"{report['n_no_ans']} without) against {corpus} "
            f"({_count(report.get('corpus_documents'), 'article')}, "
            f"{_count(report.get('corpus_passages'), 'passage')}); encoder "
            f"{report.get('encoder', '?')}, reader {report.get('reader', '?')}.",
            "",
        ]
    fitted = report.get("fitted_on") or {}
    if fitted:
        lines += [
            "What the reader was fitted on: "
            + "; ".join(f"{part.replace('_', ' ')}: {what}" for part, what in fitted.items())
            + ".",
            "",
        ]
    lines += ["## Answers (%)", ""]
    lines += _table(
        ["", "Whole pipeline", "Reader on gold passage"],
        [
            ["Has-answer EM", _pct(report["has_ans_em"]), _pct(gold["has_ans_em"])],
            ["Has-answer F1", _pct(report["has_ans_f1"]), _pct(gold["has_ans_f1"])],
            [
                "No-answer abstained",
                _pct(report["no_ans_abstained"]),
                _pct(gold["no_ans_abstained"]),
            ],
            [
                "Has-answer wrongly abstained",
                _pct(report["wrongly_abstained"]),
                _pct(gold["wrongly_abstained"]),
            ],
            ["Overall EM", _pct(report["em"]), "-"],
            ["Overall F1", _pct(report["f1"]), "-"],
            ["Questions", str(report["n_questions"]), str(gold["n"])],
        ],
    )
    lines += [
        "",
        f"Has-answer misses: {loss['lost_before_reading']} lost before reading (the reader gets "
        f"them given the gold passage), {loss['lost_in_reading']} lost in reading; "
        f"{loss['correct']} of {loss['has_ans']} exact.",
        "",
        "## Retrieval (has-answer questions)",
        "",
    ]
    lines += _table(
        ["Recall@1", "Recall@3", "Recall@5", "MRR", "Questions"],
        [
            [
                _pct(report["recall_at_1"]),
                _pct(report["recall_at_3"]),
                _pct(report["recall_at_5"]),
                "-" if report["mrr"] is None else f"{report['mrr']:.3f}",
                str(report["retrieval_questions"]),
            ]
        ],
    )
    lines += ["", "## Latency (ms)", ""]
    stages = report["latency"]
    lines += _table(
        ["Stage", "p50", "p95", "mean"],
        [
            [
                name,
                _ms(stages[key]["p50_ms"]),
                _ms(stages[key]["p95_ms"]),
                _ms(stages[key]["mean_ms"]),
            ]
            for name, key in (
                ("Retrieve", "retrieve"),
                ("Read (gold passage)", "read"),
                ("Read (retrieved passages: ask minus search)", "read_retrieved"),
                ("End to end (ask)", "end_to_end"),
            )
        ],
    )
    ece = report["ece"]
    lines += [
        "",
        "## Calibration",
        "",
        f"ECE {'-' if ece is None else f'{ece:.3f}'} over {report['calibration']['n']} answered "
        "questions (confidence = answer score, correct = exact match).",
        "",
    ]
    lines += _table(
        ["Threshold", "Coverage %", "Kept", "Accuracy %"],
        [
            [f"{p['threshold']:.2f}", _pct(p["coverage"]), str(p["kept"]), _pct(p["accuracy"])]
            for p in report["risk_coverage"]
        ],
    )
    lines += ["", "## By question type (%)", ""]
    lines += _table(
        [
            "Type",
            "n",
            "Has-ans",
            "Has-ans EM",
            "Has-ans F1",
            "No-ans abstained",
            "Recall@5",
            "Gold-read F1",
        ],
        [
            [
                kind,
                str(f["n"]),
                str(f["n_has_ans"]),
                _pct(f["has_ans_em"]),
                _pct(f["has_ans_f1"]),
                _pct(f["no_ans_abstained"]),
                _pct(f["recall_at_5"]),
                _pct(f["gold_has_ans_f1"]),
            ]
            for kind, f in report["by_type"].items()
        ],
    )
    lines.append("")
    lines += render_baseline(report.get("baseline"))
    lines += render_tradeoff(report.get("decline_tradeoff", []))
    lines += render_kinds(report.get("kinds"))
    return "\n".join(lines).rstrip("\n") + "\n"


def write_outputs(report: Mapping[str, Any], records: Sequence[QuestionRecord], out: Path) -> str:
    """Write ``report.json``, ``report.md``, the two plots and ``predictions.jsonl`` to ``out``.

    Returns:
        The markdown report.

    Example:
        >>> report = summarize([], abstain_threshold=0.3, meta={"data": "none.jsonl"})
        >>> write_outputs(report, [], tmp_path).splitlines()[0]
        '# Evaluation: none.jsonl'
        >>> sorted(p.name for p in tmp_path.iterdir())
        ['predictions.jsonl', 'reliability.png', 'report.json', 'report.md', 'risk_coverage.png']
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n")
    plot_reliability(report, out / "reliability.png")
    plot_risk_coverage(report, out / "risk_coverage.png")
    return markdown
