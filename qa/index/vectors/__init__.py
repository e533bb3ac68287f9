"""Vector indexes: exact FAISS search, an IVF index for large corpora, and the registry that
chooses between them (``vector_backend`` in the settings) and takes plug-ins."""

from __future__ import annotations

from qa.index.vectors.registry import (
    FaissFlatIndex,
    NumpyFlatIndex,
    VectorIndex,
    choose_vector_backend,
    register_vector_backend,
    vector_backend,
    vector_backend_names,
)

__all__ = [
    "FaissFlatIndex",
    "NumpyFlatIndex",
    "VectorIndex",
    "choose_vector_backend",
    "register_vector_backend",
    "vector_backend",
    "vector_backend_names",
]
