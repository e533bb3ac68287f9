"""Answer boundaries that respect the parse: a span never stops inside a name or a phrase.

The span model picks start and end tokens separately, so it often ends one word early or
late: "senior South Korean" or "South Korean official" for "a senior South Korean official", "this
week" for the date "earlier this week". These are cuts no reader would make.
:func:`complete_span` widens such a span to the whole entity it cuts; when it ends on a word
that modifies a noun further right in the same noun phrase, to the end of that phrase; and
when it ends a noun phrase it entered after the phrase's first words, back to those words
(leaving out a determiner, a possessive or a quote mark); it never starts with an adverb of
time ("now 1,900 acres" is "1,900 acres"). A span that is exactly one entity
stays as it is: a whole name or number is an answer in its own right ("South Korean" for a
question of nationality, "more than 500" for one of how many). A possessive ending is never
part of an answer: "John Myhill's" answers "who?" as "John Myhill".

A question that asks for several things ("What are the two ...?") wants a list, and the span
model tends to point at its first item only; :func:`coordinated_span` widens a span to every
item coordinated with it.

A question that names the role it asks about ("Who is the Pellham fire marshal?") wants the
person in it, and the parse takes the role into the name ("Pellham Fire Marshal Victor
Lund"): :func:`name_after_role` cuts such a span to the name after the question's words.

A why-question wants a reason, and the span model may point at a name inside one: "Washington"
of "because Washington was concerned about the risk". :func:`reason_span` widens such a span
to the whole reason, without the word that introduces it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "complete_span",
    "coordinated_span",
    "name_after_role",
    "name_last",
    "reason_clause",
    "reason_span",
    "regnal_number",
    "role_words",
    "skip_when",
    "subtree_end",
]

# An adverb of time before a figure: "now 1,900 acres" says when the figure holds, not what
# it is.
_WHEN = re.compile(r"(?:now|currently|still|already|today|then)\s+(?=\d)", re.I)
# Dependents that end a list item: a clause or an apposition on it, a comma, the next item.
_CLAUSES = frozenset({"relcl", "acl", "advcl", "appos", "punct", "cc", "conj", "parataxis"})


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
        >>> doc = nlp("a senior South Korean official said")
        >>> complete_span(doc, list(doc.noun_chunks), 2, 21)
        (2, 30)

        "senior South Korean" became "senior South Korean official".
    """
    start, end = skip_when(doc.text, start, end)
    covered = doc.char_span(start, end, alignment_mode="expand")
    if covered is None or len(covered) == 0:
        return start, end
    first, last = covered.start, name_last(doc, covered.start, covered.end - 1)
    if last < covered.end - 1:
        end = doc[last].idx + len(doc[last].text)
    if any(ent.start == first and _ent_last(doc, ent) == last for ent in doc.ents):
        # Still whole tokens: word pieces can stop inside one ("1,42" of "1,426").
        return min(start, doc[first].idx), max(end, doc[last].idx + len(doc[last].text))
    for ent in doc.ents:
        overlaps = ent.start <= last and ent.end > first
        if overlaps and (ent.start < first or _ent_last(doc, ent) > last):
            # spaCy takes "the" into some names ("the North Korean Foreign Ministry"); a
            # reader's answer does not need it.
            first = min(first, _lead(doc, ent.start, first))
            last = max(last, _ent_last(doc, ent))
    for chunk in chunks:
        if (
            chunk.start <= last < chunk.end - 1
            and last < doc[last].head.i < chunk.end
            and doc[last].dep_ != "poss"
        ):
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


def name_after_role(doc: Any, start: int, end: int, roles: frozenset[str]) -> tuple[int, int]:
    """The span ``[start, end)`` of ``doc`` cut to the name after the role the question asks
    about ("Pellham Fire Marshal Victor Lund" for "Who is the Pellham fire marshal?").

    The question already says the role; the asker wants who holds it. The span is cut after
    the last of its words that is one of ``roles``, and only when a name follows: proper
    nouns, two or more of them or one in a person's name. Roles are the words a question
    writes in lower case ("marshal"), so a name's own words ("Harwell Chemical") never cut
    it, and "Maple Court owner Lydia Crane" stays whole for "Who is the judge in the trial of
    Lydia Crane?", which names no role the span holds.

    Args:
        doc: The spaCy ``Doc`` the offsets refer to.
        start: First character of the span.
        end: One past its last character.
        roles: The question's content words written in lower case, as :func:`role_words`
            gives them.

    Example:
        >>> doc = nlp("Pellham Fire Marshal Victor Lund said Friday.")
        >>> name_after_role(doc, 0, 32, frozenset({"fire", "marshal"}))
        (21, 32)
    """
    covered = doc.char_span(start, end, alignment_mode="expand")
    if covered is None or len(covered) < 2:
        return start, end
    said = [k for k, token in enumerate(covered) if token.lower_ in roles]
    if not said or said[-1] == len(covered) - 1:
        return start, end
    rest = covered[said[-1] + 1 :]
    if all(t.pos_ == "PROPN" for t in rest) and (len(rest) > 1 or rest[0].ent_type_ == "PERSON"):
        return max(start, rest[0].idx), end
    return start, end


