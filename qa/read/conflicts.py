"""Whether the sentence an answer comes from contradicts the question.

A look-alike question keeps an article's words but changes one detail, so that no article
says what it asks: "the Municipality of *Bogliasco*" where the article says "of Livorno",
"September *2022*" where it says 2021, "*after* the attack" where it says "prior to". The
reader still finds a confident answer in that sentence, because every other word matches.
This module finds the changed detail: a :class:`Clash` is a specific of the question that the
cited sentence replaces by another of the same sort. Three sorts are checked, each kept narrow
so that an answerable question, which its sentence may word differently, never clashes:

* a **name** of the question is not mentioned, while an entity of the sentence shares a word
  with it and adds a word the question never uses ("Municipality of Livorno" for
  "Municipality of Bogliasco"; but "Mr. Kim" for "Kim Jong-un" is the same man);
* a **number** (a year, an ordinal, another number) of the question is absent, and the
  sentence holds another of the same sort that neither the question nor the answer holds;
* a **relation** is reversed: the question's "before/after/prior" governs the same noun as
  the sentence's opposite word, or a question word is absent while its opposite
  (:data:`qa.text.vocab.OPPOSITES`) is present.

The question is read once (:func:`question_claims`) and each cited sentence is then checked
against it (:func:`find_clashes`); both work on spaCy parses the reader already has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from qa.text.vocab import NAME_LABELS, OPPOSITES, SAME_VERBS, TITLES, YEAR_DIGITS
from qa.text.words import article_words, key_form, mentions

__all__ = ["Clash", "ClashKind", "QuestionClaims", "find_clashes", "question_claims"]

# Words that go with a name without telling two people or places apart ("Mr. Kim").
HONORIFICS = TITLES | {"the"}
# Words whose opposite makes a different question, either way round. A few of the generator's
# pairs are left out: "new"/"old", "public"/"private" and "domestic"/"foreign" describe rather
# than relate, and articles use both of a pair for one thing ("the new/old building").
_DESCRIPTIVE = frozenset({"new", "old", "public", "private", "domestic", "foreign"})
_RELATIONS: dict[str, frozenset[str]] = {
    word: frozenset({other}) for word, other in OPPOSITES.items() if word not in _DESCRIPTIVE
}
# Order in time, said by a preposition or a conjunction: compared only about the same noun,
# since a sentence says "before" and "after" of many things at once.
_TIME_ORDER: dict[str, frozenset[str]] = {
    "before": frozenset({"after", "following"}),
    "after": frozenset({"before", "prior"}),
    "prior": frozenset({"after", "following"}),
}
# Joining and leaving a group, which news questions ask about and the generator does not swap.
_RELATIONS |= {"join": frozenset({"leave", "quit"})}
_ORDINAL_WORDS = frozenset(
    {
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "last",
    }
)
_YEAR = re.compile(rf"{YEAR_DIGITS}s?")
_ORDINAL_DIGITS = re.compile(r"\d+(?:st|nd|rd|th)")
_NUMBER = re.compile(r"\d[\d,.]*")


class ClashKind(str, Enum):
    """Which sort of specific the sentence changes."""

    NAME = "name"
    NUMBER = "number"
    RELATION = "relation"


@dataclass(frozen=True)
class Clash:
    """A specific of the question that the cited sentence replaces by another.

    Attributes:
        kind: Name, number or relation.
        question: What the question says, as it writes it ("Municipality of Bogliasco").
        sentence: What the sentence says instead, as it writes it ("Municipality of Livorno").
        about: For a reversed before/after, the noun both speak of ("attack"); else empty.
    """

    kind: ClashKind
    question: str
    sentence: str
    about: str = ""


@dataclass(frozen=True)
class _Name:
    text: str
    words: frozenset[str]


@dataclass(frozen=True)
class _Number:
    # The number as the question writes it ("2022"), and with its date for a reason
    # ("September 2022").
    word: str
    text: str
    sort: str
    # Said of a whole ("guilty on *all* 12 counts"): a sentence giving a part of that whole
    # ("nine of 12 counts") contradicts it.
    whole: bool = False


@dataclass(frozen=True)
class _Relation:
    text: str
    lemma: str
    opposites: frozenset[str]
    # The noun a before/after/prior speaks of; None for a word compared anywhere.
    about: str | None
    ordered: bool


@dataclass(frozen=True)
class QuestionClaims:
    """What a question asserts that its answer's sentence must not contradict.

    Made by :func:`question_claims`; read by :func:`find_clashes`.

    Attributes:
        names: Its names, each with its lower-case words.
        numbers: Its numbers, years and ordinals.
        relations: Its words with a checked opposite.
        forms: The :func:`qa.text.words.key_form` of every word of the question.
        tokens: Every word of the question in lower case.
    """

    names: tuple[_Name, ...]
    numbers: tuple[_Number, ...]
    relations: tuple[_Relation, ...]
    forms: frozenset[str]
    tokens: frozenset[str]


def question_claims(question: Any) -> QuestionClaims:
    """Read a parsed question (a spaCy ``Doc``) into the specifics a sentence could contradict.

    Done once per question; :func:`find_clashes` then checks each cited sentence.

    Example:
        >>> claims = question_claims(nlp("When did Tasmania begin its program in 2009?"))
        >>> [n.text for n in claims.names], [n.text for n in claims.numbers]
        (['Tasmania'], ['2009'])
    """
    names: list[_Name] = []
    in_entity: set[int] = set()
    in_name: set[int] = set()
    for ent in question.ents:
        in_entity.update(range(ent.start, ent.end))
        if ent.label_ in NAME_LABELS:
            in_name.update(range(ent.start, ent.end))
            words = _name_words(ent)
            if words:
                names.append(_Name(_shown(ent), words))
    for token in question:
        # A proper noun the parser did not put in an entity is still a name ("GSOMIA").
        if (
            token.i not in in_entity
            and token.pos_ == "PROPN"
            and token.is_alpha
            and not token.is_stop
        ):
            names.append(_Name(token.text, frozenset({token.lower_})))
    # Numbers inside names ("Apollo 11", "STS-1") are part of the name, not a quantity.
    numbers = [
        _Number(
            token.text,
            _number_shown(token),
            sort,
            token.i > 0 and question[token.i - 1].lower_ == "all",
        )
        for token in question
        if token.i not in in_name and (sort := number_sort(token.text)) is not None
    ]
    relations = []
    for token in question:
        if token.ent_type_:
            # "North Korea" is a name, not a direction.
            continue
        word, lemma = token.lower_, token.lemma_.lower()
        if word in _TIME_ORDER:
            noun = _time_object(token)
            if noun is not None:
                relations.append(_Relation(token.text, lemma, _TIME_ORDER[word], noun, True))
        elif (word in _RELATIONS or lemma in _RELATIONS) and not _phrasal(token):
            opposite = _RELATIONS.get(word, frozenset()) | _RELATIONS.get(lemma, frozenset())
            relations.append(_Relation(token.text, lemma, opposite, None, False))
    return QuestionClaims(
        names=tuple(names),
        numbers=tuple(numbers),
        relations=tuple(relations),
        forms=frozenset(key_form(t.lower_) for t in question if not t.is_punct),
        tokens=frozenset(t.lower_ for t in question),
    )


def find_clashes(
    claims: QuestionClaims, sentence: Any, answer: tuple[int, int] | None = None
) -> tuple[Clash, ...]:
    """The question's specifics that a sentence replaces by others of the same sort.

    Args:
        claims: The question, read by :func:`question_claims`.
        sentence: The sentence the answer comes from (a spaCy ``Span``).
        answer: Characters ``[start, end)`` of the answer in the sentence's document: the
            answer itself is what the question asks for, so it never counts as a rival.

    Returns:
        Every clash found, names first; empty when the sentence contradicts nothing.

    Example:
        >>> claims = question_claims(nlp("When did the University of Bogliasco open?"))
        >>> sent = next(nlp("The University of Livorno opened in 2010.").sents)
        >>> [(c.kind.value, c.question, c.sentence) for c in find_clashes(claims, sent)]
        [('name', 'University of Bogliasco', 'University of Livorno')]
    """
    start, end = answer if answer is not None else (-1, -1)

    def in_answer(token: Any) -> bool:
        return bool(start <= token.idx < end)

    answer_words = frozenset(t.lower_ for t in sentence if in_answer(t))
    return (
        _name_clashes(claims, sentence, start, end)
        + _number_clashes(claims, sentence, answer_words, in_answer)
        + _relation_clashes(claims, sentence)
    )


def number_sort(text: str) -> str | None:
    """The sort of number a token writes: ``"year"``, ``"ordinal"`` or ``"number"``; None for
    a word, or for digits mixed with letters ("F-35"), which name rather than count.

    Example:
        >>> number_sort("2021"), number_sort("third"), number_sort("60,000"), number_sort("F-35")
        ('year', 'ordinal', 'number', None)
    """
    lower = text.lower()
    if _YEAR.fullmatch(lower):
        return "year"
    if lower in _ORDINAL_WORDS or _ORDINAL_DIGITS.fullmatch(lower):
        return "ordinal"
    if _NUMBER.fullmatch(lower):
        return "number"
    return None


def _name_clashes(claims: QuestionClaims, sentence: Any, start: int, end: int) -> tuple[Clash, ...]:
    if not claims.names:
        return ()
    entities = [(ent, _name_words(ent)) for ent in sentence.ents if ent.label_ in NAME_LABELS]
    plain = {t.lower_ for t in sentence if not t.ent_type_}
    out = []
    for name in claims.names:
        if name.words & plain:
            # Written as a plain word, the name is mentioned: the parser just did not tag it.
            continue
        touching = [(e, w) for e, w in entities if w and _touches(name.words, e, w)]
        if not touching:
            # Not mentioned at all is no contradiction: the sentence may call it "it".
            continue
        covered = {
            k
            for k in name.words
            for e, w in touching
            if any(_same(x, k) for x in w) or _initials_hold(k, e)
        }
        if covered >= name.words:
            # Mentioned in full, perhaps by several entities ("Trump" and "Kim" for
            # "Trump-Kim").
            continue
        if any(w <= name.words | HONORIFICS for _, w in touching):
            # A shortened mention of the name itself ("Mr. Kim" for "Kim Jong-un").
            continue
        for ent, words in touching:
            if start < ent.end_char and ent.start_char < end:
                # The answer is the new name the question asks for ("which institute?").
                continue
            foreign = [
                w
                for w in words
                if key_form(w) not in claims.forms
                and w not in HONORIFICS
                and not any(_same(w, k) for k in name.words)
            ]
            if foreign:
                out.append(Clash(ClashKind.NAME, name.text, _shown(ent)))
                break
    return tuple(out)


def _number_clashes(
    claims: QuestionClaims,
    sentence: Any,
    answer_words: frozenset[str],
    in_answer: Callable[[Any], bool],
) -> tuple[Clash, ...]:
    if not claims.numbers:
        return ()
    known = article_words(sentence.text)
    rivals = [
        (_number_shown(t), sort)
        for t in sentence
        if not in_answer(t)
        and t.lower_ not in answer_words
        and t.lower_ not in claims.tokens
        and t.ent_type_ not in NAME_LABELS
        and (sort := number_sort(t.text)) is not None
    ]
    out = []
    for number in claims.numbers:
        part = _part_of(sentence, number.word) if number.whole else None
        if part is not None:
            out.append(Clash(ClashKind.NUMBER, f"all {number.word}", part))
            continue
        if mentions(known, number.word.rstrip("s") if number.sort == "year" else number.word):
            continue
        same_sort = [text for text, sort in rivals if sort == number.sort]
        if same_sort:
            out.append(Clash(ClashKind.NUMBER, number.text, same_sort[0]))
    return tuple(out)


def _part_of(sentence: Any, whole: str) -> str | None:
    """Where a sentence gives a part of ``whole`` ("nine of 12", "three of the 12"), that
    phrase as written; else None."""
    for token in sentence:
        if token.text != whole:
            continue
        at = token.i - 1
        if at >= sentence.start and token.doc[at].lower_ == "the":
            at -= 1
        if at - 1 < sentence.start or token.doc[at].lower_ != "of":
            continue
        count = token.doc[at - 1]
        if count.like_num and count.lower_ != whole.lower():
            return str(token.doc[count.i : token.i + 1].text)
    return None


def _relation_clashes(claims: QuestionClaims, sentence: Any) -> tuple[Clash, ...]:
    if not claims.relations:
        return ()
    # Names are not relations: "South Korea" says nothing against "north".
    plain = [t for t in sentence if not t.ent_type_]
    said = {t.lower_ for t in plain} | {t.lemma_.lower() for t in plain}
    out = []
    for rel in claims.relations:
        if rel.ordered:
            # Only about the same noun: "after the attack" against "prior to the attack".
            same = any(t.lower_ == rel.text.lower() and _time_object(t) == rel.about for t in plain)
            rival = next(
                (t for t in plain if t.lower_ in rel.opposites and _time_object(t) == rel.about),
                None,
            )
            if rival is not None and not same:
                out.append(Clash(ClashKind.RELATION, rel.text, rival.text, rel.about or ""))
        elif (
            rel.text.lower() not in said
            and rel.lemma not in said
            # "began" says "start": no clash with the "end" said beside it.
            and not SAME_VERBS.get(rel.lemma, frozenset()) & said
        ):
            rival = next(
                (
                    t
                    for t in plain
                    if (t.lower_ in rel.opposites or t.lemma_.lower() in rel.opposites)
                    and not _phrasal(t)
                ),
                None,
            )
            if rival is not None:
                out.append(Clash(ClashKind.RELATION, rel.text, rival.text))
    return tuple(out)


def _shown(span: Any) -> str:
    """A name as a reason quotes it: without a leading article ("the Sea Org" -> "Sea Org")."""
    at = span.start
    while at < span.end - 1 and span.doc[at].dep_ == "det":
        at += 1
    return str(span.doc[at : span.end].text)


def _number_shown(token: Any) -> str:
    """A number as a reason quotes it: with the date or quantity it is part of ("September
    2021"), else alone."""
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return _shown(ent)
    return str(token.text)


def _name_words(span: Any) -> frozenset[str]:
    """The words that tell a name apart: alphabetic, not stop words, lower case."""
    return frozenset(t.lower_ for t in span if t.is_alpha and not t.is_stop)


def _same(a: str, b: str) -> bool:
    """Whether two name words are one: the same key form, or one the start of the other
    ("Korea" / "Korean", a demonym)."""
    x, y = key_form(a), key_form(b)
    return x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)))


def _initials_hold(word: str, entity: Any) -> bool:
    """Whether a question word is an acronym of a sentence entity ("UN" for "United
    Nations")."""
    initials = "".join(t.text[0].lower() for t in entity if t.is_alpha and t.text[0].isupper())
    return len(word) >= 2 and word in initials


def _touches(words: frozenset[str], entity: Any, entity_words: frozenset[str]) -> bool:
    return any(_same(w, k) for w in entity_words for k in words) or any(
        _initials_hold(k, entity) for k in words
    )


def _phrasal(token: Any) -> bool:
    """A verb with a particle means something else ("ended up" is not "ended")."""
    return any(child.dep_ == "prt" for child in token.children)


def _time_object(token: Any) -> str | None:
    """The noun a before/after/prior speaks of: its object ("after *the attack*", "prior to
    *the attack*") or, joining a clause, that clause's subject ("after the *attack* began")."""
    for child in token.children:
        if child.dep_ == "pobj":
            return str(child.lemma_.lower())
        if child.lower_ == "to":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return str(grandchild.lemma_.lower())
    if token.dep_ == "mark":
        for child in token.head.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return str(child.lemma_.lower())
    return None
