"""Markdown articles (``.md``), with optional front matter.

A ``---`` block at the top may give ``title``, ``date``, ``url`` and ``author``; without it a
Markdown file reads like a text file (its first heading is the headline). The front matter
stays in the document's text so offsets point into the file; passages skip it.
"""

from __future__ import annotations

from collections.abc import Iterator

from qa.ingest.articles import FRONT_MATTER
from qa.ingest.files import LoadReport
from qa.ingest.formats.base import TextFormat
from qa.ingest.formats.registry import register_format
from qa.ingest.formats.text import read_article
from qa.types import Document

__all__ = ["MarkdownFormat", "front_matter"]


def front_matter(text: str) -> dict[str, str]:
    """The ``key: value`` lines of the front matter at the top of ``text``, keys lower case.

    Example:
        >>> front_matter("---\\nTitle: 'Dam opens'\\ndate: 2024-03-05\\n---\\nThe council...")
        {'title': 'Dam opens', 'date': '2024-03-05'}
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    values = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values


class MarkdownFormat(TextFormat):
    """``.md``: one article per file, metadata from its front matter where it has one."""

    name = "markdown"
    suffixes = (".md",)

    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        """The file's one document, titled and dated by its front matter when it has one.

        Example:
            >>> [d.title for d in MarkdownFormat().read_text(
            ...     "a.md", "---\\ntitle: Dam opens\\n---\\nIt did.", LoadReport())]
            ['Dam opens']
        """
        return read_article(relative, text, report, front_matter(text))


register_format(MarkdownFormat())
