"""Text encoders: turn passages and questions into unit-length vectors for the dense index."""

from __future__ import annotations

import os

# oneDNN, which runs MiniLM's bfloat16 matrix products on the CPU, keeps a compiled kernel for
# every input shape it meets (1,024 by default), and texts of every length make many shapes: a
# 2,000-passage index build grew from 0.6 to 1.35 GB resident for it, and stayed under 0.9 GB
# with 8 kept, no slower (docs/scaling.md). Set before torch first runs; a user's own value
# wins.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")

from embeddings.base import Encoder
from embeddings.hashing import HashingEncoder
from embeddings.minilm import SentenceTransformerEncoder, packaged_model_path

__all__ = ["Encoder", "HashingEncoder", "SentenceTransformerEncoder", "packaged_model_path"]
