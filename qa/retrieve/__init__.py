"""Stage 3: find the passages most likely to answer a question: dense and lexical search over
the index, fused.

Entry point: :class:`HybridRetriever` (``search_batch``).
"""

from __future__ import annotations

from qa.retrieve.hybrid import HybridRetriever, reciprocal_rank_fusion, zscore_fusion

__all__ = ["HybridRetriever", "reciprocal_rank_fusion", "zscore_fusion"]
