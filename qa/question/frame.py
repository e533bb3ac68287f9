"""What a question asks for: its wh-word, the kind of answer expected, and its content words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.text.vocab import WH_WORDS
from qa.text.words import MONTHS, mentions, month_key
from qa.text.words import stem as _stem
from qa.types import answer_key


def word_key(token: Any) -> str:
    """The form under which a question word and a passage word count as the same word: the
    stem of the lemma, so "meet", "met" and "meeting" all match.

    Example:
        >>> word_key(nlp("meeting")[0]) == word_key(nlp("meets")[0])
        True
    """
    return _stem(str(token.lemma_.lower() or token.lower_))


# spaCy entity labels grouped by the answer kind a question asks for. The first label of each
# tuple is the most typical one; later ones are accepted with less weight.
PERSON = ("PERSON", "ORG", "NORP")
TIME = ("DATE", "TIME")
PLACE = ("GPE", "LOC", "FAC")
COUNT = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
AMOUNT = ("MONEY", "QUANTITY", "PERCENT", "CARDINAL")
DURATION = ("DATE", "TIME", "QUANTITY", "CARDINAL")
REASON = ("REASON",)

# Head nouns of "what/which X" questions that name an answer kind.
_NOUN_KINDS: dict[str, tuple[str, ...]] = {}
for _nouns, _kind in (
    ("year date day month week century decade time period era season", TIME),
    (
        "country nation city state town capital place region province area island continent "
        "location village county territory peninsula border zone site",
        PLACE,
    ),
    (
        "person man woman leader president king queen official envoy minister spokesman "
        "spokesperson adviser advisor player author writer scientist emperor ruler duke son "
        "daughter father mother wife husband chief general commander pope bishop prince "
        "princess lord who people",
        PERSON,
    ),
    (
        "organization organisation agency company group party council ministry department "
        "newspaper network team army force government university",
        ("ORG", "NORP", "GPE"),
    ),
    ("number amount percentage percent price cost range distance population total", AMOUNT),
    ("nationality religion language ethnicity", ("NORP", "LANGUAGE")),
    ("treaty law agreement act pact accord", ("LAW", "ORG")),
    ("event war battle summit", ("EVENT", "DATE")),
    ("weapon jet missile aircraft fighter product", ("PRODUCT",)),
):
    for _noun in _nouns.split():
        _NOUN_KINDS[_noun] = _kind

_HOW: dict[str, tuple[str, ...]] = {
    "many": COUNT,
    "much": AMOUNT,
    "long": DURATION,
    "far": ("QUANTITY", "CARDINAL"),
    "old": ("DATE", "CARDINAL"),
    "often": ("DATE", "TIME"),
    "large": AMOUNT,
    "big": AMOUNT,
    "high": ("QUANTITY", "CARDINAL"),
}
_LIGHT_VERBS = frozenset({"take", "make", "get", "go", "come", "give", "put", "happen", "occur"})
_VAGUE = frozenset({"kind", "type", "sort", "name", "form", "part", "piece"})
PERSON_NOUNS = frozenset(
    n for n, kind in _NOUN_KINDS.items() if kind == PERSON and n not in ("who", "people")
) | frozenset({"official", "spokesman", "reporter", "diplomat", "envoy", "negotiator"})
DURATION_WORDS = frozenset(
    [
        "second",
        "seconds",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "decade",
        "decades",
        "century",
        "centuries",
    ]
)
PLACE_NOUNS = frozenset(n for n, kind in _NOUN_KINDS.items() if kind == PLACE)


@dataclass(frozen=True)
class QuestionFrame:
    """The parts of a question the typed reader scores candidates against.

    Attributes:
        wh: The wh-word (``"what"`` when none is found).
        kind: Short name of the question type for reports (when, who, where, how many, ...).
        labels: Entity labels an answer should carry, most typical first; empty when any noun
            phrase may do.
        head: Lemma of the head noun of a "what/which X" question, if any.
        lemmas: Content words of the question, as :func:`word_key` forms.
        verbs: The question's content verbs (not auxiliaries or light verbs such as "take"),
            as :func:`word_key` forms.
        role: ``"subject"`` or ``"object"`` when the wh-word fills that role of the verb.
        keys: Names, numbers and ordinals of the question, each as the set of its lower-case
            words: the specifics an article must mention to answer it ("the *third* summit").
            A name counts as mentioned when any of its words is ("Mr. Kim" for "Kim
            Hyun-chong"), as news articles shorten names after the first mention; words are
            compared by :func:`qa.text.words.mentions`. A small count written as a word ("two
            examples") is no specific.
        name_words: Every proper-noun word and number of the question's names of two words or
            more ("Brannock *Kiwanis* Club", "Highway *22*"). An article that never uses one
            of them writes about another body or road ("the Brannock Rotary Club"), however
            many of the name's other words it shares; a shortened mention still uses them.
        months: The months the question dates its event by ("in early *May*"): an article
            that speaks of none of them (:func:`qa.text.words.month_keys`) is about another
            time.
    """

    wh: str
    kind: str
    labels: tuple[str, ...]
    head: str | None
    lemmas: frozenset[str]
    verbs: frozenset[str]
    role: str = ""
    keys: tuple[frozenset[str], ...] = ()
    name_words: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()


def analyse_question(doc: Any) -> QuestionFrame:
    """Read a parsed question (a spaCy ``Doc``) into a :class:`QuestionFrame`.

    Example:
        >>> frame = analyse_question(nlp("When does GSOMIA expire?"))
        >>> frame.kind, frame.labels
        ('when', ('DATE', 'TIME'))
    """
    tokens = list(doc)
    wh_index = next((i for i, t in enumerate(tokens) if t.lower_ in WH_WORDS), None)
    wh = tokens[wh_index].lower_ if wh_index is not None else "what"
    head: str | None = None
    labels: tuple[str, ...] = ()
    kind = "what"
    if wh in ("who", "whom", "whose"):
        labels, kind = ("PERSON", "ORG"), "who"
    elif wh == "when":
        labels, kind = TIME, "when"
    elif wh == "where":
        labels, kind = (*PLACE, "ORG"), "where"
    elif wh == "why":
        labels, kind = REASON, "why"
    elif wh == "how" and wh_index is not None:
        following = tokens[wh_index + 1].lower_ if wh_index + 1 < len(tokens) else ""
        if following in _HOW:
            labels = _HOW[following]
            kind = "how many" if following in ("many", "much") else f"how {following}"
        else:
            kind = "how"
    if wh in ("what", "which") or (wh == "how" and not labels):
        head = _head_noun(tokens, wh_index)
        if head is not None and head in _NOUN_KINDS:
            labels = _NOUN_KINDS[head]
        kind = wh
    skip = {wh, "do", "does", "did", "be", "is", "are", "was", "were", "have", "has", "had"}
    lemmas = frozenset(
        word_key(t)
        for t in tokens
        if not t.is_stop and not t.is_punct and t.lower_ not in skip and t.lemma_.strip()
    ) | frozenset(word_key(t) for t in tokens if t.ent_type_ and not t.is_punct and not t.is_stop)
    verbs = frozenset(
        word_key(t)
        for t in tokens
        if t.pos_ == "VERB" and t.lemma_.lower() not in skip | _LIGHT_VERBS
    )
    wh_token = tokens[wh_index] if wh_index is not None else None
    role = ""
    if wh_token is not None:
        # "Who met X?" asks for a subject; "What did X test?" for an object.
        anchor = wh_token.head if wh_token.dep_ == "det" else wh_token
        if anchor.dep_ in ("nsubj", "nsubjpass"):
            role = "subject"
        elif anchor.dep_ in ("dobj", "pobj", "attr", "oprd"):
            role = "object"
    keys = _key_groups(doc)
    return QuestionFrame(
        wh, kind, labels, head, lemmas, verbs, role, keys, _name_words(doc), _months(doc)
    )


def repeats_question(answer: str, question: str) -> bool:
    """Whether an answer only repeats words of its question, and so tells the asker nothing:
    "Washington D.C." for "Where is the competition held the year after its Washington D.C.
    debut?". A question that offers a choice ("Skyfall or Spectre?") is answered by one of
    its own words, so none of its answers counts as repeating it.

    Example:
        >>> repeats_question("Washington D.C.", "Where is it held after its Washington D.C. debut?")
        True
        >>> repeats_question("Spectre", "Which film was longer, Skyfall or Spectre?")
        False
    """
    said = answer_key(answer).split()
    asked = answer_key(question).split()
    if not said or "or" in asked:
        return False
    return set(said) <= set(asked)


def unmentioned_specifics(doc: Any, known: Sequence[frozenset[str]]) -> list[str]:
    """The question's specifics that no text with these words mentions, as the question
    writes them: why the articles cannot answer it.

    Args:
        doc: The parsed question.
        known: :func:`qa.text.words.article_words` of each article read for it.

    Example:
        >>> from qa.text.words import article_words
        >>> doc = nlp("When did the third summit take place in Hanoi?")
        >>> unmentioned_specifics(doc, [article_words("The second summit, in Hanoi.")])
        ['third']
    """
    frame = analyse_question(doc)
    out = []
    for group in frame.keys:
        if not any(mentions(words, w) for words in known for w in group):
            out.append(" ".join(t.text for t in doc if t.lower_ in group))
    for word in sorted(frame.name_words):
        # A word of a name already named ("World Cup") is not named again ("Cup").
        named = {w.lower() for o in out for w in o.split()}
        if word not in named and not any(mentions(words, word) for words in known):
            out.append(next(t.text for t in doc if t.lower_ == word))
    for month in sorted(frame.months):
        if not any(month_key(month) in words for words in known):
            out.append(month.capitalize())
    return out


def _key_groups(doc: Any) -> tuple[frozenset[str], ...]:
    groups: list[frozenset[str]] = []
    covered: set[int] = set()
    for ent in doc.ents:
        covered.update(range(ent.start, ent.end))
        if ent.label_ in ("ORDINAL", "CARDINAL", "DATE", "TIME"):
            # Each number word is a specific of its own ("third", even though a stop word).
            # A small count spelled out is not: "What are two examples of ...?" asks for two
            # things an article lists without saying "two".
            groups.extend(
                frozenset({t.lower_})
                for t in ent
                if not t.is_punct
                and (t.like_num or t.ent_type_ == "ORDINAL")
                and not (ent.label_ == "CARDINAL" and t.is_alpha)
            )
        else:
            words = frozenset(t.lower_ for t in ent if t.is_alpha and not t.is_stop)
            if words:
                groups.append(words)
    for token in doc:
        if (
            token.i not in covered
            and token.pos_ in ("PROPN", "NUM")
            and not token.is_stop
            and not token.is_punct
            and token.lower_ not in WH_WORDS
        ):
            groups.append(frozenset({token.lower_}))
    return tuple(groups)


def _name_words(doc: Any) -> frozenset[str]:
    """The proper-noun words and numbers of the question's names of two words or more
    (:attr:`QuestionFrame.name_words`)."""
    out: set[str] = set()
    for ent in doc.ents:
        if ent.label_ in ("ORDINAL", "CARDINAL", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY"):
            continue
        words = [t for t in ent if not t.is_punct and not t.is_stop]
        if len(words) < 2:
            continue
        out.update(
            t.lower_ for t in words if (t.pos_ == "PROPN" and t.is_alpha) or t.text.isdigit()
        )
    return frozenset(out)


def _months(doc: Any) -> frozenset[str]:
    """The months the question dates its event by (:attr:`QuestionFrame.months`): only
    inside a date, so the verb "may" is none."""
    return frozenset(
        month
        for t in doc
        if t.ent_type_ == "DATE"
        for month in MONTHS
        if len(t.lower_.rstrip(".")) >= 3 and month.startswith(t.lower_.rstrip("."))
    )


def _head_noun(tokens: list[Any], wh_index: int | None) -> str | None:
    """The noun a what/which question asks about: "which *countries*", "what *year*",
    "what is the *name* of ..." (then the noun after "of")."""
    if wh_index is None:
        return None
    wh = tokens[wh_index]
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        noun = wh.head
        # "what kind of missile": the kind is the noun after "of".
        if noun.lemma_.lower() in _VAGUE:
            for child in noun.children:
                if child.lower_ == "of":
                    for obj in child.children:
                        if obj.pos_ in ("NOUN", "PROPN"):
                            return str(obj.lemma_.lower())
        return str(noun.lemma_.lower())
    for token in tokens[wh_index + 1 : wh_index + 4]:
        if token.pos_ in ("NOUN", "PROPN"):
            return str(token.lemma_.lower())
        if token.pos_ in ("AUX", "VERB") and token.lemma_ != "be":
            break
    # "What is the X of ...": the subject noun after the copula.
    for token in tokens[wh_index + 1 :]:
        if token.dep_ in ("nsubj", "attr", "nsubjpass") and token.pos_ == "NOUN":
            return str(token.lemma_.lower())
    return None
