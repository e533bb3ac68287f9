"""Tests for qa.evaluation.metrics, each checked against a value worked out by hand."""

from __future__ import annotations

import math

import pytest

from qa.evaluation.metrics import (
    ReliabilityBin,
    exact_match,
    expected_calibration_error,
    f1_score,
    mean_reciprocal_rank,
    normalize_answer,
    percentile,
    recall_at_k,
    reliability_bins,
    risk_coverage,
)

# --- normalize_answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Quick, Brown Fox!", "quick brown fox"),
        # Articles go wherever they stand as words, and all whitespace kinds collapse.
        ("A  cat\tand an\nowl", "cat and owl"),
        # "the"/"a"/"an" inside longer words are not articles.
        ("theatre anatomy ban", "theatre anatomy ban"),
        # Punctuation is deleted, not replaced by a space, so hyphenated words fuse.
        ("U.S.-led hour-long", "usled hourlong"),
        ("Mr. Stephen Biegun", "mr stephen biegun"),
        ("", ""),
        ("The.", ""),
        # Typographic quotes and dashes are punctuation too (the official script keeps them).
        ("“dangerous”", "dangerous"),
        ("‘no’ — 1914–1918", "no 19141918"),
        # Currency signs other than "$" are symbols, not punctuation, and stay.
        ("£5", "£5"),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


# --- exact_match -------------------------------------------------------------------------------


def test_exact_match_ignores_case_articles_and_punctuation() -> None:
    assert exact_match("the Pentagon.", ["Pentagon"]) == 1.0


def test_exact_match_ignores_typographic_quotes() -> None:
    # A span copied from news text keeps its curly quotes; the gold was typed without them.
    assert exact_match("“dangerous”", ["dangerous"]) == 1.0


def test_exact_match_needs_the_whole_answer() -> None:
    assert exact_match("Pentagon officials", ["Pentagon"]) == 0.0


def test_exact_match_takes_the_best_gold() -> None:
    # "mr stephen biegun" differs from the first gold but equals the second.
    assert exact_match("Mr. Stephen Biegun", ["Stephen Biegun", "Mr Stephen Biegun"]) == 1.0


@pytest.mark.parametrize("prediction", [None, "", " the "])
def test_exact_match_abstaining_on_answerable_question_scores_zero(
    prediction: str | None,
) -> None:
    assert exact_match(prediction, ["Seoul"]) == 0.0


@pytest.mark.parametrize("prediction", [None, "", "  ", "The.", "a"])
def test_exact_match_no_answer_question_rewards_abstaining(prediction: str | None) -> None:
    assert exact_match(prediction, []) == 1.0


def test_exact_match_no_answer_question_penalises_an_answer() -> None:
    assert exact_match("Seoul", []) == 0.0


def test_golds_that_normalise_to_nothing_make_the_question_unanswerable() -> None:
    assert exact_match(None, ["", ".", "the"]) == 1.0
    assert exact_match("Seoul", ["", "."]) == 0.0


def test_empty_golds_beside_real_ones_are_ignored() -> None:
    # Only "seoul" remains as a gold, so abstaining is wrong and "Seoul" is right.
    assert exact_match("", ["", "Seoul"]) == 0.0
    assert exact_match("Seoul", ["", "Seoul"]) == 1.0


# --- f1_score ----------------------------------------------------------------------------------


def test_f1_exact_answer_is_one() -> None:
    assert f1_score("The Pentagon", ["Pentagon"]) == 1.0


def test_f1_partial_overlap() -> None:
    # pred "hourlong meeting" (2 tokens), gold "hourlong" (1): overlap 1,
    # P = 1/2, R = 1, F1 = 2 * 1/2 * 1 / (3/2) = 2/3.
    assert f1_score("the hour-long meeting", ["hour-long"]) == pytest.approx(2 / 3)


def test_f1_punctuation_and_extra_gold_word() -> None:
    # pred "saturday" (1), gold "this saturday" (2): overlap 1, P = 1, R = 1/2, F1 = 2/3.
    assert f1_score("Saturday!", ["this Saturday"]) == pytest.approx(2 / 3)


def test_f1_repeated_token_counts_once_per_gold_occurrence() -> None:
    # pred [new, new, missile], gold [new, missile]: "new" overlaps min(2, 1) = 1 time,
    # "missile" once, so overlap 2; P = 2/3, R = 2/2 = 1, F1 = 2 * (2/3) / (5/3) = 0.8.
    assert f1_score("new new missile", ["new missile"]) == pytest.approx(0.8)


def test_f1_word_order_does_not_matter_but_exact_match_does() -> None:
    assert f1_score("war cold new", ["new cold war"]) == 1.0
    assert exact_match("war cold new", ["new cold war"]) == 0.0


