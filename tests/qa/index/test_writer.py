"""A streaming build writes the same index whatever its batch, and an update equals a rebuild."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings import HashingEncoder
from qa.index import IndexStore
from qa.index.generation import PASSAGES_FILE, UNITS_FILE, LoadedIndex
from qa.read.typed.reader import TypedReader

ARTICLES = {
    "a.txt": "Flood waters rise\nThe river rose two metres on Monday.\n\nSchools closed early.",
    "b.txt": "Council votes\nThe council voted 5-2 on the budget.\n\nThe mayor abstained.",
    # The same paragraph as a.txt's first: a copy group across files.
    "c.txt": "Wire copy\nThe river rose two metres on Monday.\n\nBoats were moved inland.",
    "d.jsonl": '{"id": "d1", "title": "Fire grows", "text": "The fire grew to 900 acres."}\n'
    '{"id": "d2", "title": "Fire slows", "text": "Crews held the line overnight."}\n',
}


def _corpus(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")
    return folder


def _store(folder: Path, batch: int, backend: str = "faiss-flat") -> IndexStore:
    encoder = HashingEncoder()
    return IndexStore(
        folder,
        encoder,
        TypedReader(encoder),
        show_progress=False,
        stream_batch=batch,
        vector_backend=backend,
    )


def _contents(index: LoadedIndex) -> dict[str, Any]:
    """Everything a generation holds, as comparable values."""
    db = sqlite3.connect(index.folder / "store.sqlite")
    try:
        tables = {
            name: db.execute(f"SELECT * FROM {name} ORDER BY row").fetchall()
            for name in ("documents", "analyses", "copies")
        }
    finally:
        db.close()
    manifest = index.manifest
    return {
        **tables,
        "passages": np.load(index.folder / PASSAGES_FILE).tolist(),
        "units": np.load(index.folder / UNITS_FILE).tolist(),
        "vectors": index.vectors.vectors().tolist(),
        "bm25": (index.folder / manifest.lexical_file).read_bytes(),
        "recipe": (manifest.vector_backend, manifest.documents, manifest.passages),
    }


@pytest.mark.parametrize("backend", ["faiss-flat", "faiss-ivf-sq8"])
def test_the_batch_changes_nothing_in_the_index(tmp_path: Path, backend: str) -> None:
    corpus = _corpus(tmp_path / "c", list(ARTICLES))
    built = {}
    for batch in (1, 3, 100_000):
        index, stats = _store(tmp_path / f"ix{batch}", batch, backend).open(corpus)
        assert stats.action == "built" and stats.new_passages == stats.passages
        built[batch] = _contents(index)
        index.close()
    assert built[1] == built[3] == built[100_000]
    assert built[1]["copies"]  # the wire copy was found across batches
    assert not list((tmp_path / "ix1").glob("*.partial"))


def test_an_update_writes_what_a_fresh_build_writes(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", ["a.txt", "b.txt", "d.jsonl"])
    store = _store(tmp_path / "ix", 2)
    store.open(corpus)[0].close()
    # One file added, one changed (a feed that gained an item keeps its old one), one gone.
    _corpus(corpus, ["c.txt"])
    (corpus / "d.jsonl").write_text(
        ARTICLES["d.jsonl"] + '{"id": "d3", "title": "Fire out", "text": "Rain put it out."}\n',
        encoding="utf-8",
    )
    (corpus / "b.txt").unlink()
    updated, stats = store.open(corpus)
    assert stats.action == "updated"
    assert stats.new_passages < stats.passages  # a.txt and d1, d2 were carried over
    fresh, _ = _store(tmp_path / "fresh", 100_000).open(corpus)
    assert _contents(updated) == _contents(fresh)
