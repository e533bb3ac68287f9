"""Whether an article mentions a word: the forms under which words are compared.

A question's specifics (its names, numbers and ordinals) are looked up in the article a
passage comes from: an article that never mentions "the *third* summit" cannot say when it
takes place. The lookup has to forgive what does not change the meaning: case, accents
("Herve" / "Hervé"), plurals and possessives ("Norman" / "the Normans'"), and a one-letter
misspelling of a long name ("Hatmanis" / "Hartmanis"), which questions typed by people often
have. It must not forgive a changed number: "1965" and "1966" are different years.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

__all__ = ["article_words", "key_form", "mentions", "stem"]

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


def article_words(text: str) -> frozenset[str]:
    """The key forms of every word of a text.

    Example:
        >>> sorted(article_words("The Normans' horses."))
        ['hors', 'norman', 'the']
    """
    return frozenset(key_form(w) for w in _WORD.findall(text))


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
