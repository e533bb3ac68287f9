"""The kind of thing a question asks for, and whether a candidate answer is that kind of thing.

"In what year was GSOMIA first signed?" wants a year, so "this Saturday" cannot answer it,
however sure the span model is; "How much did South Korea pay?" wants an amount of money, so
"serious provocations" cannot. :func:`expected_kind` reads the kind from the question's parse,
and :func:`fits` says whether a span of an analysed passage can be of that kind.

The check is one-sided on purpose. Kinds that are written with numbers or date words (year,
date, time of day, duration, count, money, percentage, ordinal) need positive evidence in the
span: a digit, a number word, a month, a currency. Kinds of names (person, organisation, place,
facility, title) only refuse what plainly is something else (a date for a person, a city for a
teacher's name), since a right answer is often a plain noun phrase ("the Normans", "a monk")
that no entity recogniser labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from qa.question.frame import DURATION_WORDS, PERSON_NOUNS
from qa.text.vocab import MONTHS, TITLES, WEEKDAYS, WH_WORDS


def _word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a word list."""
    return frozenset(text.split())


class AnswerKind(str, Enum):
    """What a question asks for. The value is how a message names it ("no year found")."""

    YEAR = "year"
    DATE = "date"
    TIME = "time of day"
    DURATION = "duration"
    COUNT = "count"
    MONEY = "amount of money"
    PERCENT = "percentage"
    ORDINAL = "ordinal or minute"
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    FACILITY = "facility"
    TITLE = "title"
    REASON = "reason"
    OTHER = "other"


# Kinds that a span shows only with numbers or date words.
NUMERIC_KINDS = frozenset(
    {
        AnswerKind.YEAR,
        AnswerKind.DATE,
        AnswerKind.TIME,
        AnswerKind.DURATION,
        AnswerKind.COUNT,
        AnswerKind.MONEY,
        AnswerKind.PERCENT,
        AnswerKind.ORDINAL,
    }
)

