"""Stage 2: find the passages most likely to answer a question (dense + lexical, fused)."""

from __future__ import annotations

from qa.retrieve.hybrid import HybridRetriever, reciprocal_rank_fusion, zscore_fusion
from qa.retrieve.lexical import Bm25Index
from qa.retrieve.vector import FaissFlatIndex, NumpyFlatIndex, VectorIndex

__all__ = [
    "Bm25Index",
    "FaissFlatIndex",
    "HybridRetriever",
    "NumpyFlatIndex",
    "VectorIndex",
    "reciprocal_rank_fusion",
    "zscore_fusion",
]
