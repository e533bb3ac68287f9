"""The typed reader's two logistic models: what they weigh, their weights, and how scored
candidates become answers.

:data:`FEATURES` are what the candidate model sees of one span, :data:`GROUP_FEATURES` what the
confidence model sees of one answer (all its candidates together); ``scripts/fit_reader.py``
fits both and writes ``qa/read/typed/weights.json``. :func:`answer_groups` merges candidates
giving the same answer and scores each answer's confidence. These are kept apart from
:class:`qa.read.typed.TypedReader`, which computes the features, because the fitting script and
the neural reader use the models, the candidates and the grouping on their own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.read.base import AnswerGroup, merge_spans
from qa.types import Span, answer_key

FEATURES = (
    "type_primary",
    "type_secondary",
    "np_generic",
    "head_match",
    "overlap",
    "proximity",
    "verb_link",
    "sentence_similarity",
    "retrieval",
    "in_question",
    "long",
    "modifier",
    "role_match",
    "prep_cue",
    "missing_key",
    "verb_missing",
    "with_unit",
    "place_phrase",
)

# Features of a whole answer (all its candidates together) for the confidence model.
GROUP_FEATURES = (
    "top_logit",
    "margin",
    "share",
    "extra_passages",
    "type_fit",
    "overlap",
    "sentence_similarity",
    "missing_key",
    "verb_missing",
)

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

# Hand-set fallback weights, used when no fitted weights file is present: each feature's sign
# and rough size follow from what it measures.
HAND_WEIGHTS: dict[str, float] = {
    "bias": -5.0,
    "type_primary": 2.6,
    "type_secondary": 1.6,
    "np_generic": 0.6,
    "head_match": 1.0,
    "overlap": 2.4,
    "proximity": 1.6,
    "verb_link": 1.0,
    "sentence_similarity": 2.6,
    "retrieval": 0.6,
    "in_question": -3.5,
    "long": -0.5,
    "modifier": -1.5,
    "role_match": 1.2,
    "prep_cue": 0.8,
    "missing_key": -4.0,
    "verb_missing": -1.5,
    "with_unit": 0.0,
    "place_phrase": 0.5,
}


@dataclass(frozen=True)
class ReaderWeights:
    """The two logistic models of the reader.

    Attributes:
        rank: Weights over :data:`FEATURES` (and ``bias``) scoring each candidate span.
        confidence: Weights over :data:`GROUP_FEATURES` (and ``bias``) giving the probability
            that an answer is right; None falls back to combining span scores by noisy-OR.
    """

    rank: dict[str, float]
    confidence: dict[str, float] | None = None


def load_weights(path: Path = WEIGHTS_FILE) -> ReaderWeights:
    """Fitted weights (written by ``scripts/fit_reader.py``), or the hand-set ones.

    Example:
        >>> "bias" in load_weights().rank
        True
    """
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return ReaderWeights(
            rank={k: float(v) for k, v in data["rank"].items()},
            confidence={k: float(v) for k, v in data["confidence"].items()},
        )
    return ReaderWeights(rank=dict(HAND_WEIGHTS))


@dataclass(frozen=True)
class Candidate:
    """One scored candidate, with its features kept for training and error analysis."""

    start: int
    end: int
    label: str
    features: tuple[float, ...]
    score: float
    logit: float = 0.0


def answer_groups(
    scored: Sequence[tuple[Span, Candidate]], weights: ReaderWeights
) -> tuple[list[AnswerGroup], list[tuple[float, ...]]]:
    """Merge candidates giving the same answer and score each answer's confidence.

    An answer's evidence is judged as a whole: its best candidate's logit, its lead over the
    next answer, its share of all the candidates' weight (softmax), how many other passages
    give it too, and the best candidate's fit with the question. The confidence model maps
    these to the probability the answer is right; without one, span scores are combined
    by noisy-OR.

    Returns:
        The groups, most confident first, and each group's :data:`GROUP_FEATURES` values.
    """
    if weights.confidence is None:
        groups = merge_spans([span for span, _ in scored])
        return groups, [() for _ in groups]
    by_key: dict[str, list[tuple[Span, Candidate]]] = {}
    for span, cand in scored:
        key = answer_key(span.text)
        if key:
            by_key.setdefault(key, []).append((span, cand))
    if not by_key:
        return [], []
    logits = {key: max(c.logit for _, c in members) for key, members in by_key.items()}
    top = max(logits.values())
    total = sum(math.exp(c.logit - top) for members in by_key.values() for _, c in members)
    conf = weights.confidence
    conf_w = np.array([conf.get(f, 0.0) for f in GROUP_FEATURES])
    out: list[tuple[AnswerGroup, tuple[float, ...]]] = []
    for key, members in by_key.items():
        best_per_passage: dict[str, tuple[Span, Candidate]] = {}
        for span, cand in members:
            held = best_per_passage.get(span.passage_id)
            if held is None or cand.logit > held[1].logit:
                best_per_passage[span.passage_id] = (span, cand)
        ordered = sorted(best_per_passage.values(), key=lambda sc: -sc[1].logit)
        best = ordered[0][1]
        others = [v for k, v in logits.items() if k != key]
        f = dict(zip(FEATURES, best.features, strict=True))
        features = (
            best.logit,
            min(10.0, best.logit - max(others)) if others else 10.0,
            sum(math.exp(c.logit - top) for _, c in members) / total,
            float(len(ordered) - 1),
            f["type_primary"] + f["type_secondary"],
            f["overlap"],
            f["sentence_similarity"],
            f["missing_key"],
            f["verb_missing"],
        )
        z = conf.get("bias", 0.0) + float(np.dot(conf_w, features))
        score = 1.0 / (1.0 + math.exp(-z))
        out.append((AnswerGroup(score, tuple(s for s, _ in ordered)), features))
    out.sort(key=lambda item: (-item[0].score, item[0].spans[0].passage_id))
    return [g for g, _ in out], [f for _, f in out]