_NUMBER_WORDS = _word_set(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
    seventy eighty ninety hundred hundreds thousand thousands million millions billion
    billions trillion trillions dozen dozens score scores half single several few many
    numerous multiple couple both all none no
    """
)
_ORDINAL_WORDS = _word_set(
    """
    first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth twentieth thirtieth fortieth fiftieth hundredth last
    final penultimate
    """
)
_MONTHS = frozenset(MONTHS)
_WEEKDAYS = frozenset(WEEKDAYS)
_TIME_WORDS = _word_set(
    """
    today yesterday tomorrow tonight now then once recently later earlier ago since soon
    morning afternoon evening night noon midnight dawn dusk week weeks weekend month
    months year years decade decades century centuries millennium era age ages period
    season spring summer autumn fall winter early late mid middle beginning end time
    times day days hour hours minute minutes second seconds moment dynasty reign
    lifetime christmas easter ramadan holiday holidays anniversary
    """
)
_CLOCK_WORDS = _word_set(
    """
    am pm a.m. p.m. noon midnight o'clock morning afternoon evening night dawn dusk hour
    hours gmt utc
    """
)
# The question analysis's units of time, and words that state a length of time alone.
_DURATION_WORDS = DURATION_WORDS | _word_set("lifetime long while overnight")
_CURRENCY_WORDS = _word_set(
    """
    dollar dollars usd euro euros eur pound pounds sterling gbp yen won yuan renminbi
    rupee rupees franc francs cent cents peso pesos ruble rubles rouble roubles lira
    shilling shillings krona kronor krone mark marks guinea guineas
    """
)
# Wider than qa.text.vocab.YEAR_DIGITS: a question that asks for a year may be answered by
# 1066, and by "'99".
_YEAR = re.compile(r"(?<![\d,.])(?:1\d{3}|20\d{2})s?(?![\d,])|'\d\d\b")
_CURRENCY = re.compile(r"[$€£¥₩₹]|\bUS\$")
_PERCENT_WORDS = _word_set(
    """
    percent per cent percentage % half third thirds quarter quarters fifth majority
    minority
    """
)
# Words that open a clause or phrase about a time ("after the war", "when he died").
_TIME_OPENERS = _word_set(
    """
    after before during since until till when while following throughout upon by
    """
)
_ROLE_WORDS = _word_set(
    """
    president minister secretary adviser advisor envoy ambassador chairman chairwoman
    chair chief head director officer official spokesman spokeswoman spokesperson
    governor mayor senator representative deputy general commander captain coach manager
    editor reporter correspondent professor teacher student agent king queen prince
    princess emperor pope bishop priest judge lawyer attorney doctor nurse soldier
    leader founder owner member executive ceo cfo chancellor premier vice assistant
    marshal sheriff commissioner superintendent inspector administrator
    """
)
_ROLE_SUFFIXES = ("er", "or", "ist", "ian", "ant", "man", "woman", "ee", "eer")
_NUMERIC_LABELS = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Entity labels of spans that name something and so give no reason on their own.
_BARE_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
    | _NUMERIC_LABELS
)

# Head nouns of "what/which X" (or "what is the name of the X") questions, by kind.
_HEAD_KINDS: dict[str, AnswerKind] = {}
for _nouns, _kind in (
    ("year", AnswerKind.YEAR),
    (
        "date day month week century decade era period season age weekday dynasty",
        AnswerKind.DATE,
    ),
    ("time hour", AnswerKind.TIME),
    ("duration length", AnswerKind.DURATION),
    ("number total population amount quantity count score tally", AnswerKind.COUNT),
    (
        "price cost fee salary budget fine wage income revenue sum fund funding prize payment "
        "money bill worth",
        AnswerKind.MONEY,
    ),
    ("percentage percent proportion share fraction rate", AnswerKind.PERCENT),
    ("minute round rank ranking lap inning", AnswerKind.ORDINAL),
    (
        "person man woman boy girl leader president king queen official envoy minister "
        "spokesman spokesperson spokeswoman adviser advisor player author writer scientist "
        "emperor ruler duke son daughter father mother wife husband chief commander pope bishop "
        "prince princess lord teacher coach manager director actor actress singer artist "
        "composer poet politician candidate senator governor mayor ambassador doctor judge "
        "lawyer student victim suspect journalist reporter editor founder owner inventor "
        "architect philosopher mathematician physicist priest general captain chairman "
        "secretary driver pilot winner champion",
        AnswerKind.PERSON,
    ),
    (
        "organization organisation agency company firm group party council ministry "
        "department newspaper network team club army force government university college "
        "institute institution union association committee corporation bank band label "
        "publisher court charity",
        AnswerKind.ORGANISATION,
    ),
    (
        "country nation city state town capital place region province area island continent "
        "location village county territory peninsula border zone site district neighborhood "
        "neighbourhood river lake mountain sea ocean valley desert",
        AnswerKind.PLACE,
    ),
    (
        "hospital stadium airport building bridge church cathedral temple mosque museum "
        "station prison jail hotel port harbour harbor palace castle tower arena theatre "
        "theater library embassy mall school campus base dam factory plant",
        AnswerKind.FACILITY,
    ),
    (
        "book film movie song album novel play show series programme program title job "
        "position post role occupation profession newspaper magazine opera painting poem "
        "game treaty law act agreement pact accord journal",
        AnswerKind.TITLE,
    ),
):
    for _word in _nouns.split():
        # A word listed under two kinds keeps the first ("newspaper" is an organisation).
        _HEAD_KINDS.setdefault(_word, _kind)

# Plural units of time after "how many": the question asks for a duration.
_TIME_UNITS = _word_set("seconds minutes hours days weeks months years decades centuries")
# Entity labels of things named with numbers in them ("Gate-7", "Apollo 11", "Unit-1"): a
# number inside such a name counts nothing.
_NAMED_LABELS = frozenset(
    {"FAC", "ORG", "PRODUCT", "WORK_OF_ART", "LAW", "EVENT", "PERSON", "GPE", "NORP"}
)
# A code: letters and digits joined ("Gate-7", "STS-107", "F-35", "COVID-19", "A320").
_CODE = re.compile(r"^(?:[A-Za-z]+-?\d+[A-Za-z\d-]*|\d+-?[A-Za-z]+[A-Za-z\d-]*)$")
# Names of groups in a draw or a contest ("Group B", "Round 2", "Pool A"): not who did it.
_CONTEST_PARTS = _word_set("group pool round stage phase heat")
_SMALL_NUMBER = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred)"
)
_NUMBER_TOKEN = re.compile(rf"(?<![\w-]){_SMALL_NUMBER}(?![\w,.]*\w)", re.IGNORECASE)
_MEASURE_MODIFIER = re.compile(
    rf"(?<![\w-]){_SMALL_NUMBER}-(?:second|minute|hour|day|week|month|year|decade|mile|"
    # Not an age: "nine-month-old" answers "How old was the child?".
    r"kilometre|kilometer|metre|meter|foot|feet)s?\b(?!-old)",
    re.IGNORECASE,
)

_MONEY_VERBS = _word_set(
    """
    pay paid cost costs spend spent earn earned raise raised charge charged fine fined
    sell sold buy bought worth owe owed donate donated lend lent borrow borrowed
    """
)
_WH = WH_WORDS
_VAGUE = frozenset({"name", "kind", "type", "sort", "form", "part", "piece", "one"})


def expected_kind(doc: Any) -> AnswerKind:
    """The kind of answer a parsed question (a spaCy ``Doc``) asks for.

    Example:
        >>> expected_kind(nlp("In what year was GSOMIA first signed?"))
        <AnswerKind.YEAR: 'year'>
        >>> expected_kind(nlp("How much did South Korea pay for its jets?")).value
        'amount of money'
    """
    tokens = list(doc)
    lower = [t.lower_ for t in tokens]
    wh_at = next((i for i, w in enumerate(lower) if w in _WH), None)
    if wh_at is None:
        return AnswerKind.OTHER
    wh = lower[wh_at]
    after = lower[wh_at + 1] if wh_at + 1 < len(lower) else ""
    if wh == "how":
        return _how_kind(after, lower, wh_at)
    if wh == "when":
        return AnswerKind.DATE
    if wh == "why":
        return AnswerKind.REASON
    head = _head(tokens, wh_at)
    if wh in ("who", "whom", "whose"):
        return AnswerKind.PERSON
    if wh == "where":
        return AnswerKind.PLACE
    if head is None:
        return AnswerKind.OTHER
    if head == "time" and any(w in ("period", "frame", "span") for w in lower[wh_at:]):
        return AnswerKind.DATE
    if head in ("percent", "%") or "percent" in lower or "%" in lower:
        return AnswerKind.PERCENT
    return _noun_kind(head)


def _noun_kind(noun: str) -> AnswerKind:
    return _HEAD_KINDS.get(noun, AnswerKind.OTHER)


def _how_kind(after: str, lower: list[str], wh_at: int) -> AnswerKind:
    if after == "many":
        # "How many years did it last?" asks for a length of time, which a calendar date
        # ("2010") is not; "how many people" asks for a count.
        unit = lower[wh_at + 2] if wh_at + 2 < len(lower) else ""
        return AnswerKind.DURATION if unit in _TIME_UNITS else AnswerKind.COUNT
    if after == "much":
        rest = set(lower[wh_at + 2 :])
        if rest & _MONEY_VERBS or rest & {"money", "dollars", "euros", "pounds", "funding"}:
            return AnswerKind.MONEY
        return AnswerKind.COUNT
    if after == "long":
        return AnswerKind.DURATION
    if after in ("old", "far", "large", "big", "high", "tall", "deep", "wide", "heavy"):
        return AnswerKind.COUNT
    if after == "often":
        return AnswerKind.OTHER
    return AnswerKind.OTHER


def _head(tokens: list[Any], wh_at: int) -> str | None:
    """The noun the question asks about: "which *hospital*", "what *year*", "what is the name
    of the *teacher*", "what is X's *job*"."""
    wh = tokens[wh_at]
    noun = None
    if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN"):
        noun = wh.head
    else:
        # "What is the X of ...", "What is Kim's job": the copula's other noun, a common noun
        # rather than the name that owns it.
        noun = next(
            (
                t
                for t in tokens[wh_at + 1 :]
                if t.dep_ in ("nsubj", "attr", "nsubjpass")
                and t.pos_ == "NOUN"
                and t.head.lemma_ == "be"
            ),
            None,
        )
        for token in tokens[wh_at + 1 : wh_at + 4] if noun is None else ():
            if token.pos_ in ("AUX", "VERB") and token.lemma_ != "be":
                break
            if token.pos_ == "NOUN":
                noun = token
                break
    if noun is None:
        return None
    lemma = str(noun.lemma_.lower())
    if lemma in _VAGUE:
        # "the name of the teacher", "what kind of missile": the noun after "of".
        for child in noun.children:
            if child.lower_ == "of":
                inner = next((o for o in child.children if o.pos_ in ("NOUN", "PROPN")), None)
                if inner is not None:
                    return str(inner.lemma_.lower())
    return lemma


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:\.[a-z]\.)?|\d+|%", text.lower())


