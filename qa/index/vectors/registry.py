"""Vector indexes behind one small interface, so another backend can be dropped in.

The interface is :class:`VectorIndex`; the built-in backends are exact
(:mod:`qa.index.vectors.exact`) or approximate (:mod:`qa.index.vectors.approximate`).
This module names them for the ``vector_backend`` setting, lets a new one be registered, and
chooses one by corpus size for ``"auto"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from qa import plugins
from qa.index.vectors.approximate import FaissHnswIndex, FaissIvfSq8Index, ivf_lists
from qa.index.vectors.base import Ids, Matrix, VectorIndex
from qa.index.vectors.exact import FaissFlatIndex, NumpyFlatIndex

__all__ = [
    "AUTO",
    "AUTO_APPROXIMATE",
    "AUTO_EXACT_BELOW",
    "FaissFlatIndex",
    "FaissHnswIndex",
    "FaissIvfSq8Index",
    "Ids",
    "Matrix",
    "NumpyFlatIndex",
    "VectorBackend",
    "VectorIndex",
    "choose_vector_backend",
    "ivf_lists",
    "register_vector_backend",
    "vector_backend",
    "vector_backend_names",
]


class VectorBackend(Protocol):
    """A :class:`VectorIndex` class: built empty for a dimension, or loaded from its file."""

    def __call__(self, dim: int) -> VectorIndex: ...

    def load(self, path: Path) -> VectorIndex: ...


# Backends by the name the ``vector_backend`` setting takes; an index records which wrote it.
_BACKENDS: dict[str, VectorBackend] = plugins.VECTOR_BACKENDS
_BACKENDS.update(
    {
        "faiss-flat": FaissFlatIndex,
        "numpy-flat": NumpyFlatIndex,
        "faiss-hnsw": FaissHnswIndex,
        "faiss-ivf-sq8": FaissIvfSq8Index,
    }
)


def register_vector_backend(name: str, backend: VectorBackend) -> None:
    """Make a vector index class available as ``Settings(vector_backend=name)``.

    Args:
        name: The setting's value; must not be taken.
        backend: A class with ``__init__(dim)`` and a ``load(path)`` class method whose
            instances follow :class:`VectorIndex`.

    Raises:
        ValueError: When the name is empty or already registered.

    Example:
        A backend of your own is registered the same way (CONTRIBUTING.md adds one that keeps
        vectors in half precision):

        >>> register_vector_backend("numpy-again", NumpyFlatIndex)
        >>> vector_backend("numpy-again") is NumpyFlatIndex
        True
        >>> register_vector_backend("numpy-again", NumpyFlatIndex)
        Traceback (most recent call last):
        ...
        ValueError: vector backend name 'numpy-again' is empty or taken
    """
    if not name or name in _BACKENDS or name == AUTO:
        raise ValueError(f"vector backend name {name!r} is empty or taken")
    _BACKENDS[name] = backend


def vector_backend(name: str) -> VectorBackend:
    """The backend registered under ``name``.

    ``"auto"`` is a choice, not a backend: turn it into one with :func:`choose_vector_backend`.

    Raises:
        KeyError: When none is (the message lists those that are).

    Example:
        >>> vector_backend("numpy-flat").__name__
        'NumpyFlatIndex'
    """
    try:
        return _BACKENDS[name]
    except KeyError:
        raise KeyError(f"no vector backend {name!r}; known: {', '.join(_BACKENDS)}") from None


def vector_backend_names() -> tuple[str, ...]:
    """Names the ``vector_backend`` setting accepts: every backend, and ``"auto"``.

    Example:
        >>> vector_backend_names()[:2]
        ('faiss-flat', 'numpy-flat')
        >>> "auto" in vector_backend_names()
        True
    """
    return (*_BACKENDS, AUTO)


# The setting that picks a backend by the number of vectors (choose_vector_backend).
AUTO = plugins.AUTO
# Below this many vectors "auto" searches exactly, at or above it approximately. Measured
# with benchmarks/bench_scale.py (2 shared CPU cores, one thread, at the depth the retriever
# asks for): exact search reads every vector, 6 ms for 66,000 vectors (20,000 passages of
# 3.3 vectors), 25-40 ms for 392,000 and ~220 ms for 2.75 million, where IVF-SQ8 took
# 3.3 ms and 5.7 ms at the two larger sizes with recall@10 against exact of 0.985-1.0.
# Under 100,000 vectors exact search costs a few milliseconds of an answer's ~40, too little
# to give up any recall for.
AUTO_EXACT_BELOW = 100_000
AUTO_APPROXIMATE = "faiss-ivf-sq8"


def choose_vector_backend(setting: str, count: int) -> str:
    """The backend that stores ``count`` vectors under the ``vector_backend`` setting.

    A backend's name stands for itself. ``"auto"`` is exact FAISS search (``"faiss-flat"``)
    below :data:`AUTO_EXACT_BELOW` vectors and :data:`AUTO_APPROXIMATE` from there on; an
    index records the backend that wrote it, so it opens with the right reader whatever the
    setting says later.

    Raises:
        KeyError: When ``setting`` is neither ``"auto"`` nor a registered backend.

    Example:
        >>> choose_vector_backend("auto", 1_000), choose_vector_backend("auto", 10_000_000)
        ('faiss-flat', 'faiss-ivf-sq8')
        >>> choose_vector_backend("numpy-flat", 10_000_000)
        'numpy-flat'
    """
    if setting == AUTO:
        return "faiss-flat" if count < AUTO_EXACT_BELOW else AUTO_APPROXIMATE
    vector_backend(setting)  # raises for an unknown name
    return setting
