"""Fit the neural reader's combiner on SQuAD 2.0 questions, measured held out.

The combiner is one logistic model over :data:`qa.read.neural.COMBINED_FEATURES`: the span
model's and the typed reader's views of each distinct answer. It both picks the answer and says
how sure it is, so it decides abstention. The SQuAD sample in ``eval/`` has two articles: the
script fits on one article's questions and reports exact match, F1, abstention and calibration
on the other, both ways round, then fits on both and writes ``qa/read/neural_weights.json``.
No seed-corpus question is used for fitting. The span model itself never saw SQuAD.

Usage:
    python scripts/fit_neural.py [--data eval/squad2-dev-sample.json] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa import Assistant, Settings
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.heldout import leave_one_article_out
from qa.evaluation.metrics import thresholded_figures
from qa.read.neural import (
    COMBINED_FEATURES,
    COMBINER_FILE,
    Combiner,
    NeuralReader,
    untrained_kind,
)
from qa.read.question import analyse_question
from qa.types import answer_key

ROOT = Path(__file__).resolve().parent.parent
Row = dict[str, Any]


def collect(assistant: Assistant, data: Path, only: str | None = None) -> list[Row]:
    """Each question's article, gold answers, and the reader's proposals with features.

    With ``only``, just that article's questions are asked (of whatever corpus the assistant
    holds) and every proposal is labelled wrong: they are off-topic questions for a corpus
    that lacks their article.
    """
    reader = assistant.reader
    assert isinstance(reader, NeuralReader)
    eval_set = load_questions(data)
    article_of = {p: title for title, paragraphs in eval_set.articles for p in paragraphs}
    rows = []
    for item in eval_set.questions:
        article = article_of.get(" ".join((item.context or "").split()))
        if only is not None and article != only:
            continue
        hits = assistant.search(item.question, top_k=assistant.settings.read_k)
        request = assistant.read_requests([item.question], [hits])[0]
        # The reader sends why/how questions to the typed reader alone; so does the fit.
        untrained = untrained_kind(analyse_question(reader.typed.nlp(item.question)).kind)
        typed = reader.typed.read([request])[0] if untrained else None
        proposals = [] if untrained else reader.propose([request])[0]
        golds = {answer_key(g) for g in item.answers} if only is None else set()
        rows.append(
            {
                "article": article,
                "golds": item.answers if only is None else (),
                "offtopic": only is not None,
                "proposals": proposals,
                "typed": typed,
                "labels": [p.key in golds for p in proposals],
            }
        )
    return rows


def collect_offtopic(data: Path, corpus: Path, tmp: Path) -> list[Row]:
    """Each article's questions asked of a corpus made of the other articles only."""
    titles = [title for title, _ in load_questions(data).articles]
    rows: list[Row] = []
    files = sorted(corpus.glob("*.txt"))
    for k, title in enumerate(titles):
        others = tmp / f"without-{k}"
        others.mkdir(parents=True)
        own = next(
            f
            for f in files
            if f.read_text(encoding="utf-8").startswith(title.replace("_", " ") + "\n")
        )
        for f in files:
            if f != own:
                shutil.copy(f, others / f.name)
        assistant = Assistant.from_corpus(
            others, index_dir=tmp / f"ix-{k}", show_progress=False, reader="neural"
        )
        rows.extend(collect(assistant, data, only=title))
    return rows


def fit(rows: list[Row], c: float = 1.0) -> Combiner:
    """One logistic model over every proposal of every question."""
    x = np.array([p.features for r in rows for p in r["proposals"]], dtype=np.float64)
    y = np.array([label for r in rows for label in r["labels"]], dtype=np.int64)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({n: float(w) for n, w in zip(COMBINED_FEATURES, model.coef_[0], strict=True)})
    return Combiner(weights)


def evaluate(rows: list[Row], combiner: Combiner, threshold: float) -> dict[str, float]:
    """End-to-end figures on these questions, abstaining below ``threshold``."""
    picks = []
    for r in rows:
        if r["typed"] is not None:
            scored = [(g.score, g.spans[0].text) for g in r["typed"]]
        else:
            scored = [(combiner.probability(p.features), p.spans[0].text) for p in r["proposals"]]
        score, best = max(scored, key=lambda sp: sp[0]) if scored else (0.0, None)
        picks.append((best, score, r["golds"]))
    return thresholded_figures(picks, threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "eval" / "squad2-dev-sample.json")
    parser.add_argument("--out", type=Path, default=COMBINER_FILE)
    parser.add_argument("--threshold", type=float, default=Settings().abstain_threshold)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_squad_corpus(load_questions(args.data), Path(tmp) / "corpus")
        assistant = Assistant.from_corpus(
            corpus, index_dir=Path(tmp) / "ix", show_progress=False, reader="neural"
        )
        rows = collect(assistant, args.data)
        rows += collect_offtopic(args.data, corpus, Path(tmp))
    # An article's questions asked of the other article only are training negatives; the
    # held-out figures are about its questions asked of the whole sample.
    held_out = leave_one_article_out(
        rows,
        fit,
        lambda test, combiner: evaluate(test, combiner, args.threshold),
        tested=lambda row: not row["offtopic"],
    )
    for title, figures in held_out.items():
        print(f"held out {title}: {figures}")
    combiner = fit(rows)
    args.out.write_text(
        json.dumps(
            {
                "fitted_on": args.data.name,
                "questions": len(rows),
                "proposals": sum(len(r["proposals"]) for r in rows),
                "threshold": args.threshold,
                "held_out": held_out,
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
