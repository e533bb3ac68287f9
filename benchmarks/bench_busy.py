"""Warm ``ask`` latency on an idle and on a busy machine, by thread count.

Runs the seed questions on one assistant with every core as threads (what torch does when
left alone) and with one (the assistant's default for questions), first with the machine
idle and then beside CPU hogs (processes spinning in a loop, one per core by default). The
busy/idle ratio of the median says how much a loaded machine slows answers; with the CPU
shared among 1 + hogs processes, a ratio near that count is the fair share.

Usage:
    python benchmarks/bench_busy.py [--hogs 2] [--questions 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa import Assistant, Settings
from qa.threads import cores

ROOT = Path(__file__).resolve().parent.parent


def _spin() -> None:
    while True:
        pass


@contextmanager
def _hogs(count: int) -> Iterator[None]:
    processes = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    time.sleep(0.5)  # let them take their share before timing starts
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.join()


def _median_ms(assistant: Assistant, questions: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=cores())
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    lines = (ROOT / "eval" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()][: args.questions]
    print(f"{cores()} cores, {args.hogs} CPU hogs, {len(questions)} questions x {args.repeat}")
    print(f"{'threads':<28}{'idle median':>14}{'busy median':>14}{'busy/idle':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, threads in (
            (f"{cores()} (torch's default)", cores()),
            ("1 (the assistant's default)", None),
        ):
            settings = Settings(index_dir=Path(tmp) / "ix", show_progress=False, threads=threads)
            assistant = Assistant.from_corpus(ROOT / "seeds", settings)
            for question in questions[:3]:
                assistant.ask(question)  # load the models outside the timing
            idle = _median_ms(assistant, questions, args.repeat)
            with _hogs(args.hogs):
                busy = _median_ms(assistant, questions, args.repeat)
            print(f"{label:<28}{idle:>11.1f} ms{busy:>11.1f} ms{busy / idle:>10.1f}x")


if __name__ == "__main__":
    main()
