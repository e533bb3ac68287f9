"""A one-off ``qa ask`` imports only what answering needs (its start-up time is mostly imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each of these costs a fresh process from a tenth of a second to several seconds, and none
# takes part in answering a question from the command line.
NOT_FOR_ASKING = (
    "sentence_transformers",  # the question encoder runs without it (embeddings.bert)
    "gradio",
    "matplotlib",
    "pandas",
    "sklearn",
    "trafilatura",
    "ui",
)


@pytest.mark.integration
def test_ask_from_a_fresh_process_leaves_out_what_it_does_not_use(tmp_path: Path) -> None:
    index = str(tmp_path / "ix")
    common = ["--corpus", str(ROOT / "seeds"), "--index-dir", index, "--quiet"]
    subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", *common],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    code = (
        "import json, sys\n"
        "from qa.cli import main\n"
        "status = main(sys.argv[1:])\n"
        f"print(json.dumps([m for m in {NOT_FOR_ASKING!r} if m in sys.modules]))\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "ask", "When does GSOMIA expire?", *common],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "Answer: this Saturday"
    assert json.loads(lines[-1]) == []
