"""Whether to answer, and the :class:`~qa.types.Answer` that says so.

The reader proposes answers with confidences; this module makes the last call, the one users
judge the assistant by: decline when no passage is about the question, when the articles never
mention what it names, when nothing of the kind it asks for is there, or when the best answer
is not sure enough; otherwise answer with every passage that gives the answer cited. Every
reason is one plain sentence with the real numbers, shown as it is by the CLI, the chat and
the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qa.answer.citations import citation_for
from qa.answer.dates import resolve_date_in
from qa.answer.stories import disagreement_reason, same_day_rivals, story
from qa.index.generation import LoadedIndex
from qa.read.base import AnswerGroup
from qa.read.conflicts import Clash, ClashKind
from qa.settings import Settings
from qa.types import Answer, Hit


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
        found: When nothing of that kind was found, the reader's best candidate of another
            kind and that kind's name (("Gate-7", "title")), for the decline to say.
    """

    question: str
    resolved: str
    hits: Sequence[Hit]
    merged: Sequence[AnswerGroup]
    unmentioned: Sequence[str] = ()
    kind: str | None = None
    found: tuple[str, str] | None = None


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
        if evidence.found is not None:
            # Say what was there instead: a count question met only "Gate-7", a name.
            text, found_kind = evidence.found
            what = "not one" if found_kind == "other" else _a(found_kind)
            reason = (
                f"The closest passages hold no {kind} that could answer it: the nearest "
                f"candidate, “{text}”, is {what}."
            )
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
    elif merged[0].check is not None and merged[0].check < settings.check_floor:
        reason = (
            f"The sentence “{group[0].text}” comes from does not seem to say what is asked: "
            f"its check is {merged[0].check:.2g}, and at least {settings.check_floor:g} is "
            "needed to answer."
        )
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
    told = story(merged, by_id, index, settings, score)
    if told is not None:
        chosen, timeline = told
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
        # The newest report's value answers with the story's confidence: the reader trusts
        # the words of an update ("More than 480 firefighters are now assigned") less than
        # the report worded like the question, and its own score (0.002) would read as a
        # guess; which value is newest is read from the dates, not guessed.
        score, group = max(score, chosen.score), chosen.spans
    else:
        timeline = ()
    citations = [citation_for(span, by_id, index) for span in group]
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


def _a(noun: str) -> str:
    """ "an organisation", "a count"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
