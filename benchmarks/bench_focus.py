"""What reading only the question's sentences of a long passage costs and saves.

The neural reader's span model reads a passage longer than ``focus_words`` words only in the
run of sentences most about the question. This prints, on the SQuAD sample:

* coverage: how often that run holds a gold answer, over answerable questions whose gold
  passage is longer than the budget (the question is read against its gold passage);
* the reader's time and its answers' exact match and F1 on the top ``read_k`` retrieved
  passages, with the whole passages read (the baseline) and with each budget, question by
  question in turn so that both see the same machine load; the first budget is also run
  without completing the span model's spans (``complete_spans=False``), to show what that
  step costs and gains.

Usage:
    python benchmarks/bench_focus.py [--budgets 60,80,100] [--limit 150]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from qa import Assistant
from qa.evaluation.data import load_questions, write_squad_corpus
from qa.evaluation.metrics import exact_match, f1_score
from qa.read.base import ReadRequest
from qa.read.neural import NeuralReader

ROOT = Path(__file__).resolve().parent.parent


def _occurrences(text: str, answers: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for answer in answers:
        at = text.find(answer)
        while answer and at >= 0:
            spans.append((at, at + len(answer)))
            at = text.find(answer, at + 1)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "eval" / "squad2-dev-sample.json")
    parser.add_argument("--budgets", default="60,80,100")
    parser.add_argument("--limit", type=int, default=150, help="questions timed")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    logging.disable(logging.WARNING)
    eval_set = load_questions(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_squad_corpus(eval_set, Path(tmp) / "corpus")
        assistant = Assistant.from_corpus(
            corpus, index_dir=Path(tmp) / "ix", show_progress=False, reader="neural"
        )
        shipped = assistant.reader
        assert isinstance(shipped, NeuralReader)
        # (focus budget, complete spans); the last is the first budget without completion.
        configs: list[tuple[int | None, bool]] = [
            (None, True),
            *((b, True) for b in budgets),
            (budgets[0], False),
        ]
        # One reader per configuration, sharing the span model: each parses a question once,
        # as a reader in service does.
        readers = {
            c: NeuralReader(
                assistant.encoder, shipped.span_model, focus_words=c[0], complete_spans=c[1]
            )
            for c in configs
        }
        answerable = [q for q in eval_set.questions if q.answers and q.context]

        held = dict.fromkeys(budgets, 0)
        longer = dict.fromkeys(budgets, 0)
        for item in answerable:
            context = " ".join((item.context or "").split())
            gold = [
                h
                for h in assistant.search(item.question, top_k=10)
                if " ".join(h.passage.text.split()) == context
            ]
            if not gold:
                continue
            text = gold[0].passage.text
            spans = _occurrences(text, item.answers)
            request = ReadRequest(item.question, gold[:1], assistant.analyses([gold[0].passage]))
            for budget in budgets:
                if not spans or len(text.split()) <= budget:
                    continue
                start, end = readers[(budget, True)].focus([request])[0][0]
                longer[budget] += 1
                held[budget] += any(start <= a and b <= end for a, b in spans)
        print("coverage: the gold answer lies inside the focus run (gold passage longer than it)")
        for budget in budgets:
            share = held[budget] / longer[budget] if longer[budget] else float("nan")
            print(f"  {budget:4d} words: {held[budget]}/{longer[budget]} = {share:.3f}")

        step = max(1, len(answerable) // args.limit)
        timed = answerable[::step][: args.limit]
        times: dict[tuple[int | None, bool], list[float]] = {c: [] for c in configs}
        em: dict[tuple[int | None, bool], list[float]] = {c: [] for c in configs}
        f1: dict[tuple[int | None, bool], list[float]] = {c: [] for c in configs}
        k = assistant.settings.read_k
        for n, item in enumerate(timed):
            hits = assistant.search(item.question, top_k=k)
            vector = assistant.encoder.encode([item.question])[0]
            request = ReadRequest(
                item.question, hits, assistant.analyses([h.passage for h in hits]), vector
            )
            for config in configs:
                started = time.perf_counter()
                groups = readers[config].read([request])[0]
                if n >= 3:  # the first questions warm the models and caches
                    times[config].append(time.perf_counter() - started)
                answer = groups[0].spans[0].text if groups else None
                em[config].append(exact_match(answer, item.answers))
                f1[config].append(f1_score(answer, item.answers))
        print(f"reader on the top {k} passages, {len(timed)} answerable questions")
        for config in configs:
            label = "whole passages" if config[0] is None else f"focus {config[0]} words"
            if not config[1]:
                label += ", spans not completed"
            print(
                f"  {label:38s} median {statistics.median(times[config]) * 1000:6.1f} ms   "
                f"EM {statistics.mean(em[config]):.3f}   F1 {statistics.mean(f1[config]):.3f}"
            )


if __name__ == "__main__":
    main()
