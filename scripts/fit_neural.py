"""Fit the neural reader's combiner, its confidence floor and the baseline's null threshold on
training questions the span model never learned from.

Nothing here touches an evaluation set, so the SQuAD dev sample, the seed questions and the
Wikinews sets stay clean test sets. The fitting questions are:

- the real SQuAD train questions (``data/training/``) of the articles the span model was *not*
  trained on (``real_articles`` in ``qa/read/span/weights/training.json`` says which it was),
  answerable and unanswerable, asked of a corpus made of those articles;
- a look-alike of each answerable one (a name swapped, a number moved, a word turned into its
  opposite, so that the article no longer answers it: ``qa/training/lookalikes.py``);
- off-topic questions: questions of the span model's own training articles, asked of that
  corpus, which holds none of their articles.

The combiner is one logistic model over :data:`qa.read.combiner.COMBINED_FEATURES`. Its held-out
figures come from cross-fitting: the fitting articles fall into folds, each fold's questions
are scored by a combiner fitted on the other folds, and the confidence floor is picked on those
held-out scores (the highest that still answers 95% of the answerable questions). The same
held-out rows give the baseline's null threshold (the span model's best span, answered when it
beats the no-answer logit by that margin; picked for the best SQuAD 2.0 F1). Then the combiner
is fitted on every fold and written to ``qa/read/neural_weights.json`` with both thresholds.

Usage:
    python scripts/fit_neural.py [--data data/training/squad2-train-subset.json] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa import Assistant
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.metrics import f1_score, thresholded_figures
from qa.read.combiner import COMBINED_FEATURES, COMBINER_FILE, Combiner
from qa.read.neural import NeuralReader
from qa.read.span.baseline import SpanBaselineReader
from qa.read.span.model import SPAN_MODEL_DIR
from qa.read.span.proposals import Proposal
from qa.training.articles import article_positions, write_articles
from qa.training.lookalikes import lookalike
from qa.types import answer_key

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "data" / "training" / "squad2-train-subset.json"
# Off-topic questions taken from the span model's training articles.
OFFTOPIC = 300
# Answerable questions may lose at most this share to the confidence floor.
KEEP = 0.95
SOURCES = ("answerable", "unanswerable", "lookalike", "offtopic")


@dataclass(frozen=True)
class Item:
    """One fitting question: what is asked, the right answers (none: decline), its article
    (its fold), and where it comes from (one of :data:`SOURCES`)."""

    question: str
    answers: tuple[str, ...]
    article: str
    source: str


@dataclass
class Row:
    """What the reader made of one fitting question."""

    item: Item
    proposals: list[Proposal]
    labels: list[bool]
    baseline: tuple[str, float] | None
    closest: float = 0.0
    fold: int = 0
    held_out: tuple[str | None, float] = field(default=(None, 0.0))


def span_trained_articles(weights_dir: Path = SPAN_MODEL_DIR) -> set[int]:
    """Which articles of the real training file the shipped span model learned from."""
    record = json.loads((weights_dir / "training.json").read_text(encoding="utf-8"))
    return article_positions(str(record.get("real_articles", "")))


def split_training(data: Path, trained: set[int], folder: Path) -> tuple[Path, Path]:
    """The real training file split into the span model's articles and the others."""
    return (
        write_articles(data, trained, folder / "seen.json"),
        write_articles(data, trained, folder / "unseen.json", keep=False),
    )


