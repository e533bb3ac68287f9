"""Fit the typed reader's two logistic models on real SQuAD train questions, measured held out.

The reader scores each candidate span with one model (the rank model) and each distinct answer
with another (the confidence model: the probability that the answer is right, which decides
abstention when the typed reader is used alone). By default the questions are those of
articles 0-9 of ``data/training/squad2-train-subset.json``: the articles the span model learned
from, so that the neural reader's combiner, fitted on the other articles
(``scripts/fit_neural.py``), sees the typed reader's features as they are on new text. The
script fits on every article but one and reports exact match, F1, abstention and calibration on
that one, for each in turn, then fits on all and writes ``qa/read/typed/weights.json``. No
evaluation question (SQuAD dev sample, seed or Wikinews sets) is used.

Usage:
    python scripts/fit_reader.py [--data FILE] [--articles 0-9] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa import Assistant, Settings
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.heldout import leave_one_article_out
from qa.evaluation.metrics import thresholded_figures
from qa.read.typed.reader import TypedReader
from qa.read.typed.scoring import (
    FEATURES,
    GROUP_FEATURES,
    WEIGHTS_FILE,
    ReaderWeights,
    answer_groups,
)
from qa.training.articles import article_positions, write_articles
from qa.types import answer_key

ROOT = Path(__file__).resolve().parent.parent
Row = dict[str, Any]


def collect(assistant: Assistant, data: Path) -> list[Row]:
    """Each question's article, gold answers, and its candidates with their features."""
    reader = assistant.reader
    assert isinstance(reader, TypedReader)
    eval_set = load_questions(data)
    article_of = {p: title for title, paragraphs in eval_set.articles for p in paragraphs}
    rows = []
    for item in eval_set.questions:
        hits = assistant.search(item.question, top_k=assistant.settings.read_k)
        request = assistant.read_requests([item.question], [hits])[0]
        scored = reader.score([request])[0]
        golds = {answer_key(g) for g in item.answers}
        rows.append(
            {
                "article": article_of.get(" ".join((item.context or "").split())),
                "golds": item.answers,
                "scored": scored,
                "labels": [answer_key(span.text) in golds for span, _ in scored],
            }
        )
    return rows


def _logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({n: float(w) for n, w in zip(names, model.coef_[0], strict=True)})
    return weights


def _rescored(row: Row, rank: dict[str, float]) -> list[Any]:
    w = np.array([rank[f] for f in FEATURES])
    out = []
    for span, cand in row["scored"]:
        z = rank["bias"] + float(np.dot(w, cand.features))
        p = 1.0 / (1.0 + math.exp(-z))
        out.append((span.model_copy(update={"score": p}), replace(cand, score=p, logit=z)))
    return out


def fit(rows: list[Row]) -> ReaderWeights:
    """Fit the rank model on candidates, then the confidence model on the answers it groups."""
    x = np.array([c.features for r in rows for _, c in r["scored"]], dtype=np.float64)
    y = np.array([label for r in rows for label in r["labels"]], dtype=np.int64)
    rank = _logistic(x, y, FEATURES)
    probe = ReaderWeights(rank, {"bias": 0.0})
    gx, gy = [], []
    for r in rows:
        golds = {answer_key(g) for g in r["golds"]}
        groups, features = answer_groups(_rescored(r, rank), probe)
        for group, feats in zip(groups, features, strict=True):
            gx.append(feats)
            gy.append(answer_key(group.spans[0].text) in golds)
    confidence = _logistic(np.array(gx), np.array(gy, dtype=np.int64), GROUP_FEATURES)
    return ReaderWeights(rank, confidence)


def evaluate(rows: list[Row], weights: ReaderWeights, threshold: float) -> dict[str, float]:
    """End-to-end figures of the weights on these questions, abstaining below ``threshold``."""
    picks = []
    for r in rows:
        groups, _ = answer_groups(_rescored(r, weights.rank), weights)
        best = groups[0] if groups else None
        picks.append(
            (best.spans[0].text if best else None, best.score if best else 0.0, r["golds"])
        )
    return thresholded_figures(picks, threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT / "data" / "training" / "squad2-train-subset.json"
    )
    parser.add_argument("--articles", default="0-9", help="article positions, e.g. 0-9,12")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--threshold", type=float, default=Settings().abstain_threshold)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_articles(args.data, article_positions(args.articles), Path(tmp) / "a.json")
        corpus = write_squad_corpus(load_questions(data), Path(tmp) / "corpus")
        # The typed reader's own weights: it must be the reader, whatever the default is.
        assistant = Assistant.from_corpus(
            corpus, index_dir=Path(tmp) / "ix", show_progress=False, reader="typed"
        )
        rows = collect(assistant, data)
    held_out = leave_one_article_out(
        rows, fit, lambda test, weights: evaluate(test, weights, args.threshold)
    )
    for title, figures in held_out.items():
        print(f"held out {title}: {figures}")
    weights = fit(rows)
    args.out.write_text(
        json.dumps(
            {
                "fitted_on": f"{args.data.name}, articles {args.articles}",
                "questions": len(rows),
                "candidates": sum(len(r["scored"]) for r in rows),
                "threshold": args.threshold,
                "held_out": held_out,
                "rank": weights.rank,
                "confidence": weights.confidence,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
