"""The reader interface: any extractive reader plugs into the pipeline through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from qa.question.analysis import QuestionAnalysis
from qa.read.conflicts import Clash
from qa.types import Hit, Span, answer_key


@dataclass(frozen=True)
class ReadRequest:
    """One question and the passages to read for it.

    Attributes:
        question: The standalone question (follow-ups already resolved).
        hits: Retrieved passages, best first.
        analyses: For each hit, what :meth:`Reader.analyze` stored for its passage at index time.
        question_vector: The encoded question, when the pipeline has it (saves encoding twice).
        document_words: For each hit, the words of its whole article in their key form
            (:func:`qa.text.words.article_words`), when known: an article names a person in full
            once and then shortly ("Mr. Kim"), so whether it mentions something is a question
            about the article, not the passage.
        analysis: The question stage's analysis of ``question`` (its parse, frame and answer
            kind), which the pipeline always gives; a request built by hand may leave it out,
            and a reader that needs it then parses the question itself.
    """

    question: str
    hits: Sequence[Hit]
    analyses: Sequence[bytes]
    question_vector: npt.NDArray[np.float32] | None = None
    document_words: Sequence[frozenset[str]] | None = None
    analysis: QuestionAnalysis | None = None


@dataclass(frozen=True)
class AnswerGroup:
    """One distinct answer a reader proposes, with every span that gives it.

    Attributes:
        score: Confidence in [0, 1] that this answer is correct.
        spans: One span per passage giving the answer, best first.
        clashes: What the sentence of the best span contradicts in the question (a name,
            number or relation it replaces by another), for readers that check it; the
            pipeline declines an answer whose sentence says something else.
        check: For the reader's best answer, the answer check's probability that its sentence
            says what is asked (:mod:`qa.read.check`); None when not checked.
    """

    score: float
    spans: tuple[Span, ...]
    clashes: tuple[Clash, ...] = ()
    check: float | None = None


def merge_spans(spans: Sequence[Span]) -> list[AnswerGroup]:
    """Group spans that give the same answer and combine their evidence.

    Passages are treated as independent witnesses: the answer is wrong only if every passage
    proposing it is wrong, so the merged confidence is ``1 - prod(1 - score)`` (noisy-OR) over
    the best span of each passage. Within one passage only the best span counts, so a passage
    repeating a name does not vote twice. Readers without a better model of evidence use this.

    Returns:
        One group per distinct answer, most confident first.

    Example:
        >>> a = Span(passage_id="p1", start=0, end=3, text="Kim", score=0.5)
        >>> b = Span(passage_id="p2", start=4, end=7, text="kim", score=0.5)
        >>> merge_spans([a, b])[0].score
        0.75
    """
    groups: dict[str, dict[str, Span]] = {}
    for span in spans:
        key = answer_key(span.text)
        if not key:
            continue
        per_passage = groups.setdefault(key, {})
        best = per_passage.get(span.passage_id)
        if best is None or span.score > best.score:
            per_passage[span.passage_id] = span
    merged = []
    for per_passage in groups.values():
        members = sorted(per_passage.values(), key=lambda s: -s.score)
        miss = 1.0
        for span in members:
            miss *= 1.0 - span.score
        merged.append(AnswerGroup(min(1.0, max(0.0, 1.0 - miss)), tuple(members)))
    merged.sort(key=lambda g: (-g.score, g.spans[0].passage_id, g.spans[0].start))
    return merged


@runtime_checkable
class Reader(Protocol):
    """Finds answer spans in passages.

    This is all the pipeline asks of a reader. It receives each question already analysed
    (:attr:`ReadRequest.analysis`: follow-ups filled in, parsed, its answer kind known), so a
    reader needs no parser of its own, and follow-ups, answer kinds and the "never mentioned"
    decline work whichever reader is plugged in.

    Attributes:
        name: Identifies the reader and the version of its index-time analysis; an index whose
            analyses were made under another name is re-analysed.
    """

    name: str

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """Index-time analysis of passage texts (parsing, sentence vectors...), one blob each.

        Done once per passage when it is indexed, so questions do not pay for it.
        """
        ...

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        """The distinct answers found for each request, most confident first.

        Equal answers from several passages are one group whose score is the reader's
        confidence in it (a reader with no model of its own can use :func:`merge_spans`);
        the pipeline decides whether the best group is good enough to give.
        """
        ...
