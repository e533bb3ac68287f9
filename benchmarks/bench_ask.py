"""Latency of a warm ``ask`` on a corpus and index build throughput, with a baseline.

Prints the median and p95 of ``Assistant.ask`` over the question set, broken into retrieval
(``search``, the baseline every answer pays) and the rest (follow-up resolution and reading),
and the passages per second of a cold index build.

Usage:
    python benchmarks/bench_ask.py [--corpus seeds] [--questions eval/seed_questions.jsonl]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

from qa import Assistant

ROOT = Path(__file__).resolve().parent.parent


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "seed_questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        # Load the models first so the build time is encoding and parsing, not model loading.
        warm = Assistant.from_corpus(args.corpus, index_dir=Path(tmp) / "warm", show_progress=False)
        started = time.perf_counter()
        cold = Assistant.from_corpus(args.corpus, index_dir=Path(tmp) / "cold", show_progress=False)
        build = time.perf_counter() - started
        stats = cold.last_build
        assert stats is not None
        print(
            f"index build: {stats.new_passages} passages in {build:.2f} s "
            f"= {stats.new_passages / build:.1f} passages/s (models already loaded)"
        )
        # The same index without the answer check, asked in turn with the rest, to show what
        # the check costs.
        unchecked = Assistant.from_corpus(
            args.corpus, index_dir=Path(tmp) / "warm", show_progress=False, check_floor=0.0
        )
        for q in questions[:5]:
            warm.ask(q)
            unchecked.ask(q)
        search, ask, plain = [], [], []
        for _ in range(args.repeat):
            for q in questions:
                t0 = time.perf_counter()
                warm.search(q)
                t1 = time.perf_counter()
                warm.ask(q)
                t2 = time.perf_counter()
                unchecked.ask(q)
                t3 = time.perf_counter()
                search.append(t1 - t0)
                ask.append(t2 - t1)
                plain.append(t3 - t2)
        print(f"{len(ask)} asks over {len(questions)} questions on {args.corpus.name}/")
        print(f"  search only (baseline): {_ms(search)}")
        print(f"  ask without the check:  {_ms(plain)}")
        print(f"  ask (search + read):    {_ms(ask)}")


if __name__ == "__main__":
    main()
