"""Stories that change: one event reported again and again, its value moving.

When dated articles give different values of one answer (a death toll that rises, a fire's
acreage), the newest report's value answers and the timeline lists each value with its date
and cited sentence, oldest first; when the newest reports are of one day and disagree, the
caller declines and names both (:func:`same_day_rivals`, :func:`disagreement_reason`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from qa.answer.citations import citation_for
from qa.index.generation import LoadedIndex
from qa.read.base import AnswerGroup
from qa.settings import Settings
from qa.text.dates import resolve_date
from qa.text.display import source_label
from qa.text.words import key_form
from qa.types import Hit, Passage, Span, TimelineEntry, answer_key

__all__ = ["answer_value", "disagreement_reason", "same_day_rivals", "same_story", "story"]


# A rival answer joins a story's timeline only when the reader is at least this sure of it
# relative to the best answer: the reader's weaker proposals are mostly other things the
# passages mention, not earlier or later values of the answer.
STORY_SHARE = 0.05
# A rival that is a phrase, not a figure or a date, joins only at this share of the best
# answer's confidence (eval/stories_questions.jsonl, docs/experiments.md).
TEXT_SHARE = 0.25
# Share of content words two answers' sentences must have in common (Jaccard) for the two
# articles to count as reports of one event.
SAME_EVENT_OVERLAP = 0.5
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NAMED_NUMBER = re.compile(r"\b[A-Z][a-z]+ (\d+)\b")
_NUMBER_END = re.compile(r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten))$", re.I)
_COUNTED = re.compile(r"\s+(?:(?:more|new|additional|other|total|[a-z]+ed)\s+)?([a-z]+)")
_COUNTED_INSIDE = re.compile(
    r"(?:\d[\d,]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten))\s+"
    r"(?:(?:more|new|additional|other|total|[a-z]+ed)\s+)?([a-z]+)",
    re.I,
)
_NOT_COUNTED = frozenset(
    [
        "on",
        "in",
        "at",
        "by",
        "to",
        "of",
        "from",
        "for",
        "after",
        "before",
        "since",
        "as",
        "and",
        "or",
        "but",
        "the",
        "a",
        "an",
        "than",
        "with",
        "was",
        "were",
        "is",
        "are",
        "had",
        "has",
        "have",
        "said",
        "says",
        "this",
        "that",
    ]
)
_NUMBER_OF = re.compile(r"\bnumber of ([a-z]+)", re.I)
# The plural noun a figure's sentence moves: "Confirmed measles cases in Ashby County rose to
# 12" counts cases. Plurals only: "the death toll rose to 14" counts people, not "toll".
_MOVED = re.compile(
    r"\b([a-z]{3,}s)(?:\s+(?:in|of|at|for)\s+(?:the\s+)?[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*)?"
    r"\s+(?:had\s+|has\s+|have\s+)?(?:rose|risen|climbed|grew|grown|jumped|increased|reached"
    r"|fell|dropped|stood|stands|totaled|totalled)\b"
)
# A figure an update gives as the one it replaces: "rose to 10 percent, up from 5 percent",
# "Seven of the new cases are classmates of the first five".
_EARLIER = re.compile(
    r"\b(?:up|down|from|first|original|initial)\s+(?:about\s+|roughly\s+)?$", re.I
)
# The least a report's own surest answer may score to join a timeline below STORY_SHARE,
# when it counts what the best answer counts (eval/stories_questions.jsonl, docs/experiments.md).
REPORT_FLOOR = 0.001
_WORD = re.compile(r"[^\W\d_]+")


def answer_value(text: str, on: dt.date | None) -> str:
    """What an answer says, so that two wordings of one value count as one answer.

    A date becomes its calendar day, numbers their digits, anything else its answer key.

    Example:
        >>> answer_value("1,200 people", None) == answer_value("1200", None)
        True
        >>> answer_value("Six", None), answer_value("the 6 victims", None)
        ('number:6', 'number:6')
        >>> answer_value("Friday", dt.date(2024, 6, 5))
        'date:2024-06-07'
    """
    day = resolve_date(text, on)
    if day is not None:
        return f"date:{day.isoformat()}"
    numbers = [n.replace(",", "") for n in _NUMBER.findall(text)]
    if numbers:
        return "number:" + " ".join(numbers)
    # News spells small numbers out ("Six people died", "the toll reached seven"): the same
    # figures as digits are, or a toll given once in words and once in digits is two values.
    # Short answers only: in a phrase, "one" is as often a pronoun ("the one on Main Street").
    words = _WORD_OR_HYPHEN.findall(text)
    spelled = [_spelled_number(w) for w in words] if len(words) <= 3 else []
    if any(n is not None for n in spelled):
        return "number:" + " ".join(str(n) for n in spelled if n is not None)
    return "text:" + answer_key(text)


_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_OR_HYPHEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")


def _spelled_number(word: str) -> int | None:
    """The value of a number written in words up to ninety-nine ("seven", "twenty-one").

    Example:
        >>> _spelled_number("Seven"), _spelled_number("twenty-one"), _spelled_number("seven-day")
        (7, 21, None)
    """
    parts = word.lower().split("-")
    if len(parts) == 1 and parts[0] in _UNITS:
        return _UNITS.index(parts[0])
    if parts[0] in _TENS and (len(parts) == 1 or parts[1] in _UNITS[1:10]):
        return 20 + 10 * _TENS.index(parts[0]) + (_UNITS.index(parts[1]) if len(parts) > 1 else 0)
    return None


def story(
    merged: Sequence[AnswerGroup],
    by_id: dict[str, Hit],
    index: LoadedIndex,
    settings: Settings,
    best: float,
) -> tuple[AnswerGroup, tuple[TimelineEntry, ...]] | None:
    """The most recent article's answer and the timeline, when dated articles disagree.

    Each sure enough answer group speaks for the articles it cites; an article is counted for
    its surest answer only (one report gives one value), and answers that say the same value
    are one. A story needs two values from articles of two dates.
    """
    floor = max(settings.abstain_threshold, STORY_SHARE * best)
    taken: set[str] = set()
    values: dict[str, tuple[AnswerGroup, Span, dt.date]] = {}
    counted: str | None = None  # the noun the best answer's number counts ("firefighters")
    for group in merged:
        if group.score < floor and (counted is None or group.score < REPORT_FLOOR):
            break
        # A figure given as the one an update replaces ("up from 5 percent") speaks for
        # the report it is in no more than a quoted rumour would.
        spans = [s for s in group.spans if not _earlier_figure(by_id[s.passage_id].passage, s)]
        if not spans:
            continue
        lead = spans[0]
        if group.score < floor:
            # Below the floor, a report still speaks with its surest figure counting what
            # the best answer counts: "More than 480 firefighters are
            # now assigned" updates "About 250 firefighters were working" in other words,
            # which the reader trusts less than the words of the question.
            hit = by_id[lead.passage_id]
            if (
                hit.passage.document_id in taken
                or hit.passage.date is None
                or _counted_noun(hit.passage.text, lead) != counted
            ):
                # Its surest figure of that noun may still come: a report's other phrases
                # ("safe staffing ratios") say nothing of the figure.
                continue
        elif counted is not None and _counted_noun(
            by_id[lead.passage_id].passage.text, lead
        ) not in (None, counted):
            # A figure of another thing ("over three years" in a story of percent raises)
            # speaks for no report: each report's figure of the story's noun may still come.
            continue
        dated = [
            (by_id[s.passage_id].passage.date, s)
            for s in spans
            if by_id[s.passage_id].passage.date is not None
            and by_id[s.passage_id].passage.document_id not in taken
        ]
        taken.update(by_id[s.passage_id].passage.document_id for s in spans)
        if not dated:
            continue
        first_date, first_span = min(dated, key=lambda pair: pair[0] or dt.date.max)
        assert first_date is not None
        value = answer_value(first_span.text, first_date)
        latest = max(d for d, _ in dated if d is not None)
        if not values and value.startswith("number:"):
            counted = _counted_noun(by_id[first_span.passage_id].passage.text, first_span)
        if values and value.startswith("text:") and group.score < TEXT_SHARE * best:
            # A phrase the reader doubts is more often another thing the report mentions
            # ("damage" beside "A leaking valve") than another report's answer.
            continue
        if value not in values:
            values[value] = (group, first_span, latest)
    if len(values) < 2:
        return None
    # Only reports of the same event count: each rival's sentence must say what the best
    # answer's sentence says, apart from the value ("the death toll rose to 12 / to 45").
    best_group, best_span, _ = next(iter(values.values()))
    anchor = _sentence_words(by_id[best_span.passage_id].passage.text, best_span)
    best_passage = by_id[best_span.passage_id].passage
    best_kind = next(iter(values)).split(":", 1)[0]
    best_counted = _counted_noun(best_passage.text, best_span)

    def joins(value: str, entry: tuple[AnswerGroup, Span, dt.date], to: Passage) -> bool:
        # News words an update anew ("rose to", "now stands at"): reports of one event
        # are told by their headline's names, a value of the same form, and dates close
        # together, not by sharing the sentence's words.
        # Figures only: two names or phrases under one headline are as often two
        # different things the story mentions ("dry grass", "a tractor's exhaust").
        return (
            value.split(":", 1)[0] == best_kind
            and best_kind in ("number", "date")
            and _same_figure(to, best_counted, by_id[entry[1].passage_id].passage, entry[1])
        )

    kept = {
        value: entry
        for value, entry in values.items()
        if entry[0] is best_group
        or _overlap(anchor, _sentence_words(by_id[entry[1].passage_id].passage.text, entry[1]))
        >= SAME_EVENT_OVERLAP
        or joins(value, entry, best_passage)
    }
    # A report joins through another that joined: a trial's opening ("Embezzlement trial of
    # former treasurer opens") shares its headline with the day the prosecution rested
    # ("Prosecution rests in Vell embezzlement trial"), not with the day in between.
    members = [by_id[entry[1].passage_id].passage for entry in kept.values()]
    grew = True
    while grew:
        grew = False
        for value, entry in values.items():
            passage = by_id[entry[1].passage_id].passage
            if value not in kept and (
                joins_story(members, passage)
                and any(joins(value, entry, member) for member in members)
            ):
                kept[value] = entry
                members.append(passage)
                grew = True
    values = {value: entry for value, entry in values.items() if value in kept}
    if len(values) < 2:
        return None
    # Values of one day only are no story but a disagreement: the caller says so
    # (:func:`same_day_rivals`) instead of picking one.
    chosen = max(values.values(), key=lambda entry: (entry[2], entry[0].score))[0]
    entries = sorted(
        (
            TimelineEntry(
                text=span.text,
                date=by_id[span.passage_id].passage.date or dt.date.min,
                citation=citation_for(span, by_id, index),
            )
            for _, span, _ in values.values()
        ),
        key=lambda entry: entry.date,
    )
    return chosen, tuple(entries)


def same_day_rivals(timeline: Sequence[TimelineEntry]) -> tuple[TimelineEntry, ...]:
    """The newest reports of a timeline when there are several of that day (from different
    articles, with different values); empty when the newest report stands alone.

    Example:
        >>> same_day_rivals(())
        ()
    """
    if not timeline:
        return ()
    newest = max(entry.date for entry in timeline)
    rivals = tuple(entry for entry in timeline if entry.date == newest)
    return rivals if len(rivals) > 1 else ()


def disagreement_reason(rivals: Sequence[TimelineEntry]) -> str:
    """The decline when reports of one day disagree, naming each value and its source.

    Example:
        >>> disagreement_reason(())
        'Reports of the same day disagree.'
    """
    if not rivals:
        return "Reports of the same day disagree."
    said = [
        f"“{entry.text}” ({source_label(entry.citation.document_id, entry.citation.source)})"
        for entry in rivals
    ]
    listed = ", ".join(said[:-1]) + f" and {said[-1]}" if len(said) > 1 else said[0]
    return f"Reports of the same day ({rivals[0].date:%d %B %Y}) disagree: {listed}."


# Reports of one story are at most this many days apart, and share this many headline words.
STORY_DAYS = 60
STORY_TITLE_WORDS = 2


def same_story(a: Passage, b: Passage) -> bool:
    """Whether two dated passages' articles report one story: headlines that share names or
    key words ("Corran Ridge Fire grows", "Corran Ridge Fire: evacuations lifted"), dates
    within :data:`STORY_DAYS`."""
    if a.date is None or b.date is None or abs((a.date - b.date).days) > STORY_DAYS:
        return False
    shared = _title_words(a.title) & _title_words(b.title)
    return len(shared) >= STORY_TITLE_WORDS


def joins_story(members: Sequence[Passage], passage: Passage) -> bool:
    """Whether ``passage``'s article joins a story already told by ``members``' articles: it
    is :func:`same_story` with one of them, and its headline names no rival of a thing one
    of theirs names.

    Stories are joined a link at a time: a trial's opening day ("Embezzlement trial of former
    treasurer opens") shares its headline with the day the prosecution rested ("Prosecution
    rests in Vell embezzlement trial"), not with the day in between. Links through common
    words ("fire", "percent", "contained") would join two fires of the same week, so a
    headline that names another thing of the same kind ("Corran Ridge Fire" where a member
    names "Millbrook Fire") keeps its article out.

    Example:
        >>> def report(title: str, day: int) -> Passage:
        ...     return Passage(id=f"{day}#0", document_id=str(day), title=title, text="x",
        ...                    start=0, end=1, ordinal=0, date=dt.date(2025, 8, day))
        >>> opens = report("Embezzlement trial of former treasurer opens", 8)
        >>> rests = report("Prosecution rests in Vell embezzlement trial", 12)
        >>> joins_story([report("Auditor tells Vell jury", 10), rests], opens)
        True
        >>> joins_story([report("Millbrook evacuees return as fire is 85 percent contained", 8)],
        ...             report("Corran Ridge Fire 60 percent contained", 8))
        True
        >>> joins_story([report("Millbrook Fire doubles to 900 acres", 5),
        ...              report("Millbrook evacuees return as fire is 85 percent contained", 8)],
        ...             report("Corran Ridge Fire 60 percent contained", 8))
        False
    """
    if not any(same_story(member, passage) for member in members):
        return False
    return not any(_rival_names(member.title, passage.title) for member in members)


def _rival_names(a: str, b: str) -> bool:
    """Whether two headlines name two different things of one kind: "Millbrook Fire" and
    "Corran Ridge Fire" (capitalised runs ending in the same word, differing before it), and
    neither names the other's ("South Korea answers North Korea" is no rival of "North Korea
    fires missiles").

    Example:
        >>> _rival_names("Millbrook Fire doubles", "Corran Ridge Fire contained")
        True
        >>> _rival_names("North Korea fires missiles", "South Korea answers North Korea")
        False
    """
    named_a, named_b = _named_by_head(a), _named_by_head(b)
    return any(named_b.get(head) and not named_b[head] & names for head, names in named_a.items())


def _named_by_head(title: str) -> dict[str, set[str]]:
    named: dict[str, set[str]] = {}
    for name in _CAPITALISED_RUN.findall(title):
        words = name.lower().split()
        named.setdefault(words[-1], set()).add(" ".join(words))
    return named


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")


def _title_words(title: str) -> frozenset[str]:
    # A number that is part of a name counts as a word of it: "Highway 9", "Route 4".
    named_numbers = {m.group(1) for m in _NAMED_NUMBER.finditer(title)}
    return frozenset(key_form(w) for w in _WORD.findall(title) if len(w) >= 4) | named_numbers


def _counted_noun(text: str, span: Span) -> str | None:
    """The noun right after a figure, in the answer or just after it: "About 250" in "About 250
    firefighters were working" counts "firefighters"; or, with no noun after it, the noun of
    "the number of" earlier in its sentence: "The number of homes destroyed climbed to 11"
    counts "homes"; or the plural noun its sentence moves: "Confirmed measles cases in Ashby
    County rose to 12" counts "cases". An amount of money counts "$"."""
    # An amount of money counts dollars, whatever it buys: "$250" and "$500" are one fine.
    if span.text.startswith("$") or text[max(0, span.start - 1) : span.start] == "$":
        return "$"
    # The answer's own noun first: "9 percent" counts percent, whatever follows ("raise").
    found = _COUNTED_INSIDE.search(span.text)
    if found is None and _NUMBER_END.search(span.text) is not None:
        found = _COUNTED.match(text, span.end)
    if found is not None:
        word = found.group(1).lower()
        # "rose to five on Wednesday": a word of grammar after the figure says nothing of
        # what it counts; the sentence before it may.
        if word not in _NOT_COUNTED:
            return key_form(word)
    begin = max(text.rfind(". ", 0, span.start) + 1, 0)
    counted = list(_NUMBER_OF.finditer(text, begin, span.start))
    if counted:
        return key_form(counted[-1].group(1))
    moved = list(_MOVED.finditer(text, begin, span.start))
    return key_form(moved[-1].group(1)) if moved else None