def fitting_items(seen: Path, unseen: Path, nlp: Any, seed: int) -> list[Item]:
    """The fitting questions of :data:`SOURCES`, in a fixed order for a given seed."""
    rng = random.Random(seed)
    unseen_set = load_questions(unseen)
    article_of = {p: t for t, paragraphs in unseen_set.articles for p in paragraphs}
    contexts = sorted({q.context or "" for q in unseen_set.questions})
    names = {
        c: [(e.text, e.label_) for e in doc.ents]
        for c, doc in zip(contexts, nlp.pipe(contexts), strict=True)
    }
    pool: dict[str, list[str]] = {}
    for found in names.values():
        for text, label in found:
            pool.setdefault(label, []).append(text)
    items = []
    for q in unseen_set.questions:
        context = q.context or ""
        article = article_of.get(context, "")
        items.append(
            Item(q.question, q.answers, article, "answerable" if q.answers else "unanswerable")
        )
        if q.answers:
            changed = lookalike(q.question, names[context], pool, context, rng)
            if changed is not None:
                items.append(Item(changed.question, (), article, "lookalike"))
    others = [q for q in load_questions(seen).questions if q.answers]
    for q in rng.sample(others, min(OFFTOPIC, len(others))):
        items.append(Item(q.question, (), "", "offtopic"))
    return items


def collect(assistant: Assistant, items: Sequence[Item]) -> list[Row]:
    """The reader's proposals (with features), and the baseline's best span, for each item."""
    reader = assistant.reader
    assert isinstance(reader, NeuralReader)
    baseline = SpanBaselineReader(reader.span_model)
    rows = []
    for item in items:
        hits = assistant.search(item.question, top_k=assistant.settings.read_k)
        request = assistant.read_requests([item.question], [hits])[0]
        proposals = reader.propose([request])[0]
        golds = {answer_key(g) for g in item.answers}
        found = baseline.best_spans([request])[0]
        rows.append(
            Row(
                item,
                proposals,
                [p.key in golds for p in proposals],
                (found[0].text, found[1]) if found is not None else None,
                max((h.similarity or 0.0 for h in hits), default=0.0),
            )
        )
    return rows


def fit(rows: Sequence[Row], c: float = 1.0) -> Combiner:
    """One logistic model over every proposal of every question."""
    x = np.array([p.features for r in rows for p in r.proposals], dtype=np.float64)
    y = np.array([label for r in rows for label in r.labels], dtype=np.int64)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({n: float(w) for n, w in zip(COMBINED_FEATURES, model.coef_[0], strict=True)})
    return Combiner(weights)


def best_pick(row: Row, combiner: Combiner, floor: float = 0.0) -> tuple[str | None, float]:
    """The answer the reader would give before any confidence floor, with its confidence;
    none when the closest passage's similarity is below ``floor`` (the off-topic check)."""
    if row.closest < floor:
        return None, 0.0
    scored = [(combiner.probability(p.features), p.spans[0].text) for p in row.proposals]
    if not scored:
        return None, 0.0
    score, text = max(scored, key=lambda st: st[0])
    return text, score


def assign_folds(rows: list[Row], folds: int) -> None:
    """Big articles one fold each, small ones pooled; off-topic rows spread evenly."""
    sizes: dict[str, int] = {}
    for r in rows:
        if r.item.source != "offtopic":
            sizes[r.item.article] = sizes.get(r.item.article, 0) + 1
    ranked = sorted(sizes, key=lambda a: (-sizes[a], a))
    fold_of = {a: min(i, folds - 1) for i, a in enumerate(ranked)}
    k = 0
    for r in rows:
        if r.item.source == "offtopic":
            r.fold = k % folds
            k += 1
        else:
            r.fold = fold_of[r.item.article]


def cross_fit(rows: list[Row], folds: int, floor: float) -> None:
    """Each row's best pick scored by a combiner fitted without its fold."""
    for f in range(folds):
        combiner = fit([r for r in rows if r.fold != f])
        for r in rows:
            if r.fold == f:
                r.held_out = best_pick(r, combiner, floor)


def pick_similarity_floor(rows: Sequence[Row], lose: float = 0.01, step: float = 0.005) -> float:
    """The highest similarity floor (in steps of ``step``) that turns away at most ``lose`` of
    the answerable questions, each asked of a corpus holding its article.

    Example:
        >>> rows = [Row(Item("q", ("a",), "A", "answerable"), [], [], None, c)
        ...         for c in (0.2, 0.5, 0.6)]
        >>> pick_similarity_floor(rows, lose=0.34, step=0.1)
        0.5
    """
    closest = [r.closest for r in rows if r.item.source == "answerable"]
    best = 0.0
    k = 1
    while k * step <= 1.0:
        floor = round(k * step, 6)
        if sum(c < floor for c in closest) > lose * len(closest):
            break
        best = floor
        k += 1
    return best


