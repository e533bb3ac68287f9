"""Pure scoring functions for answers, confidence calibration and retrieval.

Answer scores follow the official SQuAD 2.0 evaluation: answers are compared after
normalisation, exact match and token F1 take the best score over the gold answers, and a
question with no gold answer is scored on whether the system abstained. Calibration is measured
with expected calibration error over equal-width bins and with a risk-coverage curve; retrieval
with recall@k and mean reciprocal rank over the 1-based rank of the first relevant item.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ReliabilityBin",
    "RiskCoveragePoint",
    "exact_match",
    "expected_calibration_error",
    "f1_score",
    "mean_reciprocal_rank",
    "normalize_answer",
    "percentile",
    "recall_at_k",
    "reliability_bins",
    "risk_coverage",
]

_PUNCTUATION = frozenset(string.punctuation)
# Articles are replaced by a space rather than deleted so that the words on either side stay
# apart; the whitespace pass afterwards collapses the gap.
_ARTICLE_RE = re.compile(r"\b(?:a|an|the)\b")
_DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(i / 10 for i in range(10))


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin of a reliability diagram.

    Attributes:
        lower: Inclusive lower edge of the bin.
        upper: Upper edge; exclusive except for the last bin, which also holds 1.0.
        count: Number of predictions whose confidence falls in the bin.
        mean_confidence: Average confidence in the bin, or None when the bin is empty.
        accuracy: Share of correct predictions in the bin, or None when the bin is empty.
    """

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class RiskCoveragePoint:
    """What happens when only answers with confidence at or above a threshold are given.

    Attributes:
        threshold: The confidence an answer needs to be kept.
        coverage: Share of all items that are kept.
        kept: Number of items kept.
        accuracy: Share of kept items that are correct, or None when nothing is kept.
    """

    threshold: float
    coverage: float
    kept: int
    accuracy: float | None

    @property
    def risk(self) -> float | None:
        """Error rate among the kept items (``1 - accuracy``), or None when nothing is kept."""
        return None if self.accuracy is None else 1.0 - self.accuracy


def normalize_answer(text: str) -> str:
    """Normalise an answer the way the official SQuAD script does before comparing.

    Lower-cases, drops punctuation, removes the whole words "a", "an" and "the", and
    collapses runs of whitespace to single spaces.

    The official script drops only ASCII punctuation. News text uses typographic quotes
    (“dangerous”) and dashes, so here every character Unicode classes as punctuation goes
    too; otherwise a gold answer "dangerous" could never match the span “dangerous” copied
    from an article. On plain ASCII text the two agree.

    Args:
        text: A predicted or gold answer.

    Returns:
        The normalised answer; empty when nothing but punctuation, articles and spaces remained.

    Example:
        >>> normalize_answer("The  Pentagon's new missile.")
        'pentagons new missile'
        >>> normalize_answer("were “dangerous” moves")
        'were dangerous moves'
    """
    lowered = text.lower()
    without_punctuation = "".join(ch for ch in lowered if not _is_punctuation(ch))
    without_articles = _ARTICLE_RE.sub(" ", without_punctuation)
    return " ".join(without_articles.split())


def _is_punctuation(ch: str) -> bool:
    return ch in _PUNCTUATION or unicodedata.category(ch).startswith("P")


def _gold_keys(golds: Sequence[str]) -> list[str]:
    # Gold strings that normalise to nothing carry no answer, as in the official script, so a
    # question whose golds are all such strings counts as unanswerable.
    keys = [normalize_answer(gold) for gold in golds]
    return [key for key in keys if key]


def _no_answer_score(prediction: str | None) -> float:
    return 1.0 if prediction is None or not normalize_answer(prediction) else 0.0


def exact_match(prediction: str | None, golds: Sequence[str]) -> float:
    """Score 1.0 when the prediction equals some gold answer after normalisation.

    Args:
        prediction: The system's answer, or None when it abstained.
        golds: Acceptable answers; empty for an unanswerable question.

    Returns:
        1.0 or 0.0. For an unanswerable question (no gold that survives normalisation),
        1.0 exactly when the prediction is None or normalises to the empty string.

    Example:
        >>> exact_match("the Pentagon", ["Pentagon"]), exact_match(None, [])
        (1.0, 1.0)
    """
    keys = _gold_keys(golds)
    if not keys:
        return _no_answer_score(prediction)
    if prediction is None:
        return 0.0
    return 1.0 if normalize_answer(prediction) in keys else 0.0


