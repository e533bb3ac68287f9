"""The default reader: a neural span model and the typed reader, judged together.

Neither reader is good enough alone: the span model finds descriptions and boundaries the
typed reader's candidate rules miss, and the typed reader knows answer types and which question
words the passage lacks. Every candidate of either is scored by both (the span model scores any
character span through its start and end logits), and one logistic model, fitted on SQuAD by
``scripts/fit_neural.py``, turns the pair of views into the probability that the answer is right.

This module holds :class:`NeuralReader`, which ties the parts together, and
:func:`focus_block`, which picks the part of a long passage the span model reads. The parts
live beside it: the span model's runtime in :mod:`qa.read.span.model`, the combiner and its
weights file in :mod:`qa.read.combiner`, and the proposals with their evidence in
:mod:`qa.read.span.proposals`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from embeddings.base import Encoder
from qa.ingest.articles import opening_dateline
from qa.question.frame import analyse_question, repeats_question
from qa.question.kinds import AnswerKind, answer_kind, expected_kind, fits
from qa.read.base import AnswerGroup, ReadRequest
from qa.read.boundaries import name_after_role, role_words, skip_when
from qa.read.check import AnswerCheck, marked_sentence
from qa.read.combiner import Combiner, load_combiner
from qa.read.conflicts import Clash, QuestionClaims, find_clashes, question_claims
from qa.read.credits import asks_about_pictures, credit_spans, cut_at_credit
from qa.read.span.model import LOGIT_FLOOR, SpanModel, SpanModelOutput
from qa.read.span.proposals import (
    Place,
    Proposal,
    asks_for_several,
    best_of_others,
    by_answer,
    cited_spans,
    keys_missing,
    sentence_features,
    typed_match,
    typed_places,
)
from qa.read.typed.features import PassageView
from qa.read.typed.reader import TypedReader
from qa.read.typed.scoring import FEATURES, Candidate, answer_groups
from qa.text.vocab import same_verb
from qa.types import Hit, Span, answer_key

NEURAL_VERSION = 1


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


class NeuralReader:
    """Span model plus typed reader, with one fitted model of whether an answer is right.

    Args:
        encoder: Passed to the typed reader (sentence vectors at index time).
        span_model: The fine-tuned span model; defaults to the weights shipped in the package.
        combiner: Weights of the final logistic model; defaults to
            :func:`qa.read.combiner.load_combiner`.
        proposals: Spans the span model proposes per passage.
        max_answer_tokens: Longest span the span model may propose.
        focus_words: A passage longer than this many words is read by the span model only in
            its run of sentences most about the question (:func:`focus_block`), which halves
            the time on long paragraphs; ``None`` reads every passage whole.
        complete_spans: Widen each span the span model proposes so that it cuts no entity
            or noun phrase (:func:`qa.read.boundaries.complete_span`).

    Example:
        >>> reader = NeuralReader(encoder)  # cheap: models load on first use
        >>> question = "When does GSOMIA expire?"
        >>> hits = assistant.search(question)
        >>> analyses = reader.analyze([h.passage.text for h in hits])
        >>> reader.read([ReadRequest(question, hits, analyses)])[0][0].spans[0].text
        'this Saturday'
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
        check: AnswerCheck | None = None,
    ) -> None:
        self.typed = TypedReader(encoder)
        # The answer check of the best answer; None (or no weights) checks nothing.
        self.check = check
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
        """The typed reader's spaCy pipeline (for tools; questions come parsed)."""
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
        read = [self.groups(proposals) for proposals in self.propose(requests)]
        if self.check is not None and self.check.available():
            self._check_best(requests, read)
        return read

    def _check_best(self, requests: Sequence[ReadRequest], read: list[list[AnswerGroup]]) -> None:
        """Give each request's best answer its check (:mod:`qa.read.check`), in place."""
        assert self.check is not None
        todo = []
        for i, (request, groups) in enumerate(zip(requests, read, strict=True)):
            if not groups:
                continue
            best = groups[0].spans[0]
            passage = next(
                (h.passage for h in request.hits if h.passage.id == best.passage_id), None
            )
            if passage is not None:
                sentence = marked_sentence(passage.text, best.start, best.end)
                todo.append((i, request.question, sentence))
        logits = self.check.logits([(q, s) for _, q, s in todo])
        gate = self.check.gate
        for (i, _, _), logit in zip(todo, logits, strict=True):
            top = read[i][0]
            read[i][0] = replace(top, check=gate.probability(top.score, logit))

    def groups(self, proposals: Sequence[Proposal]) -> list[AnswerGroup]:
        """Score proposals with the combiner and order them."""
        groups = []
        for p in proposals:
            score = self.combiner.probability(p.features)
            spans = tuple(s.model_copy(update={"score": score}) for s in p.spans)
            groups.append(AnswerGroup(score, spans, p.clashes))
        groups.sort(key=lambda g: (-g.score, g.spans[0].passage_id, g.spans[0].start))
        return groups

    def nearest_of_other_kind(self, request: ReadRequest) -> tuple[str, str] | None:
        """What the reader would answer if the kind of answer asked for were set aside, and the
        kind that answer is: what a decline reports as found ("“Gate-7”, a title") when
        nothing of the asked kind was (``kinds.fits`` turned every candidate down).

        Returns:
            The best candidate's text and its kind's name, or None when there is none.

        Example:
            >>> reader.nearest_of_other_kind(request)  # needs a read request  # doctest: +SKIP
            ('Gate-7', 'title')
        """
        groups = self.groups(self.propose([request], any_kind=True)[0])
        if not groups:
            return None
        best = groups[0].spans[0]
        at = {h.passage.id: k for k, h in enumerate(request.hits)}.get(best.passage_id)
        blob = request.analyses[at] if at is not None else b""
        span = (
            self.typed.parsed(blob).char_span(best.start, best.end, alignment_mode="expand")
            if blob
            else None
        )
        found = answer_kind(span) if span is not None and len(span) else AnswerKind.OTHER
        if found is AnswerKind.OTHER and any(c.isdigit() for c in best.text):
            return best.text, "name or code"  # "Gate-7", "STS-107"
        return best.text, found.value

    def propose(
        self, requests: Sequence[ReadRequest], *, any_kind: bool = False
    ) -> list[list[Proposal]]:
        """Every distinct answer either reader proposes, with the combiner's features.

        With ``any_kind``, candidates of another kind than the question asks for are kept.
        """
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
            out.append(self._proposals_for(request, typed, conf, spans, passage_views, any_kind))
        return out

    def focus(self, requests: Sequence[ReadRequest]) -> list[list[tuple[int, int]]]:
        """For each hit of each request, the characters ``[start, end)`` the span model reads.

        A passage within ``focus_words`` is read whole. Of a longer one, the span model reads
        the run of sentences :func:`focus_block` picks, a sentence scoring its cosine with the
        question plus the share of the question's words it holds. The typed reader still
        reads the whole passage.

        Example:
            >>> reader = NeuralReader(encoder, focus_words=20)
            >>> question = "When does GSOMIA expire?"
            >>> hits = assistant.search(question, top_k=2)
            >>> [len(h.passage.text) for h in hits]
            [296, 261]
            >>> analyses = reader.analyze([h.passage.text for h in hits])
            >>> reader.focus([ReadRequest(question, hits, analyses)])
            [[(144, 296), (0, 142)]]
        """
        return [
            [self._block(hit.passage.text, view) for hit, view in zip(r.hits, views, strict=True)]
            for r, views in zip(requests, self._views(requests), strict=True)
        ]

    def _views(self, requests: Sequence[ReadRequest]) -> list[list[PassageView | None]]:
        """Each hit's sentences as they bear on the question (None without an analysis)."""
        parsed = self.typed.parse_questions(requests)
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

    def _moved(
        self,
        move: Callable[[Place], Place | None],
        outputs: Sequence[SpanModelOutput],
        typed_at: dict[Place, Candidate],
        proposed: set[Place],
        grown_from: dict[Place, tuple[float, float]],
    ) -> tuple[dict[Place, Candidate], set[Place]]:
        """Every place moved by ``move``: widened to the list its head is an item of (a
        question that asks for several things) or to the reason it lies in (a why-question),
        or cut short of a photo credit; ``move`` returns None to drop a place. A moved place
        keeps the score of the span it came from, as a completed span does; ``grown_from`` is
        updated in place."""

        def moved(place: Place) -> Place | None:
            new = move(place)
            if new is not None and new != place:
                k, start, end = place
                own = grown_from.get(place, outputs[k].score(start, end))
                grown_from[new] = max(own, grown_from.get(new, own))
            return new

        new_typed: dict[Place, Candidate] = {}
        for place, cand in typed_at.items():
            new = moved(place)
            if new is None:
                continue
            held = new_typed.get(new)
            if held is None or cand.logit > held.logit:
                new_typed[new] = cand
        return new_typed, {new for place in proposed if (new := moved(place)) is not None}

    @staticmethod
    def _on_parse(
        widen: Callable[[bytes, int, int], tuple[int, int]], request: ReadRequest
    ) -> Callable[[Place], Place]:
        """A widening of the typed reader's (``widen(blob, start, end)``) as a move of places."""

        def move(place: Place) -> Place:
            k, start, end = place
            blob = request.analyses[k]
            return (k, *widen(blob, start, end)) if blob else place

        return move

    @staticmethod
    def _off_dateline(request: ReadRequest) -> Callable[[Place], Place | None]:
        """Places outside a paragraph's opening dateline (:func:`opening_dateline`): the
        recogniser calls a town in capitals a person ("DUNMORE, Nov. 3, 2025 —")."""
        ends = [opening_dateline(h.passage.text) for h in request.hits]

        def move(place: Place) -> Place | None:
            k, start, _ = place
            return None if start < ends[k] else place

        return move

    @staticmethod
    def _off_when(request: ReadRequest) -> Callable[[Place], Place]:
        """Places without an adverb of time before their figure (:func:`skip_when`): the
        typed reader's entities take it in ("now 1,900 acres")."""
        hits = request.hits

        def move(place: Place) -> Place:
            k, start, end = place
            return (k, *skip_when(hits[k].passage.text, start, end))

        return move

    def _off_role(self, request: ReadRequest, question: Any) -> Callable[[Place], Place]:
        """Places cut to the name after the role the question names (:func:`name_after_role`):
        "Who is the Pellham fire marshal?" is answered "Victor Lund", not "Pellham Fire Marshal
        Victor Lund"."""
        roles = role_words(question)

        def move(place: Place) -> Place:
            k, start, end = place
            blob = request.analyses[k]
            if not blob:
                return place
            return (k, *name_after_role(self.typed.parsed(blob), start, end, roles))

        return move

    @staticmethod
    def _off_credits(request: ReadRequest) -> Callable[[Place], Place | None]:
        """Places kept out of photo credits (:func:`qa.read.credits.cut_at_credit`)."""
        hits = request.hits
        credits = [credit_spans(h.passage.text) for h in hits]

        def move(place: Place) -> Place | None:
            k, start, end = place
            cut = cut_at_credit(hits[k].passage.text, credits[k], start, end)
            return None if cut is None else (k, *cut)

        return move

    def _on_the_verb(self, request: ReadRequest, question: Any, places: set[Place]) -> set[Place]:
        """Of several dates in one sentence, those of the question's verb.

        "The walkout, which began on March 1, was extended on Monday": "when was it extended?"
        wants Monday, "when did it start?" March 1. Where one of a sentence's dates hangs on
        the question's verb (or one naming the same event, :func:`qa.text.vocab.same_verb`),
        the dates that hang on other verbs are dropped; a sentence whose dates hang on none
        keeps them all.
        """
        # The parser tags some question verbs as nouns ("did the council vote"): its root
        # counts too.
        asked = [
            t.lemma_.lower()
            for t in question
            if t.pos_ == "VERB" or (t.dep_ == "ROOT" and t.pos_ in ("NOUN", "VERB"))
        ]
        if not asked:
            return places
        by_sentence: dict[tuple[int, int], list[tuple[Place, str | None]]] = {}
        for place in places:
            k, start, end = place
            blob = request.analyses[k]
            span = (
                self.typed.parsed(blob).char_span(start, end, alignment_mode="expand")
                if blob
                else None
            )
            if span is None or len(span) == 0:
                continue
            by_sentence.setdefault((k, span.sent.start), []).append((place, _verb_of(span)))
        dropped: set[Place] = set()
        for group in by_sentence.values():
            on_verb = {p for p, verb in group if verb and any(same_verb(a, verb) for a in asked)}
            if on_verb:
                dropped |= {p for p, _ in group if p not in on_verb}
        return places - dropped

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

    def _clashes(
        self, request: ReadRequest, claims: QuestionClaims, place: Place
    ) -> tuple[Clash, ...]:
        """What the sentence holding the span at ``place`` contradicts in the question, from
        the passage's parse made at index time (nothing is parsed again)."""
        k, start, end = place
        blob = request.analyses[k]
        if not blob:
            return ()
        span = self.typed.parsed(blob).char_span(start, end, alignment_mode="expand")
        if span is None:
            return ()
        return find_clashes(claims, span.sent, (start, end))

    def _proposals_for(
        self,
        request: ReadRequest,
        typed: list[tuple[Span, Candidate]],
        typed_conf: dict[str, float],
        outputs: Sequence[SpanModelOutput],
        passage_views: Sequence[PassageView | None],
        any_kind: bool = False,
    ) -> list[Proposal]:
        hits = list(request.hits)
        typed_at = typed_places(typed, {h.passage.id: k for k, h in enumerate(hits)})
        proposed, grown_from = self._span_places(request, outputs)
        parsed = self.typed.parse_questions([request])[0]
        kind = expected_kind(parsed)
        moves: list[Callable[[Place], Place | None]] = []
        if asks_for_several(request.question, parsed):
            moves.append(self._on_parse(self.typed.coordinate, request))
        if kind is AnswerKind.REASON:
            # A why-question wants the reason, not a name inside it.
            moves.append(self._on_parse(self.typed.reason, request))
        if not asks_about_pictures(request.question):
            # A photo credit is printed beside the story, not part of it; it answers only a
            # question about the picture. Last, so that no widening reaches into one.
            moves.append(self._off_credits(request))
        moves.append(self._off_when(request))
        if kind is AnswerKind.PERSON:
            moves.append(self._off_role(request, parsed))
        if kind not in (AnswerKind.DATE, AnswerKind.YEAR, AnswerKind.TIME, AnswerKind.PLACE):
            moves.append(self._off_dateline(request))
        for move in moves:
            typed_at, proposed = self._moved(move, outputs, typed_at, proposed, grown_from)
        # An article that never mentions one of the question's specifics answers another
        # question; the typed reader already proposes nothing from it.
        # An answer that only repeats the question's words tells the asker nothing.
        places = {
            place
            for place in set(typed_at) | proposed
            if ((view := passage_views[place[0]]) is None or not view.absent_key)
            and (any_kind or self._of_kind(kind, request, place, parsed))
            and not repeats_question(_text_at(hits, place), request.question)
        }
        if kind in (AnswerKind.DATE, AnswerKind.YEAR, AnswerKind.TIME):
            places = self._on_the_verb(request, parsed, places)
        by_key = by_answer(hits, outputs, places, grown_from)
        if not by_key:
            return []
        matched = {place: typed_match(place, typed_at) for place in places}
        span_best = {key: vals[0][1] for key, vals in by_key.items()}
        typed_best = {
            key: max(
                (m.logit for p, _, _ in vals if (m := matched[p]) is not None), default=LOGIT_FLOOR
            )
            for key, vals in by_key.items()
        }
        other_span, other_typed = best_of_others(span_best), best_of_others(typed_best)
        # Evidence about the question rather than the answer: how far the span model's best
        # span anywhere beats "no answer", and how close the closest passage is. The same for
        # every proposal, they move its confidence, not its rank.
        question_margin = max(
            -15.0, min(15.0, max((o.best_margin() for o in outputs), default=-15.0))
        )
        closest = max((h.similarity or 0.0 for h in hits), default=0.0)
        top = max(span_best.values())
        total = sum(math.exp(v - top) for v in span_best.values())
        claims = question_claims(parsed)
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
                f = sentence_features(passage_views[best_place[0]], best_place[1])
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
                keys_missing(passage_views[best_place[0]], best_place[1]),
                question_margin,
                closest,
            )
            proposals.append(
                Proposal(
                    key,
                    cited_spans(hits, per_passage, best_place[0]),
                    features,
                    self._clashes(request, claims, best_place),
                )
            )
        return proposals


def _text_at(hits: Sequence[Hit], place: Place) -> str:
    """The words of a passage at ``place``."""
    k, start, end = place
    return hits[k].passage.text[start:end]


def _verb_of(span: Any) -> str | None:
    """The lemma of the verb a date phrase hangs on ("on Monday" in "was extended on Monday").

    Read from the phrase's date word, not its root: "Tuesday to raise fees" hangs on "voted"
    through "Tuesday", though its root is "raise".
    """
    token = next((t for t in span if t.ent_type_ in ("DATE", "TIME")), span.root)
    for _ in range(6):
        if token.pos_ == "VERB":
            return str(token.lemma_.lower())
        if token.head.i == token.i:
            return None
        token = token.head
    return None
