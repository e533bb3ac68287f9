from __future__ import annotations

import logging
from pathlib import Path

import pytest

from embeddings import HashingEncoder
from qa.errors import CorpusError
from qa.index import IndexStore
from qa.index import generation as generation_module
from qa.read.typed.reader import TypedReader
from qa.text.words import article_words, key_form


def _store(folder: Path, dim: int = 256) -> IndexStore:
    encoder = HashingEncoder(dim=dim)
    return IndexStore(folder, encoder, TypedReader(encoder), show_progress=False)


def _write(corpus: Path, name: str, body: str) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(f"Title of {name}\n{body}\n", encoding="utf-8")


def test_build_then_reuse_then_incremental_update(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.\nAlpha two.")
    _write(corpus, "b.txt", "Beta one.")
    index, stats = _store(ix).open(corpus)
    assert (stats.action, stats.documents, stats.passages, stats.new_passages) == ("built", 2, 3, 3)
    index.close()

    index, stats = _store(ix).open(corpus)
    assert stats.action == "reused" and stats.new_passages == 0
    index.close()

    _write(corpus, "c.txt", "Gamma one.")
    (corpus / "b.txt").unlink()
    index, stats = _store(ix).open(corpus)
    assert stats.action == "updated"
    assert stats.new_passages == 1  # only the new file is encoded and analysed
    assert sorted(index.documents) == ["a.txt", "c.txt"]
    assert [p.text for p in index.passages] == ["Alpha one.", "Alpha two.", "Gamma one."]
    assert all(index.analyses([i])[0] for i in range(3))
    generations = [p for p in ix.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 1  # the old generation is cleaned up


def test_corrupt_index_is_detected_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    index, _ = _store(ix).open(corpus)
    faiss_file = index.folder / "dense.faiss"
    index.close()
    data = bytearray(faiss_file.read_bytes())
    for i in range(20, 36):  # flip bits in the header: a torn or bit-rotted file
        data[i] ^= 0xFF
    faiss_file.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        index, stats = _store(ix).open(corpus)
    assert "damaged" in caplog.text
    assert stats.action == "built" and len(index.passages) == 1


def test_half_written_generation_is_ignored(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    index, _ = _store(ix).open(corpus)
    index.close()
    # A crash mid-build leaves a ".partial" folder that CURRENT never names.
    (ix / "gen-99999999999999-1-1.partial").mkdir()
    index, stats = _store(ix).open(corpus)
    assert stats.action == "reused"
    index.close()
    (ix / "CURRENT").write_text("gen-missing\n")
    index, stats = _store(ix).open(corpus)
    assert stats.action == "built" and len(index.passages) == 1


def test_other_encoder_forces_rebuild(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    _store(ix, dim=256).open(corpus)[0].close()
    with caplog.at_level(logging.WARNING):
        index, stats = _store(ix, dim=64).open(corpus)
    assert stats.action == "built" and index.manifest.dim == 64
    assert "rebuilding" in caplog.text


def test_empty_corpus_is_an_error(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match="no readable"):
        _store(tmp_path / "ix").open(corpus)


def test_document_words_are_the_whole_articles_and_the_cache_stays_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "The Normans arrived.\nThey stayed.")
    _write(corpus, "b.txt", "Hervé left.")
    _write(corpus, "c.txt", "Gamma one.")
    monkeypatch.setattr(generation_module, "WORD_CACHE", 2)
    index, _ = _store(ix).open(corpus)
    # Every word of a.txt in key form, not only those of one passage.
    words = index.document_words("a.txt")
    assert words == article_words(index.documents["a.txt"].text)
    assert {key_form("Norman"), key_form("stayed")} <= words
    assert key_form("Herve") in index.document_words("b.txt")
    index.document_words("c.txt")
    assert list(index._words) == ["b.txt", "c.txt"]  # a.txt, least recently used, went
    index.document_words("b.txt")
    index.document_words("a.txt")
    assert list(index._words) == ["b.txt", "a.txt"]
    index.close()


def test_vector_backends_store_the_same_vectors_and_a_switch_rebuilds(tmp_path: Path) -> None:
    import numpy as np

    corpus = tmp_path / "c"
    _write(corpus, "a.txt", "Alpha one.\nAlpha two.")
    _write(corpus, "b.txt", "Beta one.")
    encoder = HashingEncoder()
    reader = TypedReader(encoder)
    faiss_ix, _ = IndexStore(tmp_path / "f", encoder, reader, show_progress=False).open(corpus)
    numpy_store = IndexStore(
        tmp_path / "n", encoder, reader, show_progress=False, vector_backend="numpy-flat"
    )
    numpy_ix, _ = numpy_store.open(corpus)
    assert numpy_ix.manifest.vector_backend == "numpy-flat"
    assert (numpy_ix.folder / "dense.numpy-flat").is_file()
    assert np.array_equal(faiss_ix.vectors.vectors(), numpy_ix.vectors.vectors())
    query = encoder.encode(["Beta"])
    (f_scores, f_rows), (n_scores, n_rows) = (
        faiss_ix.vectors.search(query, 3),
        numpy_ix.vectors.search(query, 3),
    )
    # Equal scores may come in either order; the best row and every score agree.
    assert f_rows[0, 0] == n_rows[0, 0] and np.allclose(f_scores, n_scores, atol=1e-6)

    # The same folder opened with another backend is rebuilt, not misread.
    again, stats = IndexStore(tmp_path / "n", encoder, reader, show_progress=False).open(corpus)
    assert stats.action == "built" and again.manifest.vector_backend == "faiss-flat"


def _feed(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><guid>{title.lower().replace(' ', '-')}</guid>"
        f"<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate><description>&lt;p&gt;{body}&lt;/p&gt;"
        "</description></item>"
        for title, body in items
    )
    channel = f"<channel><title>W</title>{entries}</channel>"
    return f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>"


def test_a_feed_that_gains_items_indexes_only_the_new_items(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    corpus.mkdir()
    items = [
        ("Dam opens", "The council opened the new dam on the river after six years of work."),
        ("Bridge shut", "Engineers shut the old bridge to lorries after finding cracks in it."),
    ]
    (corpus / "wire.rss").write_text(_feed(items), encoding="utf-8")
    index, stats = _store(ix).open(corpus)
    assert (stats.action, stats.documents, stats.new_passages) == ("built", 2, 2)
    old_vectors = index.vectors.vectors()
    before = {p.id: old_vectors[index.unit_passage == row] for row, p in enumerate(index.passages)}
    index.close()

    items.append(
        ("Mayor resigns", "The mayor resigned on Wednesday after a vote of no confidence.")
    )
    (corpus / "wire.rss").write_text(_feed(items), encoding="utf-8")
    index, stats = _store(ix).open(corpus)
    assert stats.action == "updated"
    assert stats.documents == 3
    assert stats.new_passages == 1  # the two items already indexed are reused
    assert sorted(index.documents) == [
        "wire.rss#bridge-shut",
        "wire.rss#dam-opens",
        "wire.rss#mayor-resigns",
    ]
    # The reused items' vectors are carried over unchanged.
    vectors = index.vectors.vectors()
    carried = [p.id for p in index.passages if p.id in before]
    assert len(carried) == 2
    for row, passage in enumerate(index.passages):
        if passage.id in before:
            assert (vectors[index.unit_passage == row] == before[passage.id]).all()
    index.close()

    # An item whose text changed is read again; the others are still reused.
    items[0] = (
        "Dam opens",
        "The council opened the new dam on the river after seven years of work.",
    )
    (corpus / "wire.rss").write_text(_feed(items), encoding="utf-8")
    index, stats = _store(ix).open(corpus)
    assert (stats.action, stats.new_passages) == ("updated", 1)
    assert "seven years" in index.documents["wire.rss#dam-opens"].text
    index.close()


def test_an_index_of_an_older_format_is_rebuilt_not_called_damaged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    index, _ = _store(ix).open(corpus)
    manifest = index.folder / "manifest.json"
    index.close()
    old = manifest.read_text().replace(
        f'"format_version": {generation_module.FORMAT_VERSION}', '"format_version": 2'
    )
    assert '"format_version": 2' in old
    manifest.write_text(old)
    with caplog.at_level(logging.WARNING):
        index, stats = _store(ix).open(corpus)
    assert stats.action == "built"
    assert "has format 2, this version writes" in caplog.text and "damaged" not in caplog.text
    index.close()


def test_an_appended_jsonl_file_encodes_only_its_new_lines(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    corpus.mkdir()
    lines = [
        '{"title": "Dam opens", "text": "Dam opens\\nThe dam opened after six years."}',
        '{"title": "Bridge shut", "text": "Bridge shut\\nThe bridge shut after cracks."}',
    ]
    (corpus / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _store(ix).open(corpus)[0].close()
    lines.append('{"title": "Mayor quits", "text": "Mayor quits\\nThe mayor quit on Monday."}')
    (corpus / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index, stats = _store(ix).open(corpus)
    assert (stats.action, stats.documents, stats.new_passages) == ("updated", 3, 1)
    index.close()