def _token_f1(prediction_tokens: list[str], gold_tokens: list[str]) -> float:
    # Multiset intersection: a token repeated in both counts as often as it appears in the
    # rarer of the two, so repeating a word cannot inflate the overlap.
    overlap = sum((Counter(prediction_tokens) & Counter(gold_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(prediction_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def f1_score(prediction: str | None, golds: Sequence[str]) -> float:
    """Token-level F1 between the prediction and the best-matching gold answer.

    Tokens are the whitespace-separated words of the normalised strings, counted as multisets.

    Args:
        prediction: The system's answer, or None when it abstained.
        golds: Acceptable answers; empty for an unanswerable question.

    Returns:
        The highest F1 over the gold answers, in [0, 1]. Unanswerable questions score as in
        :func:`exact_match`; a None or empty prediction to an answerable question scores 0.0.

    Example:
        >>> round(f1_score("the new Cold War", ["a new Cold War in the region"]), 2)
        0.75
    """
    keys = _gold_keys(golds)
    if not keys:
        return _no_answer_score(prediction)
    if prediction is None:
        return 0.0
    prediction_tokens = normalize_answer(prediction).split()
    if not prediction_tokens:
        return 0.0
    return max(_token_f1(prediction_tokens, key.split()) for key in keys)


def _check_pairs(confidences: Sequence[float], correct: Sequence[bool]) -> None:
    if len(confidences) != len(correct):
        raise ValueError(
            f"confidences and correct must have the same length, "
            f"got {len(confidences)} and {len(correct)}"
        )
    for confidence in confidences:
        # NaN fails both comparisons, so it is rejected here too.
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidences must lie in [0, 1], got {confidence!r}")


def _bin_index(confidence: float, edges: Sequence[float]) -> int:
    # Bisect against the same edges that are reported as bin bounds, so a confidence that sits
    # exactly on an edge always lands in the bin that edge opens (i * (1/n) can round the
    # other way); 1.0 has no bin of its own and joins the last one.
    n_bins = len(edges) - 1
    index = int(np.searchsorted(edges, confidence, side="right")) - 1
    return min(max(index, 0), n_bins - 1)


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> list[ReliabilityBin]:
    """Group predictions into equal-width confidence bins for a reliability diagram.

    Bin ``i`` holds confidences in ``[i / n_bins, (i + 1) / n_bins)``; the last bin also holds
    1.0. Every bin is returned, empty ones with None for their mean confidence and accuracy.

    Args:
        confidences: The confidence of each prediction, each in [0, 1].
        correct: Whether each prediction was right, in the same order.
        n_bins: Number of bins; at least 1.

    Returns:
        ``n_bins`` bins in increasing order of confidence.

    Raises:
        ValueError: If the lengths differ, a confidence lies outside [0, 1] or ``n_bins < 1``.

    Example:
        >>> [b.count for b in reliability_bins([0.2, 0.9, 1.0], [False, True, True], n_bins=2)]
        [1, 2]
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    _check_pairs(confidences, correct)
    edges = [i / n_bins for i in range(n_bins + 1)]
    counts = [0] * n_bins
    confidence_sums = [0.0] * n_bins
    correct_counts = [0] * n_bins
    for confidence, is_correct in zip(confidences, correct, strict=True):
        index = _bin_index(confidence, edges)
        counts[index] += 1
        confidence_sums[index] += confidence
        correct_counts[index] += int(bool(is_correct))
    return [
        ReliabilityBin(
            lower=edges[i],
            upper=edges[i + 1],
            count=counts[i],
            mean_confidence=confidence_sums[i] / counts[i] if counts[i] else None,
            accuracy=correct_counts[i] / counts[i] if counts[i] else None,
        )
        for i in range(n_bins)
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> float:
    """Average gap between confidence and accuracy, weighted by how many predictions each bin has.

    Uses the equal-width bins of :func:`reliability_bins`:
    ``ECE = sum_b (n_b / N) * |accuracy_b - mean_confidence_b|``.

    Args:
        confidences: The confidence of each prediction, each in [0, 1].
        correct: Whether each prediction was right, in the same order.
        n_bins: Number of bins; at least 1.

    Returns:
        The ECE in [0, 1]; 0.0 for empty input.

    Raises:
        ValueError: If the lengths differ, a confidence lies outside [0, 1] or ``n_bins < 1``.

    Example:
        >>> round(expected_calibration_error([0.9, 0.9], [True, False], n_bins=10), 3)
        0.4
    """
    bins = reliability_bins(confidences, correct, n_bins)
    total = len(confidences)
    if total == 0:
        return 0.0
    error = 0.0
    for b in bins:
        if b.mean_confidence is not None and b.accuracy is not None:
            error += (b.count / total) * abs(b.accuracy - b.mean_confidence)
    return error


def risk_coverage(
    confidences: Sequence[float],
    correct: Sequence[bool],
    thresholds: Sequence[float] | None = None,
) -> list[RiskCoveragePoint]:
    """Coverage and accuracy when answers below each confidence threshold are withheld.

    An item is kept when its confidence is greater than or equal to the threshold.

    Args:
        confidences: The confidence of each prediction, each in [0, 1].
        correct: Whether each prediction was right, in the same order.
        thresholds: Thresholds to evaluate, in the order given; defaults to 0.0, 0.1, ..., 0.9.

    Returns:
        One point per threshold. Coverage is 0.0 for empty input; accuracy is None whenever
        nothing is kept.

    Raises:
        ValueError: If the lengths differ or a confidence lies outside [0, 1].

    Example:
        >>> [p.coverage for p in risk_coverage([0.3, 0.8], [False, True], thresholds=[0.5])]
        [0.5]
    """
    _check_pairs(confidences, correct)
    chosen = _DEFAULT_THRESHOLDS if thresholds is None else tuple(thresholds)
    total = len(confidences)
    points: list[RiskCoveragePoint] = []
    for threshold in chosen:
        kept_flags = [
            bool(is_correct)
            for confidence, is_correct in zip(confidences, correct, strict=True)
            if confidence >= threshold
        ]
        kept = len(kept_flags)
        points.append(
            RiskCoveragePoint(
                threshold=float(threshold),
                coverage=kept / total if total else 0.0,
                kept=kept,
                accuracy=sum(kept_flags) / kept if kept else None,
            )
        )
    return points


def _check_ranks(ranks: Sequence[int | None]) -> None:
    for rank in ranks:
        if rank is not None and rank < 1:
            raise ValueError(f"ranks are 1-based, got {rank!r}")


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose first relevant item is ranked within the top ``k``.

    Args:
        ranks: For each query, the 1-based rank of the first relevant item, or None when no
            relevant item was retrieved.
        k: Cut-off; at least 1.

    Returns:
        Recall@k in [0, 1]; 0.0 for empty input.

    Raises:
        ValueError: If ``k < 1`` or a rank is below 1.

    Example:
        >>> recall_at_k([1, 3, None, 2], k=2)
        0.5
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    _check_ranks(ranks)
    if len(ranks) == 0:
        return 0.0
    hits = sum(1 for rank in ranks if rank is not None and rank <= k)
    return hits / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of ``1 / rank`` over queries, counting a query with nothing relevant as 0.

    Args:
        ranks: For each query, the 1-based rank of the first relevant item, or None when no
            relevant item was retrieved.

    Returns:
        MRR in [0, 1]; 0.0 for empty input.

    Raises:
        ValueError: If a rank is below 1.

    Example:
        >>> mean_reciprocal_rank([1, 2, None, 4])
        0.4375
    """
    _check_ranks(ranks)
    if len(ranks) == 0:
        return 0.0
    return sum(1.0 / rank for rank in ranks if rank is not None) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, interpolating linearly between order statistics.

    Matches :func:`numpy.percentile` with its default (linear) method.

    Args:
        values: The sample; must not be empty.
        q: Percentile in [0, 100].

    Returns:
        The percentile as a float.

    Raises:
        ValueError: If ``values`` is empty or ``q`` lies outside [0, 100].

    Example:
        >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
        2.5
    """
    if len(values) == 0:
        raise ValueError("percentile of an empty sequence is undefined")
    if math.isnan(q) or not 0.0 <= q <= 100.0:
        raise ValueError(f"q must lie in [0, 100], got {q!r}")
    return float(np.percentile(np.asarray(values, dtype=float), q))


def thresholded_figures(
    picks: Sequence[tuple[str | None, float, Sequence[str]]], threshold: float
) -> dict[str, float]:
    """Answer and abstention figures for best guesses kept only at ``threshold`` or above.

    Args:
        picks: For each question, the reader's best answer (None when it has none), its
            confidence, and the gold answers (empty when the question has no answer).
        threshold: Answers less confident than this count as abstentions.

    Returns:
        Has-answer exact match and F1, the share of answerable questions abstained on, the
        share of unanswerable ones abstained on, and the calibration error of what was given.

    Example:
        >>> picks = [("Paris", 0.9, ["Paris"]), ("Rome", 0.2, ["Oslo"]), ("Bonn", 0.1, [])]
        >>> thresholded_figures(picks, 0.15)["has_ans_em"], thresholded_figures(picks, 0.15)[
        ...     "no_ans_abstained"]
        (0.5, 1.0)
    """
    em, f1, has_ans_abstained, no_ans_abstained = [], [], [], []
    conf: list[float] = []
    correct: list[bool] = []
    for best, score, golds in picks:
        prediction = best if best is not None and score >= threshold else None
        if prediction is not None:
            conf.append(score)
            correct.append(bool(golds) and exact_match(prediction, golds) == 1.0)
        if golds:
            em.append(exact_match(prediction, golds))
            f1.append(f1_score(prediction, golds))
            has_ans_abstained.append(prediction is None)
        else:
            no_ans_abstained.append(prediction is None)

    def mean(values: Sequence[float]) -> float:
        return round(float(np.mean(values)), 4) if values else 0.0

    return {
        "questions": len(picks),
        "has_ans_em": mean(em),
        "has_ans_f1": mean(f1),
        "has_ans_abstained": mean(has_ans_abstained),
        "no_ans_abstained": mean(no_ans_abstained),
        "ece_answered": round(expected_calibration_error(conf, correct), 4) if conf else 0.0,
    }
