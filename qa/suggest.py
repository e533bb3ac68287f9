"""Example questions drawn from the corpus being served, each checked to be answered.

The chat shows clickable examples and a placeholder; written for one corpus (GSOMIA, the World
Cup) they mislead on any other. Here they come from the articles themselves: the rule-based
generator of :mod:`qa.training.questions` asks about a name, date, number or place in the lead
paragraph of the newest articles, and a question is kept only when the assistant, asked it,
answers with the span it was made from. A user who clicks one sees a real answer.
"""

from __future__ import annotations

import random

from qa.pipeline import Assistant
from qa.training.questions import generate
from qa.types import answer_key

# Kinds whose answers are short and checkable; "thing" questions from noun chunks are often
# vague ("What did the official not disclose?").
_KINDS = frozenset({"person", "date", "number", "place", "organization"})
# A bare "what" for a name reads oddly ("What faced South Korea?"); these openings do not.
_OPENINGS = (
    "who ",
    "when ",
    "where ",
    "in what year ",
    "how many ",
    "how much ",
    "what organization ",
)
_PARAGRAPHS = 10
_REPORTING = frozenset(
    {"say", "said", "says", "tell", "told", "add", "added", "announce", "announced", "report"}
)
_PRONOUNS = frozenset({"it", "its", "he", "she", "his", "her", "they", "them", "their", "this"})
# Enough candidates to find ``limit`` good ones; parsing every paragraph of a big corpus would
# hold up the server's start.
_CANDIDATES_PER_EXAMPLE = 8


def _readable(question: str) -> bool:
    words = [w.strip(",.;:").lower() for w in question.rstrip("?").split()]
    return (
        # Long questions and ones with a comma come from long, nested sentences, where the
        # generator's rules most often go wrong.
        4 <= len(words) <= 14
        and "," not in question
        and question.lower().startswith(_OPENINGS)
        # "Who said on August 21?" lost what was said; "When must it be returned?" lost what
        # "it" was: clicked first, neither makes sense.
        and not _REPORTING.intersection(words)
        and not _PRONOUNS.intersection(words)
    )


def suggest_questions(
    assistant: Assistant, limit: int = 3, articles: int = 8, seed: int = 0
) -> list[str]:
    """Up to ``limit`` questions that the corpus answers with the span they were made from.

    Args:
        assistant: The assistant whose corpus to ask about.
        limit: How many questions to return.
        articles: How many of the newest articles to draw from (each costs a parse and a few
            asks, tens of milliseconds each).
        seed: Picks among the generator's wordings, so the same corpus gives the same list.

    Returns:
        Questions from the newest articles first, one per article before any article gives
        a second; fewer than ``limit`` (or none) when the articles give no question that the
        assistant answers as made.

    Example:
        >>> suggest_questions(assistant, limit=3)  # the one seed article gives one
        ['When will the National Security Council meet to review the ... agreement with Japan?']
    """
    rng = random.Random(seed)
    candidates: list[tuple[str, str, str]] = []  # (document id, question, expected answer)
    order: dict[str, int] = {}
    # The newest story is the likeliest thing a newsroom asks about.
    for document in assistant.newest_documents(articles):
        order[document.id] = len(order)
        # The first paragraphs of a story carry its facts; the title line is no sentence.
        paragraphs = [p for p in document.text.split("\n")[1:] if len(p.split()) >= 8]
        for paragraph in paragraphs[:_PARAGRAPHS]:
            for made in generate(assistant.parse(paragraph), rng, per_sentence=3):
                if made.kind in _KINDS and _readable(made.question):
                    candidates.append((document.id, made.question, made.answer))
        if len(candidates) >= _CANDIDATES_PER_EXAMPLE * limit:
            break
    answers = assistant.ask_batch([question for _, question, _ in candidates]) if candidates else []
    good: list[tuple[str, str]] = []
    for (doc_id, question, expected), answer in zip(candidates, answers, strict=True):
        if answer.text is None or answer_key(answer.text) != answer_key(expected):
            continue
        if answer.citations[0].document_id == doc_id:
            good.append((doc_id, question))
    # Short questions first (the chat shows an example on one line), newest articles first;
    # then one question per article, so the examples show the corpus's range, and a corpus
    # of few articles fills up from the same ones.
    good.sort(key=lambda item: (order[item[0]], len(item[1].split())))
    chosen: list[str] = []
    used: set[str] = set()
    for doc_id, question in good:
        if doc_id not in used and len(chosen) < limit:
            chosen.append(question)
            used.add(doc_id)
    for _, question in good:
        if question not in chosen and len(chosen) < limit:
            chosen.append(question)
    return chosen
