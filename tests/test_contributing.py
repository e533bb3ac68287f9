"""The worked examples of CONTRIBUTING.md run as written, and do what the page says."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa import components
from qa.index.vectors import registry as vector
from qa.ingest import load_corpus
from qa.ingest.formats import format_for, suffixes
from qa.ingest.formats import registry as formats

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def run_page(work: Path) -> Iterator[dict[str, Any]]:
    """Every Python block of the page run in order, in one namespace; on leaving, the readers,
    vector backends and formats the page registered are unregistered again."""
    readers, backends = dict(components._READERS), dict(vector._BACKENDS)
    known_formats = dict(formats._FORMATS)
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 6
    namespace: dict[str, Any] = {"WORK": work, "__name__": "contributing_example"}
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
        # A format left registered would have every later test read .news files.
        formats._FORMATS.clear()
        formats._FORMATS.update(known_formats)


@pytest.fixture()
def page_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Every Python block of the page run in order, in one namespace, from the repo root."""
    monkeypatch.chdir(ROOT)
    with run_page(tmp_path) as namespace:
        yield namespace


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


def test_the_example_format_reads_its_file(page_namespace: dict[str, Any], tmp_path: Path) -> None:
    assert ".news" in suffixes()
    wire = format_for(".news")
    assert wire is not None and wire.name == "wire"
    report = load_corpus(tmp_path / "wire")
    (doc,) = report.documents
    assert (doc.id, doc.source, doc.title, doc.date) == (
        "karoo.news",
        "karoo.news",
        "Karoo dam opens",
        dt.date(2024, 3, 5),
    )
    assert doc.text == (
        "Karoo dam opens\n"
        "The regional council opened the Karoo dam on Tuesday after six years of building.\n"
        "It holds 120 million cubic metres of water.\n"
    )
    assert report.skipped == []
    info = page_namespace["wire_assistant"].info()
    assert (info.documents, info.passages) == (1, 2)


def test_the_page_leaves_no_format_reader_or_backend_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    before = (dict(components._READERS), dict(vector._BACKENDS), suffixes())
    with run_page(tmp_path):
        assert format_for(".news") is not None
        assert "weekday" in components._READERS and "numpy-f16" in vector._BACKENDS
    assert format_for(".news") is None
    assert (dict(components._READERS), dict(vector._BACKENDS), suffixes()) == before
