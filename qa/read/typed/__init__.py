"""The answer-type reader: candidates from the spaCy parse of each passage, scored by fitted
features (``weights.json``) for the kind of answer the question asks for."""

from __future__ import annotations

from qa.read.typed.reader import TypedReader

__all__ = ["TypedReader"]
