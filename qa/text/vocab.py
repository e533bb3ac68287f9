"""Words and patterns that several stages read news and questions with, each defined once.

Example:
    >>> MONTHS["sept"], "whose" in WH_WORDS, OPPOSITES["won"]
    (9, True, 'lost')
"""

from __future__ import annotations

# Question words, in the order a question most often starts with them.
WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")

# Month names and the abbreviations news uses ("Aug. 5", "Sept. 3"), to their number.
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Entity labels that name something; a question's other entities are numbers and dates.
NAME_LABELS = frozenset(
    {
        "PERSON",
        "ORG",
        "GPE",
        "LOC",
        "FAC",
        "NORP",
        "EVENT",
        "WORK_OF_ART",
        "PRODUCT",
        "LAW",
        "LANGUAGE",
    }
)

# Titles that make the name after them a person's ("Mr. Kim", "Dr. Darwin").
TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "president"}
)

# Pairs of opposites, either way round. Kept to words whose swap changes what a question asks
# without making it ungrammatical.
_OPPOSITE_PAIRS = (
    ("before", "after"),
    ("first", "last"),
    ("earliest", "latest"),
    ("largest", "smallest"),
    ("biggest", "smallest"),
    ("highest", "lowest"),
    ("most", "least"),
    ("more", "fewer"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("rise", "fall"),
    ("rose", "fell"),
    ("won", "lost"),
    ("win", "lose"),
    ("opened", "closed"),
    ("open", "close"),
    ("started", "ended"),
    ("start", "end"),
    ("began", "ended"),
    ("north", "south"),
    ("east", "west"),
    ("northern", "southern"),
    ("eastern", "western"),
    ("early", "late"),
    ("older", "younger"),
    ("oldest", "youngest"),
    ("supported", "opposed"),
    ("accepted", "rejected"),
    ("approved", "rejected"),
    ("allowed", "banned"),
    ("public", "private"),
    ("domestic", "foreign"),
    ("new", "old"),
)
OPPOSITES: dict[str, str] = {a: b for a, b in _OPPOSITE_PAIRS} | {b: a for a, b in _OPPOSITE_PAIRS}
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")

# Verbs news uses for the same event, by group: "began" answers "when did it start?".
_SAME_VERBS = (
    ("start", "begin", "launch", "commence", "open", "kick"),
    ("end", "finish", "conclude", "close", "stop", "halt", "expire", "cease"),
    ("extend", "prolong", "lengthen"),
    ("sign", "ink"),
    ("win", "beat", "defeat"),
    ("announce", "declare", "unveil"),
    ("arrest", "detain"),
    ("die", "perish"),
)
SAME_VERBS: dict[str, frozenset[str]] = {
    verb: frozenset(group) for group in _SAME_VERBS for verb in group
}


def same_verb(a: str, b: str) -> bool:
    """Whether two verb lemmas name the same event ("start" and "begin").

    Example:
        >>> same_verb("start", "begin"), same_verb("start", "extend"), same_verb("vote", "vote")
        (True, False, True)
    """
    return a == b or b in SAME_VERBS.get(a, frozenset())


# A year as news and encyclopedias write one, 1500 to 2099: "1066" is a year only in a question
# that asks for one (qa.question.kinds widens it there), "2,000" never is.
YEAR_DIGITS = r"(?:1[5-9]\d\d|20\d\d)"
