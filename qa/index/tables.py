"""A generation's documents and passages, read from its database when they are asked for.

Opening an index used to turn every row into a pydantic object: 1.3 s of a cold start at
100,000 passages, for a question that reads a few dozen of them. These two containers keep
only what each row needs to be found (ids and offsets, in numpy arrays) and build the
objects on first use, keeping the most recently used ones.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

from qa.types import Document, Passage

# Documents kept built; a news article is a few kilobytes, so this is some megabytes.
DOCUMENT_CACHE = 2048


class DocumentTable(Mapping[str, Document]):
    """The documents of a generation by id, read from its ``documents`` table on demand.

    Args:
        db: The generation's database (read only).
        lock: Held around every use of ``db``, which other threads share.

    Example:
        >>> index.documents["seed.txt"].title                           # doctest: +SKIP
        'Japan, South Korea ...'
    """

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self._db = db
        self._lock = lock
        with lock:
            self._ids = [doc_id for (doc_id,) in db.execute("SELECT id FROM documents ORDER BY id")]
        self._known = frozenset(self._ids)
        self._built: OrderedDict[str, Document] = OrderedDict()

    def __getitem__(self, doc_id: str) -> Document:
        with self._lock:
            document = self._built.get(doc_id)
            if document is not None:
                self._built.move_to_end(doc_id)
                return document
            if doc_id not in self._known:
                raise KeyError(doc_id)
            row = self._db.execute(
                "SELECT id, title, text, source, date, url, author FROM documents WHERE id = ?",
                (doc_id,),
            ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        document = _document(row)
        with self._lock:
            self._built[doc_id] = document
            while len(self._built) > DOCUMENT_CACHE:
                self._built.popitem(last=False)
        return document

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def every(self) -> Iterator[Document]:
        """Every document in id order, read in one pass (for rebuilding, not for questions)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, text, source, date, url, author FROM documents ORDER BY id"
            ).fetchall()
        return (_document(row) for row in rows)


class PassageTable(Sequence[Passage]):
    """The passages of a generation in row order, built from their document when asked for.

    Args:
        documents: The generation's documents.
        ids: Each row's passage id.
        document_ids: Each row's document id.
        ordinals: Each row's position in its document.
        starts: Each row's first character in its document.
        ends: One past each row's last character.

    Raises:
        ValueError: When a row's id is not ``"<document_id>#<ordinal>"`` or names a
            document that is not there.

    Example:
        >>> index.passages[0].text[:20]                                  # doctest: +SKIP
        'Japan and South Kore'
    """

    def __init__(
        self,
        documents: DocumentTable,
        ids: list[str],
        document_ids: list[str],
        ordinals: npt.NDArray[np.int64],
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
    ) -> None:
        self._documents = documents
        self.ids = ids
        self._document_ids = document_ids
        self._ordinals = ordinals
        self._starts = starts
        self._ends = ends
        self._lock = threading.Lock()
        self._built: OrderedDict[int, Passage] = OrderedDict()
        for row, (pid, doc_id, ordinal) in enumerate(zip(ids, document_ids, ordinals, strict=True)):
            if pid != f"{doc_id}#{ordinal}":
                raise ValueError(f"passage row {row} is {pid!r}, expected {doc_id}#{ordinal}")
            if doc_id not in documents:
                raise ValueError(f"passage row {row} names a missing document {doc_id!r}")

    def document_id(self, row: int) -> str:
        """The document of a row, without building its passage."""
        return self._document_ids[row]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, row: int) -> Passage: ...

    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...

    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"passage row {row} out of range")
        with self._lock:
            passage = self._built.get(row)
            if passage is not None:
                self._built.move_to_end(row)
                return passage
        passage = Passage.of(
            self._documents[self._document_ids[row]],
            int(self._ordinals[row]),
            int(self._starts[row]),
            int(self._ends[row]),
        )
        with self._lock:
            self._built[row] = passage
            while len(self._built) > 4 * DOCUMENT_CACHE:
                self._built.popitem(last=False)
        return passage

    def __iter__(self) -> Iterator[Passage]:
        # In one pass over the documents, without filling the caches.
        by_id = {doc.id: doc for doc in self._documents.every()}
        for row in range(len(self)):
            yield Passage.of(
                by_id[self._document_ids[row]],
                int(self._ordinals[row]),
                int(self._starts[row]),
                int(self._ends[row]),
            )


def read_passages(db: sqlite3.Connection, documents: DocumentTable) -> PassageTable:
    """The ``passages`` table of ``db`` as a :class:`PassageTable`.

    Raises:
        ValueError: When the rows are not numbered 0, 1, 2, ... or do not match their
            documents.
    """
    rows = db.execute(
        'SELECT row, id, document_id, ordinal, start, "end" FROM passages ORDER BY row'
    ).fetchall()
    for expected, row in enumerate(rows):
        if row[0] != expected:
            raise ValueError(f"passage rows are not contiguous at row {row[0]}")
    columns: Sequence[Sequence[object]] = list(zip(*rows, strict=True)) if rows else [()] * 6

    def numbers(values: Sequence[object]) -> npt.NDArray[np.int64]:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    return PassageTable(
        documents,
        [str(v) for v in columns[1]],
        [str(v) for v in columns[2]],
        numbers(columns[3]),
        numbers(columns[4]),
        numbers(columns[5]),
    )


def _document(row: tuple[str, str, str, str, str | None, str | None, str | None]) -> Document:
    doc_id, title, text, source, date, url, author = row
    return Document(
        id=doc_id,
        title=title,
        text=text,
        source=source,
        date=dt.date.fromisoformat(date) if date else None,
        url=url,
        author=author,
    )