def pick_floor(picks: Sequence[tuple[str | None, float, bool]], keep: float = KEEP) -> float:
    """The highest confidence floor that still answers ``keep`` of the answerable questions.

    Args:
        picks: (best answer or None, its confidence, whether the question is answerable).
        keep: Share of the answerable questions that must stay answered.

    Example:
        >>> pick_floor([("a", 0.9, True), ("b", 0.2, True), ("c", 0.5, False)], keep=0.5)
        0.9
    """
    scores = sorted(
        (s for text, s, answerable in picks if answerable and text is not None), reverse=True
    )
    answerable = sum(1 for _, _, a in picks if a)
    needed = int(np.ceil(keep * answerable))
    if needed == 0 or len(scores) < needed:
        return 0.0
    return float(scores[needed - 1])


def pick_null_threshold(rows: Sequence[Row], keep: float = KEEP) -> float:
    """The baseline's margin over the no-answer logit under the pipeline's own rule: the
    highest that still answers ``keep`` of the answerable questions, so that the two are
    compared at the same loss of answerable questions.

    Example:
        >>> rows = [Row(Item("q", ("a",), "A", "answerable"), [], [], ("a", m)) for m in (1, 2, 3)]
        >>> pick_null_threshold(rows, keep=2 / 3)
        1.999
    """
    margins = sorted(
        (r.baseline[1] for r in rows if r.item.source == "answerable" and r.baseline is not None),
        reverse=True,
    )
    answerable = sum(1 for r in rows if r.item.source == "answerable")
    needed = int(np.ceil(keep * answerable - 1e-9))
    if needed == 0 or len(margins) < needed:
        return -20.0
    # Answered when the margin beats the threshold, so it sits just below the needed margin.
    return round(float(margins[needed - 1]) - 0.001, 3)


def best_f1_null_threshold(rows: Sequence[Row]) -> float:
    """The baseline's margin that gives the best SQuAD 2.0 F1 on these rows (every question,
    a right decline counting 1): the usual way to set a null threshold, printed for
    reference."""
    candidates = sorted({round(r.baseline[1], 3) for r in rows if r.baseline is not None})
    best = (-1.0, 0.0)
    for tau in [-1e9, *candidates]:
        total = sum(_baseline_f1(r, tau) for r in rows)
        if total > best[0]:
            best = (total, tau)
    return best[1] if best[1] > -1e9 else -20.0


def _baseline_f1(row: Row, tau: float) -> float:
    text = row.baseline[0] if row.baseline is not None and row.baseline[1] > tau else None
    return f1_score(text, row.item.answers)


def figures(
    picks: Sequence[tuple[str | None, float, Sequence[str], str]], floor: float
) -> dict[str, Any]:
    """Held-out figures at ``floor``, with each kind of unanswerable question apart."""
    out: dict[str, Any] = thresholded_figures([(t, s, g) for t, s, g, _ in picks], floor)
    for source in ("unanswerable", "lookalike", "offtopic"):
        chosen = [(t, s) for t, s, _, src in picks if src == source]
        declined = sum(1 for t, s in chosen if t is None or s < floor)
        out[f"{source}_declined"] = round(declined / len(chosen), 4) if chosen else None
    answered = [(t, g) for t, s, g, _ in picks if t is not None and s >= floor]
    out["overall_f1"] = round(
        float(
            np.mean(
                [f1_score(t if t is not None and s >= floor else None, g) for t, s, g, _ in picks]
            )
        ),
        4,
    )
    out["answered"] = len(answered)
    return out


