"""Word order for an elliptic follow-up: where the old wh-phrase's answer goes in the new question.

"Who did Kim Hyun-chong meet in Seoul?" (answered "Stephen Biegun") then "When?" asks "When did
Kim Hyun-chong meet Stephen Biegun in Seoul?": the old wh-word was the verb's object, so its answer
goes after the verb. "Who met Kim in Seoul?" then "When?" asks "When did Biegun meet Kim in
Seoul?": the old wh-word was the subject, so its answer goes after an auxiliary, and a plain verb
needs "did" / "does" / "do" to carry the tense. "Who is the US envoy?" then "When?" asks "When is
the US envoy?": the wh-word was the predicate, and the subject is still there to ask about.

The small spaCy model often misparses short questions (in "Who did Kim Hyun-chong meet in
Seoul?" it tags "meet" as a noun and "did" as the main verb), so the rules read word order and
part-of-speech tags first and use the dependency parse where it is known to hold up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

_NEGATION = frozenset({"not", "n't", "never"})
# Tags that start a noun phrase: after "is" / "has" / "will" they mean the question is inverted
# ("What has Google released?"), so the wh-phrase is not the subject.
_NP_START = frozenset({"DT", "PDT", "PRP", "PRP$", "NNP", "NNPS", "NN", "NNS", "CD"})
_DO_SUPPORT = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_PLURAL = {"is": "are", "was": "were", "has": "have", "does": "do"}
_SINGULAR = {plural: singular for singular, plural in _PLURAL.items()}


@dataclass(frozen=True)
class Clause:
    """The previous question past its wh-phrase, and the role the wh-phrase played in it.

    Attributes:
        tokens: The tokens after the wh-phrase, without the closing punctuation.
        role: "subject" ("Who met Kim?"), "object" ("Who did Kim meet?", "Who did she speak
            to?") or "predicate" ("Who is the US envoy?").
        finite: Index in ``tokens`` of the auxiliary or verb that carries the tense.
        auxiliary: Whether ``tokens[finite]`` is an auxiliary that inverts with a subject
            ("was", "will", "did" before "not"); a plain verb needs do-support instead.
        verb: Index of the main verb of an inverted (object) question, when found.
        gap: Index in ``tokens`` where an object goes (object role only).
    """

    tokens: Sequence[Any]
    role: Literal["subject", "object", "predicate"]
    finite: int
    auxiliary: bool = True
    verb: int | None = None
    gap: int = 0


def analyse(rest: Sequence[Any], wh_head: Any) -> Clause | None:
    """How the question ``rest`` continues after its wh-phrase, whose head token is ``wh_head``.

    Args:
        rest: The question's tokens after the wh-phrase.
        wh_head: The wh-phrase's last token ("Who", "countries" in "Which countries").

    Returns:
        The clause, or None when it has no verb the rules can place an answer around.
    """
    rest = list(rest)
    while rest and rest[-1].is_punct:
        rest = rest[:-1]
    i = 0
    # "Who also met Kim?": adverbs before the verb move with it, after the new subject.
    while i < len(rest) and rest[i].tag_ == "RB" and rest[i].lower_ not in _NEGATION:
        i += 1
    if i >= len(rest):
        return None
    first = rest[i]
    nxt = rest[i + 1] if i + 1 < len(rest) else None
    if first.lemma_ == "do" and first.tag_ in _DO_SUPPORT:
        if nxt is None or nxt.lower_ in _NEGATION:
            return Clause(rest, "subject", i)  # "Who did not vote?"
        verb = _verb_after_do(rest, i)
        if verb is None:
            # "Who did the work?": "did" is the main verb and takes do-support itself.
            return Clause(rest, "subject", i, auxiliary=False)
        return Clause(rest, "object", i, verb=verb, gap=_object_gap(rest, verb))
    auxiliary = first.lemma_ == "be" or first.tag_ == "MD"
    if first.lemma_ == "have" and first.dep_ in ("aux", "auxpass"):
        auxiliary = True
    if auxiliary:
        if nxt is None or nxt.tag_ not in _NP_START:
            return Clause(rest, "subject", i)  # "Who was arrested?", "Who will lead the talks?"
        verb = _verb_after_auxiliary(rest, i)
        if verb is not None:
            return Clause(rest, "object", i, verb=verb, gap=_object_gap(rest, verb))
        stranded = _stranded_end(rest, i + 1)
        if stranded is not None:
            return Clause(rest, "object", i, gap=stranded)  # "What is the film about?"
        if first.lemma_ != "be":
            return None
        # "Which country is the largest producer?" keeps a subject to fill; "Who is the US
        # envoy?" asks for the predicate, and its subject is already in the question.
        role: Literal["subject", "predicate"] = (
            "subject" if wh_head.dep_ in ("nsubj", "nsubjpass") else "predicate"
        )
        return Clause(rest, role, i)
    if first.tag_ in _DO_SUPPORT:
        return Clause(rest, "subject", i, auxiliary=False)  # "Who met Kim?"
    return None


def fill(clause: Clause, filler: str | None, *, plural: bool, past: bool) -> str | None:
    """The clause as the body of a new question, with ``filler`` where the wh-phrase was.

    Args:
        clause: What :func:`analyse` found.
        filler: The old wh-phrase's answer ("Stephen Biegun"); None when it is unknown.
        plural: Whether ``filler`` is plural, for agreement ("When were two men arrested?").
        past: Turn a present perfect into the simple past, because the new question asks
            "when" ("Who has resigned?" -> "When did X resign?", not "When has X resigned?").

    Returns:
        The body after the new wh-phrase, ending in "?", or None when a filler is needed but
        unknown: without it no standalone question says what the old one asked about.
    """
    tokens, i = clause.tokens, clause.finite
    words = [t.text_with_ws for t in tokens]
    if clause.role == "predicate":
        return _text(words)
    if filler is None:
        return None
    first = tokens[i]
    if clause.role == "object":
        words.insert(clause.gap, f" {filler} ")
        at = clause.verb
        if past and at is not None and _present_perfect(first, tokens[at]):
            words[i] = "did "
            # The verb comes before the inserted filler unless a stranded preposition does.
            words[at if at < clause.gap else at + 1] = tokens[at].lemma_ + tokens[at].whitespace_
        return _text(words)
    adverbs = words[:i]
    after = words[i + 1 :]
    if not clause.auxiliary:
        # A plain verb cannot invert: "met Kim" -> "did X meet Kim", "lives" -> "does X live".
        # The tense comes from the verb, the number from the answer that is its subject now.
        support = _DO_SUPPORT[first.tag_]
        if support != "did":
            support = "do" if plural else "does"
        return _text([f"{support} {filler} ", *adverbs, first.lemma_ + " ", *after])
    # "Which countries are party to it?" answered "Japan": "When is Japan party to it?".
    auxiliary = first.lower_
    auxiliary = (_PLURAL if plural else _SINGULAR).get(auxiliary, auxiliary)
    later = tokens[i + 1] if i + 1 < len(tokens) else None
    if past and later is not None and first.lemma_ == "have" and first.tag_ in ("VBZ", "VBP"):
        if later.lower_ == "been":  # "Who has been arrested?" -> "When was X arrested?"
            return _text(["were " if plural else "was ", f"{filler} ", *adverbs, *after[1:]])
        if later.tag_ == "VBN":
            return _text([f"did {filler} ", *adverbs, later.lemma_ + " ", *after[1:]])
    return _text([f"{auxiliary} {filler} ", *adverbs, *after])


def agree_plural(clause: Clause) -> str:
    """The clause as the body after a plural wh-subject ("Who was hurt?" -> "How many were hurt?").

    Args:
        clause: What :func:`analyse` found.

    Returns:
        The body, ending in "?", with a singular verb or auxiliary of a subject question made
        plural.
    """
    words = [t.text_with_ws for t in clause.tokens]
    first = clause.tokens[clause.finite]
    if clause.role == "subject" and first.lower_ in _PLURAL:
        words[clause.finite] = _PLURAL[first.lower_] + first.whitespace_
    elif clause.role == "subject" and first.tag_ == "VBZ":
        words[clause.finite] = first.lemma_ + first.whitespace_
    return _text(words)


def _text(words: Sequence[str]) -> str:
    return re.sub(r"\s+", " ", "".join(words)).strip() + "?"


def _present_perfect(auxiliary: Any, verb: Any) -> bool:
    return bool(
        auxiliary.lemma_ == "have"
        and auxiliary.tag_ in ("VBZ", "VBP")
        # The tagger sometimes calls the participle a past tense ("have ... demanded/VBD").
        and verb.tag_ in ("VBN", "VBD")
        and not any(c.lower_ == "been" for c in verb.children)
    )


def _index(rest: Sequence[Any], token: Any) -> int | None:
    at = int(token.i - rest[0].i)
    return at if 0 <= at < len(rest) else None


def _verb_after_do(rest: Sequence[Any], i: int) -> int | None:
    """The main verb of "did <subject> <verb> ...", or None when "do" is the main verb."""
    do = rest[i]
    if do.dep_ == "aux" and do.head.i > do.i:
        # The parse links "did" to its verb even where it tags the verb a noun ("the Pentagon
        # test").
        return _index(rest, do.head)
    # Where "did" is parsed as the verb, a subject that is a name or a pronoun still shows
    # where the real verb starts: "did Kim Hyun-chong | meet", "did she | speak".
    after = _after_name(rest, i + 1)
    if after is not None:
        return after
    return next((j for j in range(i + 2, len(rest)) if rest[j].tag_ == "VB"), None)


def _verb_after_auxiliary(rest: Sequence[Any], i: int) -> int | None:
    """The main verb of "has <subject> <verb> ..." (or "is" / "will"), when there is one."""
    auxiliary = rest[i]
    if auxiliary.dep_ in ("aux", "auxpass") and auxiliary.head.i > rest[i + 1].i:
        at = _index(rest, auxiliary.head)
        if at is not None and rest[at].pos_ in ("VERB", "AUX"):
            return at
    wanted = ("VB",) if auxiliary.tag_ == "MD" else ("VBN", "VBG")
    return next((j for j in range(i + 2, len(rest)) if rest[j].tag_ in wanted), None)


def _after_name(rest: Sequence[Any], start: int) -> int | None:
    """The index after a pronoun or a named entity (with its "the") that starts at ``start``."""
    j = start
    if j < len(rest) and rest[j].tag_ == "PRP":
        j += 1
    else:
        if j < len(rest) and rest[j].tag_ == "DT":
            j += 1
        if j >= len(rest) or rest[j].ent_iob_ != "B":
            return None
        j += 1
        while j < len(rest) and rest[j].ent_iob_ == "I":
            j += 1
    if j >= len(rest) or rest[j].pos_ in ("ADP", "CCONJ", "PUNCT", "PART"):
        return None
    return j


def _stranded(token: Any) -> bool:
    """A preposition or particle with nothing after it as its object ("speak to", "set up")."""
    if token.pos_ != "ADP":
        return False
    return not any(c.dep_ in ("pobj", "pcomp") and c.i > token.i for c in token.children)


def _stranded_end(rest: Sequence[Any], start: int) -> int | None:
    """The index just past the first run of stranded prepositions at or after ``start``."""
    for j in range(start, len(rest)):
        if _stranded(rest[j]):
            # "give up on": the answer follows the whole run.
            while j + 1 < len(rest) and _stranded(rest[j + 1]):
                j += 1
            return j + 1
    return None


def _object_gap(rest: Sequence[Any], verb: int) -> int:
    """Where the object of ``rest[verb]`` goes: after a stranded preposition when there is one
    ("speak to X", "get rid of X"), else after the last verb of an infinitive chain and its
    particle ("want to drop X", "set up X"), else right after the verb ("meet X in Seoul")."""
    stranded = _stranded_end(rest, verb + 1)
    if stranded is not None:
        return stranded
    head = rest[verb]
    while True:
        chained = [c for c in head.children if c.dep_ == "xcomp" and c.i > head.i]
        at = _index(rest, chained[0]) if chained else None
        if at is None:
            break
        head = rest[at]
    gap = int(head.i - rest[0].i) + 1
    while gap < len(rest) and rest[gap].dep_ == "prt":
        gap += 1
    return gap
