"""Fit the typed reader's feature weights on SQuAD 2.0 questions, and measure them held out.

The SQuAD sample in ``eval/`` has two articles. The script fits a logistic regression on the
candidates of one article's questions and reports exact match / F1 on the other, both ways, then
fits on both and writes ``qa/read/typed_weights.json`` (the weights the reader ships with; the
seed question set is never used for fitting).

Usage:
    python scripts/fit_reader.py [--data eval/squad2-dev-sample.json] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa import Assistant, Settings
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.metrics import exact_match, f1_score, normalize_answer
from qa.pipeline import merge_spans
from qa.read.question import analyse_question
from qa.read.typed import FEATURES, WEIGHTS_FILE, TypedReader
from qa.types import Span

ROOT = Path(__file__).resolve().parent.parent


def collect(assistant: Assistant, data: Path) -> list[dict[str, Any]]:
    """For each question: its article, gold answers and every candidate with features."""
    reader = assistant.reader
    assert isinstance(reader, TypedReader)
    eval_set = load_questions(data)
    article_of = {p: title for title, paragraphs in eval_set.articles for p in paragraphs}
    rows = []
    for item in eval_set.questions:
        hits = assistant.search(item.question, top_k=assistant.settings.read_k)
        qvec = assistant.encoder.encode([item.question])[0]
        qdoc = reader.nlp(item.question)
        frame = analyse_question(qdoc)
        analyses = assistant.analyses([h.passage for h in hits])
        cands = []
        for rank, (hit, blob) in enumerate(zip(hits, analyses, strict=True), start=1):
            for c in reader.candidates(qdoc, reader._load(blob), qvec, rank, frame):
                text = hit.passage.text[c.start : c.end]
                label = any(normalize_answer(text) == normalize_answer(g) for g in item.answers)
                cands.append((hit.passage.id, c.start, text, c.features, label))
        rows.append(
            {"article": article_of.get(item.context or ""), "golds": item.answers, "cands": cands}
        )
    return rows


def fit(rows: list[dict[str, Any]]) -> dict[str, float]:
    x = np.array([c[1] for r in rows for c in r["cands"]], dtype=np.float64)
    y = np.array([c[2] for r in rows for c in r["cands"]], dtype=np.int64)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({f: float(w) for f, w in zip(FEATURES, model.coef_[0], strict=True)})
    return weights


def evaluate(
    rows: list[dict[str, Any]], weights: dict[str, float], threshold: float
) -> dict[str, float]:
    """End-to-end figures of the weights, merged and thresholded as the assistant does it."""
    w = np.array([weights[f] for f in FEATURES])
    em, f1, abstained = [], [], []
    for r in rows:
        spans = [
            Span(
                passage_id=pid,
                start=start,
                end=start + len(text),
                text=text,
                score=float(1 / (1 + np.exp(-(weights["bias"] + float(np.dot(w, feats)))))),
            )
            for pid, start, text, feats, _ in r["cands"]
        ]
        merged = merge_spans(spans)
        best = merged[0] if merged else None
        prediction = best[1][0].text if best is not None and best[0] >= threshold else None
        if r["golds"]:
            em.append(exact_match(prediction, r["golds"]))
            f1.append(f1_score(prediction, r["golds"]))
        else:
            abstained.append(prediction is None)
    return {
        "has_ans_em": float(np.mean(em)),
        "has_ans_f1": float(np.mean(f1)),
        "no_ans_abstained": float(np.mean(abstained)) if abstained else float("nan"),
        "questions": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "eval" / "squad2-dev-sample.json")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--threshold", type=float, default=Settings().abstain_threshold)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_squad_corpus(load_questions(args.data), Path(tmp) / "corpus")
        assistant = Assistant.from_corpus(corpus, index_dir=Path(tmp) / "ix", show_progress=False)
        rows = collect(assistant, args.data)
    titles = sorted({r["article"] for r in rows})
    held_out = {}
    for test in titles:
        train_rows = [r for r in rows if r["article"] != test]
        test_rows = [r for r in rows if r["article"] == test]
        held_out[test] = evaluate(test_rows, fit(train_rows), args.threshold)
        print(f"held out {test}: {held_out[test]}")
    weights = fit(rows)
    args.out.write_text(
        json.dumps(
            {
                "fitted_on": args.data.name,
                "candidates": sum(len(r["cands"]) for r in rows),
                "questions": len(rows),
                "held_out": held_out,
                "weights": weights,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
