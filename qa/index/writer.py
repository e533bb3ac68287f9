"""Writing one index generation as its passages come, in memory that does not grow with them.

A build used to hold every document, passage, vector and reader analysis until it wrote the
generation at the end: 3.8 GB to build 16,000 passages, so a 10,000-article archive would not
build on a laptop. :class:`GenerationWriter` takes documents and batches of passages as the
store reads and encodes them: documents and analyses go into SQLite at once, vectors are
appended to a file on disk, and what stays in memory per passage is what the finished index
keeps anyway (its four numbers, the owners of its vectors, a digest for copy groups) plus
BM25's word counts (:class:`~qa.index.lexical.Bm25Builder`, 12 bytes per distinct word of a
passage) go to a file beside them and are scored at the end.

The writer fills a ``.partial`` folder; :meth:`GenerationWriter.finish` builds the vector
index and BM25 from what was written and the manifest with its checksums. The store renames
the folder into place, so a kill at any moment leaves the last good generation live.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.index.generation import (
    PASSAGES_FILE,
    SCHEMA,
    UNITS_FILE,
    Manifest,
    corpus_fingerprint,
    lexical_text,
    sha256_file,
    vectors_file_for,
)
from qa.index.lexical import Bm25Builder
from qa.index.vectors.registry import choose_vector_backend, vector_backend
from qa.memory import release_free_memory
from qa.types import Document, Passage

# Vectors appended during the build, before the vector index is made from them.
_VECTORS_TMP = "vectors.f32"
_VECTORS_F16 = "vectors.f16"
# BM25's word counts, spilled as they come (qa.index.lexical.Bm25Builder).
_POSTINGS_TMP = "postings.tmp"
# Rows handed to the vector index at once when it is made from the file.
_ADD_ROWS = 65_536


class GenerationWriter:
    """One generation folder written document by document and batch by batch.

    Args:
        folder: The (empty) ``.partial`` folder to write into.

    Example:
        >>> writer = GenerationWriter(tmp_path / "gen.partial")
        >>> writer.add_document(Document(id="a", title="T", text="Hi.", source="a.txt"))
        >>> passage = Passage(id="a#0", document_id="a", title="T", text="Hi.", start=0, end=3,
        ...                   ordinal=0)
        >>> writer.add_passages([passage], [np.ones((1, 4), dtype=np.float32)], [b"x"])
        >>> writer.passages, writer.documents
        (1, 1)
        >>> writer.close()
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self._db = sqlite3.connect(folder / "store.sqlite")
        self._db.executescript(SCHEMA)
        self._number: dict[str, int] = {}
        # Per passage: document number, ordinal, start, end; per vector: its passage.
        self._rows = array("q")
        self._owners = array("q")
        # Each passage's 16-byte text digest, in row order; copy groups are found at the end.
        self._digests = bytearray()
        # BM25's word counts, a batch at a time; scored when the generation is finished.
        self._lexical = Bm25Builder(spill=folder / _POSTINGS_TMP)
        self._vectors = open(folder / _VECTORS_TMP, "wb")  # noqa: SIM115 - closed in finish
        self._dim: int | None = None

    @property
    def documents(self) -> int:
        """Documents written so far."""
        return len(self._number)

    @property
    def passages(self) -> int:
        """Passages written so far."""
        return len(self._rows) // 4

    def add_document(self, doc: Document) -> None:
        """Write one document; its passages may follow in any later batch."""
        number = len(self._number)
        self._number[doc.id] = number
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                doc.id,
                doc.title,
                doc.text,
                doc.source,
                doc.date.isoformat() if doc.date else None,
                doc.url,
                doc.author,
            ),
        )

    def add_passages(
        self,
        passages: Sequence[Passage],
        vectors: Sequence[np.ndarray],
        analyses: Sequence[bytes],
    ) -> None:
        """Write passages in row order with their vectors (one row per unit) and analyses."""
        first = self.passages
        self._lexical.add([lexical_text(p) for p in passages])
        self._db.executemany(
            "INSERT INTO analyses VALUES (?, ?)",
            [(first + i, sqlite3.Binary(data)) for i, data in enumerate(analyses)],
        )
        for i, (passage, units) in enumerate(zip(passages, vectors, strict=True)):
            row = first + i
            self._rows.extend(
                (self._number[passage.document_id], passage.ordinal, passage.start, passage.end)
            )
            block = np.ascontiguousarray(units, dtype=np.float32)
            if self._dim is None:
                self._dim = int(block.shape[1])
            self._vectors.write(block.tobytes())
            self._owners.extend([row] * len(block))
            # A digest rather than the text (qa.index.copies), kept flat: a dict of digests
            # cost 250 bytes a passage, 16 here.
            key = hashlib.blake2b(" ".join(passage.text.split()).encode(), digest_size=16)
            self._digests += key.digest()

    def finish(self, recipe: Manifest, files: dict[str, str]) -> Manifest:
        """Write the copy groups, the row files, the vector index, BM25 and the manifest.

        Args:
            recipe: The store's recipe (encoder, reader, windows, the vector setting).
            files: Each corpus file's content hash.

        Returns:
            The manifest written.
        """
        self._db.executemany("INSERT INTO copies VALUES (?, ?)", _copy_rows(self._digests))
        self._db.commit()
        self._db.close()
        self._digests = bytearray()
        rows = np.frombuffer(self._rows, dtype=np.int64).reshape(-1, 4)
        np.save(self.folder / PASSAGES_FILE, rows, allow_pickle=False)
        np.save(self.folder / UNITS_FILE, np.frombuffer(self._owners, dtype=np.int64))
        self._vectors.close()
        dim = self._dim if self._dim is not None else recipe.dim
        count = len(self._owners)
        # "auto" picks exact or approximate search by the number of vectors; the manifest
        # records the backend chosen, so the generation opens with the right reader.
        backend = choose_vector_backend(recipe.vector_setting or recipe.vector_backend, count)
        manifest = recipe.model_copy(
            update={
                "vector_backend": backend,
                "vectors_file": vectors_file_for(backend),
                "lexical_file": "lexical.bm25",
            }
        )
        # BM25 is saved too: opening a large index then maps it instead of re-tokenising
        # every passage (seconds at 100,000 passages). First, so that its word counts (tens
        # of megabytes at 100,000 passages) are gone before the vector index is made.
        self._lexical.finish().save(self.folder / manifest.lexical_file)
        self._lexical = Bm25Builder()
        release_free_memory()
        index = vector_backend(backend)(dim)
        stored = self.folder / _VECTORS_TMP
        half = self.folder / _VECTORS_F16
        if count:
            # Read back in slices with plain reads, not mapped: mapped pages count as the
            # process's own memory once touched, and every row is touched once.
            keeps_half = getattr(index, "keeps_float16", False)
            with open(stored, "rb") as source, open(half, "wb") as target:
                for start in range(0, count, _ADD_ROWS):
                    take = min(_ADD_ROWS, count - start)
                    part = np.fromfile(source, dtype=np.float32, count=take * dim)
                    part = part.reshape(take, dim)
                    if keeps_half:
                        target.write(part.astype(np.float16).tobytes())
                    else:
                        index.add(part)
            if keeps_half:
                # An index that keeps float16 rows as given takes them mapped from disk, so a
                # large corpus's vectors are never all in memory at once.
                index.add(np.memmap(half, dtype=np.float16, mode="r", shape=(count, dim)))
        index.save(self.folder / manifest.vectors_file)
        del index
        stored.unlink()
        with contextlib.suppress(FileNotFoundError):
            half.unlink()
        names = ("store.sqlite", PASSAGES_FILE, UNITS_FILE, manifest.vectors_file)
        manifest = manifest.model_copy(
            update={
                "dim": int(dim),
                "files": files,
                "fingerprint": corpus_fingerprint(files),
                "documents": len(self._number),
                "passages": len(rows),
                "checksums": {
                    name: sha256_file(self.folder / name)
                    for name in (*names, manifest.lexical_file)
                },
                "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            }
        )
        return manifest

    def close(self) -> None:
        """Release the database and the vectors file (after :meth:`finish`, or on failure)."""
        with contextlib.suppress(sqlite3.ProgrammingError):
            self._db.close()
        if not self._vectors.closed:
            self._vectors.close()
        for name in (_VECTORS_TMP, _VECTORS_F16, _POSTINGS_TMP):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / name)


def _copy_rows(digests: bytearray) -> list[tuple[int, int]]:
    """``(row, first row of its group)`` for every passage whose digest another repeats.

    Groups in the order of their first row and rows ascending within each, the order the
    copy table has always been written in.

    Example:
        >>> _copy_rows(bytearray(b"a" * 16 + b"b" * 16 + b"a" * 16))
        [(0, 0), (2, 0)]
    """
    keys = np.frombuffer(bytes(digests), dtype="S16")
    if len(keys) < 2:
        return []
    order = np.argsort(keys, kind="stable")  # equal digests stay in row order
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    groups = [order[a:b] for a, b in zip(starts, ends, strict=True) if b - a > 1]
    groups.sort(key=lambda group: int(group[0]))
    return [(int(row), int(group[0])) for group in groups for row in group]