def baseline_figures(rows: Sequence[Row], tau: float) -> dict[str, Any]:
    picks = [
        (
            r.baseline[0] if r.baseline is not None and r.baseline[1] > tau else None,
            1.0,
            r.item.answers,
            r.item.source,
        )
        for r in rows
    ]
    out = figures(picks, 0.5)
    out.pop("ece_answered", None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=TRAINING)
    parser.add_argument("--out", type=Path, default=COMBINER_FILE)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--focus-words", type=int, default=60)
    parser.add_argument("--dry-run", action="store_true", help="print figures, write nothing")
    parser.add_argument(
        "--rows",
        type=Path,
        help="pickle of the collected rows: read if it exists, else written (refits are quick)",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if args.rows is not None and args.rows.exists():
        rows = pickle.loads(args.rows.read_bytes())
    else:
        rows = gather(args)
        if args.rows is not None:
            args.rows.write_bytes(pickle.dumps(rows))
    report(rows, args)


def gather(args: argparse.Namespace) -> list[Row]:
    """Build the fitting corpus and collect every fitting question's row."""
    trained = span_trained_articles()
    with tempfile.TemporaryDirectory() as tmp:
        seen, unseen = split_training(args.data, trained, Path(tmp))
        corpus = write_squad_corpus(load_questions(unseen), Path(tmp) / "corpus")
        assistant = Assistant.from_corpus(
            corpus,
            index_dir=Path(tmp) / "ix",
            show_progress=False,
            reader="neural",
            focus_words=args.focus_words,
        )
        reader = assistant.reader
        assert isinstance(reader, NeuralReader)
        items = fitting_items(seen, unseen, reader.typed.nlp, args.seed)
        return collect(assistant, items)


def report(rows: list[Row], args: argparse.Namespace) -> None:
    """Cross-fit, pick the thresholds, print the held-out figures, and write the weights."""
    counts = {s: sum(1 for r in rows if r.item.source == s) for s in SOURCES}
    print(f"fitting questions: {counts}")
    assign_folds(rows, args.folds)
    similarity_floor = pick_similarity_floor(rows)
    cross_fit(rows, args.folds, similarity_floor)
    floor = pick_floor([(r.held_out[0], r.held_out[1], bool(r.item.answers)) for r in rows])
    held = figures([(*r.held_out, r.item.answers, r.item.source) for r in rows], floor)
    tau = pick_null_threshold(rows)
    base = baseline_figures(rows, tau)
    tau_f1 = best_f1_null_threshold(rows)
    base_f1 = baseline_figures(rows, tau_f1)
    print(f"similarity floor (loses at most 1% of answerable): {similarity_floor:.3f}")
    print(f"confidence floor (answers {KEEP:.0%} of answerable, held out): {floor:.4f}")
    print(f"null threshold of the baseline: {tau:.3f} (best-F1 threshold {tau_f1:.3f})")
    print(f"{'':24s}{'pipeline':>10s}{'baseline':>10s}{'best-F1':>10s}")
    for key in (
        "has_ans_em",
        "has_ans_f1",
        "overall_f1",
        "has_ans_abstained",
        "unanswerable_declined",
        "lookalike_declined",
        "offtopic_declined",
        "ece_answered",
    ):
        print(
            f"{key:24s}{held.get(key)!s:>10s}{base.get(key, '-')!s:>10s}"
            f"{base_f1.get(key, '-')!s:>10s}"
        )
    if args.dry_run:
        return
    combiner = fit(rows)
    args.out.write_text(
        json.dumps(
            {
                "fitted_on": (
                    f"{args.data.name}: the {len({r.item.article for r in rows} - {''})} "
                    "articles the span model did not learn from, their look-alikes, and "
                    "off-topic questions from its own articles"
                ),
                "questions": counts,
                "proposals": sum(len(r.proposals) for r in rows),
                "threshold": floor,
                "null_threshold": tau,
                "similarity_floor": similarity_floor,
                "null_threshold_best_f1": tau_f1,
                "held_out": {
                    "pipeline": held,
                    "baseline": base,
                    "baseline_best_f1": base_f1,
                    "folds": args.folds,
                },
                "weights": combiner.weights,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
