"""Choosing articles of a SQuAD-format file by position, so that one file can be split between
what the span model learns from and what the combiner is fitted on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def article_positions(spec: str) -> set[int]:
    """Article positions from a spec such as ``0-9,12`` (0-based, ranges inclusive).

    Raises:
        ValueError: When a part is not a position or a range.

    Example:
        >>> sorted(article_positions("0-2, 5"))
        [0, 1, 2, 5]
        >>> article_positions("")
        set()
    """
    out: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(
                f"bad article selection {part!r} in {spec!r}; use e.g. 0-9,12"
            ) from None
        out.update(range(first, last + 1))
    return out


def write_articles(data: Path, positions: Iterable[int], out: Path, keep: bool = True) -> Path:
    """Write the articles of ``data`` at ``positions`` (or, with ``keep=False``, all the
    others) to ``out`` as a SQuAD v2.0 file, and return ``out``.

    Example:
        >>> seen = write_articles(Path("data/training/squad2-train-subset.json"), range(10),
        ...                       tmp_path / "seen.json")
        >>> len(json.loads(seen.read_text(encoding="utf-8"))["data"])
        10
    """
    chosen = set(positions)
    squad = json.loads(data.read_text(encoding="utf-8"))
    articles = [a for k, a in enumerate(squad["data"]) if (k in chosen) == keep]
    out.write_text(json.dumps({"version": "v2.0", "data": articles}), encoding="utf-8")
    return out
