"""Turning date expressions in news text into calendar dates.

News writes dates relative to the day of publication ("this Saturday", "yesterday", "August
21"). Given the article's date, :func:`resolve_date` says which day is meant, so an answer can
carry a calendar date a reader can use. A bare weekday or a month and day without a year can
point either way from the article's date; :func:`resolve_date_in` settles it with the tense of
the clause the date sits in ("voted on Tuesday" looks back, "will vote on Tuesday" ahead).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Literal

Tense = Literal["past", "future"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?(?:,?\s+(\d{{4}}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_RELATIVE_DAY = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_WEEKDAY = re.compile(rf"\b(?:(this|next|last|on|coming)\s+)?({'|'.join(_WEEKDAYS)})\b")

# Words whose date is that of an arranged event ("is set for Friday"); in the past tense the
# _SCHEDULED ones leave open whether it has happened ("was scheduled for Friday").
_SCHEDULED = frozenset({"schedule", "scheduled", "slate", "slated", "due"})
_FIXED = _SCHEDULED | {"set", "expect", "expected"}
# Words that put what they govern ahead of the article: "plans to vote", "is set to meet",
# "are due to sign", "is going to visit".
_INTENT = _FIXED | {"plan", "go", "intend", "aim", "poise", "poised", "prepare", "hope", "want"}
_INTENT |= {"seek", "vow", "promise", "pledge", "threaten", "agree", "likely"}


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


def date_tense(doc: Any, start: int, end: int) -> Tense | None:
    """The tense of the clause a date phrase sits in, from a spaCy parse.

    The clause's verb is the first verb or auxiliary above the phrase in the dependency tree.
    It is future with a modal ("will open", "could vote"), under a word of intent not in the
    past ("plans to vote", "is set to meet", "are due to sign", "is going to visit"), as an
    arrangement ("is scheduled for", "is due on"), or in the present progressive ("is meeting
    on Friday"). It is past with a past-tense verb or auxiliary ("voted", "was arrested", "did
    not vote"), a perfect ("has voted", "had met", "would have voted") or a bare participle
    ("the deal, signed this Monday"). Any other infinitive takes the tense of the verb it
    complements ("voted to approve it on Tuesday"). A past plan ("planned to vote", "was
    scheduled for"), a plain present ("expires on Saturday") or no verb at all says nothing.

    Args:
        doc: A spaCy ``Doc`` of the text the phrase comes from.
        start: Offset of the phrase's first character in ``doc.text``.
        end: Offset one past its last character.

    Example:
        >>> doc = nlp("The council voted on Tuesday to raise fees.")  # doctest: +SKIP
        >>> date_tense(doc, 21, 28)  # doctest: +SKIP
        'past'
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    token = span.root
    while token.pos_ not in ("VERB", "AUX") and token.head.i != token.i:
        token = token.head
    return _verb_tense(token) if token.pos_ in ("VERB", "AUX") else None


def resolve_date_in(
    text: str,
    start: int,
    end: int,
    reference: dt.date | None,
    nlp: Callable[[str], Any] | None = None,
) -> dt.date | None:
    """The calendar day named by ``text[start:end]``, read with the tense of its clause.

    The text is parsed only when the tense would change the answer (a bare weekday, a month
    and day without a year), so other expressions cost no more than :func:`resolve_date`.

    Args:
        text: The sentence or passage the date phrase comes from.
        start: Offset of the phrase's first character in ``text``.
        end: Offset one past its last character.
        reference: The publication date of the article.
        nlp: A spaCy pipeline (or any callable turning text into a ``Doc``); without one the
            tense is unknown.

    Example:
        >>> text = "The council voted on Tuesday to raise fees."
        >>> resolve_date_in(text, 21, 28, dt.date(2024, 6, 3), nlp)  # doctest: +SKIP
        datetime.date(2024, 5, 28)
    """
    phrase = text[start:end]
    past = resolve_date(phrase, reference, tense="past")
    if nlp is None or past == resolve_date(phrase, reference, tense="future"):
        return resolve_date(phrase, reference)
    return resolve_date(phrase, reference, tense=date_tense(nlp(text), start, end))


def _verb_tense(verb: Any, depth: int = 0) -> Tense | None:
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.tag_ == "MD" for a in auxes):
        # "would have voted" looks back; any other modal looks ahead.
        return "past" if any(a.lemma_ == "have" for a in auxes) else "future"
    if any(a.tag_ == "TO" for a in auxes):
        head = verb.head
        if head.i == verb.i or depth > 3:
            return None
        if _intends(head):
            return None if _past_marked(head) else "future"
        return _verb_tense(head, depth + 1)
    perfect = any(a.lemma_ == "have" for a in auxes)
    passive = any(a.dep_ == "auxpass" for a in auxes)
    if _intends(verb, _FIXED) and not _past_marked(verb) and (passive or not perfect):
        # The date is when the arranged event happens: "is scheduled for Friday", "is due on
        # Friday", "the ruling, expected on Friday" (but "has set a record on Friday" is past).
        return "future"
    if _past_marked(verb) and _intends(verb, _SCHEDULED):
        return None  # "was scheduled for Friday": a reported plan or a past event
    if _past_marked(verb) or perfect:
        return "past"
    if verb.tag_ == "VBG" and any(a.lemma_ == "be" for a in auxes):
        return "future"  # a present progressive with a date is an arrangement: "is meeting"
    if verb.tag_ == "VBN" and not auxes:
        return "past"
    return None


def _intends(token: Any, words: frozenset[str] = _INTENT) -> bool:
    """Whether ``token`` is one of ``words``, or a copula whose complement is ("are due")."""
    if token.lemma_.lower() in words or token.lower_ in words:
        return bool(token.lemma_ != "go" or token.tag_ == "VBG")  # "is going to", not "went to"
    return token.pos_ == "AUX" and any(
        c.dep_ in ("acomp", "attr") and (c.lemma_.lower() in words or c.lower_ in words)
        for c in token.children
    )


def _past_marked(token: Any) -> bool:
    """Whether ``token`` or one of its auxiliaries is in the past tense."""
    return token.tag_ == "VBD" or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in token.children
    )


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
