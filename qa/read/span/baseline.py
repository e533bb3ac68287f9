"""The span model alone, read the standard extractive-QA way: the baseline the pipeline must beat.

Every retrieved passage is read whole; the answer is the span with the highest start-plus-end
logit over all windows, given only when it beats that window's no-answer logit by more than a
fitted margin (the "null threshold" of SQuAD 2.0 systems). No answer kinds, no typed reader, no
combiner: whatever the full :class:`qa.read.neural.NeuralReader` adds must show up as a gain
over this in ``qa eval``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from qa.read.base import AnswerGroup, ReadRequest
from qa.read.combiner import COMBINER_FILE
from qa.read.span.model import SpanModel
from qa.types import Span

# Spans the baseline considers per window before taking the best; more only costs time.
_CANDIDATES = 20


def load_null_thresholds(path: Path = COMBINER_FILE) -> dict[str, float]:
    """The baseline's fitted null thresholds (``scripts/fit_neural.py``), by how each was
    picked: under the pipeline's own rule (``"same loss"``: the highest that still answers 95%
    of the answerable fitting questions) and the usual way (``"best F1"``). Empty when
    unfitted.

    Example:
        >>> sorted(load_null_thresholds())
        ['best F1', 'same loss']
    """
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    found = {"same loss": data.get("null_threshold"), "best F1": data.get("null_threshold_best_f1")}
    return {name: float(v) for name, v in found.items() if v is not None}


class SpanBaselineReader:
    """The fine-tuned span model's best span over the retrieved passages, with a null threshold.

    A group's score is ``sigmoid(margin - null_threshold)``, where the margin is the span's
    logit minus its window's no-answer logit, so the pipeline's usual abstention at 0.5 is the
    null threshold.

    Args:
        span_model: The span model to read with (share the neural reader's to load it once).
        null_threshold: Margin over the no-answer logit that an answer must beat.
        max_answer_tokens: Longest span considered.

    Example:
        >>> baseline = SpanBaselineReader(SpanModel(), null_threshold=1.5)
        >>> question = "When does GSOMIA expire?"
        >>> hits = assistant.search(question)
        >>> analyses = baseline.analyze([h.passage.text for h in hits])
        >>> baseline.read([ReadRequest(question, hits, analyses)])[0][0].spans[0].text
        'this Saturday'
    """

    name = "span-baseline"

    def __init__(
        self,
        span_model: SpanModel | None = None,
        null_threshold: float = 0.0,
        max_answer_tokens: int = 20,
    ) -> None:
        self.span_model = span_model if span_model is not None else SpanModel()
        self.null_threshold = null_threshold
        self._max_tokens = max_answer_tokens

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """Nothing to store: the span model reads raw text."""
        return [b"" for _ in texts]

    def best_spans(self, requests: Sequence[ReadRequest]) -> list[tuple[Span, float] | None]:
        """Each request's best span over all its passages, with its margin over the no-answer
        logit of the window it was read in (None when no passage has a span).

        Example:
            >>> baseline = SpanBaselineReader(SpanModel(), null_threshold=1.5)
            >>> question = "When does GSOMIA expire?"
            >>> hits = assistant.search(question)
            >>> analyses = baseline.analyze([h.passage.text for h in hits])
            >>> request = ReadRequest(question, hits, analyses)
            >>> span, margin = baseline.best_spans([request])[0]
            >>> span.text, margin > baseline.null_threshold
            ('this Saturday', True)
        """
        pairs = [(r.question, h.passage.text) for r in requests for h in r.hits]
        outputs = self.span_model.run_batch(pairs)
        results: list[tuple[Span, float] | None] = []
        at = 0
        for request in requests:
            best: tuple[float, float, int, int, int] | None = None
            for k, hit in enumerate(request.hits):
                output = outputs[at + k]
                for start, end, logit in output.top_spans(
                    hit.passage.text, _CANDIDATES, self._max_tokens
                ):
                    if best is None or logit > best[0]:
                        _, margin = output.score(start, end)
                        best = (logit, margin, k, start, end)
            at += len(request.hits)
            if best is None:
                results.append(None)
                continue
            _, margin, k, start, end = best
            passage = request.hits[k].passage
            span = Span(
                passage_id=passage.id, start=start, end=end, text=passage.text[start:end], score=0.0
            )
            results.append((span, margin))
        return results

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        """At most one answer per request: the best span, scored against the null."""
        results: list[list[AnswerGroup]] = []
        for found in self.best_spans(requests):
            if found is None:
                results.append([])
                continue
            span, margin = found
            z = max(-40.0, min(40.0, margin - self.null_threshold))
            score = 1.0 / (1.0 + math.exp(-z))
            results.append([AnswerGroup(score, (span.model_copy(update={"score": score}),))])
        return results