def _labels(span: Any) -> set[str]:
    return {t.ent_type_ for t in span if t.ent_type_} if span is not None else set()


def _numeric_only(span: Any, words: list[str]) -> bool:
    """Whether a span is nothing but a number, date or quantity ("1066", "this Saturday")."""
    if span is not None:
        content = [t for t in span if not t.is_punct and t.pos_ not in ("DET", "ADP", "CCONJ")]
        return bool(content) and all(t.ent_type_ in _NUMERIC_LABELS or t.like_num for t in content)
    return bool(words) and all(w.isdigit() or w in _NUMBER_WORDS for w in words)


def _entity_only(span: Any, labels: Iterable[str]) -> bool:
    """Whether every word of a span belongs to an entity with one of ``labels``."""
    if span is None:
        return False
    wanted = set(labels)
    content = _named_words(span)
    return bool(content) and all(t.ent_type_ in wanted for t in content)


def _named_words(span: Any) -> list[Any]:
    """The tokens of a span that could be part of a name: no punctuation, articles or
    prepositions ("the", "of")."""
    return [t for t in span if not t.is_punct and t.pos_ not in ("DET", "ADP")]


def _only_named_numbers(text: str, span: Any) -> bool:
    """Whether every number in the answer is part of a name or a code.

    Such a number counts nothing: "Gate-7" does not say how many gates, "Unit-1" how many
    reactors, "Apollo 11" how many missions. An answer without numbers is not this.

    Example:
        >>> _only_named_numbers("Gate-7", None), _only_named_numbers("7 gates", None)
        (True, False)
    """
    if span is not None:
        numbers = [t for t in span if t.like_num or any(c.isdigit() for c in t.text)]
        return bool(numbers) and all(
            t.ent_type_ in _NAMED_LABELS or _CODE.match(t.text) for t in numbers
        )
    words = [w.strip(",.;:()") for w in text.split()]
    numbers = [w for w in words if any(c.isdigit() for c in w)]
    return bool(numbers) and all(_CODE.match(w) for w in numbers)


