"""The calendar day an answer names, read with the tense of its clause.

A bare weekday or a month and day without a year can point either way from the article's date:
"voted on Tuesday" looks back, "will vote on Tuesday" ahead. :func:`resolve_date_in` parses the
sentence only when the tense would change the day, so other dates cost no more than
:func:`qa.text.dates.resolve_date`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from qa.text.dates import Tense, resolve_date

# Words whose date is that of an arranged event ("is set for Friday"); in the past tense the
# _SCHEDULED ones leave open whether it has happened ("was scheduled for Friday").
_SCHEDULED = frozenset({"schedule", "scheduled", "slate", "slated", "due"})
_FIXED = _SCHEDULED | {"set", "expect", "expected"}
# Words that put what they govern ahead of the article: "plans to vote", "is set to meet",
# "are due to sign", "is going to visit".
_INTENT = _FIXED | {"plan", "go", "intend", "aim", "poise", "poised", "prepare", "hope", "want"}
_INTENT |= {"seek", "vow", "promise", "pledge", "threaten", "agree", "likely"}


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
        >>> doc = nlp("The council voted on Tuesday to raise fees.")
        >>> date_tense(doc, 21, 28)  # "Tuesday"
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
        >>> resolve_date_in(text, 21, 28, dt.date(2024, 6, 3), nlp)
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
