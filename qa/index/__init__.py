"""Stage 2: the persistent, verified, atomically replaced index of a corpus: documents,
passages, their vectors (:mod:`qa.index.vectors`), BM25 terms and each reader's analyses.

Entry point: :class:`IndexStore` (``open``).
"""

from __future__ import annotations

# The Ray executor imports Ray only when it first connects.
from qa.index.distributed import RayExecutor
from qa.index.executor import BuildExecutor, InProcessExecutor
from qa.index.generation import LoadedIndex, Manifest, format_manifest
from qa.index.store import BuildStats, IndexStore

__all__ = [
    "BuildExecutor",
    "BuildStats",
    "InProcessExecutor",
    "IndexStore",
    "LoadedIndex",
    "Manifest",
    "RayExecutor",
    "format_manifest",
]
