"""Stage 5: find answer spans in the retrieved passages.

Entry point: a :class:`Reader` (``read``); the shipped one is :class:`NeuralReader`, the span
model judged together with the typed reader.
"""

from __future__ import annotations

from qa.read.base import Reader, ReadRequest
from qa.read.neural import NeuralReader
from qa.read.typed.reader import TypedReader

__all__ = ["NeuralReader", "ReadRequest", "Reader", "TypedReader"]
