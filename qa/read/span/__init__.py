"""The fine-tuned MiniLM span model (start and end logits per token), its weights in
``weights/``, the baseline reader that uses it alone, and the span proposals the neural reader
judges."""

from __future__ import annotations

from qa.read.span.baseline import SpanBaselineReader
from qa.read.span.model import SpanModel

__all__ = ["SpanBaselineReader", "SpanModel"]