def test_f1_takes_the_best_gold() -> None:
    # Against "kim hyunchong": overlap {kim} = 1, P = R = 1/2, F1 = 0.5.
    # Against "kim jongun": identical, F1 = 1.0. Best = 1.0.
    assert f1_score("Kim Jong-un", ["Kim Hyun-chong", "Kim Jong-un"]) == 1.0
    assert f1_score("Kim Jong-un", ["Kim Hyun-chong"]) == pytest.approx(0.5)


def test_f1_tied_golds() -> None:
    # pred [seoul, hanoi] against either one-word gold: overlap 1, P = 1/2, R = 1, F1 = 2/3.
    # Both golds tie, and the maximum is that shared value.
    assert f1_score("Seoul Hanoi", ["Seoul", "Hanoi"]) == pytest.approx(2 / 3)


def test_f1_no_overlap_is_zero() -> None:
    assert f1_score("Tokyo", ["Seoul"]) == 0.0


@pytest.mark.parametrize("prediction", [None, "", "the", "!!"])
def test_f1_empty_or_missing_prediction_on_answerable_question(prediction: str | None) -> None:
    assert f1_score(prediction, ["this Saturday"]) == 0.0


@pytest.mark.parametrize(("prediction", "expected"), [(None, 1.0), ("", 1.0), ("Saturday", 0.0)])
def test_f1_no_answer_question(prediction: str | None, expected: float) -> None:
    assert f1_score(prediction, []) == expected
    assert f1_score(prediction, [""]) == expected


# --- reliability_bins and expected_calibration_error -------------------------------------------

# Two bins, [0, 0.5) and [0.5, 1]:
#   bin 0 holds 0.2 (wrong) and 0.4 (right): mean confidence 0.3, accuracy 1/2, gap 0.2.
#   bin 1 holds 0.6, 0.9 (right) and 1.0 (wrong): mean 2.5/3 = 5/6, accuracy 2/3, gap 1/6.
#   ECE = 2/5 * 0.2 + 3/5 * 1/6 = 0.08 + 0.1 = 0.18.
_CONFIDENCES = [0.2, 0.4, 0.6, 0.9, 1.0]
_CORRECT = [False, True, True, True, False]


def test_ece_two_bins_by_hand() -> None:
    assert expected_calibration_error(_CONFIDENCES, _CORRECT, n_bins=2) == pytest.approx(0.18)


def test_reliability_bins_two_bins_by_hand() -> None:
    bins = reliability_bins(_CONFIDENCES, _CORRECT, n_bins=2)
    assert [(b.lower, b.upper, b.count) for b in bins] == [(0.0, 0.5, 2), (0.5, 1.0, 3)]
    assert bins[0].mean_confidence == pytest.approx(0.3)
    assert bins[0].accuracy == pytest.approx(0.5)
    assert bins[1].mean_confidence == pytest.approx(5 / 6)
    assert bins[1].accuracy == pytest.approx(2 / 3)


def test_reliability_bins_are_frozen_and_report_empty_bins() -> None:
    bins = reliability_bins([0.95], [True], n_bins=4)
    assert [b.count for b in bins] == [0, 0, 0, 1]
    assert bins[0] == ReliabilityBin(0.0, 0.25, 0, None, None)
    with pytest.raises(AttributeError):
        bins[0].count = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("confidence", "n_bins", "expected_bin"),
    [
        (0.0, 2, 0),
        (0.5, 2, 1),  # a lower edge belongs to the bin it opens
        (1.0, 2, 1),  # 1.0 joins the last bin
        (0.3, 10, 3),
        (0.7, 10, 7),
        (1 / 3, 3, 1),
        (2 / 3, 3, 2),
        (0.999, 10, 9),
    ],
)
def test_bin_edges(confidence: float, n_bins: int, expected_bin: int) -> None:
    bins = reliability_bins([confidence], [True], n_bins=n_bins)
    assert [b.count for b in bins].index(1) == expected_bin


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    assert expected_calibration_error([1.0, 1.0, 0.0], [True, True, False]) == 0.0
    # Four predictions at 0.75, three of them right, all in one bin: gap 0.
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)


def test_ece_single_bin_overconfident() -> None:
    # One bin: mean confidence 0.9, accuracy 1/2, gap 0.4, weight 1.
    assert expected_calibration_error([0.9, 0.9], [True, False], n_bins=1) == pytest.approx(0.4)


def test_ece_empty_input() -> None:
    assert expected_calibration_error([], []) == 0.0
    assert [b.count for b in reliability_bins([], [], n_bins=3)] == [0, 0, 0]


def test_calibration_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        expected_calibration_error([0.5, 0.6], [True])
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0.5], [True], n_bins=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_bins([1.2], [True])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_bins([math.nan], [True])


# --- risk_coverage -----------------------------------------------------------------------------


