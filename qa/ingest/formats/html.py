"""Web pages (``.html``, ``.htm``): the article alone, without menus, banners or footers.

trafilatura finds the article's text and htmldate its publication date among the page's own
metadata (``article:published_time``, ``<time datetime>``, JSON-LD); hand-written tag rules
break on the next site's layout. The document's text is what trafilatura extracts, headline
first, so citations quote text the user can read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pydantic import ValidationError

from qa.ingest.articles import byline, first_line_title, parse_date
from qa.ingest.files import LoadReport
from qa.ingest.formats.base import TextFormat
from qa.ingest.formats.registry import register_format
from qa.types import Document

__all__ = ["MIN_PAGE_WORDS", "HtmlFormat"]

# Fewer words than this extracted from a web page is a menu or a stub, not an article.
MIN_PAGE_WORDS = 8


class HtmlFormat(TextFormat):
    """``.html`` and ``.htm``: the one article of a web page."""

    name = "html"
    suffixes = (".html", ".htm")

    def read_text(self, relative: str, page: str, report: LoadReport) -> Iterator[Document]:
        """The article of a web page, without menus, banners, related links or footers.

        A page with no article (a menu, a stub) is skipped; the headline, date, address and
        byline come from the page's metadata.

        Example:
            >>> para = "<p>The council opened the Karoo dam on Tuesday after six years.</p>"
            >>> page = f"<html><body><article><h1>Dam opens</h1>{para}</article></body></html>"
            >>> [d.text for d in HtmlFormat().read_text("a.html", page, LoadReport())]
            ['Dam opens\\nThe council opened the Karoo dam on Tuesday after six years.']
        """
        # Imported here: reading plain-text corpora should not pay for an HTML parser.
        from trafilatura import extract

        try:
            found = extract(
                page,
                output_format="json",
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                favor_precision=True,
            )
        except Exception as exc:  # a parser failure on one odd page must not stop the corpus
            report.skip(relative, f"web page could not be parsed ({type(exc).__name__})")
            return
        record = json.loads(found) if found else {}
        body = str(record.get("text") or "").strip()
        # On a page with no article the extractor falls back to whatever text there is ("Home").
        if len(body.split()) < MIN_PAGE_WORDS:
            report.skip(relative, "no article text found in the web page")
            return
        title = str(record.get("title") or "").strip() or first_line_title(body)
        text = body if body.split("\n", 1)[0].strip() == title else f"{title}\n{body}"
        try:
            yield Document(
                id=relative,
                title=title,
                text=text,
                source=relative,
                date=parse_date(record.get("date")),
                url=str(record["url"]) if record.get("url") else None,
                author=byline(record.get("author")),
            )
        except ValidationError as exc:
            report.skip(relative, f"invalid metadata ({exc.errors()[0]['msg']})")


register_format(HtmlFormat())
