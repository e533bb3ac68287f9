"""Text encoders: turn passages and questions into unit-length vectors for the dense index."""

from __future__ import annotations

from embeddings.base import Encoder
from embeddings.hashing import HashingEncoder
from embeddings.minilm import SentenceTransformerEncoder, packaged_model_path

__all__ = ["Encoder", "HashingEncoder", "SentenceTransformerEncoder", "packaged_model_path"]
