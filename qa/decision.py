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

from qa.dates import resolve_date_in
from qa.index.generation import LoadedIndex
from qa.read.base import AnswerGroup
from qa.settings import Settings
from qa.types import Answer, Citation, Hit


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
        >>> answer = decide(Evidence("Who won?", "Who won?", [], []), index, Settings(),
        ...                 top_k=3)                                   # doctest: +SKIP
        >>> answer.abstain_reason                                      # doctest: +SKIP
        'No passage is about this question: the closest has similarity 0.00, ...'
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
    if reason is not None:
        return Answer(
            question=question,
            text=None,
            score=score,
            resolved_question=standalone,
            passages=shown,
            abstain_reason=reason,
            kind=kind,
        )
    by_id = {h.passage.id: h for h in hits}
    citations = []
    for span in group:
        hit = by_id[span.passage_id]
        passage = hit.passage
        document = index.documents.get(passage.document_id)
        others = (index.passages[index.row_of[c]].document_id for c in hit.copies)
        also_in = tuple(dict.fromkeys(d for d in others if d != passage.document_id))
        citations.append(
            Citation(
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
                also_in=also_in,
            )
        )
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
    )