def role_words(question: Any) -> frozenset[str]:
    """The words of a parsed question that can name a role: content words it writes in
    lower case ("fire", "marshal" of "Who is the Pellham fire marshal?"), not its names.

    Example:
        >>> sorted(role_words(nlp("Who is the Pellham fire marshal?")))
        ['fire', 'marshal']
    """
    return frozenset(t.lower_ for t in question if t.is_lower and t.is_alpha and not t.is_stop)


def skip_when(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``[start, end)`` of ``text`` without an adverb of time before its figure.

    Example:
        >>> text = "The fire, now 1,900 acres, was contained."
        >>> start, end = skip_when(text, 10, 25)
        >>> text[start:end]
        '1,900 acres'
    """
    found = _WHEN.match(text, start, end)
    return (found.end(), end) if found is not None else (start, end)


_ROMAN = re.compile(r"[IVX]{1,5}")


def name_last(doc: Any, first: int, last: int) -> int:
    """The last token of an answer spanning tokens ``first`` to ``last``: a possessive ending
    left out ("John Myhill's" is "John Myhill": the answer is the owner, not the ownership)
    and a regnal numeral spaCy left out of the name taken in ("Richard" is "Richard I").

    Example:
        >>> doc = nlp("It was John Myhill's paper.")
        >>> name_last(doc, 2, 4)
        3
    """
    if last > first and doc[last].tag_ == "POS":
        return int(last - 1)
    return int(last + 1 if regnal_number(doc, last) else last)


def regnal_number(doc: Any, last: int) -> bool:
    """Whether the token after ``last`` is a Roman numeral that belongs to the name ending
    there ("Richard I", "Benedict XVI"), which spaCy's entities often leave out.

    Example:
        >>> doc = nlp("In 2005 Pope Benedict XVI was elected.")
        >>> regnal_number(doc, 3)
        True
    """
    if last + 1 >= len(doc) or not doc[last].whitespace_:
        return False
    name, numeral = doc[last], doc[last + 1]
    return (
        name.pos_ == "PROPN"
        and name.ent_type_ == "PERSON"
        and _ROMAN.fullmatch(numeral.text) is not None
        # "I" is a numeral only where the parse says so: not in "told Richard I would".
        and (numeral.text != "I" or numeral.pos_ == "PROPN")
    )


def _ent_last(doc: Any, ent: Any) -> int:
    """An entity's last token, a possessive ending left out ("John Myhill's")."""
    last = ent.end - 1
    return int(last - 1 if last > ent.start and doc[last].tag_ == "POS" else last)


def _lead(doc: Any, lead: int, first: int) -> int:
    """The first token from ``lead`` on (but not past ``first``) that is not a determiner, a
    possessive pronoun or punctuation: "the", "its" and an opening quote are not the answer."""
    while lead < first and (doc[lead].pos_ in ("DET", "PRON") or doc[lead].is_punct):
        lead += 1
    return lead


def coordinated_span(doc: Any, chunks: Sequence[Any], start: int, end: int) -> tuple[int, int]:
    """Widen the character span ``[start, end)`` of ``doc`` to the whole list its head is an
    item of: "NL" of "NL and NC" becomes "NL and NC".

    Each item keeps its own noun phrase and the words that hang on it ("William of Volpiano
    and John of Ravenna"); a relative clause, an apposition or a comma after the last item
    ends the list.

    Args:
        doc: The spaCy ``Doc`` the offsets refer to.
        chunks: Its noun chunks (``doc.noun_chunks``), in any order.
        start: First character of the span.
        end: One past its last character.

    Returns:
        The widened ``(start, end)``; the span itself when its head is coordinated with
        nothing.

    Example:
        >>> doc = nlp("Two classes between L and P are NL and NC.")
        >>> coordinated_span(doc, list(doc.noun_chunks), 32, 34)
        (32, 41)
    """
    covered = doc.char_span(start, end, alignment_mode="expand")
    if covered is None or len(covered) == 0:
        return start, end
    root = covered.root
    while root.dep_ == "conj" and root.head.i < root.i:
        root = root.head
    items = [root]
    for item in items:
        items.extend(child for child in item.children if child.dep_ == "conj")
    if len(items) < 2:
        return start, end
    first = min(covered.start, _chunk_start(doc, chunks, root))
    last_item = max(items, key=lambda t: t.i)
    last = max(covered.end - 1, _item_end(last_item))
    return min(start, doc[first].idx), max(end, doc[last].idx + len(doc[last].text))


def _chunk_start(doc: Any, chunks: Sequence[Any], token: Any) -> int:
    """Where the noun phrase headed by ``token`` starts, its determiner left out."""
    for chunk in chunks:
        if chunk.start <= token.i < chunk.end:
            return _lead(doc, chunk.start, token.i)
    return int(token.i)


def _item_end(item: Any) -> int:
    """The last token of a list item: the item and the run of its dependents to its right,
    up to anything that starts a clause or another item."""
    last = item.i
    for token in item.subtree:
        if token.i <= item.i:
            continue
        if token.i != last + 1 or _leaves_item(token, item):
            break
        last = token.i
    return int(last)


def _leaves_item(token: Any, item: Any) -> bool:
    """Whether ``token`` hangs on ``item`` through a clause, a comma or another item."""
    while token.i != item.i:
        if token.dep_ in _CLAUSES:
            return True
        token = token.head
    return False


def reason_clause(token: Any) -> tuple[int, int] | None:
    """Token span of a reason introduced at ``token``: "because ...", "because of ...",
    "since ...", "due to ...", "amid ...", or a purpose "to ..." clause; None when no reason
    starts there.

    Example:
        >>> doc = nlp("The talks stalled because the sides disagreed.")
        >>> reason_clause(doc[3])
        (3, 7)
    """
    lower = token.lower_
    if lower in ("because", "since") and token.dep_ == "mark":
        head = token.head
        return token.i, subtree_end(head)
    if (
        lower == "because"
        and token.i + 1 < len(token.doc)
        and token.doc[token.i + 1].lower_ == "of"
    ):
        # The parser hangs the reason on "because" ("of" is its pcomp), sometimes on "of".
        of = token.doc[token.i + 1]
        return token.i, max(subtree_end(token), subtree_end(of), of.i + 1)
    if lower in ("amid", "due") and token.dep_ in ("prep", "amod", "advmod"):
        return token.i, subtree_end(token)
    # A purpose "to" clause hangs off a verb (advcl) or a noun ("an effort to counter");
    # "set to expire" (xcomp) is a complement, not a reason.
    if lower == "to" and token.dep_ == "aux" and token.head.dep_ in ("advcl", "acl"):
        return token.i, subtree_end(token.head)
    return None


def subtree_end(token: Any) -> int:
    """One past the last token ``token`` governs, closing punctuation left out."""
    end = max(t.i for t in token.subtree) + 1
    # Stop before closing punctuation.
    while end - 1 > token.i and token.doc[end - 1].is_punct:
        end -= 1
    return int(end)


# Words that introduce a reason and are not part of it.
_REASON_MARKERS = frozenset({"because", "of", "since", "due", "to", "amid"})


def reason_span(doc: Any, chunks: Sequence[Any], start: int, end: int) -> tuple[int, int]:
    """Widen the character span ``[start, end)`` of ``doc`` to the reason it lies inside:
    "Washington" of "because Washington was concerned about the risk" becomes "Washington was
    concerned about the risk".

    The word that introduces the reason ("because", "because of", "since", "due to", "amid",
    the "to" of a purpose) is never added, since a span that already holds the whole reason
    without it is left as it is. Of nested reasons the smallest that holds the span is taken.

    Args:
        doc: The spaCy ``Doc`` the offsets refer to.
        chunks: Its noun chunks (unused; the signature of the other widenings).
        start: First character of the span.
        end: One past its last character.

    Returns:
        The widened ``(start, end)``; the span itself when no reason holds it.

    Example:
        >>> doc = nlp("The talks stalled because the sides disagreed.")
        >>> reason_span(doc, [], 30, 35)  # "sides"
        (26, 45)
    """
    covered = doc.char_span(start, end, alignment_mode="expand")
    if covered is None or len(covered) == 0:
        return start, end
    best: tuple[int, int] | None = None
    for token in covered.sent:
        clause = reason_clause(token)
        if clause is None:
            continue
        first, stop = clause
        while first < stop and doc[first].lower_ in _REASON_MARKERS:
            first += 1
        # "due to the fact that X": the reason is X.
        if [t.lower_ for t in doc[first : min(first + 3, stop)]] == ["the", "fact", "that"]:
            first += 3
        holds = first <= covered.start and covered.end <= stop and stop - first > len(covered)
        if holds and (best is None or stop - first < best[1] - best[0]):
            best = (first, stop)
    if best is None:
        return start, end
    last = doc[best[1] - 1]
    return min(start, doc[best[0]].idx), max(end, last.idx + len(last.text))
