"""One index generation on disk: its manifest, its schema, and opening it for reading.

A generation is immutable once written (see :mod:`qa.index.store`, which builds them and
switches between them); everything here reads one, so code that only answers questions needs
nothing of the building side.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from qa.index.lexical import Bm25Index
from qa.index.tables import DocumentTable, PassageTable, RowOf
from qa.index.vectors.registry import VectorIndex, vector_backend
from qa.text.words import article_words
from qa.types import Passage

# 3: documents gained an author column. 4: passages and vector owners in numpy files, and
# copy groups found when writing, so that opening reads no row it does not need.
FORMAT_VERSION = 4
# Documents whose word sets a loaded index keeps (LoadedIndex.document_words).
WORD_CACHE = 1024
SCHEMA = """
CREATE TABLE documents (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
    source TEXT NOT NULL, date TEXT, url TEXT, author TEXT
);
CREATE TABLE analyses (row INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE copies (row INTEGER PRIMARY KEY, first INTEGER NOT NULL);
"""
# Beside the database, as numpy arrays that open in milliseconds: one row per passage
# (document row, ordinal, start, end) and, per vector, the passage row it belongs to.
PASSAGES_FILE = "passages.npy"
UNITS_FILE = "units.npy"


class Manifest(BaseModel):
    """What an index generation was built from and with."""

    model_config = ConfigDict(frozen=True)

    format_version: int
    encoder: str
    dim: int
    reader: str
    window_tokens: int
    window_overlap: int
    files: dict[str, str]
    fingerprint: str
    documents: int
    passages: int
    checksums: dict[str, str]
    built_at: str
    # Which vector index wrote the vectors, and its file (indexes from before backends could
    # be chosen were all FAISS flat ones).
    vector_backend: str = "faiss-flat"
    vectors_file: str = "dense.faiss"
    # The ``vector_backend`` setting it was built for: a backend's name, or "auto", which
    # chose ``vector_backend`` by the number of vectors. (Indexes from before format 3 lack it
    # and are rebuilt, as any index of another format is.)
    vector_setting: str = ""
    # BM25 over the passages (lexical_text), saved so opening an index need not re-tokenise
    # the corpus.
    lexical_file: str = ""

    def same_recipe(self, other: Manifest) -> bool:
        """True when passages, vectors and analyses of one can be reused in the other."""
        return (
            self.format_version == other.format_version
            and self.encoder == other.encoder
            and self.dim == other.dim
            and self.reader == other.reader
            and self.window_tokens == other.window_tokens
            and self.window_overlap == other.window_overlap
            # The setting, not the backend it chose: "auto" may write another backend as the
            # corpus grows, and the vectors carry over.
            and self.vector_setting == other.vector_setting
        )


def corpus_fingerprint(files: dict[str, str]) -> str:
    """One hash over every file's path and content hash.

    Example:
        >>> corpus_fingerprint({"a.txt": "00"}) == corpus_fingerprint({"a.txt": "00"})
        True
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\n".encode())
    return digest.hexdigest()


class LoadedIndex:
    """A generation opened for reading: ids and offsets in memory, the rest read on demand.

    Attributes:
        documents: The documents by id (:class:`~qa.index.tables.DocumentTable`).
        passages: The passages in row order (:class:`~qa.index.tables.PassageTable`).
        row_of: Each passage id's row.
        copies: For each row whose text (whitespace aside) other rows repeat, every row of
            its group in row order; found when the generation was written.
        unit_passage: For each vector, the passage row it belongs to.
        vectors: The vector index.
    """

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self._db = sqlite3.connect(
            f"file:{folder / 'store.sqlite'}?mode=ro", uri=True, check_same_thread=False
        )
        # One lock for the database handle, which threads share; another for what is built
        # lazily (BM25, word sets), whose building may itself read the database.
        self._db_lock = threading.Lock()
        self._lock = threading.Lock()
        self._lexical: Bm25Index | None = None
        self.documents = DocumentTable(self._db, self._db_lock)
        self.passages = PassageTable(self.documents, _read_rows(folder / PASSAGES_FILE, 2))
        self.row_of = RowOf(self.passages)
        self.unit_passage = _read_rows(folder / UNITS_FILE, 1)
        with self._db_lock:
            groups: dict[int, list[int]] = {}
            for row, first in self._db.execute("SELECT row, first FROM copies ORDER BY row"):
                groups.setdefault(first, []).append(row)
        self.copies = {row: tuple(group) for group in groups.values() for row in group}
        if any(not 0 <= row < len(self.passages) for row in self.copies):
            raise ValueError("a copy group names a passage that does not exist")
        # Most recently used first out: a large corpus's word sets would not all fit.
        self._words: OrderedDict[str, frozenset[str]] = OrderedDict()
        try:
            backend = vector_backend(manifest.vector_backend)
        except KeyError as exc:
            # Written by a backend this process has not registered: treat as unreadable.
            raise ValueError(str(exc)) from None
        self.vectors: VectorIndex = backend.load(folder / manifest.vectors_file)
        if len(self.vectors) != len(self.unit_passage) or self.vectors.dim != manifest.dim:
            raise ValueError(
                f"{len(self.vectors)} vectors of dimension {self.vectors.dim} for "
                f"{len(self.unit_passage)} units of dimension {manifest.dim}"
            )
        if len(self.unit_passage) and (
            self.unit_passage.min() < 0 or self.unit_passage.max() >= len(self.passages)
        ):
            raise ValueError("a vector points at a passage that does not exist")

    def lexical(self) -> Bm25Index:
        """BM25 over the passages (:func:`lexical_text`), read from the generation, or built
        and kept on first use where the generation has none saved.

        Reading maps the saved arrays from disk; building tokenises every passage (about 5 s
        for 100,000 passages on one core), which is what made opening a large index slow.

        Raises:
            ValueError: When the saved file is damaged.

        Example:
            >>> scores, rows = index.lexical().search(["GSOMIA expiry"], 3)
            >>> rows.tolist()  # one passage shares a word with the query; -1: no more
            [[7, -1, -1]]
        """
        with self._lock:
            if self._lexical is None:
                if self.manifest.lexical_file:
                    self._lexical = Bm25Index.load(self.folder / self.manifest.lexical_file)
                else:
                    self._lexical = Bm25Index([lexical_text(p) for p in self.passages])
                if len(self._lexical) != len(self.passages):
                    raise ValueError(
                        f"BM25 index of {len(self._lexical)} rows for {len(self.passages)} passages"
                    )
            return self._lexical

    def analyses(self, rows: Sequence[int]) -> list[bytes]:
        """The reader's stored analyses of the given passage rows."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._db_lock:
            found = dict(
                self._db.execute(
                    f"SELECT row, data FROM analyses WHERE row IN ({marks})", list(rows)
                ).fetchall()
            )
        return [bytes(found.get(row, b"")) for row in rows]

    def document_words(self, document_id: str) -> frozenset[str]:
        """The words of a document in their key form (:func:`qa.text.words.article_words`),
        kept for the :data:`WORD_CACHE` documents most recently asked about."""
        with self._lock:
            words = self._words.get(document_id)
            if words is not None:
                self._words.move_to_end(document_id)
                return words
        document = self.documents[document_id]
        # With its date: a question about February is about another time than a report of
        # January 13 that never names February.
        words = article_words(document.text, document.date)
        with self._lock:
            self._words[document_id] = words
            while len(self._words) > WORD_CACHE:
                self._words.popitem(last=False)
        return words

    def close(self) -> None:
        """Release the database handle."""
        with self._db_lock:
            self._db.close()


def _read_rows(path: Path, ndim: int) -> npt.NDArray[np.int64]:
    """An int64 array of ``ndim`` dimensions saved by :func:`numpy.save`.

    Raises:
        ValueError: When the file is not one.
    """
    try:
        rows = np.load(path, allow_pickle=False)
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path.name} is unreadable: {exc}") from None
    if rows.dtype != np.int64 or rows.ndim != ndim:
        raise ValueError(f"{path.name} holds {rows.dtype} of {rows.ndim} dimensions")
    return np.asarray(rows, dtype=np.int64)


def vectors_file_for(backend: str) -> str:
    """The file name a backend's vectors get in a generation.

    FAISS flat keeps the name it had before backends could be chosen, so indexes written
    before and after are laid out alike.

    Example:
        >>> vectors_file_for("faiss-flat"), vectors_file_for("faiss-ivf-sq8")
        ('dense.faiss', 'dense.faiss-ivf-sq8')
    """
    return "dense.faiss" if backend == "faiss-flat" else f"dense.{backend}"


def lexical_text(passage: Passage) -> str:
    """What BM25 indexes of a passage: its title and text, as the dense side embeds them.

    Example:
        >>> lexical_text(Passage(id="a#0", document_id="a", title="T", text="Hi.", start=0,
        ...                      end=3, ordinal=0))
        'T. Hi.'
    """
    return f"{passage.title}. {passage.text}"


# Where a generation records the files' sizes and times when their checksums last held.
VERIFIED_FILE = "verified.json"
# A file changed within this many nanoseconds of being checked could keep its recorded time
# (file systems stamp times at a coarse clock), so such a record is not trusted.
RACY_NS = 2_000_000_000


def verify_checksums(folder: Path, checksums: dict[str, str]) -> None:
    """Check a generation's files against their checksums, reading them only when needed.

    Hashing every file costs about a second at 100,000 passages, on every start. So, as
    ``git`` and ``make`` do, a file whose size, inode and change times are those recorded the
    last time its checksum held is trusted; the first open after a build (or after the folder
    is copied) hashes in full and records what it saw. Where the folder cannot be written,
    every open hashes. A change that keeps a file's size and times (a disk's own bit rot) is
    not caught by the record; FAISS and SQLite refuse most such damage themselves.

    Raises:
        ValueError: When a file does not match its checksum.

    Example:
        >>> verify_checksums(index.folder, index.manifest.checksums)  # they hold: no error
        >>> import shutil
        >>> damaged = shutil.copytree(index.folder, tmp_path / "copy")
        >>> _ = (damaged / PASSAGES_FILE).write_bytes(b"not the rows")
        >>> verify_checksums(damaged, index.manifest.checksums)
        Traceback (most recent call last):
        ...
        ValueError: passages.npy does not match its checksum
    """
    stats = {name: _stat(folder / name) for name in checksums}
    if _trusted(folder / VERIFIED_FILE, stats):
        return
    checked_ns = time.time_ns()
    for name, expected in checksums.items():
        if sha256_file(folder / name) != expected:
            raise ValueError(f"{name} does not match its checksum")
    record = {"checked_ns": checked_ns, "files": stats}
    try:
        partial = folder / f"{VERIFIED_FILE}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(record))
        partial.replace(folder / VERIFIED_FILE)
    except OSError:
        pass  # a read-only index: hashed again next time, which is only slower


def _stat(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def _trusted(record_file: Path, stats: dict[str, list[int]]) -> bool:
    try:
        record = json.loads(record_file.read_text())
        checked_ns = int(record["checked_ns"])
        recorded = record["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return recorded == stats and all(
        max(mtime, ctime) < checked_ns - RACY_NS for _, _, mtime, ctime in stats.values()
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def format_manifest(manifest: Manifest) -> str:
    """A one-line description of an index for people."""
    return (
        f"{manifest.documents} articles, {manifest.passages} passages, encoder "
        f"{manifest.encoder} ({manifest.dim}-d), reader {manifest.reader}, built "
        f"{manifest.built_at}"
    )
