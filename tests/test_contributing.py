"""The worked examples of CONTRIBUTING.md run as written, and do what the page says."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa import components
from qa.index.vectors import registry as vector

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def page_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Every Python block of the page run in order, in one namespace, from the repo root."""
    monkeypatch.chdir(ROOT)
    readers, backends = dict(components._READERS), dict(vector._BACKENDS)
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 4
    namespace: dict[str, Any] = {"WORK": tmp_path, "__name__": "contributing_example"}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for block in blocks:
                exec(compile(block, "CONTRIBUTING.md", "exec"), namespace)
        namespace["PRINTED"] = printed.getvalue().splitlines()
        yield namespace
    finally:
        components._READERS.clear()
        components._READERS.update(readers)
        vector._BACKENDS.clear()
        vector._BACKENDS.update(backends)


def test_the_worked_examples_run_and_print_what_the_page_says(
    page_namespace: dict[str, Any],
) -> None:
    printed = page_namespace["PRINTED"]
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    promised = re.findall(r"print\(.*\)\s+# (.+)", text)
    assert printed == promised


def test_the_example_backend_conforms(page_namespace: dict[str, Any], tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "qa" / "index" / "vectors"))
    try:
        from vector_conformance import assert_conforms
    finally:
        sys.path.pop(0)
    # Half precision may swap near-ties; nearly every true neighbour must still be found.
    assert assert_conforms(page_namespace["Float16Index"], tmp_path, min_recall=0.95) >= 0.95
    index = page_namespace["assistant"]
    assert index.info().passages > 0
