"""Passages that lose their answer: the answer's sentence taken out, the rest left as it was.

A look-alike changes the question; this changes the passage. What is left is on the topic,
often names the people and places of the question, and sometimes holds another name or number
of the asked kind a sentence away, which is how news look-alikes are answered wrongly: a detail
the report leaves out is filled with a name from nearby ("Who is the state mediator?" answered
with the union beside the word "mediator"). Paired with no answer, such a passage teaches the
span model that the question's words around a candidate are not enough.
"""

from __future__ import annotations

from qa.ingest.passages import sentence_spans


def without_answer_sentence(context: str, start: int, end: int) -> str | None:
    """``context`` with every sentence that overlaps ``[start, end)`` taken out.

    Args:
        context: The passage.
        start: First character of the answer in ``context``.
        end: One past its last character.

    Returns:
        The passage without those sentences, or None when it would no longer be a passage
        (fewer than two sentences left) or still holds the answer's text elsewhere (ignoring
        case), where it would still answer the question.

    Example:
        >>> text = "Talks began Monday. A mediator, Ann Lee, joined. Both sides met. It rained."
        >>> without_answer_sentence(text, text.index("Ann Lee"), text.index("Ann Lee") + 7)
        'Talks began Monday. Both sides met. It rained.'
    """
    spans = sentence_spans(context)
    kept = [(a, b) for a, b in spans if b <= start or a >= end]
    if len(kept) < 2 or len(kept) == len(spans):
        return None
    text = " ".join(context[a:b] for a, b in kept)
    if context[start:end].strip().lower() in text.lower():
        return None
    return text
