"""An encoder that remembers the vectors of texts it encoded recently, while asked to.

Indexing encodes each sentence of a passage twice: once as a retrieval unit, and again when the
reader analyses the passage and keeps its sentence vectors. Both ask the same encoder for the
same strings moments apart, so remembering recent texts during a build halves the sentence
work without either side knowing about the other. Outside a build it remembers nothing: a
question is encoded afresh each time, so timing one measures what a new question costs.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from embeddings.base import Encoder, Vectors


class MemoEncoder:
    """Wraps an encoder and keeps the vectors of the last ``capacity`` texts it encoded.

    The vectors are those the wrapped encoder gives for each text on its own, so results do
    not depend on what was cached (the wrapped encoders here embed each text independently of
    the others in its batch).

    Args:
        inner: The encoder that does the work.
        capacity: Texts remembered (384 floats each for MiniLM: 8,192 texts take 12 MB).

    Example:
        >>> from embeddings.hashing import HashingEncoder
        >>> enc = MemoEncoder(HashingEncoder())
        >>> with enc.remembering():
        ...     first = enc.encode(["GSOMIA expires", "Kim met Biegun"])
        ...     again = enc.encode(["Kim met Biegun"])
        >>> bool((again[0] == first[1]).all()), enc.hits
        (True, 1)
    """

    def __init__(self, inner: Encoder, capacity: int = 8192) -> None:
        self.inner = inner
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._recent: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self._active = 0  # how many `remembering` blocks are open (builds may overlap)

    @contextlib.contextmanager
    def remembering(self) -> Iterator[None]:
        """Remember encoded texts inside the block; forget them all when the last one ends.

        Example:
            >>> from embeddings.hashing import HashingEncoder
            >>> enc = MemoEncoder(HashingEncoder())
            >>> with enc.remembering():
            ...     _ = enc.encode(["GSOMIA expires"])
            ...     _ = enc.encode(["GSOMIA expires"])
            >>> enc.hits, enc.misses
            (1, 1)
            >>> with enc.remembering():  # a new block: the text was forgotten
            ...     _ = enc.encode(["GSOMIA expires"])
            >>> enc.hits, enc.misses
            (1, 2)
        """
        with self._lock:
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if not self._active:
                    self._recent.clear()

    # The wrapped encoder learns its dimension and window when its model loads, so these
    # are read through rather than copied.
    @property
    def name(self) -> str:
        """The wrapped encoder's name (an index records it)."""
        return self.inner.name

    @name.setter
    def name(self, value: str) -> None:
        self.inner.name = value

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return self.inner.dim

    @dim.setter
    def dim(self, value: int) -> None:
        self.inner.dim = value

    @property
    def max_tokens(self) -> int:
        """Longest input read in full."""
        return self.inner.max_tokens

    @max_tokens.setter
    def max_tokens(self, value: int) -> None:
        self.inner.max_tokens = value

    def __getattr__(self, attribute: str) -> Any:
        # Anything else (the loaded model, encoder-specific helpers) is the wrapped encoder's.
        # Asked for "inner" itself, it does not exist yet (an object being unpickled).
        if attribute == "inner" or attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process (a worker), it travels empty: a lock cannot be pickled, and
        # the remembered vectors are of no use there.
        return {"inner": self.inner, "capacity": self.capacity}

    def __setstate__(self, state: dict[str, Any]) -> None:  # a worker's copy starts inactive
        self.__init__(state["inner"], state["capacity"])  # type: ignore[misc]

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        """Vectors of ``texts``; only texts not seen recently reach the wrapped encoder."""
        if not self._active:
            return self.inner.encode(texts, batch_size=batch_size)
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                vector = self._recent.get(text)
                if vector is not None:
                    self._recent.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self.inner.encode(missing, batch_size=batch_size)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = vector
                    self._recent[text] = vector
                    self._recent.move_to_end(text)
                while len(self._recent) > self.capacity:
                    self._recent.popitem(last=False)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.stack([found[t] for t in texts]), dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """The wrapped encoder's token offsets."""
        return self.inner.token_offsets(text)


def remembering(encoder: object) -> contextlib.AbstractContextManager[None]:
    """``encoder.remembering()`` for a :class:`MemoEncoder`, and a block that does nothing
    for any other encoder.

    Example:
        >>> from embeddings.hashing import HashingEncoder
        >>> with remembering(HashingEncoder()):
        ...     pass
    """
    if isinstance(encoder, MemoEncoder):
        return encoder.remembering()
    return contextlib.nullcontext()


__all__ = ["MemoEncoder", "remembering"]
