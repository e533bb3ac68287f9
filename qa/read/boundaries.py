"""Answer boundaries that respect the parse: a span never stops inside a name or a phrase.

The span model picks start and end tokens separately, so it often ends one word early or
late: "senior South Korean" or "South Korean official" for "a senior South Korean official", "this
week" for the date "earlier this week". These are cuts no reader would make.
:func:`complete_span` widens such a span to the whole entity it cuts; when it ends on a word
that modifies a noun further right in the same noun phrase, to the end of that phrase; and
when it ends a noun phrase it entered after the phrase's first words, back to those words
(leaving out a determiner, a possessive or a quote mark). A span that is exactly one entity
stays as it is: a whole name or number is an answer in its own right ("South Korean" for a
question of nationality, "more than 500" for one of how many).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["complete_span"]


def complete_span(doc: Any, chunks: Sequence[Any], start: int, end: int) -> tuple[int, int]:
    """Widen the character span ``[start, end)`` of ``doc`` so that it cuts no entity or noun
    phrase.

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
        # Still whole tokens: word pieces can stop inside one ("1,42" of "1,426").
        return min(start, doc[first].idx), max(end, doc[last].idx + len(doc[last].text))
    for ent in doc.ents:
        overlaps = ent.start <= last and ent.end > first
        if overlaps and (ent.start < first or ent.end - 1 > last):
            # spaCy takes "the" into some names ("the North Korean Foreign Ministry"); a
            # reader's answer does not need it.
            first, last = min(first, _lead(doc, ent.start, first)), max(last, ent.end - 1)
    for chunk in chunks:
        if chunk.start <= last < chunk.end - 1 and last < doc[last].head.i < chunk.end:
            # "senior South Korean" + "official": the head noun is the phrase's point.
            last = chunk.end - 1
            break
    for chunk in chunks:
        if chunk.start < first < chunk.end and last >= chunk.end - 1:
            # "South Korean official" of "a senior South Korean official": the phrase's
            # modifiers belong to it as much as its head does.
            first = _lead(doc, chunk.start, first)
            break
    return min(start, doc[first].idx), max(end, doc[last].idx + len(doc[last].text))


def _lead(doc: Any, lead: int, first: int) -> int:
    """The first token from ``lead`` on (but not past ``first``) that is not a determiner, a
    possessive pronoun or punctuation: "the", "its" and an opening quote are not the answer."""
    while lead < first and (doc[lead].pos_ in ("DET", "PRON") or doc[lead].is_punct):
        lead += 1
    return lead
