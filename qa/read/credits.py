"""Photo and image credits: words printed in an article that are not the story's.

A news caption names who took the picture ("Successful Stormtroopers share a high-five. Image:
Nick Moreau."), and wire copy does the same in brackets ("(AP Photo/Jane Doe)"). Such a name
sits next to the story's own words, so a reader asked "Where will the competition be held?"
may take "United States Navy" from "... held this week in Washington D.C. Image: United States
Navy." as an answer, or "Washington D.C. Image: United States Navy". :func:`credit_spans` finds
those credits and :func:`cut_at_credit` keeps an answer out of them; the passage itself, and
its citation, are left as written.
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


def cut_at_credit(
    text: str, credits: list[tuple[int, int]], start: int, end: int
) -> tuple[int, int] | None:
    """The span ``[start, end)`` of ``text`` kept out of its photo ``credits``.

    A span that runs from the story into a credit ends where the credit starts (the space
    before it left out); a span that starts inside a credit is no answer; any other span is
    kept as it is.

    Returns:
        The span, cut or as it was; None when nothing of it is the story's.

    Example:
        >>> text = "It was held in Washington D.C. Image: United States Navy."
        >>> credits = credit_spans(text)
        >>> a, b = cut_at_credit(text, credits, 15, 56)
        >>> text[a:b], cut_at_credit(text, credits, 38, 56)
        ('Washington D.C.', None)
    """
    cut = end
    for first, _ in (c for c in credits if start < c[1] and c[0] < end):
        if start >= first:
            return None
        cut = min(cut, first)
    if cut == end:
        return start, end
    # Table cells scraped with a caption leave a bar beside it ("Photo: Sputnik |").
    while cut > start and (text[cut - 1].isspace() or text[cut - 1] == "|"):
        cut -= 1
    return (start, cut) if cut > start else None
