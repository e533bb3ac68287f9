"""Plain text articles (``.txt``): the first line is the headline, a dateline may follow.

The document is the whole text as written, so passage offsets point into the file; a second
line such as "Friday, July 21, 2017" dates the article.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import ValidationError

from qa.ingest.articles import dateline, first_line_title, parse_date
from qa.ingest.files import LoadReport
from qa.ingest.formats.base import TextFormat
from qa.ingest.formats.registry import register_format
from qa.types import Document

__all__ = ["NO_DATE", "PlainTextFormat", "read_article"]

NO_DATE = (
    "no date found (give one as a line under the headline, e.g. 'HARTLEY, Aug. 5, 2025 —', "
    "'By NAME, PAPER, August 5, 2025' or 'Updated 2025-08-06', or as front matter 'date:'); "
    "its relative dates stay unresolved"
)


def read_article(
    relative: str, text: str, report: LoadReport, front: Mapping[str, str] | None = None
) -> Iterator[Document]:
    """The one document of a text article, its metadata from ``front`` where that has it.

    Args:
        relative: The file's path in the corpus: the document's id and source.
        text: The file's text, kept whole as the document's text.
        report: Where a file without a title line or with bad metadata is skipped.
        front: Metadata given with the text (Markdown front matter: ``title``, ``date``,
            ``url``, ``author``); the first line and the dateline stand in for a missing
            title and date.

    Example:
        >>> [(d.title, d.date) for d in read_article("a.txt", "Dam opens\\nMay 3, 2024\\nIt did.",
        ...                                          LoadReport())]
        [('Dam opens', datetime.date(2024, 5, 3))]
    """
    front = front or {}
    title = (front.get("title") or "").strip() or first_line_title(text)
    date = parse_date(front.get("date")) if front.get("date") else dateline(text)
    if not title:
        report.skip(relative, "no title line")
        return
    if date is None:
        # Said once, when the file is read: without its date an article's "yesterday" or
        # "this Saturday" cannot be placed on the calendar, and it cannot be told from a
        # newer report of the same story.
        report.warn(relative, NO_DATE)
    try:
        yield Document(
            id=relative,
            title=title,
            text=text,
            source=relative,
            date=date,
            url=front.get("url") or None,
            author=front.get("author") or None,
        )
    except ValidationError as exc:
        report.skip(relative, f"invalid metadata ({exc.errors()[0]['msg']})")


class PlainTextFormat(TextFormat):
    """``.txt``: one article per file, headline on the first line."""

    name = "text"
    suffixes = (".txt",)

    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        """The file's one document (see :func:`read_article`).

        Example:
            >>> [d.title for d in PlainTextFormat().read_text("a.txt", "Dam opens\\nIt did.",
            ...                                               LoadReport())]
            ['Dam opens']
        """
        return read_article(relative, text, report)


register_format(PlainTextFormat())