def _only_measure_modifiers(text: str) -> bool:
    """Whether every number in the answer only measures the noun after it ("a two-week
    strike", "the 10-mile stretch"); an age ("a 3-year-old") is not this.

    Such a number counts nothing asked: "How many gates reopened?" is not answered by "two-week
    strike". An answer without numbers is not this.

    Example:
        >>> _only_measure_modifiers("two-week strike"), _only_measure_modifiers("two gates")
        (True, False)
        >>> _only_measure_modifiers("nine-month-old")
        False
    """
    numbers = _NUMBER_TOKEN.findall(text)
    return bool(numbers) and len(_MEASURE_MODIFIER.findall(text)) >= len(numbers)


def _calendar(words: list[str], text: str) -> bool:
    """Whether an answer names a point in the calendar ("June 2010", "Monday", "1999")."""
    return any(w in _MONTHS or w in _WEEKDAYS for w in words) or bool(_YEAR.search(text))


def _is_person_like(span: Any) -> bool:
    """Whether an answer can say who did something: a person, a group of people, an
    organisation or a country, or a noun for people ("farmers", "the officials"); not a crop
    ("wheat") or a slot in a draw ("Group B")."""
    content = [t for t in span if not t.is_punct and t.pos_ not in ("DET", "ADP", "CCONJ")]
    if not content:
        return False
    doc = span.doc
    for t in content:
        after = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if (
            t.lemma_.lower() in _CONTEST_PARTS
            and after is not None
            and len(after.text) <= 2
            # "Group B", not the full stop after "the Ruth Hospitality Group."
            and not after.is_punct
        ):
            return False
    if any(t.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") for t in content):
        return True
    if any(t.pos_ in ("PROPN", "PRON") and not t.ent_type_ for t in content):
        return True
    return any(
        _person_noun(t.lemma_.lower()) or _person_noun(t.lower_)
        for t in content
        if t.pos_ == "NOUN"
    )


def role_word(word: str) -> bool:
    """Whether ``word`` names a role or title a person holds ("mayor", "marshal", "owner").

    Example:
        >>> role_word("marshal"), role_word("river")
        (True, False)
    """
    return word in PERSON_NOUNS or word in _ROLE_WORDS


def _person_noun(word: str) -> bool:
    return (
        word in PERSON_NOUNS
        or word in _ROLE_WORDS
        or word in ("people", "person", "team", "side", "crowd", "public", "voters")
        or word.endswith(_ROLE_SUFFIXES)
    )


def _tied_kind(span: Any) -> AnswerKind | None:
    """The class a passage gives an answer by the noun it ties to it: "the Daily Herald
    *newspaper*", "Kim, a *diplomat*", "KCNA news *agency*". None when it gives none."""
    root = span.root
    ties = []
    # "KCNA news agency": a name with its class noun as the answer's head ("deputy security
    # adviser", a job with no name in it, is that job, not a person).
    if root.pos_ == "NOUN" and any(t.pos_ == "PROPN" for t in span):
        ties.append(root)
    # "Daily Herald newspaper": the name is a compound of the noun after it.
    if root.dep_ == "compound" and root.head.i >= span.end and root.head.pos_ == "NOUN":
        ties.append(root.head)
    # "Kim, a diplomat": an apposition.
    ties += [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    for noun in ties:
        kind = _HEAD_KINDS.get(noun.lemma_.lower())
        if kind is not None:
            return kind
    return None


def _asked_noun_kind(question: Any) -> AnswerKind | None:
    """The class of the noun a which/what-question names ("which *hospital*"), if any."""
    head = _asked_head(question)
    return _HEAD_KINDS.get(head) if head is not None else None


def _has_role(span: Any, words: list[str]) -> bool:
    if any(w in _ROLE_WORDS for w in words):
        return True
    if span is None:
        return False
    # A name is no job, whatever its letters ("Windsor", "Taylor").
    nouns = [t for t in span if t.pos_ in ("NOUN", "PROPN") and not t.ent_type_]
    return any(t.lower_.endswith(_ROLE_SUFFIXES) for t in nouns)


def fits(kind: AnswerKind, text: str, span: Any = None, question: Any = None) -> bool:
    """Whether an answer can be of the kind asked for.

    Args:
        kind: What the question asks for (:func:`expected_kind`).
        text: The answer as written.
        span: The answer as a spaCy ``Span`` of its analysed passage, when there is one: its
            entity labels and parts of speech sharpen the check.
        question: The parsed question, to tell a job question ("What is Kim's job?") from
            a question about a work's title.

    Example:
        >>> fits(AnswerKind.YEAR, "this Saturday"), fits(AnswerKind.YEAR, "1066")
        (False, True)
        >>> fits(AnswerKind.MONEY, "serious provocations"), fits(AnswerKind.MONEY, "$7 billion")
        (False, True)
    """
    words = _words(text)
    if kind in NUMERIC_KINDS and question is not None:
        # A number the question names itself is no answer to it: "F-35" does not say how
        # many F-35 fighters were ordered.
        asked = set(_words(question.text))
        words = [w for w in words if w not in asked]
    labels = _labels(span)
    digit = any(c.isdigit() for w in words for c in w)
    number = digit or any(w in _NUMBER_WORDS for w in words)
    if kind is AnswerKind.YEAR:
        # "1066", "the 1990s", "'99", or a number spaCy reads as a date ("in 911"); not the
        # "500" of "500 km".
        return bool(_YEAR.search(" ".join(words))) or (
            "DATE" in labels
            and any(t.like_num and t.ent_type_ == "DATE" and t.lower_ in words for t in span)
        )
    if kind is AnswerKind.DATE:
        return (
            digit
            or bool(labels & {"DATE", "TIME", "EVENT"})
            or any(w in _MONTHS or w in _WEEKDAYS or w in _TIME_WORDS for w in words)
            or (bool(words) and words[0] in _TIME_OPENERS)
        )
    if kind is AnswerKind.TIME:
        return digit or "TIME" in labels or any(w in _CLOCK_WORDS for w in words)
    if kind is AnswerKind.DURATION:
        # A length of time: "two weeks", "hour-long", "decades"; a date ("end of February")
        # is not one.
        # "2010" or "June 5" is a point in the calendar, not a length, however the
        # recogniser labels it.
        return any(w in _DURATION_WORDS for w in words) or (
            number and bool(labels & {"DATE", "TIME", "QUANTITY"}) and not _calendar(words, text)
        )
    if kind is AnswerKind.COUNT:
        return (
            not _only_named_numbers(text, span)
            and not _only_measure_modifiers(text)
            and (number or bool(labels & {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}))
        )
    if kind is AnswerKind.MONEY:
        if _only_named_numbers(text, span):
            return False
        return (
            bool(_CURRENCY.search(text))
            or "MONEY" in labels
            or any(w in _CURRENCY_WORDS for w in words)
            or (digit and any(w in ("million", "billion", "trillion") for w in words))
        )
    if kind is AnswerKind.PERCENT:
        if _only_named_numbers(text, span):
            return False
        return number or "PERCENT" in labels or any(w in _PERCENT_WORDS for w in words)
    if kind is AnswerKind.ORDINAL:
        return digit or "ORDINAL" in labels or any(w in _ORDINAL_WORDS for w in words)
    if kind is AnswerKind.OTHER:
        return True
    if kind is AnswerKind.REASON:
        # A reason is a clause or a phrase ("fear of being buried alive"), never a bare name,
        # number or date: "Washington" does not say why Biegun raised the issue. Nor one
        # word: "fired" does not say why she hired the contractor (2 of 768 right answers to
        # why-questions in the training data are one word).
        return len(words) > 1 and not (
            _numeric_only(span, words) or _entity_only(span, _BARE_LABELS) or _names_someone(span)
        )
    # Kinds of names: refuse what plainly is something else.
    if _numeric_only(span, words):
        return False
    # "Which hospital?" is not answered by what the passage calls a newspaper.
    named = _asked_noun_kind(question) if question is not None and span is not None else None
    tied = _tied_kind(span) if named is not None else None
    if named is not None and tied is not None and tied is not named:
        return False
    if named is not None and any(
        t.pos_ in ("NOUN", "PROPN") and _HEAD_KINDS.get(t.lemma_.lower()) is named for t in span
    ):
        # "St Mary's Hospital" for "which hospital", whatever label the recogniser gave it;
        # a noun only: "show" in "studies show dicot species" is no television show.
        return True
    if kind is AnswerKind.PERSON:
        if _asks_for_someone(question) and (
            _headed_by_body(span) or (_counted(span) and not any(t.like_num for t in question))
        ):
            # "Who is the state mediator?" is not answered by "the Marlow Nurses
            # Association", nor "Which judge ...?" by "Maple Court": the answer's own head
            # noun says it is a body or a place, not the person asked for. Nor by "610
            # nurses": a count of people is not someone (unless the question counts them
            # too: "Who were the two men ...?").
            return False
        if _asks_for_name(question):
            # "What is the name of the spokesman?" wants a person's name, not "KCNA news
            # agency".
            return _has_personal_name(span, text)
        # "Who hosted the cup?" may be answered by a country; "which teacher" may not.
        if _plain_who(question):
            # Not by a crop or a slot in a draw: "who" wants someone.
            return span is None or _is_person_like(span)
        return not _entity_only(span, _PLACE_LABELS)
    if kind in (AnswerKind.ORGANISATION, AnswerKind.PLACE, AnswerKind.FACILITY):
        if span is not None and len(span) and all(t.pos_ in ("ADJ", "PUNCT") for t in span):
            # "South Korean" describes; it names no agency, place or building.
            return False
        if _asks_for_firm(question) and _entity_only(span, {"GPE"}):
            # "Which company owned the crane?" is not answered by "Saudi Arabia"; a team or
            # a government may be named by its country, a firm is not.
            return False
        if _entity_only(span, {"PERSON"}):
            return kind is AnswerKind.PLACE and _mislabelled_place(span, question)
        return True
    if kind is AnswerKind.TITLE and question is not None and _asks_for_role(question):
        return _has_role(span, words)
    if kind is AnswerKind.TITLE and _asks_for_work(question):
        # A book's, a film's or a journal's name is written with capitals (or quoted):
        # "show dicot species" names no journal.
        return any(c.isupper() or c.isdigit() for c in text) or any(q in text for q in "\"“'‘")
    return True


def _mislabelled_place(span: Any, question: Any) -> bool:
    """Whether a one-word name the recogniser calls a person may still be the place asked
    for: spaCy's small model calls "Marseilles", "Nepal" and "Darwin" persons, and refusing
    them turned away 22 of 261 right answers to which-city/country questions in the
    training data. A person it stays when the question names it ("Where did Kim meet
    Biegun?" is not answered by "Kim"), when the passage gives it a first name ("Stephen
    Biegun" makes "Biegun" a surname) or a title ("Mr. Biegun"), or when it is more than
    one word ("Donald Trump")."""
    content = _named_words(span)
    if len(content) != 1 or content[0].pos_ != "PROPN":
        return False
    name = content[0]
    if question is not None and any(t.lower_ == name.lower_ for t in question):
        return False
    for ent in span.doc.ents:
        if ent.label_ == "PERSON" and len(ent) > 1 and ent[-1].lower_ == name.lower_:
            return False
    titled = (
        t.i > 0 and span.doc[t.i - 1].lower_.rstrip(".") in TITLES
        for t in span.doc
        if t.lower_ == name.lower_
    )
    return not any(titled)


# Bodies a country or a town never names: "Which company ...?" wants a firm's name.
_FIRM_NOUNS = _word_set(
    """company firm corporation bank newspaper network publisher label agency charity
    institute institution university college band"""
)
# Works whose names are titles: "Which journal ...?", "What film ...?".
_WORK_NOUNS = _word_set(
    """book film movie song album novel play series programme program newspaper magazine
    journal opera painting poem game"""
)


def _asked_head(question: Any) -> str | None:
    """The noun a which/what-question names ("which *hospital*"), if any."""
    tokens = list(question)
    wh_at = next((i for i, t in enumerate(tokens) if t.lower_ in ("which", "what")), None)
    return _head(tokens, wh_at) if wh_at is not None else None


def _asks_for_firm(question: Any) -> bool:
    return question is not None and _asked_head(question) in _FIRM_NOUNS


def _asks_for_work(question: Any) -> bool:
    return question is not None and _asked_head(question) in _WORK_NOUNS


def _names_someone(span: Any) -> bool:
    """A phrase that only names someone or something, however it is titled: "US President
    Donald Trump" (its head a name, no verb in it) says who, not why."""
    if span is None or len(span) == 0:
        return False
    return span.root.ent_type_ in _NAMED_HEADS and not any(t.pos_ in ("VERB", "AUX") for t in span)


_NAMED_HEADS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})