def test_risk_coverage_with_ties_at_the_threshold() -> None:
    # confidences 0.2 (wrong), 0.5 (wrong), 0.5 (right), 0.9 (right):
    #   t = 0.0  keeps all 4:             coverage 1.0,  accuracy 2/4
    #   t = 0.5  keeps both 0.5s and 0.9: coverage 0.75, accuracy 2/3
    #   t = 0.6  keeps 0.9 only:          coverage 0.25, accuracy 1
    #   t = 0.95 keeps nothing:           coverage 0.0,  accuracy None
    points = risk_coverage(
        [0.2, 0.5, 0.5, 0.9], [False, False, True, True], thresholds=[0.0, 0.5, 0.6, 0.95]
    )
    assert [p.threshold for p in points] == [0.0, 0.5, 0.6, 0.95]
    assert [p.kept for p in points] == [4, 3, 1, 0]
    assert [p.coverage for p in points] == [1.0, 0.75, 0.25, 0.0]
    assert points[0].accuracy == pytest.approx(0.5)
    assert points[1].accuracy == pytest.approx(2 / 3)
    assert points[1].risk == pytest.approx(1 / 3)
    assert points[2].accuracy == 1.0
    assert points[3].accuracy is None
    assert points[3].risk is None


def test_risk_coverage_default_thresholds() -> None:
    # One right answer at 0.3: kept for thresholds 0.0-0.3 (0.3 >= 0.3), dropped from 0.4 on.
    points = risk_coverage([0.3], [True])
    assert [p.threshold for p in points] == pytest.approx([i / 10 for i in range(10)])
    assert [p.kept for p in points] == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert [p.accuracy for p in points[:4]] == [1.0] * 4


def test_risk_coverage_empty_input() -> None:
    points = risk_coverage([], [], thresholds=[0.0])
    assert (points[0].coverage, points[0].kept, points[0].accuracy) == (0.0, 0, None)


def test_risk_coverage_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        risk_coverage([0.1], [True, False])


# --- recall_at_k and mean_reciprocal_rank ------------------------------------------------------

# First-relevant ranks of five queries; the third retrieved nothing relevant.
_RANKS: list[int | None] = [1, 3, None, 2, 5]


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (1, 1 / 5),  # only rank 1
        (2, 2 / 5),  # ranks 1, 2
        (3, 3 / 5),  # ranks 1, 3, 2
        (5, 4 / 5),  # everything but None
        (100, 4 / 5),  # None never counts, however deep the cut-off
    ],
)
def test_recall_at_k(k: int, expected: float) -> None:
    assert recall_at_k(_RANKS, k) == pytest.approx(expected)


def test_mean_reciprocal_rank() -> None:
    # (1 + 1/3 + 0 + 1/2 + 1/5) / 5 = (30 + 10 + 0 + 15 + 6) / 30 / 5 = 61/150.
    assert mean_reciprocal_rank(_RANKS) == pytest.approx(61 / 150)


def test_retrieval_metrics_with_nothing_found() -> None:
    assert recall_at_k([None, None], 3) == 0.0
    assert mean_reciprocal_rank([None, None]) == 0.0
    assert recall_at_k([], 3) == 0.0
    assert mean_reciprocal_rank([]) == 0.0


def test_retrieval_metrics_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="k must be"):
        recall_at_k([1], 0)
    with pytest.raises(ValueError, match="1-based"):
        recall_at_k([0], 1)
    with pytest.raises(ValueError, match="1-based"):
        mean_reciprocal_rank([2, -1])


# --- percentile --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0, 1.0),
        (25, 1.75),  # position 0.25 * 3 = 0.75 between 1 and 2
        (50, 2.5),  # position 1.5 between 2 and 3
        (100, 4.0),
    ],
)
def test_percentile_interpolates_linearly(q: float, expected: float) -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match="q must"):
        percentile([1.0], 101)


def test_thresholded_figures_hand_worked() -> None:
    from qa.evaluation.metrics import thresholded_figures

    picks = [
        ("Paris", 0.9, ["Paris"]),  # kept, right
        ("the Rome", 0.6, ["Rome", "Roma"]),  # kept, right once articles are dropped
        ("Oslo", 0.1, ["Bergen"]),  # below the threshold: abstained
        ("Bonn", 0.5, []),  # answered a question with no answer
        (None, 0.0, []),  # nothing proposed: abstained
    ]
    got = thresholded_figures(picks, 0.3)
    assert got["questions"] == 5
    assert got["has_ans_em"] == round(2 / 3, 4)
    assert got["has_ans_f1"] == round(2 / 3, 4)
    assert got["has_ans_abstained"] == round(1 / 3, 4)
    assert got["no_ans_abstained"] == 0.5
    # Answered: 0.9 right, 0.6 right, 0.5 wrong. ECE with ten bins: each answer sits in its
    # own bin, |0.9-1| + |0.6-1| + |0.5-0| over 3.
    assert got["ece_answered"] == round((0.1 + 0.4 + 0.5) / 3, 4)
