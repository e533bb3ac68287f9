"""Whether to answer, and the :class:`~qa.types.Answer` that says so.

The reader proposes answers with confidences; this module makes the last call, the one users
judge the assistant by: decline when no passage is about the question, when the articles never
mention what it names, when nothing of the kind it asks for is there, or when the best answer
is not sure enough; otherwise answer with every passage that gives the answer cited. Every
reason is one plain sentence with the real numbers, shown as it is by the CLI, the chat and
the API.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qa.answer.dates import resolve_date_in
from qa.index.generation import LoadedIndex
from qa.read.base import AnswerGroup
from qa.read.conflicts import Clash, ClashKind
from qa.settings import Settings
from qa.text.dates import resolve_date
from qa.text.display import source_label
from qa.text.words import key_form
from qa.types import Answer, Citation, Hit, Span, TimelineEntry, answer_key


@dataclass(frozen=True)
class Evidence:
    """What the pipeline found for one question, for :func:`decide` to judge.

    Attributes:
        question: The question as asked.
        resolved: Its standalone form (the question itself unless it was a follow-up).
        hits: Retrieved passages, best first.
        merged: The reader's distinct answers, most confident first.
        unmentioned: The question's specifics no read article mentions (when nothing was read).
        kind: The kind of answer the question asks for, when the reader tells kinds apart.
    """

    question: str
    resolved: str
    hits: Sequence[Hit]
    merged: Sequence[AnswerGroup]
    unmentioned: Sequence[str] = ()
    kind: str | None = None


def decide(
    evidence: Evidence,
    index: LoadedIndex,
    settings: Settings,
    *,
    top_k: int,
    parse: Callable[[str], Any] | None = None,
) -> Answer:
    """The answer, or the reasoned decline, for one question's evidence.

    Args:
        evidence: What retrieval and reading found.
        index: The generation the passages come from (for citations' articles and copies).
        settings: The floors: ``similarity_floor``, ``abstain_threshold``, ``read_k``.
        top_k: Passages to return with the answer.
        parse: A spaCy pipeline, to read the tense around a date answer ("voted on Tuesday").

    Example:
        >>> answer = decide(Evidence("Who won?", "Who won?", [], []), index, Settings(), top_k=3)
        >>> print(answer.abstain_reason)
        No passage is about this question: the closest has similarity 0.00, and at least 0.395 is
        needed.
    """
    question, resolved, hits = evidence.question, evidence.resolved, list(evidence.hits)
    merged, unmentioned, kind = evidence.merged, evidence.unmentioned, evidence.kind
    shown = tuple(hits[:top_k])
    standalone = resolved if resolved != question else None
    score, group = (merged[0].score, merged[0].spans) if merged else (0.0, ())
    read = hits[: settings.read_k]
    closest = max((h.similarity or 0.0 for h in read), default=0.0)
    floor = settings.similarity_floor
    reason = None
    if closest < floor:
        reason = (
            f"No passage is about this question: the closest has similarity "
            f"{closest:.2f}, and at least {floor:g} is needed."
        )
    elif not group and unmentioned:
        named = ", ".join(f"“{w}”" for w in unmentioned)
        reason = f"The closest articles never mention {named}."
    elif not group and kind not in (None, "other"):
        reason = f"The closest passages hold no {kind} that could answer it."
    elif not group:
        reason = "The closest passages hold no candidate answer."
    elif score < settings.abstain_threshold:
        reason = (
            f"The best candidate, “{group[0].text}”, has confidence {score:.2g}, and at "
            f"least {settings.abstain_threshold:g} is needed to answer."
        )
    elif merged[0].clashes:
        # However sure the reader is, a sentence that names another town, year or order of
        # events than the question does answers another question.
        reason = clash_reason(merged[0].clashes[0])
    if reason is not None:
        return Answer(
            question=question,
            text=None,
            best_candidate_score=score if group else None,
            resolved_question=standalone,
            passages=shown,
            abstain_reason=reason,
            kind=kind,
        )
    by_id = {h.passage.id: h for h in hits}
    story = _story(merged, by_id, index, settings, score)
    if story is not None:
        chosen, timeline = story
        rivals = same_day_rivals(timeline)
        if rivals:
            # Two reports of one day give two values and neither is newer: say so, with
            # both, rather than pick one.
            return Answer(
                question=question,
                text=None,
                best_candidate_score=score,
                resolved_question=standalone,
                passages=shown,
                abstain_reason=disagreement_reason(rivals),
                kind=kind,
                timeline=timeline,
            )
        score, group = chosen.score, chosen.spans
    else:
        timeline = ()
    citations = [_citation(span, by_id, index) for span in group]
    return Answer(
        question=question,
        text=group[0].text,
        score=score,
        citations=tuple(citations),
        resolved_question=standalone,
        passages=shown,
        date=resolve_date_in(
            citations[0].passage,
            citations[0].start,
            citations[0].end,
            citations[0].date,
            parse,
        ),
        kind=kind,
        timeline=timeline,
    )


def clash_reason(clash: Clash) -> str:
    """The one sentence that declines an answer whose sentence contradicts the question.

    Example:
        >>> clash_reason(Clash(ClashKind.NUMBER, "September 2022", "September 2021"))
        'The passage speaks of “September 2021”, not “September 2022”.'
        >>> clash_reason(Clash(ClashKind.RELATION, "after", "prior", "attack"))
        'The passage says “prior”, not “after”, about the attack.'
    """
    if clash.kind is ClashKind.RELATION:
        about = f", about the {clash.about}" if clash.about else ""
        return f"The passage says “{clash.sentence}”, not “{clash.question}”{about}."
    return f"The passage speaks of “{clash.sentence}”, not “{clash.question}”."


def _citation(span: Span, by_id: dict[str, Hit], index: LoadedIndex) -> Citation:
    hit = by_id[span.passage_id]
    passage = hit.passage
    document = index.documents.get(passage.document_id)
    others = (index.passages.document_id(index.row_of[c]) for c in hit.copies)
    also_in = tuple(dict.fromkeys(d for d in others if d != passage.document_id))
    return Citation(
        document_id=passage.document_id,
        title=passage.title,
        passage=passage.text,
        start=span.start,
        end=span.end,
        passage_id=passage.id,
        passage_start=passage.start,
        score=span.score,
        date=passage.date,
        url=document.url if document is not None else None,
        author=document.author if document is not None else None,
        also_in=also_in,
        source=document.source if document is not None else None,
    )


# A rival answer joins a story's timeline only when the reader is at least this sure of it
# relative to the best answer: the reader's weaker proposals are mostly other things the
# passages mention, not earlier or later values of the answer.
STORY_SHARE = 0.25
# Share of content words two answers' sentences must have in common (Jaccard) for the two
# articles to count as reports of one event.
SAME_EVENT_OVERLAP = 0.5
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[^\W\d_]+")


def answer_value(text: str, on: dt.date | None) -> str:
    """What an answer says, so that two wordings of one value count as one answer.

    A date becomes its calendar day, numbers their digits, anything else its answer key.

    Example:
        >>> answer_value("1,200 people", None) == answer_value("1200", None)
        True
        >>> answer_value("Friday", dt.date(2024, 6, 5))
        'date:2024-06-07'
    """
    day = resolve_date(text, on)
    if day is not None:
        return f"date:{day.isoformat()}"
    numbers = [n.replace(",", "") for n in _NUMBER.findall(text)]
    if numbers:
        return "number:" + " ".join(numbers)
    return "text:" + answer_key(text)


def _story(
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
    for group in merged:
        if group.score < floor:
            break
        dated = [
            (by_id[s.passage_id].passage.date, s)
            for s in group.spans
            if by_id[s.passage_id].passage.date is not None
            and by_id[s.passage_id].passage.document_id not in taken
        ]
        taken.update(by_id[s.passage_id].passage.document_id for s in group.spans)
        if not dated:
            continue
        first_date, first_span = min(dated, key=lambda pair: pair[0] or dt.date.max)
        assert first_date is not None
        value = answer_value(first_span.text, first_date)
        latest = max(d for d, _ in dated if d is not None)
        if value not in values:
            values[value] = (group, first_span, latest)
    if len(values) < 2:
        return None
    # Only reports of the same event count: each rival's sentence must say what the best
    # answer's sentence says, apart from the value ("the death toll rose to 12 / to 45").
    best_group, best_span, _ = next(iter(values.values()))
    anchor = _sentence_words(by_id[best_span.passage_id].passage.text, best_span)
    values = {
        value: entry
        for value, entry in values.items()
        if entry[0] is best_group
        or _overlap(anchor, _sentence_words(by_id[entry[1].passage_id].passage.text, entry[1]))
        >= SAME_EVENT_OVERLAP
    }
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
                citation=_citation(span, by_id, index),
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
