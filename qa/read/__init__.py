"""Stage 3: find the answer span in the retrieved passages."""

from __future__ import annotations

from qa.read.base import Reader, ReadRequest
from qa.read.typed import TypedReader

__all__ = ["ReadRequest", "Reader", "TypedReader"]
