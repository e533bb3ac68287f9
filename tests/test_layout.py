"""The tree is the pipeline: stages import only earlier stages, and nothing imports in a circle.

The contracts are in pyproject.toml (``[tool.importlinter]``); this runs them as part of the
test command, so a change that breaks the layering fails like any other test.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports as l; exit(l(no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout, done.stdout[-4000:]


def test_every_stage_is_a_package_naming_its_public_types() -> None:
    for stage in ("ingest", "index", "retrieve", "question", "read", "answer"):
        init = ROOT / "qa" / stage / "__init__.py"
        text = init.read_text(encoding="utf-8")
        assert "__all__" in text and "Entry point" in text, stage


def test_test_files_have_unique_names() -> None:
    # Tests mirror the package tree without __init__ files, so two test modules of one name
    # in different folders would shadow each other.
    names = Counter(p.name for p in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
