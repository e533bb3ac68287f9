"""What several formats read the same way in an article: its title line, dateline, dates, byline
and the front matter block that passages skip.

A headline found in a text file, a JSONL record without a title and a web page without one
are all taken from the first line of text, and every format reads an ISO date the same way, so
these live here rather than in one format that the others would import.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from qa.text.dates import resolve_date

log = logging.getLogger(__name__)

__all__ = ["FRONT_MATTER", "byline", "dateline", "first_line_title", "parse_date"]

#: A Markdown front matter block (``---`` lines around ``key: value`` lines) at the very start.
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def first_line_title(text: str) -> str:
    """The first line with words in it, without Markdown heading marks; ``""`` when none.

    Example:
        >>> first_line_title("\\n# Dam opens\\nThe council said...")
        'Dam opens'
    """
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped and not stripped.startswith("---"):
            return stripped
    return ""


# Lines near the top that carry the article's date, as news sites print them:
# "Updated Aug. 6, 2025, 3:15 p.m.", "Published: 2025-08-05".
_STAMP = re.compile(r"^(updated|last updated|published|posted)\b[\s:,-]*(?:on\s+)?(.+)$", re.I)
# "By Lena Okafor, The Hartley Gazette, August 5, 2025": a byline ending in the date.
_BYLINE = re.compile(r"^by\s+\S.{0,120}$", re.I)
# "HARTLEY, Aug. 5, 2025 — The fire ...": a place in capitals, the date, a dash.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){0,4}),\s+(?P<date>[^—–]{4,40}?)\s*(?:—|–|--|-|:)\s"
)
# How far below the headline a date line is looked for.
_HEADER_LINES = 4


def dateline(text: str) -> dt.date | None:
    """The date an article prints near its top, or None.

    News prints it in several ways, all read here from the few lines under the headline: a
    line of its own ("Friday, July 21, 2017", "2017-07-21", "21 July 2017"), a time stamp
    ("Updated Aug. 6, 2025, 3:15 p.m.": an update wins over the first publication, as it is
    what the article now says), a byline ending in the date ("By NAME, PAPER, August 5,
    2025"), or a dateline opening the story ("HARTLEY, Aug. 5, 2025 — The fire ..."). A date
    needs its year: "Sept. 3" alone could be any year's.

    Example:
        >>> dateline("Dam opens\\nFriday, July 21, 2017\\nThe council said...")
        datetime.date(2017, 7, 21)
        >>> dateline("Fire grows\\nHARTLEY, Aug. 5, 2025 — The fire grew overnight.")
        datetime.date(2025, 8, 5)
        >>> dateline("Fire grows\\nBy Lena Okafor, The Gazette, August 5, 2025\\nIt grew.")
        datetime.date(2025, 8, 5)
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()][1 : 1 + _HEADER_LINES]
    found: dt.date | None = None
    for line in lines:
        stamp = _STAMP.match(line)
        if stamp is not None:
            date = _dated(stamp.group(2)[:60])
            if date is not None and stamp.group(1).lower().endswith("updated"):
                return date
            found = found or date
            continue
        if found is not None:
            continue
        if len(line) <= 40 or _BYLINE.match(line):
            found = _dated(line[-60:])
            continue
        opening = _DATELINE.match(line)
        if opening is not None:
            found = _dated(opening.group("date"))
    return found


def opening_dateline(text: str) -> int:
    """Where the dateline opening a paragraph ends ("HARTLEY, Aug. 5, 2025 — "), or 0.

    The place and date there say where and when the story was filed: they are no part of
    what it reports, so no answer about a person or a thing comes from them.

    Example:
        >>> text = "DUNMORE, Nov. 3, 2025 — About 300 nurses walked out."
        >>> text[opening_dateline(text):]
        'About 300 nurses walked out.'
        >>> opening_dateline("Kim met Biegun, the envoy, on Monday - in Seoul.")
        0
    """
    found = _DATELINE.match(text)
    if found is None or resolve_date(found.group("date")) is None:
        return 0
    return found.end()


def _dated(text: str) -> dt.date | None:
    """The date ``text`` names, when it names one with its year."""
    if not re.search(r"\b\d{4}\b", text):
        return None
    return resolve_date(text)


def parse_date(value: object) -> dt.date | None:
    """A date given as ``YYYY-MM-DD`` (a longer ISO timestamp is cut to its day), or None.

    A value that is not a date is ignored with a warning: a wrong date in one record should
    not cost the article.

    Example:
        >>> parse_date("2024-03-05T21:30:00-05:00")
        datetime.date(2024, 3, 5)
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, dict)):
        # Not a date, and turning a deeply nested one into text would overflow the stack.
        log.warning(
            "ignored unreadable date (a JSON %s; expected YYYY-MM-DD)", type(value).__name__
        )
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        log.warning("ignored unreadable date %r (expected YYYY-MM-DD)", value)
        return None


def byline(value: object) -> str | None:
    """A byline as one line of text; anything else (a JSON object, a list) is left out.

    Example:
        >>> byline("Lena  Okafor;\\n Tom Berg")
        'Lena Okafor; Tom Berg'
    """
    if not isinstance(value, str):
        return None
    # trafilatura joins several authors with "; ".
    return " ".join(value.split())[:200] or None
