"""A reader that needs no QA model: expected answer type plus evidence around each candidate.

Candidates are spaCy entities, noun chunks, numbers with their units and, for why-questions,
reason clauses. Each is scored by a logistic model over a handful of features: does its type fit
the question, how much of the question its sentence repeats, how close it sits to those words,
whether it hangs off the question's verb, how similar its sentence is to the question (MiniLM),
how highly its passage was retrieved, and whether it merely repeats the question. The parse and
the sentence vectors are made once per passage at index time.

This module holds :class:`TypedReader`: the index-time analysis and its cache, question parsing,
and the scoring of each candidate. Its parts live beside it: the candidate rules in
:mod:`qa.read.typed.candidates`, the passage views and feature tests in
:mod:`qa.read.typed.features`, and the logistic models, their weights and answer grouping in
:mod:`qa.read.typed.scoring`.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import srsly

from embeddings.base import Encoder
from qa.question.frame import QuestionFrame, analyse_question, word_key
from qa.question.parser import Parser
from qa.read.base import AnswerGroup, ReadRequest
from qa.read.boundaries import complete_span, coordinated_span, reason_span
from qa.read.typed.candidates import candidate_spans
from qa.read.typed.features import (
    MODIFIER_DEPS,
    PREP_CUES,
    Analysed,
    PassageView,
    lemma,
    passage_view,
    place_phrase,
    role_match,
    type_fit,
    verb_link,
)
from qa.read.typed.scoring import FEATURES, Candidate, ReaderWeights, answer_groups, load_weights
from qa.types import Span

ANALYSIS_VERSION = 4


class TypedReader:
    """Answer-type reader over spaCy analyses.

    Args:
        encoder: Encodes sentences at index time (and the question when no vector is given).
        weights: Feature weights of the logistic scorer; defaults to
            :func:`qa.read.typed.scoring.load_weights`.
        max_answer_tokens: Longer candidates are not considered.

    Example:
        >>> reader = TypedReader(encoder)   # cheap: spaCy loads on first use
        >>> question = "When does GSOMIA expire?"
        >>> hits = assistant.search(question)
        >>> analyses = reader.analyze([h.passage.text for h in hits])
        >>> reader.read([ReadRequest(question, hits, analyses)])[0][0].spans[0].text
        'this Saturday'
    """

    def __init__(
        self,
        encoder: Encoder,
        weights: ReaderWeights | None = None,
        max_answer_tokens: int = 30,
        parser: Parser | None = None,
    ) -> None:
        self.name = f"typed-v{ANALYSIS_VERSION}+{encoder.name}"
        self._encoder = encoder
        self.weights = weights if weights is not None else load_weights()
        rank = self.weights.rank
        self._w = np.array([rank.get(f, 0.0) for f in FEATURES], dtype=np.float64)
        self._bias = rank.get("bias", 0.0)
        self._max_tokens = max_answer_tokens
        self.parser = parser if parser is not None else Parser()
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, Analysed] = OrderedDict()

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline (shared with the question stage), loaded on first use."""
        return self.parser.nlp

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

    def _load(self, blob: bytes) -> Analysed:
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
        analysed = Analysed(
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
            >>> reader = TypedReader(encoder)
            >>> analyses = reader.analyze(["Kim met Biegun in Seoul."])
            >>> seoul = reader.parsed(analyses[0]).ents[-1]
            >>> seoul.text, seoul.label_
            ('Seoul', 'GPE')
        """
        return self._load(blob).doc

    def complete(self, blob: bytes, start: int, end: int) -> tuple[int, int]:
        """The character span ``[start, end)`` of an analysed passage widened so it cuts no
        entity or noun phrase (:func:`qa.read.boundaries.complete_span`).

        Example:
            >>> reader = TypedReader(encoder)
            >>> text = "Kim and a senior South Korean official met today."
            >>> analyses = reader.analyze([text])
            >>> start, end = reader.complete(analyses[0], 17, 22)  # "South"
            >>> text[start:end]
            'senior South Korean official'
        """
        return self._widen(complete_span, blob, start, end)

    def coordinate(self, blob: bytes, start: int, end: int) -> tuple[int, int]:
        """The character span ``[start, end)`` of an analysed passage widened to the whole
        list its head is an item of (:func:`qa.read.boundaries.coordinated_span`).

        Example:
            >>> reader = TypedReader(encoder)
            >>> analyses = reader.analyze(["The teams of the NL and NC leagues met."])
            >>> reader.coordinate(analyses[0], 17, 19)  # "NL" of "NL and NC"
            (17, 26)
        """
        return self._widen(coordinated_span, blob, start, end)

    def reason(self, blob: bytes, start: int, end: int) -> tuple[int, int]:
        """The character span ``[start, end)`` of an analysed passage widened to the reason it
        lies inside (:func:`qa.read.boundaries.reason_span`).

        Example:
            >>> reader = TypedReader(encoder)
            >>> analyses = reader.analyze(["The talks stalled because the sides disagreed."])
            >>> reader.reason(analyses[0], 30, 35)  # "sides"
            (26, 45)
        """
        return self._widen(reason_span, blob, start, end)

    def _widen(
        self, widen: Callable[..., tuple[int, int]], blob: bytes, start: int, end: int
    ) -> tuple[int, int]:
        """``widen(doc, chunks, start, end)`` on an analysed passage."""
        analysed = self._load(blob)
        chunks = [chunk for sentence in analysed.chunks for chunk in sentence]
        return widen(analysed.doc, chunks, start, end)

    # -- question time ------------------------------------------------------------------------

    def parse_questions(self, requests: Sequence[ReadRequest]) -> list[Any]:
        """Each request's parsed question: the question stage's parse when the request
        carries it, else a fresh one (a request built by hand)."""
        missing = [r.question for r in requests if r.analysis is None]
        parsed = iter(self.parser.parse_batch(missing)) if missing else iter(())
        return [r.analysis.doc if r.analysis is not None else next(parsed) for r in requests]

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
        questions = self.parse_questions(requests)
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
            >>> reader = TypedReader(encoder)
            >>> question = "When does GSOMIA expire?"
            >>> passage = assistant.search(question, top_k=1)[0].passage.text
            >>> analyses = reader.analyze([passage])
            >>> qdoc, qvec = nlp(question), encoder.encode([question])[0]
            >>> view = reader.view(qdoc, analyses[0], qvec)
            >>> print(passage[max(view.sentences, key=lambda s: s.similarity).start :])
            The GSOMIA agreement is set to expire this Saturday if Japan or South Korea decides
            not to continue it, amid serious tensions between the two countries.
        """
        if frame is None:
            frame = analyse_question(qdoc)
        return passage_view(self._load(blob), frame, qvec, document_words)

    def candidates(
        self,
        qdoc: Any,
        analysed: Analysed,
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
            view = passage_view(analysed, frame, qvec, document_words)
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
            for start, end, label in candidate_spans(sent, frame, analysed.chunks[si]):
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
                primary, secondary = type_fit(span, label, frame)
                features = (
                    primary,
                    secondary,
                    1.0 if not frame.labels and label != "REASON" else 0.0,
                    1.0 if frame.head is not None and lemma(span.root) == frame.head else 0.0,
                    overlap,
                    math.exp(-distance / 6.0) if distance is not None else 0.0,
                    1.0 if verb_link(span, frame) else 0.0,
                    sim,
                    1.0 / rank,
                    repeated,
                    max(0.0, (end - start - 6) / 6.0),
                    1.0 if span.root.dep_ in MODIFIER_DEPS and label != "REASON" else 0.0,
                    1.0 if role_match(span, frame) else 0.0,
                    1.0
                    if start > 0 and doc[start - 1].lower_ in PREP_CUES.get(frame.kind, ())
                    else 0.0,
                    missing_key,
                    verb_missing,
                    1.0 if label == "QUANTITY+UNIT" else 0.0,
                    1.0 if frame.kind == "where" and place_phrase(span) else 0.0,
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
