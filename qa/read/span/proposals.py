"""Proposals: each distinct answer either reader proposes, with the evidence the combiner judges.

The neural reader finds candidate answers by place (a span of one of the passages read) from
both readers. The helpers here match the typed reader's candidates to the span model's places,
group places by the answer they spell, cite one span per passage, and give the sentence-level
and competitive evidence the combiner's features are made of. They are functions of the two
readers' outputs only, kept apart from :class:`qa.read.neural.NeuralReader` so that they can
be read and tested without loading either model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.read.conflicts import Clash
from qa.read.span.model import LOGIT_FLOOR, SpanModelOutput
from qa.read.typed.features import PassageView
from qa.read.typed.scoring import Candidate
from qa.types import Hit, Span, answer_key

# Where a candidate answer sits: (index of its passage among the hits read, start, end).
Place = tuple[int, int, int]


# "What are the two ...?", "Who were the three ...", "What two fields ...": a list is asked for.
_SEVERAL = re.compile(
    r"\b(?:what|which|who|name)\s+(?:(?:are|were|is|was)\s+)?(?:the\s+)?"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b",
    re.IGNORECASE,
)


def asks_for_several(question: str, parsed: Any = None) -> bool:
    """Whether a question asks for several things, so its answer is a list: it gives their
    number ("What are the two ...?") or, when its parse is given, asks "what/which" of a
    plural noun ("Which countries ...?").

    Example:
        >>> asks_for_several("What are two examples of reductions?")
        True
        >>> asks_for_several("If two integers are multiplied, what is the result called?")
        False
    """
    if _SEVERAL.search(question) is not None:
        return True
    return parsed is not None and any(
        t.lower_ in ("what", "which") and t.dep_ == "det" and t.head.tag_ in ("NNS", "NNPS")
        for t in parsed
    )


@dataclass(frozen=True)
class Proposal:
    """One distinct answer with the evidence the combiner judges, and what its best span's
    sentence contradicts in the question (:mod:`qa.read.conflicts`)."""

    key: str
    spans: tuple[Span, ...]
    features: tuple[float, ...]
    clashes: tuple[Clash, ...] = ()


def best_of_others(values: dict[str, float]) -> dict[str, float]:
    """For each key, the highest value among the other keys (``LOGIT_FLOOR`` when it is alone).

    Example:
        >>> best_of_others({"a": 3.0, "b": 1.0, "c": 2.0})
        {'a': 2.0, 'b': 3.0, 'c': 3.0}
    """
    ranked = sorted(values.items(), key=lambda kv: -kv[1])[:2]
    if not ranked:
        return {}
    first_key, first = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else LOGIT_FLOOR
    return {key: second if key == first_key else first for key in values}


def sentence_features(view: PassageView | None, char: int) -> dict[str, float]:
    """The typed reader's sentence-level features for a span starting at ``char``."""
    sentence = view.sentence_at(char) if view is not None else None
    if view is None or sentence is None:
        return {}
    return {
        "missing_key": view.missing_key,
        "verb_missing": sentence.verb_missing,
        "sentence_similarity": sentence.similarity,
        "overlap": sentence.overlap,
    }


def keys_missing(view: PassageView | None, char: int) -> float:
    """Share of the question's specifics missing from the sentence holding ``char``."""
    sentence = view.sentence_at(char) if view is not None else None
    return sentence.keys_missing if sentence is not None else 0.0


def typed_match(place: Place, typed_at: dict[Place, Candidate]) -> Candidate | None:
    """The typed candidate for a span: the same characters, or one that mostly overlaps it.

    The two readers often disagree only on an edge word ("this Saturday" / "Saturday"); the
    typed reader's knowledge of the answer still applies.
    """
    exact = typed_at.get(place)
    if exact is not None:
        return exact
    k, start, end = place
    best: tuple[float, float, Candidate] | None = None
    for (k2, s2, e2), cand in typed_at.items():
        if k2 != k:
            continue
        inter = min(end, e2) - max(start, s2)
        if inter <= 0:
            continue
        iou = inter / (max(end, e2) - min(start, s2))
        if iou >= 0.5 and (best is None or (iou, cand.logit) > best[:2]):
            best = (iou, cand.logit, cand)
    return best[2] if best is not None else None


def typed_places(
    typed: Sequence[tuple[Span, Candidate]], rank_of: dict[str, int]
) -> dict[Place, Candidate]:
    """Each typed candidate by its place; of two at the same place, the stronger."""
    typed_at: dict[Place, Candidate] = {}
    for span, cand in typed:
        place = (rank_of[span.passage_id], span.start, span.end)
        held = typed_at.get(place)
        if held is None or cand.logit > held.logit:
            typed_at[place] = cand
    return typed_at


def by_answer(
    hits: Sequence[Hit],
    outputs: Sequence[SpanModelOutput],
    places: set[Place],
    grown_from: dict[Place, tuple[float, float]],
) -> dict[str, list[tuple[Place, float, float]]]:
    """Places grouped by the answer they spell, each with its span logit and margin, best
    first."""
    by_key: dict[str, list[tuple[Place, float, float]]] = {}
    for place in places:
        k, start, end = place
        key = answer_key(hits[k].passage.text[start:end])
        if not key:
            continue
        logit, margin = outputs[k].score(start, end)
        if place in grown_from:
            logit, margin = max((logit, margin), grown_from[place])
        by_key.setdefault(key, []).append((place, logit, margin))
    for vals in by_key.values():
        vals.sort(key=lambda v: -v[1])
    return by_key


def cited_spans(hits: Sequence[Hit], per_passage: dict[int, Place], first: int) -> tuple[Span, ...]:
    """One span per passage that holds the answer, the best one's passage first."""
    spans = []
    for k in sorted(per_passage, key=lambda k: k != first):
        _, start, end = per_passage[k]
        passage = hits[k].passage
        spans.append(
            Span(
                passage_id=passage.id, start=start, end=end, text=passage.text[start:end], score=0.0
            )
        )
    return tuple(spans)
