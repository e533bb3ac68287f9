"""Whether an article mentions a word: the forms under which words are compared.

A question's specifics (its names, numbers and ordinals) are looked up in the article a
passage comes from: an article that never mentions "the *third* summit" cannot say when it
takes place. The lookup has to forgive what does not change the meaning: case, accents
("Herve" / "Hervé"), plurals and possessives ("Norman" / "the Normans'"), and a one-letter
misspelling of a long name ("Hatmanis" / "Hartmanis"), which questions typed by people often
have. It must not forgive a changed number: "1965" and "1966" are different years.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

import Stemmer

__all__ = ["MONTHS", "article_words", "key_form", "mentions", "month_key", "month_keys", "stem"]

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"\w+")
# Shorter names are too easily one letter away from another word ("Kim" / "Kin").
_FUZZY_MIN = 6


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word."""
    return str(_STEMMER.stemWord(word))


@lru_cache(maxsize=65536)
def key_form(word: str) -> str:
    """The form of one word (``\\w+``) under which mentions are compared: lower case, accents
    dropped, stemmed unless it holds a digit.

    Example:
        >>> key_form("Normans") == key_form("Norman")
        True
        >>> key_form("Hervé")
        'herv'
        >>> key_form("1965")
        '1965'
    """
    folded = unicodedata.normalize("NFKD", word.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded if any(c.isdigit() for c in folded) else stem(folded)


def article_words(text: str, date: dt.date | None = None) -> frozenset[str]:
    """The key forms of every word of a text, with the :func:`month_keys` of the months it
    speaks of (a report's ``date`` adds its own month and the one before).

    Example:
        >>> sorted(article_words("The Normans' horses in May."))
        ['hors', 'in', 'may', 'month:may', 'norman', 'the']
    """
    return frozenset(key_form(w) for w in _WORD.findall(text)) | month_keys(text, date)


MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# A month as news writes it, capitalised, in full or cut short ("Aug. 6", "Sept. 30"); the
# capital tells the month May from the verb.
_MONTH_WRITTEN = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:uary|ruary|ch|il|e|y|ust|t|tember"
    r"|ember|ober)?\b\.?"
)


def month_key(month: str) -> str:
    """The key under which :func:`month_keys` records a month (``"january"`` ...).

    Example:
        >>> month_key("May")
        'month:may'
    """
    return f"month:{month.lower()}"


def month_keys(text: str, date: dt.date | None = None) -> frozenset[str]:
    """The months a text speaks of, as :func:`month_key` keys: those it writes (capitalised,
    in full or cut short), and for a dated report its own month and the one before, which it
    speaks of without naming ("Sunday night" in a report of January 13; "last week" in one of
    March 3).

    Example:
        >>> sorted(month_keys("Rates rose on Aug. 6 and may rise again."))
        ['month:august']
        >>> sorted(month_keys("It rained on Sunday.", dt.date(2025, 3, 3)))
        ['month:february', 'month:march']
    """
    found = {
        month
        for m in _MONTH_WRITTEN.finditer(text)
        for month in MONTHS
        if month.startswith(m.group(1).lower()) and month.startswith(m.group(0).rstrip(".").lower())
    }
    if date is not None:
        found.update(MONTHS[(date.month - k - 1) % 12] for k in (0, 1))
    return frozenset(month_key(m) for m in found)


def mentions(known: frozenset[str], word: str) -> bool:
    """Whether a text whose :func:`article_words` are ``known`` mentions ``word``.

    A word of several parts ("F-35", "Hyun-chong") needs every part. A long alphabetic word
    also counts as mentioned when a word of the text is one edit (a letter added, dropped or
    changed) away from it.

    Example:
        >>> known = article_words("Hartmanis and Stearns wrote on F-35 jets in 1965.")
        >>> mentions(known, "Stearn"), mentions(known, "Hatmanis"), mentions(known, "f-35")
        (True, True, True)
        >>> mentions(known, "1966"), mentions(known, "F-16")
        (False, False)
    """
    parts = [key_form(p) for p in _WORD.findall(word)]
    if not parts:
        return True
    if all(p in known for p in parts):
        return True
    if len(parts) != 1 or not parts[0].isalpha() or len(parts[0]) < _FUZZY_MIN:
        return False
    return _near(known, parts[0])


@lru_cache(maxsize=4096)
def _near(known: frozenset[str], word: str) -> bool:
    # Cached: the same article is checked for the same word once per passage read from it,
    # and a scan of a long article's words is the slow part of a question it does not answer.
    return any(_one_edit(word, w) for w in known if abs(len(w) - len(word)) <= 1)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one added, dropped or changed letter."""
    if a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]
