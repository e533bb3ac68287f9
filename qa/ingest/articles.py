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


def dateline(text: str) -> dt.date | None:
    """The date of a news article whose second line is a dateline ("Friday, July 21, 2017").

    Example:
        >>> dateline("Dam opens\\nFriday, July 21, 2017\\nThe council said...")
        datetime.date(2017, 7, 21)
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()][1:2]
    if not lines or len(lines[0]) > 40 or not re.search(r"\b\d{4}\b", lines[0]):
        return None
    return resolve_date(lines[0])


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