# Roles a company, a club or a country can hold as well as a person: "Who is the owner of
# the steakhouse?" is answered by "Ruth's Hospitality Group".
_BODY_ROLES = _word_set(
    """owner winner champion leader founder buyer seller sponsor employer operator investor
    supplier contractor partner member holder host publisher producer manufacturer"""
)
# Kinds of noun that head the name of a body or a place, not of a person.
_BODY_KINDS = frozenset({AnswerKind.ORGANISATION, AnswerKind.FACILITY, AnswerKind.PLACE})


def _asks_for_someone(question: Any) -> bool:
    """Whether a question asks for a person by a noun for one: "which *judge*", "Who is the
    state *mediator*?". Roles a body can hold too ("owner", "winner") do not count."""
    if question is None:
        return False
    head = _asked_head(question)
    noun = head if head is not None and _HEAD_KINDS.get(head) is AnswerKind.PERSON else None
    if noun is None and any(t.lower_ == "who" for t in question):
        # "Who is/was the X ...?": X, the other side of the question's own copula (the
        # parser makes it the subject or the complement).
        noun = next(
            (
                t.lemma_.lower()
                for t in question
                if t.dep_ in ("attr", "nsubj")
                and t.pos_ == "NOUN"
                and t.head.dep_ == "ROOT"
                and t.head.lemma_ == "be"
                and _names_a_person(t.lemma_.lower())
            ),
            None,
        )
    return noun is not None and noun not in _BODY_ROLES


