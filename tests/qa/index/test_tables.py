"""Opening a generation without building every row: documents and passages read on demand,
copy groups found at write time, and checksums trusted only while files are unchanged."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from embeddings import HashingEncoder
from qa.index import IndexStore, tables
from qa.index import generation as generation_module
from qa.ingest.files import LoadReport
from qa.ingest.loader import read_document_file, scan_corpus
from qa.ingest.passages import Chunker
from qa.read.typed.reader import TypedReader
from qa.retrieve.hybrid import copy_groups


def _store(folder: Path) -> IndexStore:
    encoder = HashingEncoder()
    return IndexStore(folder, encoder, TypedReader(encoder), show_progress=False)


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a.txt").write_text("Dam opens\nThe dam opened.\n\nWater rose fast.\n")
    (folder / "b.txt").write_text("Wire copy\nThe dam opened.\n\nOfficials met.\n")
    (folder / "c.txt").write_text("Other\nThe  dam\nopened.\n\nA third text.\n")
    return folder


def test_lazy_rows_equal_the_passages_the_chunker_makes(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    index, _ = _store(tmp_path / "ix").open(corpus)
    chunker = Chunker(HashingEncoder().token_offsets, 254, 64)
    report = LoadReport()
    expected = [
        passage
        for file in scan_corpus(corpus)
        for doc in read_document_file(file, report)
        for passage in chunker.passages(doc)
    ]
    assert list(index.passages) == expected  # one pass over the documents
    assert [index.passages[i] for i in range(len(expected))] == expected  # row by row
    assert index.passages[-1] == expected[-1] and index.passages[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        index.passages[len(expected)]
    assert sorted(index.documents) == ["a.txt", "b.txt", "c.txt"] and len(index.documents) == 3
    assert index.documents["b.txt"].title == "Wire copy" and "z.txt" not in index.documents
    with pytest.raises(KeyError):
        index.documents["z.txt"]
    assert [index.passages.document_id(r) for r in range(len(expected))] == [
        p.document_id for p in expected
    ]
    assert index.row_of == {p.id: row for row, p in enumerate(expected)}
    index.close()


def test_copy_groups_are_written_with_the_generation(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    index, _ = _store(tmp_path / "ix").open(corpus)
    assert index.copies == copy_groups(list(index.passages))
    # The three copies of "The dam opened." (one split over two lines) are one group.
    groups = set(index.copies.values())
    assert len(groups) == 1 and len(next(iter(groups))) == 3
    index.close()


def test_the_document_cache_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "DOCUMENT_CACHE", 1)
    index, _ = _store(tmp_path / "ix").open(_corpus(tmp_path / "c"))
    titles = [index.documents[d].title for d in ("a.txt", "b.txt", "c.txt", "a.txt")]
    assert titles == ["Dam opens", "Wire copy", "Other", "Dam opens"]
    assert len(index.documents._built) == 1
    index.close()


def test_row_of_works_the_row_out_from_the_id(tmp_path: Path) -> None:
    index, _ = _store(tmp_path / "ix").open(_corpus(tmp_path / "c"))
    for row in range(len(index.passages)):
        assert index.row_of[index.passages[row].id] == row
    for missing in ("a.txt#9", "z.txt#0", "a.txt#x", "a.txt#01", "a.txt"):
        assert missing not in index.row_of
        with pytest.raises(KeyError):
            index.row_of[missing]
    index.close()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[0, 0, 0, 5], [0, 2, 5, 9]], "consecutive"),  # an ordinal skipped
        ([[0, 0, 0, 5], [1, 0, 0, 5], [0, 1, 5, 9]], "consecutive"),  # a document in two runs
        ([[0, 1, 0, 5]], "consecutive"),  # not starting at ordinal 0
        ([[7, 0, 0, 5]], "missing document"),
        ([[0, 0, 5, 5]], "empty offsets"),
        ([[0, 0, 5]], "shape"),
    ],
)
def test_passage_rows_that_do_not_fit_their_documents_are_refused(
    tmp_path: Path, rows: list[list[int]], message: str
) -> None:
    index, _ = _store(tmp_path / "ix").open(_corpus(tmp_path / "c"))
    with pytest.raises(ValueError, match=message):
        tables.PassageTable(index.documents, np.array(rows, dtype=np.int64))
    index.close()


def test_a_damaged_rows_file_means_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus, ix = _corpus(tmp_path / "c"), tmp_path / "ix"
    index, _ = _store(ix).open(corpus)
    rows_file = index.folder / generation_module.PASSAGES_FILE
    index.close()
    rows_file.write_bytes(b"\x93NUMPY garbage")
    with caplog.at_level(logging.WARNING):
        index, stats = _store(ix).open(corpus)
    assert "damaged" in caplog.text and stats.action == "built"
    assert len(index.passages) == 6
    index.close()


def _count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    hashed: list[Path] = []
    real = generation_module.sha256_file

    def counting(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(generation_module, "sha256_file", counting)
    return hashed


def test_checksums_are_trusted_only_while_the_files_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus, ix = _corpus(tmp_path / "c"), tmp_path / "ix"
    index, _ = _store(ix).open(corpus)
    folder = index.folder
    index.close()
    # Files changed just before their check could change again within one tick of the file
    # system's clock unseen: such a record is not trusted, and every open hashes.
    monkeypatch.setattr(generation_module, "RACY_NS", 10**18)
    hashed = _count_hashes(monkeypatch)
    _store(ix).open(corpus)[0].close()
    _store(ix).open(corpus)[0].close()
    assert len(hashed) == 10  # store, passage rows, vector owners, vectors and BM25, twice

    monkeypatch.setattr(generation_module, "RACY_NS", -(10**12))
    hashed.clear()
    index, stats = _store(ix).open(corpus)
    assert stats.action == "reused" and hashed == []  # trusted from the record
    index.close()

    # Damage that changes a file's times is caught, even with its size unchanged.
    faiss_file = folder / "dense.faiss"
    data = bytearray(faiss_file.read_bytes())
    data[30] ^= 0xFF
    faiss_file.write_bytes(bytes(data))
    info = faiss_file.stat()
    os.utime(faiss_file, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    with caplog.at_level(logging.WARNING):
        index, stats = _store(ix).open(corpus)
    assert "dense.faiss does not match its checksum" in caplog.text
    assert stats.action == "built"
    index.close()


def test_a_damaged_record_means_hashing_not_trusting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = _corpus(tmp_path / "c"), tmp_path / "ix"
    monkeypatch.setattr(generation_module, "RACY_NS", -(10**12))
    index, _ = _store(ix).open(corpus)
    folder = index.folder
    index.close()
    _store(ix).open(corpus)[0].close()
    (folder / generation_module.VERIFIED_FILE).write_bytes(b"\x00not json")
    hashed = _count_hashes(monkeypatch)
    index, stats = _store(ix).open(corpus)
    assert stats.action == "reused" and len(hashed) == 5
    index.close()