def _earlier_figure(passage: Passage, span: Span) -> bool:
    """Whether ``span`` is the figure an update replaces ("up from 5 percent", "from 12").

    Example:
        >>> text = "Containment rose to 10 percent, up from 5 percent on Monday."
        >>> p = Passage(id="a#0", document_id="a", title="T", text=text, start=0,
        ...             end=len(text), ordinal=0)
        >>> old = Span(passage_id="a#0", start=40, end=49, text="5 percent", score=0.1)
        >>> new = Span(passage_id="a#0", start=20, end=30, text="10 percent", score=0.9)
        >>> _earlier_figure(p, old), _earlier_figure(p, new)
        (True, False)
    """
    return _EARLIER.search(passage.text, max(0, span.start - 20), span.start) is not None


def _same_figure(best: Passage, counted: str | None, other: Passage, span: Span) -> bool:
    """Whether a figure of ``other`` updates the best answer's figure (of ``best``, counting
    ``counted``): a report of the same story (:func:`same_story`) whose figure counts the
    same thing or does not say; or, when both count the same thing ("11 witnesses", "19
    witnesses"), a report within :data:`STORY_DAYS` whose headline shares a name with the
    best one's ("Auditor tells Vell jury ...", "Prosecution rests in Vell embezzlement
    trial"): headlines of one trial share its defendant's name, not always two words.
    """
    other_counted = _counted_noun(other.text, span)
    if counted is not None and other_counted is not None and counted != other_counted:
        # A figure of another thing is no update: "over three years" is not a raise given
        # as "a 7 percent raise".
        return False
    if same_story(best, other):
        return True
    if counted is None or other_counted is None or best.date is None or other.date is None:
        return False
    close = abs((best.date - other.date).days) <= STORY_DAYS
    return close and bool(_title_names(best.title) & _title_names(other.title))


def _title_names(title: str) -> frozenset[str]:
    """The capitalised words of a headline after its first (names, in sentence-case
    headlines), and numbers that are part of a name."""
    words = _WORD.findall(title)
    names = {w for w in words[1:] if w[0].isupper() and len(w) >= 3}
    return frozenset(names | {m.group(1) for m in _NAMED_NUMBER.finditer(title)})


def _sentence_words(text: str, span: Span) -> frozenset[str]:
    """The content words of the sentence holding ``span``, without the span's own words."""
    begin = max(text.rfind(". ", 0, span.start) + 1, 0)
    stop = text.find(". ", span.end)
    sentence = text[begin : stop if stop >= 0 else len(text)]
    own = {key_form(w) for w in _WORD.findall(span.text)}
    return frozenset(
        key_form(w) for w in _WORD.findall(sentence) if len(w) >= 4 and key_form(w) not in own
    )


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0
