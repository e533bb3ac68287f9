"""News feeds (RSS 2.0, RSS 1.0, Atom): one article per item.

feedparser reads the feed in whatever encoding its XML declaration names and copes with the
malformed feeds real sites publish; an item's HTML (its full content when the feed carries it,
otherwise its description) is turned into plain text by trafilatura, as web pages are, so a
citation quotes what a reader would see.

An item's document id is the feed file's name and the item's own id (its ``guid``, else its
link), so the same item keeps the same id when the feed gains new items; the index then reuses
every item it has already read and only the new ones are split, analysed and embedded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import io
import re
import time
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from qa.ingest.files import LoadReport
from qa.ingest.formats.registry import register_format
from qa.types import Document

FEED_SUFFIXES = (".rss", ".atom", ".xml")
# A description shorter than this is a teaser ("Read more…"), not an article to answer from.
MIN_ITEM_WORDS = 8
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def read_feed(relative: str, data: bytes, report: LoadReport) -> Iterator[Document]:
    """Yield one document per item of the feed in ``data``; problems go into ``report``.

    Args:
        relative: The feed file's name in the corpus, which prefixes each item's id.
        data: The feed file's bytes (feedparser reads the encoding the XML declares).
        report: Collects the items and files that were skipped, with reasons.

    Example:
        >>> from qa.ingest.files import LoadReport
        >>> rss = (b"<rss version='2.0'><channel><title>Wire</title><item>"
        ...        b"<title>Dam opens</title><guid>a1</guid>"
        ...        b"<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>"
        ...        b"<description>The new dam on the river opened on Tuesday after "
        ...        b"six years of building.</description></item></channel></rss>")
        >>> [(d.id, d.date.isoformat()) for d in read_feed("wire.rss", rss, LoadReport())]
        [('wire.rss#a1', '2024-03-05')]
    """
    # Imported here: corpora without feeds should not pay for the parser.
    import feedparser

    # A BytesIO, never the bytes themselves: given a string, feedparser may treat it as a URL
    # or a file name and fetch it.
    parsed: Any = feedparser.parse(io.BytesIO(data), sanitize_html=True)
    if not parsed.get("version"):
        reason = "not an RSS or Atom feed"
        problem = parsed.get("bozo_exception")
        if problem is not None:
            reason += f" ({_first_line(str(problem))})"
        report.skip(relative, reason)
        return
    seen: set[str] = set()
    for number, entry in enumerate(parsed.entries, start=1):
        where = f"{relative} item {number}"
        key = str(entry.get("id") or entry.get("link") or "").strip()
        title = _plain(str(entry.get("title") or ""))
        body = _item_text(entry)
        if len(body.split()) < MIN_ITEM_WORDS:
            report.skip(where, "item has no article text (only a title or a short teaser)")
            continue
        if not key:
            # No guid and no link: the title and date are what names the item across updates.
            stamp = str(entry.get("published") or entry.get("updated") or "")
            key = hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()[:16]
        doc_id = f"{relative}#{key}"
        if doc_id in seen:
            report.skip(where, f"duplicate item id {key!r}")
            continue
        seen.add(doc_id)
        title = title or body.split("\n", 1)[0][:120]
        text = body if body.split("\n", 1)[0].strip() == title else f"{title}\n{body}"
        link = str(entry.get("link") or "").strip()
        try:
            yield Document(
                id=doc_id,
                title=title,
                text=text,
                source=relative,
                date=_entry_date(entry),
                url=link or None,
                author=" ".join(_plain(str(entry.get("author") or "")).split())[:200] or None,
            )
        except ValidationError as exc:
            report.skip(where, f"invalid item ({exc.errors()[0]['msg']})")


def looks_like_feed(data: bytes) -> bool:
    """Whether an ``.xml`` file's opening holds an RSS or Atom root element.

    Other XML (a sitemap, a word-processor file) is skipped as "not a feed" rather than
    reported as a broken one.

    Example:
        >>> looks_like_feed(b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>")
        True
        >>> looks_like_feed(b"<?xml version='1.0'?><urlset></urlset>")
        False
    """
    head = data[:4096].lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


class FeedFormat:
    """``.rss``, ``.atom`` and ``.xml``: one document per feed item, read from the bytes.

    Not a :class:`~qa.ingest.formats.base.TextFormat`: a feed's XML declaration names its
    encoding, so feedparser decodes the bytes itself.
    """

    name = "feed"
    suffixes = FEED_SUFFIXES

    def read(self, relative: str, data: bytes, report: LoadReport) -> Iterator[Document]:
        """The feed's items (see :func:`read_feed`); an ``.xml`` file that is not a feed is
        skipped as such.

        Example:
            >>> report = LoadReport()
            >>> list(FeedFormat().read("sitemap.xml", b"<urlset></urlset>", report))
            []
            >>> report.skipped
            [('sitemap.xml', 'XML that is not an RSS or Atom feed')]
        """
        # .xml holds sitemaps and office files too: those are not broken feeds, only not feeds.
        if PurePosixPath(relative).suffix.lower() == ".xml" and not looks_like_feed(data):
            report.skip(relative, "XML that is not an RSS or Atom feed")
            return
        yield from read_feed(relative, data, report)


def _item_text(entry: Any) -> str:
    """The item's fullest HTML (content, else summary) as plain text, paragraphs kept."""
    candidates = [str(part.get("value") or "") for part in entry.get("content") or []]
    candidates.append(str(entry.get("summary") or ""))
    html = max(candidates, key=len)
    return _plain(html) if html else ""


def _plain(html: str) -> str:
    """Text of an HTML fragment, one paragraph per line."""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    from trafilatura import extract, html2txt

    page = f"<html><body><article>{html}</article></body></html>"
    # The extractor keeps paragraphs apart and drops inline promotions; on a fragment too
    # short for it to trust, it gives nothing back and the plain text of the markup is used.
    found = extract(page, include_comments=False, include_tables=False, favor_recall=True)
    if not found:
        found = html2txt(page)
    return _tidy(found or "")


def _tidy(text: str) -> str:
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def _entry_date(entry: Any) -> dt.date | None:
    """The item's calendar day as the feed wrote it, in the publisher's own time zone.

    feedparser's parsed times are converted to UTC, which would move a late-evening story in
    New York to the next day; the raw string keeps the day the article itself calls "today".
    """
    for raw_field, parsed_field in (
        ("published", "published_parsed"),
        ("updated", "updated_parsed"),
        ("created", "created_parsed"),
    ):
        raw = str(entry.get(raw_field) or "").strip()
        if raw:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                return email.utils.parsedate_to_datetime(raw).date()
            with contextlib.suppress(ValueError):
                return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        value = entry.get(parsed_field)
        if isinstance(value, time.struct_time):
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable"


register_format(FeedFormat())

__all__ = ["FEED_SUFFIXES", "MIN_ITEM_WORDS", "FeedFormat", "looks_like_feed", "read_feed"]
