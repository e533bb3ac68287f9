"""Turning a follow-up question into a standalone one, from the conversation so far.

"Which countries are party to it?" after "When does GSOMIA expire?" becomes "Which countries are
party to GSOMIA?"; "And where?" after "When did Trump and Kim meet again?" becomes "Where did Trump
and Kim meet again?"; "When?" after "Who met Kim?" (answered "Biegun") becomes "When did Biegun
meet Kim?". The rules use the previous question and its answer only: they fill in pronouns and
ellipsis, the two ways follow-ups leave things out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.read.question import WH_WORDS
from qa.types import Answer

_PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
_THING_PRONOUNS = {"it", "its"}
_GROUP_PRONOUNS = {"they", "them", "their", "theirs"}
_PLACE_PRONOUNS = {"there"}
_LEADS = re.compile(r"^\s*(?:and|so|but|also|then|ok|okay)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)\s*\??\s*$", re.IGNORECASE)


def resolve_followup(question: str, history: Sequence[Answer], nlp: Any) -> str:
    """Rewrite ``question`` so it can be understood without ``history``.

    Args:
        question: The new question.
        history: Earlier answers in this conversation, oldest first.
        nlp: A spaCy pipeline used to find entities and noun phrases.

    Returns:
        The standalone question (``question`` itself when nothing needs filling in).

    Example:
        >>> prev = Answer(question="When does GSOMIA expire?", text=None, score=0.0)
        >>> resolve_followup("Which countries are party to it?", [prev], nlp)  # doctest: +SKIP
        'Which countries are party to GSOMIA?'
    """
    if not history:
        return question
    previous = history[-1]
    prev_question = previous.resolved_question or previous.question
    prev_doc = nlp(prev_question)
    answer_doc = nlp(previous.text) if previous.text else None

    elliptic = _resolve_ellipsis(question, prev_question, prev_doc, previous.text)
    if elliptic is not None:
        return elliptic

    doc = nlp(question)
    pieces: list[str] = []
    changed = False
    for token in doc:
        lower = token.lower_
        referent: str | None = None
        if lower in _PERSON_PRONOUNS:
            referent = _person(prev_doc, answer_doc)
        elif lower in _THING_PRONOUNS:
            referent = _thing(answer_doc) or _topic(prev_doc)
        elif lower in _GROUP_PRONOUNS:
            referent = _group(prev_doc, answer_doc)
        elif lower in _PLACE_PRONOUNS and token.dep_ in ("advmod", "expl") and token.i > 0:
            referent = _place(prev_doc, answer_doc)
        if referent is None:
            pieces.append(token.text_with_ws)
            continue
        if lower in _PLACE_PRONOUNS:
            referent = f"in {referent}"
        elif token.tag_ == "PRP$" or lower in ("its", "their", "his"):
            referent = f"{referent}'s"
        pieces.append(referent + token.whitespace_)
        changed = True
    return "".join(pieces) if changed else question


def _resolve_ellipsis(
    question: str, prev_question: str, prev_doc: Any, prev_answer: str | None = None
) -> str | None:
    about = _ABOUT.match(question)
    if about:
        topic = _topic(prev_doc)
        rest = about.group("rest")
        if topic and topic in prev_question:
            return prev_question.replace(topic, rest, 1)
        return f"{prev_question.rstrip('?')} {rest}?"
    bare = _LEADS.sub("", question).strip().rstrip("?").strip()
    words = bare.lower().split()
    if not words or words[0] not in WH_WORDS or len(words) > 3:
        return None
    # "when?", "and where?", "how many?", "which year?": reuse the previous question's body.
    prev_tokens = list(prev_doc)
    wh_at = next((i for i, t in enumerate(prev_tokens) if t.lower_ in WH_WORDS), None)
    if wh_at is None:
        return None
    end = wh_at + 1
    # Swap the whole wh-phrase ("how many", "which countries") for the new one.
    while (
        end < len(prev_tokens)
        and prev_tokens[end].pos_ in ("NOUN", "ADJ", "ADV")
        and (prev_tokens[wh_at].lower_ in ("how", "which", "what"))
    ):
        end += 1
    before = "".join(t.text_with_ws for t in prev_tokens[:wh_at])
    phrase = bare[0].upper() + bare[1:] if not before else bare
    if (
        prev_answer
        and not before
        and prev_tokens[wh_at].lower_ in _ARGUMENT_WH
        and words[0] in _ADVERBIAL_WH
        and words[:2] not in (["how", "many"], ["how", "much"])
    ):
        # "Who was arrested?" then "When?": the new question keeps the old one's answer in
        # the place its wh-word held, "When was Daniel Montalvo arrested?".
        filled = _fill_gap(prev_tokens, wh_at, end, prev_answer)
        if filled is not None:
            return f"{phrase} {filled}"
    after = "".join(t.text_with_ws for t in prev_tokens[end:])
    return f"{before}{phrase} {after}".replace("  ", " ").strip()


_ARGUMENT_WH = frozenset({"who", "whom", "what", "which"})
_ADVERBIAL_WH = frozenset({"when", "where", "why", "how"})
_DO_SUPPORT = {"VBD": "did", "VBZ": "does", "VBP": "do"}


def _fill_gap(tokens: list[Any], wh_at: int, end: int, answer: str) -> str | None:
    """The previous question after its wh-phrase ``tokens[wh_at:end]``, with ``answer`` where
    the wh-phrase stood, in the word order of a question that asks something else of it.

    A subject goes after the auxiliary ("was arrested" -> "was X arrested"), or takes "did" /
    "does" / "do" before a plain verb ("met Kim" -> "did X meet Kim"); an object or
    complement goes at the end ("did Microsoft want to drop" -> "... drop X"). None when
    the question has no verb to hang the answer on.
    """
    rest = tokens[end:]
    while rest and rest[-1].is_punct:
        rest = rest[:-1]
    if not rest:
        return None
    head = tokens[end - 1]
    words = "".join(t.text_with_ws for t in rest).strip()
    if head.dep_ not in ("nsubj", "nsubjpass"):
        return f"{words} {answer}?"
    first, tail = rest[0], "".join(t.text_with_ws for t in rest[1:]).strip()
    if first.pos_ == "AUX":
        return f"{first.text} {answer} {tail}?".replace(" ?", "?")
    if first.tag_ in _DO_SUPPORT:
        return f"{_DO_SUPPORT[first.tag_]} {answer} {first.lemma_} {tail}?".replace(" ?", "?")
    return None


def _person(prev_doc: Any, answer_doc: Any | None) -> str | None:
    if answer_doc is not None:
        for ent in answer_doc.ents:
            if ent.label_ == "PERSON":
                return str(ent.text)
    for ent in prev_doc.ents:
        if ent.label_ == "PERSON":
            return str(ent.text)
    return None


def _topic(prev_doc: Any) -> str | None:
    """The thing the previous question was about: its first non-person entity or noun phrase."""
    for ent in prev_doc.ents:
        if ent.label_ not in ("PERSON", "DATE", "TIME", "CARDINAL", "ORDINAL"):
            return str(ent.text)
    for chunk in prev_doc.noun_chunks:
        if chunk.root.pos_ != "PRON" and chunk.root.lower_ not in WH_WORDS:
            words = [t for t in chunk if t.lower_ not in WH_WORDS]
            if words:
                return str(prev_doc[words[0].i : chunk.end].text)
    return None


_NOT_THINGS = frozenset(
    {"PERSON", "DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL", "NORP"}
)


def _thing(answer_doc: Any | None) -> str | None:
    """The previous answer, when it names a thing "it" can stand for (not a person or date)."""
    if answer_doc is None or any(e.label_ in _NOT_THINGS for e in answer_doc.ents):
        return None
    if not any(t.pos_ in ("NOUN", "PROPN") for t in answer_doc):
        return None
    return str(answer_doc.text)


def _group(prev_doc: Any, answer_doc: Any | None) -> str | None:
    if answer_doc is not None and any(e.label_ in ("ORG", "NORP", "GPE") for e in answer_doc.ents):
        return str(answer_doc.text)
    return _topic(prev_doc)


def _place(prev_doc: Any, answer_doc: Any | None) -> str | None:
    for doc in (answer_doc, prev_doc):
        if doc is None:
            continue
        for ent in doc.ents:
            if ent.label_ in ("GPE", "LOC", "FAC"):
                return str(ent.text)
    return None
