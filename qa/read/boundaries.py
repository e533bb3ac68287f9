"""Answer boundaries that respect the parse: a span never stops inside a name or a phrase.

The span model picks start and end tokens separately, so it often ends one word early or
late: "senior South Korean" for "a senior South Korean official", "this week" for the date
"earlier this week". Both are cuts no reader would make. :func:`complete_span` widens such a
span to the whole entity it cuts and, when it ends on a word that modifies a noun further
right in the same noun phrase, to the end of that phrase. A span that is exactly one entity
stays as it is: a whole name or number is an answer in its own right ("South Korean" for a
question of nationality, "more than 500" for one of how many).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["complete_span"]


def complete_span(doc: Any, chunks: Sequence[Any], start: int, end: int) -> tuple[int, int]:
    """Widen the character span ``[start, end)`` of ``doc`` so that it cuts no entity and
    ends on no prenominal modifier.

    Args:
        doc: The spaCy ``Doc`` the offsets refer to.
        chunks: Its noun chunks (``doc.noun_chunks``), in any order.
        start: First character of the span.
        end: One past its last character.

    Returns:
        The widened ``(start, end)``; the span itself when it already respects the parse or
        covers no token.

    Example:
        >>> doc = nlp("a senior South Korean official said")  # doctest: +SKIP
        >>> complete_span(doc, list(doc.noun_chunks), 2, 21)  # doctest: +SKIP
        (2, 30)

        "senior South Korean" became "senior South Korean official".
    """
    covered = doc.char_span(start, end, alignment_mode="expand")
    if covered is None or len(covered) == 0:
        return start, end
    first, last = covered.start, covered.end - 1
    if any(ent.start == first and ent.end - 1 == last for ent in doc.ents):
        return start, end
    for ent in doc.ents:
        overlaps = ent.start <= last and ent.end > first
        if overlaps and (ent.start < first or ent.end - 1 > last):
            lead = ent.start
            # spaCy takes "the" into some names ("the North Korean Foreign Ministry"); a
            # reader's answer does not need it.
            while lead < first and doc[lead].pos_ == "DET":
                lead += 1
            first, last = min(first, lead), max(last, ent.end - 1)
    for chunk in chunks:
        if chunk.start <= last < chunk.end - 1 and last < doc[last].head.i < chunk.end:
            # "senior South Korean" + "official": the head noun is the phrase's point.
            last = chunk.end - 1
            break
    return min(start, doc[first].idx), max(end, doc[last].idx + len(doc[last].text))
