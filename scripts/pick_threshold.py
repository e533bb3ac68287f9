"""Read a ``qa eval`` run's trade-off: the highest confidence floor that still answers a set
share of the answerable questions, and what each floor near it would decline.

The shipped ``Settings.abstain_threshold`` is not picked here but by ``scripts/fit_neural.py``,
with the same rule (95% of the answerable questions kept) on training questions; run this on
an evaluation set to see what another floor would trade there, never to pick the floor from it.

Usage:
    qa eval eval/squad2-dev-sample.json --out eval-out/squad
    python scripts/pick_threshold.py eval-out/squad/predictions.jsonl [--keep 0.95]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def answered_share(rows: list[dict[str, Any]], floor: float) -> float:
    """Share of ``rows`` that would get an answer with the confidence floor at ``floor``.

    Example:
        >>> rows = [{"prediction": "a", "score": 0.3}, {"prediction": None, "score": 0.9}]
        >>> answered_share(rows, 0.2), answered_share(rows, 0.4)
        (0.5, 0.0)
    """
    if not rows:
        return 0.0
    kept = sum(1 for r in rows if r["prediction"] is not None and r["score"] >= floor)
    return kept / len(rows)


def pick(rows: list[dict[str, Any]], keep: float, step: float) -> float:
    """The highest multiple of ``step`` whose floor answers at least ``keep`` of the
    answerable rows (0 when even no floor does).

    Example:
        >>> rows = [{"prediction": "a", "score": s, "has_answer": True} for s in (0.1, 0.3)]
        >>> pick(rows, keep=0.5, step=0.1)
        0.3
    """
    answerable = [r for r in rows if r["has_answer"]]
    best = 0.0
    k = 1
    while k * step <= 1.0:
        floor = round(k * step, 6)
        if answered_share(answerable, floor) < keep:
            break
        best = floor
        k += 1
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("predictions", type=Path, help="predictions.jsonl from qa eval --out")
    parser.add_argument("--keep", type=float, default=0.95)
    parser.add_argument("--step", type=float, default=0.0025)
    args = parser.parse_args()
    rows = [
        json.loads(line)
        for line in args.predictions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    answerable = [r for r in rows if r["has_answer"]]
    unanswerable = [r for r in rows if not r["has_answer"]]
    chosen = pick(rows, args.keep, args.step)
    print("floor   answerable answered   unanswerable abstained")
    for k in range(0, 13):
        floor = round(chosen + (k - 6) * args.step, 6)
        if floor < 0:
            continue
        mark = "  <- picked" if floor == chosen else ""
        print(
            f"{floor:.4f}  {answered_share(answerable, floor):19.3f}   "
            f"{1 - answered_share(unanswerable, floor):22.3f}{mark}"
        )
    print(f"highest floor answering >= {args.keep:.0%} of answerable questions: {chosen}")


if __name__ == "__main__":
    main()
