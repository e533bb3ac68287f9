"""Look-alike questions: a generated question changed so that its own passage no longer answers it.

SQuAD 2.0's unanswerable questions were written this way (Rajpurkar, Jia & Liang, 2018): take
an answerable question and swap a name for another, change a number, or turn a word into its
opposite, so that the passage still holds all the other words. A reader trained only on
questions that its passage answers, and on passages about something else, learns nothing about
these; pairing such questions with the passage and no answer teaches it to check the details.

Each change keeps the question's shape and is refused when the new word is in the passage
anywhere, so that the passage cannot answer the changed question with another sentence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.text.vocab import OPPOSITES, ORDINALS

# Whole numbers, with or without thousands commas; not part of a decimal or a word ("F-35").
_NUMBER = re.compile(r"(?<![\w.,-])\d+(?:,\d{3})*(?![\w]|[.,]\d)")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Lookalike:
    """A changed question and the change that made it (``swap``, ``number``, ``opposite``,
    ``ordinal``)."""

    question: str
    change: str


def _find(word: str, text: str) -> re.Match[str] | None:
    """Where ``word`` occurs in ``text`` as a whole word, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE)


def _present(word: str, text: str) -> bool:
    return _find(word, text) is not None


def _match_case(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def _swaps(
    question: str,
    names: Sequence[tuple[str, str]],
    pool: Mapping[str, Sequence[str]],
    context: str,
    rng: random.Random,
) -> list[Lookalike]:
    """A name of the question replaced by another name of the same kind."""
    out = []
    for text, label in names:
        found = _find(text, question) if len(text) >= 3 else None
        if found is None:
            continue
        choices = [c for c in pool.get(label, ()) if c.lower() != text.lower()]
        rng.shuffle(choices)
        for choice in choices[:5]:
            if not _present(choice, context) and not _present(choice, question):
                new = question[: found.start()] + choice + question[found.end() :]
                out.append(Lookalike(new, "swap"))
                break
    return out


def _number_changes(question: str, context: str, rng: random.Random) -> list[Lookalike]:
    """A number of the question replaced by a nearby number the passage never mentions."""
    out = []
    for m in _NUMBER.finditer(question):
        digits = m.group().replace(",", "")
        value = int(digits)
        is_year = 1500 <= value <= 2100 and len(digits) == 4
        for _ in range(5):
            if is_year:
                new_value = value + rng.choice([-1, 1]) * rng.randint(1, 12)
            else:
                step = max(1, round(value * rng.uniform(0.1, 0.6)))
                new_value = max(0, value + rng.choice([-1, 1]) * step)
            new = str(new_value) if is_year or "," not in m.group() else f"{new_value:,}"
            if new_value != value and not _present(new, context):
                out.append(Lookalike(question[: m.start()] + new + question[m.end() :], "number"))
                break
    return out


def _word_changes(question: str, context: str) -> list[Lookalike]:
    """An ordinal moved to another, or a word turned into its opposite."""
    out = []
    for m in _WORD.finditer(question):
        word = m.group().lower()
        if word in ORDINALS:
            k = ORDINALS.index(word)
            new = ORDINALS[k + 1] if k + 1 < len(ORDINALS) else ORDINALS[k - 1]
            change = "ordinal"
        elif word in OPPOSITES:
            new, change = OPPOSITES[word], "opposite"
        else:
            continue
        if _present(new, context):
            continue
        text = question[: m.start()] + _match_case(new, m.group()) + question[m.end() :]
        out.append(Lookalike(text, change))
    return out


def lookalike(
    question: str,
    names: Sequence[tuple[str, str]],
    pool: Mapping[str, Sequence[str]],
    context: str,
    rng: random.Random,
) -> Lookalike | None:
    """A question like ``question`` that ``context`` does not answer, or None if none can be made.

    Args:
        question: A question that ``context`` answers.
        names: (text, entity label) of the names in the question's source paragraph; those
            found in the question may be swapped.
        pool: Entity label -> names to swap in (from other paragraphs or documents).
        context: The passage the question is asked of; no new word may occur in it.
        rng: Picks the change.

    Example:
        >>> import random
        >>> lookalike("Who won the election?", [], {}, "Trump won the election.",
        ...           random.Random(0)).question
        'Who lost the election?'
    """
    options = _swaps(question, names, pool, context, rng)
    options += _number_changes(question, context, rng)
    options += _word_changes(question, context)
    options = [o for o in options if o.question != question]
    return rng.choice(options) if options else None
