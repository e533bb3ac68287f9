"""Photo and image credits: words printed in an article that are not the story's.

A news caption names who took the picture ("Successful Stormtroopers share a high-five. Image:
Nick Moreau."), and wire copy does the same in brackets ("(AP Photo/Jane Doe)"). Such a name
sits next to the story's own words, so a reader asked "Where will the competition be held?"
may take "United States Navy" from "... held this week in Washington D.C. Image: United States
Navy." as an answer. :func:`credit_spans` finds those credits so that no answer is taken from
one; the passage itself, and its citation, are left as written.
"""

from __future__ import annotations

import re

# The labels a credit starts with, capitalised as newsrooms print them.
_LABEL = (
    r"(?:Image|Images|Photo|Photos|Photograph|Picture|Pictures|Illustration|Video|Footage"
    r"|Credit|Photo credit|Image credit|Photo courtesy|Image courtesy)"
)
# "Image: Nick Moreau." at the end of a paragraph (a caption's last words).
_TAIL = re.compile(rf"(?<![\w-]){_LABEL}\s*:\s*(?P<who>[^\n:]+?)\s*$", re.MULTILINE)
# "(AP Photo/Jane Doe)", "(Photo: Reuters)", "(Photo by Jane Doe)" anywhere.
_BRACKETED = re.compile(
    rf"\((?:[A-Z][\w.&' -]{{0,30}}\s)?{_LABEL}(?:\s*[:/]|\s+by\b)[^()\n]{{1,80}}\)"
)
# A credit names a person, an agency or a site: a few words, not a sentence.
_MAX_WORDS = 8
# A question about the picture itself may be answered by its credit.
_ABOUT_PICTURES = re.compile(
    r"\b(?:photo\w*|image\w*|picture\w*|illustrat\w*|footage|video\w*|credit\w*|polaroids?)\b",
    re.IGNORECASE,
)


def credit_spans(text: str) -> list[tuple[int, int]]:
    """The half-open character ranges of ``text`` that are photo or image credits.

    Args:
        text: A passage or a whole article, as written.

    Returns:
        ``(start, end)`` pairs in text order, each from the credit's label to its last
        character (a closing full stop or bracket included).

    Example:
        >>> text = "Belle at the convention. Image: Nick Moreau."
        >>> [text[a:b] for a, b in credit_spans(text)]
        ['Image: Nick Moreau.']
        >>> credit_spans("The photo: a rare sight.")
        []
    """
    found = [
        (m.start(), m.end())
        for m in _TAIL.finditer(text)
        if len(m.group("who").split()) <= _MAX_WORDS
    ]
    found.extend((m.start(), m.end()) for m in _BRACKETED.finditer(text))
    return sorted(set(found))


def asks_about_pictures(question: str) -> bool:
    """Whether a question is about a picture, so that its credit may answer it.

    Example:
        >>> asks_about_pictures("Who took the photograph of the launch?")
        True
        >>> asks_about_pictures("Where will the competition be held?")
        False
    """
    return _ABOUT_PICTURES.search(question) is not None


def in_credit(credits: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the span ``[start, end)`` overlaps any of ``credits``.

    Example:
        >>> in_credit([(25, 44)], 32, 43), in_credit([(25, 44)], 0, 5)
        (True, False)
    """
    return any(start < b and a < end for a, b in credits)
