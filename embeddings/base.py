"""The encoder interface the rest of the project depends on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors, so inner product is cosine similarity.

    Attributes:
        name: Identifies the model; an index built with another name is not reused.
        dim: Length of each vector.
        max_tokens: Longest input (in the encoder's own tokens) that is read in full.
    """

    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        """Encode a batch of texts into a ``(len(texts), dim)`` array of unit vectors."""
        ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character offsets ``[start, end)`` of each token of ``text``, special tokens left out.

        Used to cut long paragraphs into windows that fit ``max_tokens``.
        """
        ...