def _names_a_person(noun: str) -> bool:
    # The agent endings only where they nearly always make a person ("mediator",
    # "economist", "historian"); "-er" also ends "superpower" and "river".
    return (
        _HEAD_KINDS.get(noun) is AnswerKind.PERSON
        or role_word(noun)
        or noun.endswith(("or", "ist", "ian"))
    )


def _counted(span: Any) -> bool:
    """Whether an answer counts its head noun ("610 *nurses*", "about 220 people")."""
    if span is None or len(span) == 0:
        return False
    return any(t.dep_ == "nummod" and t.head.i == span.root.i for t in span)


def _headed_by_body(span: Any) -> bool:
    """Whether an answer's head noun names a body or a place ("the Marlow Nurses
    *Association*", "Maple *Court*") and no person is named in it."""
    if span is None or len(span) == 0 or any(t.ent_type_ == "PERSON" for t in span):
        return False
    return _HEAD_KINDS.get(span.root.lemma_.lower()) in _BODY_KINDS


def _asks_for_name(question: Any) -> bool:
    return question is not None and any(t.lemma_.lower() == "name" for t in question)


def _has_personal_name(span: Any, text: str) -> bool:
    """A person's name: a PERSON entity, or a proper noun no recogniser calls something else."""
    if span is None:
        return any(w[:1].isupper() for w in text.split())
    return any(t.ent_type_ == "PERSON" or (t.pos_ == "PROPN" and not t.ent_type_) for t in span)


