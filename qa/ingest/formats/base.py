"""What the loader asks of an article file format.

A format names the suffixes it reads and turns one file's bytes into documents, reporting
what it skips in the :class:`~qa.ingest.files.LoadReport`. The loader finds the file, checks
its size, reads its bytes and hands them to the format registered for its suffix
(:mod:`qa.ingest.formats.registry`); everything after that is the format's.

Most formats read text: they derive from :class:`TextFormat` and get the file already decoded
by :func:`~qa.ingest.decoding.decode_article`, so every text format accepts and refuses the
same bytes (UTF-8, UTF-16 with a mark, sure cp1252) with the same reasons. A format whose bytes
say their own encoding (a feed's XML declaration) implements :meth:`Format.read` on the bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Protocol

from qa.ingest.decoding import decode_article
from qa.ingest.files import LoadReport
from qa.types import Document

__all__ = ["Format", "TextFormat"]


class Format(Protocol):
    """An article file format.

    Attributes:
        name: A short name for messages (``"markdown"``, ``"feed"``).
        suffixes: The lower-case file suffixes it reads, dot included (``(".md",)``).
    """

    # Read-only, so a plain class attribute (``suffixes = (".news",)``) satisfies them.
    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    def read(self, relative: str, data: bytes, report: LoadReport) -> Iterator[Document]:
        """Yield the documents in one file's bytes; skips go into ``report``.

        Args:
            relative: The file's path in the corpus, with ``/`` separators: a document's
                ``source``, and the start of its ``id``.
            data: The file's bytes.
            report: Where a skipped file, record or item is recorded with its reason, and a
                file read with a caveat is noted.

        Example:
            >>> from qa.ingest.formats import format_for
            >>> [d.title for d in format_for(".txt").read("a.txt", b"Dam opens\\nIt did.",
            ...                                             LoadReport())]
            ['Dam opens']
        """
        ...


class TextFormat(ABC):
    """A format read from text: the shared decoder turns the bytes into text first.

    A subclass sets :attr:`name` and :attr:`suffixes` and implements :meth:`read_text`. Bytes
    that are not text are skipped with the decoder's reason ("a PDF document, not text") and a
    legacy encoding is noted as a warning before :meth:`read_text` sees the text.

    Attributes:
        name: A short name for messages.
        suffixes: The lower-case file suffixes it reads, dot included.
    """

    name: str
    suffixes: tuple[str, ...]

    def read(self, relative: str, data: bytes, report: LoadReport) -> Iterator[Document]:
        """Decode ``data`` and yield the documents :meth:`read_text` finds in the text.

        Example:
            >>> from qa.ingest.formats import format_for
            >>> report = LoadReport()
            >>> list(format_for(".md").read("a.md", b"%PDF-1.7", report)), report.skipped
            ([], [('a.md', 'a PDF document, not text (save the article as a .txt file)')])
        """
        text, note = decode_article(data)
        if text is None:
            report.skip(relative, note)
            return
        if note:
            report.warn(relative, note)
        yield from self.read_text(relative, text, report)

    @abstractmethod
    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        """Yield the documents in one file's text; skips go into ``report``.

        Args:
            relative: The file's path in the corpus (see :meth:`Format.read`).
            text: The file's text, decoded and not empty.
            report: Where skips are recorded with their reasons.

        Example:
            >>> from qa.ingest.formats.text import PlainTextFormat
            >>> text = "Dam opens\\nIt did."
            >>> [d.id for d in PlainTextFormat().read_text("a.txt", text, LoadReport())]
            ['a.txt']
        """
