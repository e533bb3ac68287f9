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
# A document's columns, in the order _document takes them.
_COLUMNS = "id, title, text, source, date, url, author"


class DocumentTable(Mapping[str, Document]):
    """The documents of a generation by id, read from its ``documents`` table on demand.

    Documents keep the order the store wrote them in (their ``row``); passages refer to a
    document by that number.

    Args:
        db: The generation's database (read only).
        lock: Held around every use of ``db``, which other threads share.

    Example:
        >>> index.documents["000_3d563be10761cfd0.txt"].title
        'New optimistic signal for US-North Korea dialogue'
    """

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self._db = db
        self._lock = lock
        with lock:
            rows = db.execute("SELECT id FROM documents ORDER BY row")
            self._ids: list[str] = [doc_id for (doc_id,) in rows]
        self._numbers = {doc_id: number for number, doc_id in enumerate(self._ids)}
        self._built: OrderedDict[str, Document] = OrderedDict()

    def __getitem__(self, doc_id: str) -> Document:
        with self._lock:
            document = self._built.get(doc_id)
            if document is not None:
                self._built.move_to_end(doc_id)
                return document
            if doc_id not in self._numbers:
                raise KeyError(doc_id)
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM documents WHERE id = ?",
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
        return doc_id in self._numbers

    def number(self, doc_id: str) -> int | None:
        """A document's place in the table (its number in the passage rows), or None."""
        return self._numbers.get(doc_id)

    def id_at(self, number: int) -> str:
        """The id of the document numbered ``number``."""
        return self._ids[number]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def newest(self, limit: int) -> list[Document]:
        """The ``limit`` most recent documents, dated ones first (newest first), then undated
        ones in table order; one query, whatever the corpus's size.

        Example:
            >>> [d.id for d in index.documents.newest(1)]
            ['000_3d563be10761cfd0.txt']
        """
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM documents ORDER BY date IS NULL, date DESC, row LIMIT ?",
                (limit,),
            ).fetchall()
        return [_document(row) for row in rows]

    def sources(self) -> Iterator[tuple[str, str]]:
        """Each document's id and source file, in table order, without its text (an update
        groups the previous generation's documents by file this way, in little memory).

        Example:
            >>> next(index.documents.sources())
            ('000_3d563be10761cfd0.txt', '000_3d563be10761cfd0.txt')
        """
        with self._lock:
            rows = self._db.execute("SELECT id, source FROM documents ORDER BY row").fetchall()
        return ((str(doc_id), str(source)) for doc_id, source in rows)

    def every(self) -> Iterator[Document]:
        """Every document in table order, read in one pass (for rebuilding and listing, not
        for questions)."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM documents ORDER BY row").fetchall()
        return (_document(row) for row in rows)


class PassageTable(Sequence[Passage]):
    """The passages of a generation in row order, built from their document when asked for.

    Args:
        documents: The generation's documents.
        rows: One row per passage: its document's number (its place in ``documents``), its
            ordinal in the document, and its first and one-past-last characters there. A
            document's passages are consecutive rows with ordinals 0, 1, 2, ..., as the
            store writes them, so a passage id finds its row without a table of ids.

    Raises:
        ValueError: When the rows do not have that shape, or name a document or offsets
            that are not there.

    Example:
        >>> index.passages[0].text[:20]
        'The United States an'
    """

    def __init__(self, documents: DocumentTable, rows: npt.NDArray[np.int64]) -> None:
        if rows.ndim != 2 or rows.shape[1] != 4:
            raise ValueError(f"passage rows of shape {rows.shape}, expected (n, 4)")
        numbers, ordinals, starts, ends = rows.T
        if len(rows) and (
            numbers.min() < 0
            or numbers.max() >= len(documents)
            or starts.min() < 0
            or (ends <= starts).any()
        ):
            raise ValueError("a passage row names a missing document or empty offsets")
        # Each document's rows: one run, numbered from 0 (checked at once, not row by row).
        new_run = np.ones(len(rows), dtype=bool)
        new_run[1:] = numbers[1:] != numbers[:-1]
        expected = np.arange(len(rows)) - np.maximum.accumulate(
            np.where(new_run, np.arange(len(rows)), 0)
        )
        if (ordinals != expected).any() or len(np.unique(numbers[new_run])) != new_run.sum():
            raise ValueError("a document's passages are not consecutive rows from ordinal 0")
        self._documents = documents
        self._rows = rows
        self._first = np.full(len(documents), -1, dtype=np.int64)
        self._first[numbers[new_run]] = np.flatnonzero(new_run)
        self._count = np.bincount(numbers, minlength=len(documents))
        self._lock = threading.Lock()
        self._built: OrderedDict[int, Passage] = OrderedDict()

    def document_id(self, row: int) -> str:
        """The document of a row, without building its passage."""
        return self._documents.id_at(int(self._rows[row, 0]))

    def passage_id(self, row: int) -> str:
        """The id of a row's passage, without building it."""
        return f"{self.document_id(row)}#{self._rows[row, 1]}"

    def row(self, passage_id: str) -> int:
        """The row of a passage id.

        Raises:
            KeyError: When no passage has that id.
        """
        doc_id, _, ordinal = passage_id.rpartition("#")
        number = self._documents.number(doc_id)
        if (
            number is None
            or not ordinal.isdigit()
            or str(int(ordinal)) != ordinal
            or int(ordinal) >= self._count[number]
        ):
            raise KeyError(passage_id)
        return int(self._first[number]) + int(ordinal)

    def __len__(self) -> int:
        return len(self._rows)

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
        number, ordinal, start, end = (int(v) for v in self._rows[row])
        passage = Passage.of(self._documents[self._documents.id_at(number)], ordinal, start, end)
        with self._lock:
            self._built[row] = passage
            while len(self._built) > 4 * DOCUMENT_CACHE:
                self._built.popitem(last=False)
        return passage

    def __iter__(self) -> Iterator[Passage]:
        # In one pass over the documents, without filling the caches.
        documents = list(self._documents.every())
        for number, ordinal, start, end in self._rows.tolist():
            yield Passage.of(documents[number], ordinal, start, end)


class RowOf(Mapping[str, int]):
    """Passage id to row, worked out from the id rather than kept in a table of every id.

    Example:
        >>> index.row_of["000_3d563be10761cfd0.txt#3"]
        3
    """

    def __init__(self, passages: PassageTable) -> None:
        self._passages = passages

    def __getitem__(self, passage_id: str) -> int:
        return self._passages.row(passage_id)

    def __iter__(self) -> Iterator[str]:
        return (self._passages.passage_id(row) for row in range(len(self._passages)))

    def __len__(self) -> int:
        return len(self._passages)


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