def _plain_who(question: Any) -> bool:
    return question is not None and any(t.lower_ in ("who", "whom", "whose") for t in question)


def _asks_for_role(question: Any) -> bool:
    return any(
        t.lemma_.lower() in ("job", "position", "post", "role", "occupation", "profession", "title")
        for t in question
    )


def same_kind(expected: str, gold: str) -> bool:
    """Whether the kind a question asks for agrees with the kind read from its gold answer.

    A reason has no words of its own that mark it, so :func:`answer_kind` reads the answer to
    a why-question as "other"; that agrees with "reason".

    Example:
        >>> same_kind("reason", "other"), same_kind("year", "year"), same_kind("year", "date")
        (True, True, False)
    """
    return expected == gold or (expected == AnswerKind.REASON.value and gold == "other")


def answer_kind(span: Any) -> AnswerKind:
    """The kind a given answer is, read from its own words and entity labels: how evaluation
    tells whether :func:`expected_kind` guessed right.

    Example:
        >>> doc = nlp("1066 was the year of the Norman conquest.")
        >>> answer_kind(doc.char_span(0, 4))   # "1066"
        <AnswerKind.YEAR: 'year'>
    """
    text = span.text
    words = _words(text)
    labels = _labels(span)
    if re.fullmatch(r"(?:c\.\s*|around |about |in )?\d{3,4}s?", text.strip().lower()):
        return AnswerKind.YEAR
    if "MONEY" in labels or _CURRENCY.search(text):
        return AnswerKind.MONEY
    if "PERCENT" in labels or "%" in text or "percent" in words:
        return AnswerKind.PERCENT
    if "TIME" in labels:
        return AnswerKind.TIME
    if "DATE" in labels:
        if (
            any(w in _DURATION_WORDS for w in words)
            and not any(w in _MONTHS or w in _WEEKDAYS for w in words)
            and any(w.isdigit() or w in _NUMBER_WORDS for w in words)
        ):
            return AnswerKind.DURATION
        return AnswerKind.DATE
    if "ORDINAL" in labels:
        return AnswerKind.ORDINAL
    if labels & {"CARDINAL", "QUANTITY"} or _numeric_only(span, words):
        return AnswerKind.COUNT
    for label, kind in (
        ("PERSON", AnswerKind.PERSON),
        ("ORG", AnswerKind.ORGANISATION),
        ("GPE", AnswerKind.PLACE),
        ("LOC", AnswerKind.PLACE),
        ("FAC", AnswerKind.FACILITY),
        ("WORK_OF_ART", AnswerKind.TITLE),
        ("LAW", AnswerKind.TITLE),
    ):
        if _entity_only(span, {label}):
            return kind
    return AnswerKind.OTHER
