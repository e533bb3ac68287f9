"""A deterministic bag-of-words encoder: no model, no download, microseconds per text.

It exists so unit tests can exercise indexing and search quickly and reproducibly; texts that
share words get similar vectors, which is all those tests need. It is no substitute for MiniLM.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from embeddings.base import Vectors

_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """Feature-hashing encoder over lower-cased words.

    Example:
        >>> enc = HashingEncoder(dim=64)
        >>> v = enc.encode(["North Korea", "north korea"])
        >>> float(v[0] @ v[1]) > 0.999
        True
    """

    def __init__(self, dim: int = 256, max_tokens: int = 254) -> None:
        self.name = f"hashing-{dim}"
        self.dim = dim
        self.max_tokens = max_tokens

    def _bucket(self, word: str) -> tuple[int, float]:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 63) & 1 else -1.0

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        """Encode texts; ``batch_size`` is accepted for interface compatibility."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for match in _WORD.finditer(text.lower()):
                index, sign = self._bucket(match.group())
                out[row, index] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        unit: Vectors = out / norms
        return unit

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Words and single punctuation marks, as a word-piece tokenizer would roughly see them."""
        return [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
