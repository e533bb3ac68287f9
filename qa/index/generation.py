"""One index generation on disk: its manifest, its schema, and opening it for reading.

A generation is immutable once written (see :mod:`qa.index.store`, which builds them and
switches between them); everything here reads one, so code that only answers questions needs
nothing of the building side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from qa.retrieve.lexical import Bm25Index
from qa.retrieve.vector import VectorIndex, vector_backend
from qa.types import Document, Passage
from qa.words import article_words

# 3: documents gained an author column.
FORMAT_VERSION = 3
# Documents whose word sets a loaded index keeps (LoadedIndex.document_words).
WORD_CACHE = 1024
SCHEMA = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL,
    date TEXT, url TEXT, author TEXT
);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, document_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE TABLE analyses (row INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE units (row INTEGER PRIMARY KEY, passage INTEGER NOT NULL);
"""


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
    """A generation opened for reading: documents and passages in memory, analyses on demand."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self._db = sqlite3.connect(
            f"file:{folder / 'store.sqlite'}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._lexical: Bm25Index | None = None
        self.documents: dict[str, Document] = {}
        for doc_id, title, text, source, date, url, author in self._db.execute(
            "SELECT id, title, text, source, date, url, author FROM documents ORDER BY id"
        ):
            self.documents[doc_id] = Document(
                id=doc_id,
                title=title,
                text=text,
                source=source,
                date=dt.date.fromisoformat(date) if date else None,
                url=url,
                author=author,
            )
        self.passages: list[Passage] = []
        for row, pid, doc_id, ordinal, start, end in self._db.execute(
            'SELECT row, id, document_id, ordinal, start, "end" FROM passages ORDER BY row'
        ):
            if row != len(self.passages):
                raise ValueError(f"passage rows are not contiguous at row {row}")
            passage = Passage.of(self.documents[doc_id], ordinal, start, end)
            if passage.id != pid:
                raise ValueError(f"passage row {row} is {pid!r}, expected {passage.id!r}")
            self.passages.append(passage)
        self.row_of = {p.id: i for i, p in enumerate(self.passages)}
        # Most recently used first out: a large corpus's word sets would not all fit.
        self._words: OrderedDict[str, frozenset[str]] = OrderedDict()
        self.unit_passage = np.array(
            [p for (p,) in self._db.execute("SELECT passage FROM units ORDER BY row")],
            dtype=np.int64,
        )
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
            >>> index.lexical().search(["GSOMIA expiry"], 3)                 # doctest: +SKIP
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
        with self._lock:
            found = dict(
                self._db.execute(
                    f"SELECT row, data FROM analyses WHERE row IN ({marks})", list(rows)
                ).fetchall()
            )
        return [bytes(found.get(row, b"")) for row in rows]

    def document_words(self, document_id: str) -> frozenset[str]:
        """The words of a document in their key form (:func:`qa.words.article_words`),
        kept for the :data:`WORD_CACHE` documents most recently asked about."""
        with self._lock:
            words = self._words.get(document_id)
            if words is not None:
                self._words.move_to_end(document_id)
                return words
        words = article_words(self.documents[document_id].text)
        with self._lock:
            self._words[document_id] = words
            while len(self._words) > WORD_CACHE:
                self._words.popitem(last=False)
        return words

    def close(self) -> None:
        """Release the database handle."""
        with self._lock:
            self._db.close()


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
