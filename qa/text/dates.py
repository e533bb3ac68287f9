"""Turning date expressions in news text into calendar dates.

News writes dates relative to the day of publication ("this Saturday", "yesterday", "August
21"). Given the article's date, :func:`resolve_date` says which day is meant. Ingest uses it to
read datelines, the answer stage to give an answer its calendar day; a bare weekday or a month
and day without a year can point either way, and :mod:`qa.answer.dates` settles that with the
tense of the clause the date sits in.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from qa.text.vocab import MONTHS as _MONTHS
from qa.text.vocab import WEEKDAYS as _WEEKDAYS

Tense = Literal["past", "future"]

_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?(?:,?\s+(\d{{4}}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_RELATIVE_DAY = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_WEEKDAY = re.compile(rf"\b(?:(this|next|last|on|coming)\s+)?({'|'.join(_WEEKDAYS)})\b")


def resolve_date(
    text: str, reference: dt.date | None = None, *, tense: Tense | None = None
) -> dt.date | None:
    """The calendar day a date expression names, read against the article's date.

    Absolute dates need no reference, and "today", "yesterday", "tomorrow" count from it.
    "last Friday" is the most recent Friday before the reference, "next Friday" (or "coming
    Friday") the first one after it. The rest depend on ``tense``, the tense of the clause the
    expression sits in:

    * ``"past"``: a weekday alone, with "on" or "this" is the most recent one on or before the
      reference; a month and day without a year its latest occurrence on or before it.
    * ``"future"``: the first such day on or after the reference.
    * ``None``: a weekday alone or with "on" is the nearer of the two ("struck on Monday" in a
      Wednesday article is two days earlier, "meets on Friday" two days later), with "this"
      the upcoming one; a month and day take the occurrence nearest the reference.

    A weekday equal to the reference's own is the reference day in either tense: wire style
    names the day of publication by its weekday ("the council voted on Monday" in a Monday
    article), while "last" and "next" are needed to mean a week off. Anything else (a month,
    a year, "earlier this week") names no single day.

    Args:
        text: The date expression, e.g. an answer span.
        reference: The publication date of the article it comes from.
        tense: The tense of the clause around the expression, e.g. from :func:`date_tense`.

    Example:
        >>> resolve_date("this Saturday", dt.date(2019, 11, 20))
        datetime.date(2019, 11, 23)
        >>> resolve_date("Saturday", dt.date(2019, 11, 20), tense="past")
        datetime.date(2019, 11, 16)
        >>> resolve_date("August 21", dt.date(2019, 11, 20))
        datetime.date(2019, 8, 21)
        >>> resolve_date("Friday, July 21, 2017")
        datetime.date(2017, 7, 21)
    """
    lower = " ".join(text.lower().split())
    found = _ISO.search(lower)
    if found:
        return _make(int(found[1]), int(found[2]), int(found[3]))
    month_first = _MONTH_DAY_YEAR.search(lower)
    day_first = _DAY_MONTH_YEAR.search(lower)
    if month_first or day_first:
        if month_first:
            month, day, year = _MONTHS[month_first[1]], int(month_first[2]), month_first[3]
        else:
            assert day_first is not None
            month, day, year = _MONTHS[day_first[2]], int(day_first[1]), day_first[3]
        if year is not None:
            return _make(int(year), month, day)
        if reference is None:
            return None
        options = [_make(reference.year + shift, month, day) for shift in (-1, 0, 1)]
        valid = [d for d in options if d is not None]
        # Only a year either side is possible, so the tense picks between at most two dates.
        before = [d for d in valid if d <= reference]
        after = [d for d in valid if d >= reference]
        if tense == "past" and before:
            return max(before)
        if tense == "future" and after:
            return min(after)
        return min(valid, key=lambda d: abs((d - reference).days)) if valid else None
    if reference is None:
        return None
    for word, shift in _RELATIVE_DAY.items():
        if re.search(rf"\b{word}\b", lower):
            return reference + dt.timedelta(days=shift)
    weekday = _WEEKDAY.search(lower)
    if weekday:
        target = _WEEKDAYS.index(weekday[2])
        ahead = (target - reference.weekday()) % 7  # 0: the reference day itself
        back = (reference.weekday() - target) % 7
        if weekday[1] == "last":
            return reference - dt.timedelta(days=back or 7)
        if weekday[1] in ("next", "coming"):
            return reference + dt.timedelta(days=ahead or 7)
        if tense == "past" or (tense is None and weekday[1] != "this" and back < ahead):
            return reference - dt.timedelta(days=back)
        return reference + dt.timedelta(days=ahead)
    return None


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
