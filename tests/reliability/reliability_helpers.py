"""Helpers shared by the reliability tests: synthetic corpora and `qa` subprocesses."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXT = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def write_article(folder: Path, number: int, version: int = 0) -> Path:
    """One synthetic article: a ferry fact that names its route, then varied seed paragraphs.

    The fact changes with ``version`` (the weekday moves), so a test can tell which
    generation an answer came from. Paragraphs carry the article's number so no two
    passages are copies of each other. Written atomically, as an editor saves.
    """
    rng = random.Random(number)
    paragraphs = [p for p in SEED_TEXT.split("\n")[1:] if len(p) > 80]
    body = [f"{p} (Report {number}, part {j}.)" for j, p in enumerate(rng.sample(paragraphs, 5))]
    day = WEEKDAYS[(number + version) % len(WEEKDAYS)]
    text = (
        f"Harbour report {number}\n"
        f"The ferry on route {number} will run again on {day}, the port authority said.\n"
        + "\n".join(body)
        + "\n"
    )
    path = folder / f"report-{number:03d}.txt"
    tmp = folder / f".{path.name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def make_corpus(folder: Path, articles: int, version: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(articles):
        write_article(folder, number, version)
    return folder


def ferry_day(number: int, version: int) -> str:
    return WEEKDAYS[(number + version) % len(WEEKDAYS)]


def qa_command(*args: str) -> list[str]:
    """The `qa` command of this interpreter's environment."""
    return [sys.executable, "-m", "qa.cli", *args]


def qa_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QA_CACHE_DIR=str(cache), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


def run_qa(cache: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        qa_command(*args),
        env=qa_env(cache),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
