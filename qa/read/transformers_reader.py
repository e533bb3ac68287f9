"""A reader for people who have their own extractive-QA model (a Hugging Face model folder).

Any ``AutoModelForQuestionAnswering`` checkpoint on disk works (BERT, RoBERTa, MiniLM fine-tuned
on SQuAD 2.0, ...). Nothing is downloaded: the folder must hold the weights and the tokenizer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import UsageError
from qa.read.base import AnswerGroup, ReadRequest, merge_spans
from qa.types import Span


class TransformersReader:
    """Start/end span prediction with a local question-answering model.

    Each passage is read in windows of ``max_length`` tokens; a span's score is its share of
    the softmax over the passage's best spans and the model's "no answer" choice (the [CLS]
    position, as SQuAD 2.0 models are trained), so a model that thinks the passage does not
    answer gives every span there a low score.

    Args:
        model_dir: Folder with ``config.json``, the weights and the tokenizer files.
        max_length: Tokens per window (question and passage together).
        stride: Tokens shared by consecutive windows of a long passage.
        max_answer_tokens: Longest span considered.
        top_n: Start and end positions considered per window.

    Example:
        The model loads on the first read, from a folder of your own (none ships with the
        package), so that read is not run here:

        >>> reader = TransformersReader(Path("models/minilm-squad2"))
        >>> reader.name
        'transformers:minilm-squad2'
        >>> hits = assistant.search("When does GSOMIA expire?", top_k=3)
        >>> request = ReadRequest("When does GSOMIA expire?", hits, [b""] * len(hits))
        >>> answers = reader.read([request])[0]  # needs a model folder  # doctest: +SKIP
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        max_length: int = 384,
        stride: int = 128,
        max_answer_tokens: int = 30,
        top_n: int = 20,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.name = f"transformers:{self.model_dir.name}"
        self._max_length = max_length
        self._stride = stride
        self._max_answer = max_answer_tokens
        self._top_n = top_n
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def _model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    if not (self.model_dir / "config.json").is_file():
                        raise UsageError(
                            f"reader model folder {str(self.model_dir)!r} has no config.json; "
                            "give a folder saved with save_pretrained()"
                        )
                    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

                    tokenizer = AutoTokenizer.from_pretrained(
                        str(self.model_dir), local_files_only=True
                    )
                    model = AutoModelForQuestionAnswering.from_pretrained(
                        str(self.model_dir), local_files_only=True
                    )
                    model.eval()
                    self._loaded = (tokenizer, model)
        return self._loaded

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """Nothing to prepare at index time: the model reads the raw passage."""
        return [b"" for _ in texts]

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        """The distinct answers of each request, merged across passages (noisy-OR)."""
        return [merge_spans(self._spans(request)) for request in requests]

    def _spans(self, request: ReadRequest) -> list[Span]:
        import torch

        tokenizer, model = self._model()
        spans: list[Span] = []
        for hit in request.hits:
            passage = hit.passage.text
            encoded = tokenizer(
                request.question,
                passage,
                truncation="only_second",
                max_length=self._max_length,
                stride=self._stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
                padding="max_length",
                return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping").tolist()
            encoded.pop("overflow_to_sample_mapping", None)
            with torch.inference_mode():
                output = model(**encoded)
            starts = output.start_logits.float().numpy()
            ends = output.end_logits.float().numpy()
            for window in range(starts.shape[0]):
                in_passage = [sid == 1 for sid in encoded.sequence_ids(window)]
                spans.extend(
                    self._window_spans(
                        hit.passage.id,
                        passage,
                        starts[window],
                        ends[window],
                        offsets[window],
                        in_passage,
                    )
                )
        return spans

    def _window_spans(
        self,
        passage_id: str,
        passage: str,
        starts: np.ndarray,
        ends: np.ndarray,
        offsets: list[list[int]],
        in_passage: list[bool],
    ) -> list[Span]:
        null = float(starts[0] + ends[0])
        # Only positions inside the passage can start or end an answer (not the question,
        # the special tokens or the padding).
        allowed = np.array(in_passage, dtype=bool)
        best_starts = [i for i in np.argsort(-np.where(allowed, starts, -np.inf)) if allowed[i]]
        best_ends = [i for i in np.argsort(-np.where(allowed, ends, -np.inf)) if allowed[i]]
        best_starts, best_ends = best_starts[: self._top_n], best_ends[: self._top_n]
        found: dict[tuple[int, int], float] = {}
        for s in best_starts:
            for e in best_ends:
                if e < s or e - s + 1 > self._max_answer:
                    continue
                char_start, char_end = offsets[s][0], offsets[e][1]
                if char_end <= char_start:
                    continue
                score = float(starts[s] + ends[e])
                key = (char_start, char_end)
                found[key] = max(score, found.get(key, -np.inf))
        if not found:
            return []
        logits = np.array([null, *found.values()])
        shares = np.exp(logits - logits.max())
        shares /= shares.sum()
        out = []
        for (char_start, char_end), share in zip(found, shares[1:], strict=True):
            text = passage[char_start:char_end]
            # Keep offsets exact: trim whitespace the tokenizer's offsets may include.
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            char_start, char_end = char_start + lead, char_end - trail
            if char_end > char_start:
                out.append(
                    Span(
                        passage_id=passage_id,
                        start=char_start,
                        end=char_end,
                        text=passage[char_start:char_end],
                        score=float(min(1.0, max(0.0, share))),
                    )
                )
        return out
