"""The README's install is what CI runs, and it names every package the product imports."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None, "the README lost its 'Two commands' block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_ci_runs_the_readme_test_command_as_written() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
    # A pip upgrade in CI alone would hide what the README's pip installs.
    assert "--upgrade pip" not in ci and "-U pip" not in ci


def test_html_cleaner_is_named_directly() -> None:
    # pip 23 skips lxml's `html_clean` extra on lxml 6; the package must be a direct dependency
    # so that every pip installs it, and web pages can be read.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\s*"lxml_html_clean[>=<"]', pyproject, flags=re.MULTILINE)
    importlib.import_module("lxml_html_clean")
