"""What the typed reader measures: how the question bears on each sentence of a passage, and
the parse-based tests behind a candidate's features.

A :class:`PassageView` (made by :func:`passage_view`) is read by more than the typed reader's
features: the neural reader uses its sentence scores to pick what the span model reads and to
judge spans the typed reader did not propose. The candidate tests (:func:`type_fit`,
:func:`role_match`, :func:`verb_link`, ...) are spaCy token logic, kept apart from the reader's
caching and bookkeeping (:mod:`qa.read.typed.reader`) so that each can be read on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qa.question.frame import (
    DURATION_WORDS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    QuestionFrame,
    word_key,
)
from qa.text.words import article_words, mentions, month_key


@dataclass(frozen=True)
class Analysed:
    """A passage's index-time analysis, loaded: its parse, its sentences' vectors and
    each sentence's noun chunks."""

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
        absent_key: Whether the passage's whole article does not mention one of them, or
            one word of a longer name ("Brannock *Kiwanis* Club" where the article has the
            Brannock Rotary Club). Such an article answers a different question, so nothing
            is read from it.
        sentences: The question against each sentence.
    """

    missing_key: float
    absent_key: bool
    sentences: tuple[SentenceView, ...]

    def sentence_at(self, char: int) -> SentenceView | None:
        """The sentence holding character ``char``."""
        return next((s for s in self.sentences if s.start <= char < s.end), None)


def passage_view(
    analysed: Analysed,
    frame: QuestionFrame,
    qvec: npt.NDArray[np.float32],
    document_words: frozenset[str] | None,
) -> PassageView:
    """How the question bears on one analysed passage, sentence by sentence
    (:meth:`qa.read.typed.TypedReader.view`)."""
    doc = analysed.doc
    # One specific the text never mentions ("the *third* summit") is enough to make it
    # answer a different question, so these are all-or-nothing rather than a share.
    missing_key = 1.0 if _lacks_key(article_words(doc.text), frame) else 0.0
    absent_key = document_words is not None and (
        (bool(missing_key) and _lacks_key(document_words, frame))
        or any(not mentions(document_words, w) for w in frame.name_words)
        or any(month_key(m) not in document_words for m in frame.months)
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


# Dependencies of a word that modifies another ("*Seoul* office") rather than naming a thing.
MODIFIER_DEPS = frozenset({"compound", "amod", "poss", "nmod", "nummod", "npadvmod"})
# Prepositions that lead into an answer of each kind ("*in* Seoul", "*on* Saturday").
PREP_CUES: dict[str, tuple[str, ...]] = {
    "where": ("in", "at", "near", "from", "to", "into", "outside", "inside", "across"),
    "when": ("on", "in", "at", "since", "until", "by", "during", "before", "after"),
}


def type_fit(span: Any, label: str, frame: QuestionFrame) -> tuple[float, float]:
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
    if frame.kind == "who" and label == "NP" and lemma(span.root) in PERSON_NOUNS:
        return 0.0, 1.0
    if frame.kind == "where" and label == "NP" and place_phrase(span):
        return 0.0, 1.0
    return 0.0, 0.0


def role_match(span: Any, frame: QuestionFrame) -> bool:
    """The candidate fills, for a verb of the question, the role the wh-word fills."""
    root = span.root
    if not frame.role or word_key(root.head) not in frame.verbs | frame.lemmas:
        return False
    if frame.role == "subject":
        return bool(root.dep_ in ("nsubj", "nsubjpass"))
    return bool(root.dep_ in ("dobj", "attr", "oprd", "xcomp", "ccomp"))


def place_phrase(span: Any) -> bool:
    """A noun phrase naming a place by its head noun, or following a locative preposition."""
    before = span.doc[span.start - 1].lower_ if span.start > 0 else ""
    return bool(lemma(span.root) in PLACE_NOUNS or before in PREP_CUES["where"])


def lemma(token: Any) -> str:
    return str(token.lemma_.lower() or token.lower_)


def verb_link(span: Any, frame: QuestionFrame) -> bool:
    """Whether the nearest verb above the candidate is a verb of the question."""
    token = span.root
    for _ in range(4):
        if token.head is token:
            return False
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            return word_key(token) in frame.verbs or word_key(token) in frame.lemmas
    return False
