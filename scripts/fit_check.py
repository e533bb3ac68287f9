"""Fit the answer check's gate: how its logit and the combiner's confidence make one
probability, and the floor below which the best answer is declined.

The fitting questions are those of ``scripts/fit_neural.py`` (the SQuAD train articles neither
the span model nor the check learned from, with a look-alike of each answerable question, and
the subset's own unanswerable ones), asked of a corpus of those articles with the check off.
For every answered question the script takes the best answer's confidence and the check's
logit on its marked sentence (:mod:`qa.read.check`), then fits a logistic model telling the
right answers (exact match) from the answers to look-alike and unanswerable questions. The
floor keeps ``--keep`` of the right answers.

Usage:
    python scripts/fit_check.py [--keep 0.99] [--out qa/read/check_weights/gate.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from fit_neural import TRAINING, Item, fitting_items, span_trained_articles, split_training
from sklearn.linear_model import LogisticRegression

from qa import Assistant, Settings
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.read.check import CHECK_DIR, AnswerCheck, CheckGate, marked_sentence
from qa.read.neural import NeuralReader
from qa.types import answer_key


@dataclass(frozen=True)
class Answered:
    """One answered fitting question, as the gate is fitted on it."""

    source: str
    right: bool
    confidence: float
    question: str
    sentence: str


def collect(assistant: Assistant, items: Sequence[Item]) -> list[Answered]:
    """Each answered fitting question: its source, whether it is right, the confidence and
    the best answer's marked sentence."""
    rows = []
    for item in items:
        answer = assistant.ask(item.question)
        if answer.text is None or answer.score is None or not answer.citations:
            continue
        cited = answer.citations[0]
        golds = {answer_key(g) for g in item.answers}
        rows.append(
            Answered(
                item.source,
                answer_key(answer.text) in golds,
                answer.score,
                item.question,
                marked_sentence(cited.passage, cited.start, cited.end),
            )
        )
    return rows


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=float, default=0.99)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--weights", type=Path, default=CHECK_DIR, help="answer-check weights")
    parser.add_argument("--out", type=Path, default=CHECK_DIR / "gate.json")
    parser.add_argument("--rows", type=Path, help="JSON lines of the collected rows, kept")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        seen, unseen = split_training(TRAINING, span_trained_articles(), Path(tmp))
        corpus = write_squad_corpus(load_questions(unseen), Path(tmp) / "corpus")
        settings = Settings(index_dir=Path(tmp) / "ix", show_progress=False, check_floor=0.0)
        assistant = Assistant.from_corpus(corpus, settings)
        reader = assistant.reader
        assert isinstance(reader, NeuralReader)
        items = [
            i for i in fitting_items(seen, unseen, reader.nlp, args.seed) if i.source != "offtopic"
        ]
        rows = collect(assistant, items)
    logits = AnswerCheck(args.weights).logits([(r.question, r.sentence) for r in rows])
    right = [r.source == "answerable" and r.right for r in rows]
    negative = [r.source != "answerable" for r in rows]
    use = [k for k in range(len(rows)) if right[k] or negative[k]]
    x = np.array([[_logit(rows[k].confidence), logits[k]] for k in use])
    y = np.array([int(right[k]) for k in use])
    model = LogisticRegression().fit(x, y)
    gate = CheckGate(float(model.coef_[0][0]), float(model.coef_[0][1]), float(model.intercept_[0]))
    combined = [gate.probability(r.confidence, v) for r, v in zip(rows, logits, strict=True)]
    kept = sorted(c for c, ok in zip(combined, right, strict=True) if ok)
    floor = kept[int((1 - args.keep) * len(kept))]
    declined = sum(1 for c, bad in zip(combined, negative, strict=True) if bad and c < floor)
    lost = sum(1 for c, ok in zip(combined, right, strict=True) if ok and c < floor)
    print(
        f"answered: {sum(right)} right, {sum(negative)} look-alike or unanswerable; "
        f"gate {gate}; floor {floor:.4f} declines {declined} of the {sum(negative)} and "
        f"{lost} of the {sum(right)} right answers"
    )
    args.out.write_text(
        json.dumps(
            {
                "confidence": gate.confidence,
                "check": gate.check,
                "bias": gate.bias,
                "floor": round(floor, 4),
                "keep": args.keep,
                "fitted_on": f"{len(use)} answered fitting questions (scripts/fit_check.py)",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if args.rows is not None:
        with args.rows.open("w", encoding="utf-8") as f:
            for r, v in zip(rows, logits, strict=True):
                f.write(json.dumps({**asdict(r), "check_logit": v}) + "\n")


if __name__ == "__main__":
    main()
