"""Where the typed reader looks for answers: the candidate spans of one parsed sentence.

Candidates are spaCy entities (widened to whole words, a count also with its unit), noun chunks
(without their determiner, also with an of/for complement), what the question's verb did and,
for why-questions, reason clauses. These rules are kept apart from the reader that scores the
candidates (:mod:`qa.read.typed.reader`), so that what is proposed can be read on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa.question.frame import QuestionFrame, word_key
from qa.read.boundaries import name_last, reason_clause, subtree_end

_UNIT_POS = ("NOUN", "PROPN")


def _whole_words(doc: Any, start: int, end: int, sent: Any) -> tuple[int, int]:
    """Widen a token span to whole written words: "hour" in "hour-long" becomes "hour-long"."""
    while (
        end < sent.end
        and not doc[end - 1].whitespace_
        and (not doc[end].is_punct or doc[end].text in "-–/")
        and end + 1 <= sent.end
    ):
        end += 1
    if end > start and doc[end - 1].text in "-–/":
        end -= 1
    while start > sent.start and not doc[start - 1].whitespace_ and not doc[start - 1].is_punct:
        start -= 1
    return start, end


def candidate_spans(
    sent: Any, frame: QuestionFrame, chunks: Sequence[Any]
) -> list[tuple[int, int, str]]:
    """Candidate token spans of a sentence as ``(start, end, label)``; its noun ``chunks`` are
    ``NP``."""
    found: dict[tuple[int, int], str] = {}
    doc = sent.doc
    for ent in sent.ents:
        start, end = _whole_words(doc, ent.start, ent.end, sent)
        # spaCy keeps the possessive in a name and leaves a regnal numeral out of it.
        end = name_last(doc, start, end - 1) + 1
        found[(start, end)] = ent.label_
        # "more than 500" + "km": a count is more useful with its unit.
        if ent.label_ in ("CARDINAL", "QUANTITY") and end < sent.end:
            unit = doc[end]
            if unit.pos_ in _UNIT_POS and unit.is_alpha:
                found.setdefault((start, end + 1), "QUANTITY+UNIT")
    for chunk in chunks:
        if chunk.root.pos_ == "PRON":
            continue
        start = chunk.start
        # Determiners and possessive pronouns are not part of what a reader would call the answer.
        while start < chunk.end - 1 and doc[start].pos_ in ("DET", "PRON"):
            start += 1
        found.setdefault((start, chunk.end), "NP")
        # "a spokesman for the Foreign Ministry": the phrase with its of/for complement.
        after = chunk.end
        if (
            after < sent.end - 1
            and doc[after].lower_ in ("of", "for")
            and chunk.start <= doc[after].head.i < chunk.end
        ):
            found.setdefault((start, subtree_end(doc[after])), "NP")
    # "agreed *to continue dialogue*": what the question's verb did, for "what did X do".
    for token in sent:
        if (
            token.dep_ in ("xcomp", "ccomp")
            and token.head.pos_ == "VERB"
            and word_key(token.head) in frame.verbs
        ):
            first = min(t.i for t in token.subtree)
            found.setdefault((first, subtree_end(token)), "CLAUSE")
    if frame.labels == ("REASON",):
        for token in sent:
            clause = reason_clause(token)
            if clause is not None:
                found[clause] = "REASON"
    return [(s, e, label) for (s, e), label in found.items() if e > s]
