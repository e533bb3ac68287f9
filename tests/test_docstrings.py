"""Docstring examples run under the test command, and one that cannot run says why.

The examples of ``qa/``, ``ui/`` and ``embeddings/`` are collected by ``--doctest-modules``
(pyproject.toml), with the names they share from the root ``conftest.py``. An example that
cannot run in a test (it starts a web server or a Ray cluster, or needs a model that does not
ship) keeps ``# doctest: +SKIP`` with the reason in a comment on the same line, before the
directive, since doctest refuses anything after its options::

    launch(assistant)  # serves until interrupted  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("qa", "ui", "embeddings")

_DIRECTIVE = re.compile(r"#\s*doctest:\s*(?P<options>[^\n'\"]*)$")
# A comment before the directive with at least one word in it.
_REASON = re.compile(r"#[^#]*[A-Za-z]{2,}[^#]*$")


def skips_without_reason(text: str) -> list[int]:
    """Line numbers (from 1) of ``+SKIP`` directives with no comment before them saying why.

    Example:
        >>> skips_without_reason(">>> serve()  # doctest: +SKIP\\n")
        [1]
        >>> skips_without_reason(">>> serve()  # starts a web server  # doctest: +SKIP\\n")
        []
    """
    missing = []
    for number, line in enumerate(text.splitlines(), start=1):
        directive = _DIRECTIVE.search(line)
        if directive is None:
            continue
        options = directive.group("options").replace(",", " ").split()
        if "+SKIP" in options and not _REASON.search(line[: directive.start()]):
            missing.append(number)
    return missing


def test_every_skipped_example_says_why() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number in skips_without_reason(path.read_text(encoding="utf-8"))
    ]
    assert missing == [], (
        "give each skipped example its reason before the directive, e.g. "
        "`>>> launch(assistant)  # serves until interrupted  # doctest: +SKIP`: "
        + ", ".join(missing)
    )


def test_the_test_command_runs_the_docstring_examples(pytestconfig: pytest.Config) -> None:
    # As pyproject.toml configures it, whatever options this run was given.
    assert "--doctest-modules" in pytestconfig.getini("addopts")
    assert set(PACKAGES) <= set(pytestconfig.getini("testpaths"))
