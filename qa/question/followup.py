"""Turning a follow-up question into a standalone one, from the conversation so far.

"Which countries are party to it?" after "When does GSOMIA expire?" becomes "Which countries are
party to GSOMIA?"; "And where?" after "When did Trump and Kim meet again?" becomes "Where did Trump
and Kim meet again?"; "When?" after "Who met Kim?" (answered "Biegun") becomes "When did Biegun
meet Kim?", and after "Who did Kim meet?" becomes "When did Kim meet Biegun?"; "And the women's
race?" after "Who won the race?" becomes "Who won the women's race?". The rules use the previous
question and its answer only: they fill in pronouns, ellipsis and a replaced noun phrase, the ways
follow-ups leave things out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.question.gap import Clause, agree_plural, analyse, fill
from qa.question.kinds import AnswerKind, expected_kind
from qa.text.vocab import WH_WORDS
from qa.types import Answer

_PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
_THING_PRONOUNS = {"it", "its"}
_GROUP_PRONOUNS = {"they", "them", "their", "theirs"}
_PLACE_PRONOUNS = {"there"}
_LEADS = re.compile(r"^\s*(?:and|so|but|also|then|ok|okay)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<rest>.+?)\s*\??\s*$", re.IGNORECASE)
_AND = re.compile(r"^\s*and\s+(?P<rest>[^?]+?)\s*\??\s*$", re.IGNORECASE)
_PREPOSITIONS = frozenset({"in", "on", "at", "since", "until", "from", "by", "for"})
# "Which year?" asks when and "Which city?" asks where, like "when" / "where" themselves: these
# follow-ups take the old answer into the question instead of replacing the old wh-phrase.
_TIME_NOUNS = frozenset({"year", "month", "day", "date", "time", "week", "decade", "century"})
_PLACE_NOUNS = frozenset({"city", "country", "town", "place", "state", "region", "venue"})
_TIME_PLACE_NOUNS = _TIME_NOUNS | _PLACE_NOUNS
_PLACE_PREPOSITIONS = frozenset({"in", "at", "on", "near", "outside", "inside", "off", "by"})
_PARTICIPANT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr"})


def resolve_followup(question: str, history: Sequence[Answer], nlp: Any) -> str:
    """Rewrite ``question`` so it can be understood without ``history``.

    An elliptic follow-up ("When?") reuses the previous question; when the old wh-word stood
    for a person or thing, its answer takes the old wh-word's place in the sentence (see
    :mod:`qa.question.gap`). When that answer is unknown (the previous question went
    unanswered) the follow-up is returned unchanged: dropping the gap ("When was arrested?")
    is ungrammatical, "someone" ("When was someone arrested?") asks about any arrest rather
    than the one meant, and "Who was arrested, and when?" makes the reader look for a person.

    Args:
        question: The new question.
        history: Earlier answers in this conversation, oldest first.
        nlp: A spaCy pipeline used to find entities and noun phrases.

    Returns:
        The standalone question (``question`` itself when nothing needs filling in, or when
        what is missing cannot be filled in grammatically).

    Example:
        >>> prev = Answer(question="When does GSOMIA expire?", text=None)
        >>> resolve_followup("Which countries are party to it?", [prev], nlp)
        'Which countries are party to GSOMIA?'
    """
    if not history:
        return question
    previous = history[-1]
    prev_question = previous.resolved_question or previous.question
    prev_doc = nlp(prev_question)
    answer_doc = nlp(previous.text) if previous.text else None

    replaced = _replace_topic(question, prev_doc, nlp)
    if replaced is not None:
        return replaced
    bare = _bare_wh(question, nlp)
    if bare is not None:
        # Elliptic; unchanged when nothing grammatical can fill it in.
        return _resolve_ellipsis(bare, prev_doc, answer_doc) or question
    return _resolve_pronouns(question, prev_doc, answer_doc, nlp)


def _resolve_pronouns(question: str, prev_doc: Any, answer_doc: Any | None, nlp: Any) -> str:
    """Replace he / it / they / their / there with what they stand for in the conversation."""
    doc = nlp(question)
    wh = _wh_at(prev_doc)
    asked = prev_doc[wh].lower_ if wh is not None else None
    asked_who, asked_where = asked == "who", asked == "where"
    pieces: list[str] = []
    changed = False
    for token in doc:
        lower = token.lower_
        referent: str | None = None
        if lower in _PERSON_PRONOUNS:
            # "Which player scored?" asks for a person as "who" does, whatever the tagger
            # makes of the name that answers it.
            asks_person = asked_who or expected_kind(prev_doc) is AnswerKind.PERSON
            referent = _person(prev_doc, answer_doc, asks_person)
        elif lower in _THING_PRONOUNS:
            # "it" is what the conversation is about: the thing the previous question asked
            # to name ("Which treaty ...?" -> "GSOMIA"), else that question's own topic ("What
            # caused the blackout?" -> "a storm"; "How many homes did it affect?" means the
            # blackout), else whatever the answer named.
            named = _thing(answer_doc) if _asks_to_name_a_thing(prev_doc) else None
            referent = named or _topic(prev_doc) or _thing(answer_doc)
        elif lower in _GROUP_PRONOUNS:
            referent = _group(prev_doc, answer_doc if asked != "where" else None)
        elif lower in _PLACE_PRONOUNS and _is_place_there(token):
            referent = _place(prev_doc, answer_doc, asked_where)
        if referent is None:
            pieces.append(token.text_with_ws)
            continue
        if lower in _PLACE_PRONOUNS and referent.split()[0].lower() not in _PLACE_PREPOSITIONS:
            referent = f"in {referent}"
        elif token.tag_ == "PRP$" or lower in ("its", "their", "his", "theirs", "hers"):
            referent = f"{referent}'s"
        pieces.append(referent + token.whitespace_)
        changed = True
    if not changed:
        return question
    text = "".join(pieces)
    return text[0].upper() + text[1:]


def _asks_to_name_a_thing(prev_doc: Any) -> bool:
    """Whether the previous answer became what the conversation is about.

    It did when the question asked which thing ("Which treaty ...?"), asked for the thing
    something was done to ("What did the Pentagon test?" -> "a cruise missile": "How far can it
    fly?"), or had no topic besides its wh-phrase ("What expires on Saturday?"). It did not
    when it asked what did something to its topic ("What caused the blackout?" -> "a storm":
    "How many homes did it affect?" is still about the blackout).
    """
    wh = _wh_at(prev_doc)
    if wh is None:
        return False
    token = prev_doc[wh]
    if token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN"):
        return True
    if token.dep_ in ("dobj", "pobj", "attr", "dative", "oprd"):
        return True
    return _topic_span(prev_doc) is None


def _is_place_there(token: Any) -> bool:
    # "Who was there?" (the parser calls it an expletive) but not "Are there any survivors?",
    # where the tagger marks the existential "there" EX.
    return bool(token.dep_ in ("advmod", "expl") and token.tag_ != "EX" and token.i > 0)


def _replace_topic(question: str, prev_doc: Any, nlp: Any) -> str | None:
    """ "And the women's race?" / "What about Iran?": the previous question about the new thing.

    The new noun phrase replaces the previous question's phrase with the same head noun ("the
    race"), else its last entity of the same kind ("North Korea" for "Iran"), else its topic. A
    new phrase with a preposition ("And in 2019?") replaces the object of the same preposition,
    or is added at the end.
    """
    match = _ABOUT.match(question) or _AND.match(question)
    if not match:
        return None
    new_doc = nlp(match.group("rest"))
    if not any(t.is_alpha or t.like_num for t in new_doc):
        return None
    if any(t.lower_ in WH_WORDS or t.pos_ in ("VERB", "AUX") for t in new_doc):
        return None  # "And when?" is ellipsis, "And did he win?" a question of its own
    preposition = new_doc[0].lower_ if new_doc[0].pos_ == "ADP" and len(new_doc) > 1 else None
    phrase = new_doc[1:] if preposition else new_doc[:]
    if phrase.root.pos_ not in ("NOUN", "PROPN", "NUM"):
        return None  # "And him?", "And there?" are for the pronoun rules
    text = str(prev_doc.text)
    wh = _wh_at(prev_doc)
    if preposition:
        for token in prev_doc:
            if token.lower_ == preposition and token.dep_ == "prep":
                objects = [c for c in token.children if c.dep_ == "pobj"]
                if objects:
                    target = prev_doc[objects[0].left_edge.i : objects[0].right_edge.i + 1]
                    return text[: target.start_char] + str(phrase.text) + text[target.end_char :]
        return f"{text.rstrip().rstrip('?').rstrip()} {new_doc.text}?"
    target = (
        _same_head(prev_doc, phrase, wh) or _same_kind(prev_doc, phrase) or _topic_span(prev_doc)
    )
    if target is None:
        return None
    return text[: target.start_char] + str(phrase.text) + text[target.end_char :]


def _same_head(prev_doc: Any, phrase: Any, wh: int | None) -> Any | None:
    for chunk in prev_doc.noun_chunks:
        if wh is not None and chunk.start <= wh < chunk.end:
            continue
        if chunk.root.lemma_.lower() == phrase.root.lemma_.lower():
            return chunk
    return None


def _same_kind(prev_doc: Any, phrase: Any) -> Any | None:
    labels = {e.label_ for e in phrase.ents}
    same = [e for e in prev_doc.ents if e.label_ in labels]
    return same[-1] if same else None


def _resolve_ellipsis(bare: str, prev_doc: Any, answer_doc: Any | None) -> str | None:
    """ "When?", "And where?", "How many?", "Which year?": reuse the previous question's body.

    Args:
        bare: The follow-up's wh-phrase ("when", "how many", "which year").
        prev_doc: The parsed previous question.
        answer_doc: The parsed previous answer, None when it went unanswered.

    Returns:
        The standalone question, or None when no grammatical one can be made.
    """
    tokens = list(prev_doc)
    words = bare.lower().split()
    wh_at = _wh_at(prev_doc)
    if wh_at is None:
        # "Did Kim meet Biegun?" then "When?": the yes/no question is already in question order.
        if tokens and tokens[0].pos_ == "AUX" and _adverbial(words):
            return f"{bare[0].upper()}{bare[1:]} {tokens[0].lower_}{tokens[0].whitespace_}" + (
                "".join(t.text_with_ws for t in tokens[1:]).strip()
            )
        return None
    end = wh_at + 1
    # The whole old wh-phrase goes: "how many people", "which countries".
    if tokens[wh_at].lower_ in ("how", "which", "what"):
        while end < len(tokens) and tokens[end].pos_ in ("NOUN", "ADJ", "ADV"):
            end += 1
    old = [t.lower_ for t in tokens[wh_at:end]]
    before = tokens[:wh_at]
    old_adverbial = _adverbial(old)
    if old[-1] in _PLACE_NOUNS and tokens[end - 1].dep_ in _PARTICIPANT_DEPS:
        old_adverbial = False  # "Which country hosted the games?" asks for a participant
    if len(before) == 1 and before[0].pos_ == "ADP":
        before, old_adverbial = [], True  # "In which city did they meet?" asks where
    new_adverbial = _adverbial(words)
    if words[:2] in (["how", "many"], ["how", "much"]) and len(words) == 2 and old[0] == "which":
        bare = f"{bare} {' '.join(t.text for t in tokens[wh_at + 1 : end])}"  # how many countries
    elif len(words) == 2 and words[0] in ("which", "what") and words[1] in _PLACE_NOUNS:
        # "In which city did they meet?"; "What year did the war end?" needs no preposition.
        bare = f"in {bare[0].lower()}{bare[1:]}"
    if before:
        # An echo question ("The summit was held where?"): swap adverbial for adverbial in place.
        if not (old_adverbial and new_adverbial):
            return None
        after = "".join(t.text_with_ws for t in tokens[end:])
        head = "".join(t.text_with_ws for t in before)
        return re.sub(r"\s+(?=[?.!]|$)", "", f"{head}{bare[0].lower()}{bare[1:]} {after}")
    phrase = bare[0].upper() + bare[1:]
    rest = tokens[end:]
    if old_adverbial:
        if not new_adverbial:
            return None  # "When did they meet?" then "Who?": there is no gap for "who" to fill
        body = "".join(t.text_with_ws for t in rest).strip().rstrip("?.!").strip()
        return f"{phrase} {body}?" if body else None
    clause = analyse(rest, tokens[end - 1])
    if clause is None:
        return None
    if not new_adverbial:
        if len(words) == 1:
            # A bare "Who?" after "What happened?" or "How much did it cost?" has no place to go.
            return None
        # "Who won the race?" then "Which team?": one person or thing for another.
        plural = words[:2] == ["how", "many"]
        return f"{phrase} {agree_plural(clause) if plural else _body(clause)}"
    filler: str | None
    if old[0] == "how":
        # "How many people were killed?" then "When?": the people, not the count, are asked about.
        nouns = tokens[wh_at + 2 : end]
        filler = "".join(t.text_with_ws for t in nouns).strip() or None
        plural = old[1] == "many"
    else:
        filler, plural = _filler(answer_doc)
    filled = fill(clause, filler, plural=plural, past=words[0] == "when")
    return f"{phrase} {filled}" if filled is not None else None


def _body(clause: Clause) -> str:
    return "".join(t.text_with_ws for t in clause.tokens).strip() + "?"


def _bare_wh(question: str, nlp: Any) -> str | None:
    """The wh-phrase of an elliptic follow-up ("and when?" -> "when"), or None if it is not one.

    A short question with a verb ("What happened there?") is a question of its own.
    """
    if _ABOUT.match(question):
        return None  # "What about him?" names a new topic; it asks nothing by itself
    bare = _LEADS.sub("", question).strip().rstrip("?").strip()
    words = bare.lower().split()
    start = 1 if len(words) > 1 and words[0] in _PREPOSITIONS and words[1] in WH_WORDS else 0
    if not words or words[start] not in WH_WORDS or len(words) > start + 3:
        return None
    # Only a wh-phrase: "how many", "which year", "where exactly"; not "why not", "what about".
    doc = nlp(bare)
    wh = next(t.i for t in doc if t.lower_ in WH_WORDS)
    if any(t.pos_ not in ("NOUN", "PROPN", "ADJ", "ADV", "NUM") for t in doc[wh + 1 :]):
        return None
    return bare


def _adverbial(words: Sequence[str]) -> bool:
    """Whether a wh-phrase asks about time, place, reason or manner rather than a participant."""
    if words[0] in _PREPOSITIONS:
        return True
    if words[0] in ("when", "where", "why"):
        return True
    if words[0] == "how":
        return words[1:2] not in (["many"], ["much"])
    return len(words) > 1 and words[0] in ("which", "what") and words[1] in _TIME_PLACE_NOUNS


def _wh_at(doc: Any) -> int | None:
    return next((t.i for t in doc if t.lower_ in WH_WORDS), None)


def _filler(answer_doc: Any | None) -> tuple[str | None, bool]:
    """The previous answer as a phrase to put in the new question, and whether it is plural."""
    if answer_doc is None:
        return None, False
    text = answer_doc.text.strip().rstrip(".!?;,").strip()
    if not text:
        return None, False
    first = answer_doc[0]
    if first.lower_ in ("the", "a", "an") and len(answer_doc) > 1 and answer_doc[1].is_lower:
        text = first.lower_ + text[len(first.text) :]  # "A cruise missile" mid-sentence
    plural = any(t.dep_ == "ROOT" and t.tag_ in ("NNS", "NNPS") for t in answer_doc) or any(
        t.dep_ == "cc" and t.lower_ == "and" for t in answer_doc
    )
    return text, plural


def _person(prev_doc: Any, answer_doc: Any | None, asked_who: bool = False) -> str | None:
    if answer_doc is not None:
        for ent in answer_doc.ents:
            if ent.label_ == "PERSON":
                return str(ent.text)
        if asked_who:
            # The answer to "who" is a person even where the tagger misses the name.
            return str(answer_doc.text)
    for ent in prev_doc.ents:
        if ent.label_ == "PERSON":
            return str(ent.text)
    return None


def _topic(prev_doc: Any) -> str | None:
    span = _topic_span(prev_doc)
    return str(span.text) if span is not None else None


def _topic_span(prev_doc: Any) -> Any | None:
    """What the previous question was about: its first non-person entity or noun phrase.

    The wh-phrase is skipped: "Which countries signed the pact?" is about the pact, and the
    countries are its answer.
    """
    wh = _wh_at(prev_doc)
    for ent in prev_doc.ents:
        if ent.label_ not in ("PERSON", "DATE", "TIME", "CARDINAL", "ORDINAL") and not (
            wh is not None and ent.start <= wh < ent.end
        ):
            return ent
    for chunk in prev_doc.noun_chunks:
        if wh is not None and chunk.start <= wh < chunk.end:
            continue
        if chunk.root.pos_ != "PRON":
            return chunk
    return None


_NOT_THINGS = frozenset(
    {"PERSON", "DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL", "NORP"}
)


def _thing(answer_doc: Any | None) -> str | None:
    """The previous answer, when it names one thing "it" can stand for (not a person or date)."""
    if answer_doc is None or any(e.label_ in _NOT_THINGS for e in answer_doc.ents):
        return None
    if not any(t.pos_ in ("NOUN", "PROPN") for t in answer_doc):
        return None
    if _filler(answer_doc)[1]:
        return None  # "Japan and South Korea" are "they", not "it"
    return str(answer_doc.text)


def _group(prev_doc: Any, answer_doc: Any | None) -> str | None:
    """Who "they" are: the previous answer when it names a group, else the previous question's
    plural subject ("Trump and Kim" in "Where did Trump and Kim meet?"), else its topic."""
    if answer_doc is not None and (
        any(e.label_ in ("ORG", "NORP", "GPE") for e in answer_doc.ents) or _filler(answer_doc)[1]
    ):
        return str(answer_doc.text)
    for token in prev_doc:
        subject = prev_doc[token.left_edge.i : token.right_edge.i + 1]
        if (
            token.dep_ in ("nsubj", "nsubjpass")
            and (token.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in token.children))
            and not any(t.lower_ in WH_WORDS for t in subject)
        ):
            return str(subject.text)
    return _topic(prev_doc)


def _place(prev_doc: Any, answer_doc: Any | None, asked_where: bool = False) -> str | None:
    if answer_doc is not None and asked_where:
        # The answer to "where" is a place ("Hanoi", "near Addis Ababa") whatever its entity.
        return str(answer_doc.text)
    for doc in (answer_doc, prev_doc):
        if doc is None:
            continue
        for ent in doc.ents:
            if ent.label_ in ("GPE", "LOC", "FAC"):
                return str(ent.text)
    return None
