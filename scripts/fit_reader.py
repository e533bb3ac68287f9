"""Fit the typed reader's feature weights on SQuAD 2.0 questions, and measure them held out.

The SQuAD sample in ``eval/`` has two articles. The script fits a logistic regression on the
candidates of one article's questions and reports exact match / F1 on the other, both ways, then
fits on both and writes ``qa/read/typed_weights.json`` (the weights the reader ships with; the
seed question set is never used for fitting).

Usage:
    python scripts/fit_reader.py [--data eval/squad2-dev-sample.json] [--out qa/read/typed_weights.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from qa import Assistant, Settings
from qa.evaluation.metrics import exact_match, f1_score, normalize_answer
from qa.read.typed import FEATURES, TypedReader, WEIGHTS_FILE

ROOT = Path(__file__).resolve().parent.parent


def squad_corpus(data: dict, folder: Path) -> None:
    """One article per SQuAD title, one paragraph per line."""
    for article in data["data"]:
        lines = [article["title"].replace("_", " ")] + [p["context"] for p in article["paragraphs"]]
        (folder / f"{article['title']}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def collect(assistant: Assistant, data: dict) -> list[dict]:
    """For each question: its article, gold answers and every candidate with features."""
    reader = assistant.reader
    assert isinstance(reader, TypedReader)
    index, retriever = assistant._loaded()
    rows = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                question = qa["question"]
                golds = [a["text"] for a in qa["answers"]]
                qvec = assistant.encoder.encode([question])
                hits = retriever.search_batch([question], top_k=assistant.settings.read_k,
                                              query_vectors=qvec)[0]
                qdoc = reader.nlp(question)
                cands = []
                blobs = index.analyses([index.row_of[h.passage.id] for h in hits])
                for rank, (hit, blob) in enumerate(zip(hits, blobs, strict=True), start=1):
                    for c in reader.candidates(qdoc, reader._load(blob), qvec[0], rank):
                        text = hit.passage.text[c.start : c.end]
                        label = bool(golds) and any(
                            normalize_answer(text) == normalize_answer(g) for g in golds
                        )
                        cands.append((text, c.features, label, hit.passage.id))
                rows.append({"article": article["title"], "golds": golds, "cands": cands})
    return rows


def fit(rows: list[dict]) -> dict[str, float]:
    x = np.array([c[1] for r in rows for c in r["cands"]], dtype=np.float64)
    y = np.array([c[2] for r in rows for c in r["cands"]], dtype=np.int64)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)
    weights = {"bias": float(model.intercept_[0])}
    weights.update({f: float(w) for f, w in zip(FEATURES, model.coef_[0], strict=True)})
    return weights


def evaluate(rows: list[dict], weights: dict[str, float], threshold: float) -> dict[str, float]:
    w = np.array([weights[f] for f in FEATURES])
    em, f1, abstained = [], [], []
    for r in rows:
        best_text, best_p = None, 0.0
        merged: dict[str, dict[str, float]] = {}
        for text, feats, _, pid in r["cands"]:
            p = 1 / (1 + np.exp(-(weights["bias"] + float(np.dot(w, feats)))))
            key = normalize_answer(text)
            per = merged.setdefault(key, {})
            if p > per.get(pid, 0.0):
                per[pid] = p
                per.setdefault("_text", 0.0)
        for text, feats, _, pid in r["cands"]:
            key = normalize_answer(text)
            p = 1 - float(np.prod([1 - v for k, v in merged[key].items() if k != "_text"]))
            if p > best_p:
                best_text, best_p = text, p
        prediction = best_text if best_p >= threshold else None
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
    data = json.loads(args.data.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        squad_corpus(data, corpus)
        assistant = Assistant.from_corpus(corpus, index_dir=Path(tmp) / "ix", show_progress=False)
        rows = collect(assistant, data)
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
