"""The span-model baseline: best span over every passage, given only above the null threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.read.base import ReadRequest
from qa.read.span.baseline import SpanBaselineReader, load_null_thresholds
from qa.read.span.model import SpanModelOutput, _Window
from qa.types import Hit, Passage

TEXT = "It ends on Saturday."
# [CLS] when [SEP] It ends on Saturday . [SEP]
OFFSETS = [(0, 0), (0, 4), (0, 0), (0, 2), (3, 7), (8, 10), (11, 19), (19, 20), (0, 0)]


class _FakeSpanModel:
    """Hands out fixed logits per passage text, as the real model's windows would."""

    def __init__(self, logits: dict[str, tuple[list[float], list[float]]]) -> None:
        self.logits = logits

    def run_batch(self, pairs: Sequence[tuple[str, str]]) -> list[SpanModelOutput]:
        out = []
        for _, text in pairs:
            starts, ends = self.logits[text]
            window = _Window(np.array(starts), np.array(ends), OFFSETS, first=3, last=7)
            out.append(SpanModelOutput((window,)))
        return out


def _hit(pid: str, text: str) -> Hit:
    passage = Passage(
        id=pid, document_id=pid, title="T", text=text, start=0, end=len(text), ordinal=0
    )
    return Hit(passage=passage, score=1.0)


def _logits(null: float, at: int, value: float) -> tuple[list[float], list[float]]:
    starts = [null / 2] + [0.0] * 8
    ends = [null / 2] + [0.0] * 8
    starts[at] = ends[at] = value / 2
    return starts, ends


def test_the_best_span_of_all_passages_wins_and_keeps_its_margin() -> None:
    other = "It ends on Monday!!."
    model = _FakeSpanModel({TEXT: _logits(2.0, 6, 6.0), other: _logits(0.0, 4, 5.0)})
    reader = SpanBaselineReader(model, null_threshold=1.0)  # type: ignore[arg-type]
    request = ReadRequest("When?", [_hit("b", other), _hit("a", TEXT)], [b"", b""])
    [found] = reader.best_spans([request])
    assert found is not None
    span, margin = found
    assert (span.passage_id, span.text) == ("a", "Saturday")
    assert margin == pytest.approx(6.0 - 2.0)
    [[group]] = reader.read([request])
    # sigmoid(margin - threshold) = sigmoid(3)
    assert group.score == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_below_the_null_threshold_the_score_falls_under_one_half() -> None:
    model = _FakeSpanModel({TEXT: _logits(4.0, 6, 5.0)})
    request = ReadRequest("When?", [_hit("a", TEXT)], [b""])
    low = SpanBaselineReader(model, null_threshold=0.5)  # type: ignore[arg-type]
    high = SpanBaselineReader(model, null_threshold=2.0)  # type: ignore[arg-type]
    assert low.read([request])[0][0].score > 0.5 > high.read([request])[0][0].score


def test_no_passage_no_answer() -> None:
    reader = SpanBaselineReader(_FakeSpanModel({}))  # type: ignore[arg-type]
    assert reader.read([ReadRequest("When?", [], [])]) == [[]]
    assert reader.analyze(["a", "b"]) == [b"", b""]


def test_the_shipped_null_thresholds_are_fitted() -> None:
    # scripts/fit_neural.py writes them beside the combiner; a missing file means none.
    thresholds = load_null_thresholds()
    assert set(thresholds) == {"same loss", "best F1"}
    # Losing no more answerable questions than the pipeline means declining less.
    assert thresholds["same loss"] < thresholds["best F1"]
    assert load_null_thresholds(Path("no/such/file.json")) == {}
