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
from qa.question.kinds import AnswerKind, expected_kind, role_word
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# "What rating did the weather service give the tornado?": the answer ("EF3") is a property of
# the tornado, so "its winds" next is the tornado's, not the rating's. "Which company ...?"
# names a thing that "it" can be next.
_ATTRIBUTE_NOUNS = _words(
    """rating grade category score level rank ranking price cost amount size value number
    percentage rate speed height depth length weight age name title nickname colour color total
    figure toll count share"""
)
# Sites one is "at" ("at Hartley High School"), where towns and countries are "in".
_SITE_NOUNS = _words(
    """school library center centre hospital church hall stadium arena airport station plant
    factory shelter mall museum university college court courthouse prison jail hotel clinic
    campus building office site venue park field mosque temple synagogue base camp"""
)
# Bodies that act together and so are "they" in speech ("When did they vote?" after "Which
# council ...?"), though grammatically singular.
_GROUP_NOUNS = _words(
    """company council board agency union team club committee association department firm
    government party group commission band league organisation organization authority
    ministry"""
)
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
# "oprd": "What did Koury call the hospital's offer?" is about the offer.
_OBJECTS = frozenset({"dobj", "dative", "oprd"})
_PLURAL_AUX = {"do": "does", "are": "is", "were": "was", "have": "has"}


def resolve_followup(question: str, history: Sequence[Answer], nlp: Any) -> str:
    """Rewrite ``question`` so it can be understood without ``history``.

    An elliptic follow-up ("When?") reuses the previous question; when the old wh-word stood
    for a person or thing, its answer takes the old wh-word's place in the sentence (see
    :mod:`qa.question.gap`). When that answer is unknown (the previous question went
    unanswered) the follow-up is returned unchanged: dropping the gap ("When was arrested?")
    is ungrammatical, "someone" ("When was someone arrested?") asks about any arrest rather
    than the one meant, and "Who was arrested, and when?" makes the reader look for a person.
    A pronoun after an unanswered "Who is the ...?" stands for the role asked about: "she"
    after "Who is the Marlow County coroner?" is "the Marlow County coroner".

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
    # "Which company ...?", "Which library ...?": the answer is one of that noun's kind,
    # whatever the entity tagger makes of its name ("Halvorsen Construction" as a person).
    noun = _wh_noun(prev_doc)
    kind = noun.lemma_.lower() if noun is not None else None
    plural_kind = noun is not None and noun.tag_ in ("NNS", "NNPS")
    asks_person = asked_who or expected_kind(prev_doc) is AnswerKind.PERSON
    named = (
        _phrase(answer_doc)
        if answer_doc is not None and kind is not None and kind not in _ATTRIBUTE_NOUNS
        else None
    )
    pieces: list[str] = []
    replaced: dict[int, tuple[str, bool]] = {}
    for token in doc:
        lower = token.lower_
        referent: str | None = None
        if lower in _PERSON_PRONOUNS:
            # "Which player scored?" asks for a person as "who" does, whatever the tagger
            # makes of the name that answers it.
            referent = _person(prev_doc, answer_doc, asks_person)
        elif lower in _THING_PRONOUNS:
            # "it" is what the conversation is about: the thing the previous question asked
            # to name ("Which treaty ...?" -> "GSOMIA"), else that question's own topic ("What
            # caused the blackout?" -> "a storm"; "How many homes did it affect?" means the
            # blackout), else whatever the answer named.
            if named is not None and not asks_person and not plural_kind:
                # One thing of the kind asked ("Which company ...?"); "Which countries ...?"
                # are "they".
                referent = _with_article(named)
            else:
                thing = _thing(answer_doc) if _asks_to_name_a_thing(prev_doc) else None
                if thing is not None:
                    referent = _with_article(thing)
                else:
                    answered = _thing(answer_doc)
                    referent = _topic(prev_doc) or (
                        _with_article(answered) if answered is not None else None
                    )
        elif lower in _GROUP_PRONOUNS:
            if named is not None and (kind in _GROUP_NOUNS or plural_kind):
                referent = named
            else:
                referent = _group(prev_doc, answer_doc if asked != "where" else None)
        elif lower in _PLACE_PRONOUNS and _is_place_there(token):
            if named is not None and (kind in _SITE_NOUNS or kind in _PLACE_NOUNS):
                referent = named
            else:
                referent = _place(prev_doc, answer_doc, asked_where)
        if referent is None:
            pieces.append(token.text_with_ws)
            continue
        if lower in _PLACE_PRONOUNS and referent.split()[0].lower() not in _PLACE_PREPOSITIONS:
            referent = f"{_place_preposition(nlp(referent))} {referent}"
        elif token.tag_ == "PRP$" or lower in ("its", "their", "his", "theirs", "hers"):
            referent = f"{referent}'s"
        elif lower == "they" and token.dep_ in _SUBJECTS:
            # A firm named in answer to "Which firm ...?" is one firm, whatever its name.
            one = referent == named and not plural_kind
            replaced[token.head.i] = (referent, one or not _plural(nlp(referent)))
        pieces.append(referent + token.whitespace_)
    if len(pieces) == len(doc) and all(
        p == t.text_with_ws for p, t in zip(pieces, doc, strict=True)
    ):
        return question
    # "When do they expect to finish?" about one company: "When does Halvorsen Construction
    # expect to finish?" The auxiliary agrees with the name that replaced "they".
    for verb, (_, singular) in replaced.items():
        if singular:
            for aux in doc[verb].children:
                if aux.dep_ == "aux" and aux.lower_ in _PLURAL_AUX and aux.i < verb:
                    word = _PLURAL_AUX[aux.lower_]
                    pieces[aux.i] = (word.capitalize() if aux.is_title else word) + (
                        aux.whitespace_
                    )
    text = "".join(pieces)
    return text[0].upper() + text[1:]


def _wh_noun(prev_doc: Any) -> Any | None:
    """The noun a question's "which" or "what" picks ("Which company won?" -> "company")."""
    wh = _wh_at(prev_doc)
    if wh is None:
        return None
    token = prev_doc[wh]
    if (
        token.lower_ in ("which", "what")
        and token.dep_ == "det"
        and token.head.pos_ in ("NOUN", "PROPN")
        and token.head.lemma_.lower() not in _TIME_NOUNS
    ):
        return token.head
    return None


def _phrase(doc: Any) -> str | None:
    """An answer as it reads mid-sentence: "The Brannock River" -> "the Brannock River", and
    without an appositive ("Halvorsen Construction, a Dunmore company")."""
    text = str(doc.text).strip().rstrip(".!?;,").strip()
    if not text:
        return None
    appositive = re.search(r",\s+(?:a|an|the)\s", text)
    if appositive:
        text = text[: appositive.start()]
    first = text.split(" ", 1)
    if first[0] in ("The", "A", "An") and len(first) > 1:
        text = f"{first[0].lower()} {first[1]}"
    return text


def _with_article(text: str) -> str:
    """A thing "it" stands for, as a sentence names it again: "Ridgeway substation" -> "the
    Ridgeway substation", "Marlow Nurses Association" -> "the Marlow Nurses Association"
    (answers are cut without their article); "Halvorsen Construction", "Stage 3" and "St.
    Brigid's Hospital" stay as they are, and so do sites named as places ("at Hartley
    Elementary School"), which "there" stands for.

    Example:
        >>> _with_article("Ridgeway substation"), _with_article("Halvorsen Construction")
        ('the Ridgeway substation', 'Halvorsen Construction')
    """
    words = text.split()
    if not words or words[0].lower() in _DETERMINERS or "'s" in text or "’s" in text:
        return text
    last = words[-1]
    common = last.isalpha() and last.islower() and len(words) > 1
    if common or last.lower() in _GROUP_NOUNS | _PLACE_THINGS:
        return f"the {text}"
    return text


_DETERMINERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our"}
)


def _plural(doc: Any) -> bool:
    roots = [t for t in doc if t.dep_ == "ROOT"]
    return any(t.tag_ in ("NNS", "NNPS") for t in roots) or any(
        t.dep_ == "cc" and t.lower_ == "and" for t in doc
    )


def _place_preposition(doc: Any) -> str:
    """ "at" a site ("at Hartley High School", "at the library"), "in" a town or country."""
    heads = [t.lemma_.lower() for t in doc if t.dep_ == "ROOT"] + [doc[-1].lemma_.lower()]
    return "at" if any(h in _SITE_NOUNS for h in heads) else "in"


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
    if any(
        t.dep_ in ("oprd", "dobj", "dative") and t.i != wh and t.head.i == token.head.i
        for t in prev_doc
    ) and token.dep_ in ("dobj", "oprd"):
        # "What did Koury call the hospital's offer?" -> "an insult" describes the offer, and
        # "What did the weather service give the tornado?" -> "an EF3 rating" the tornado:
        # with a second object, the answer says something of it.
        return False
    if any(t.dep_ == "oprd" and t.i != wh for t in prev_doc):
        return False
    if token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN"):
        return token.head.lemma_.lower() not in _ATTRIBUTE_NOUNS
    if token.dep_ in ("dobj", "pobj", "attr", "dative"):
        # Not "oprd": in "What did Koury call the offer?" the answer ("an insult") describes
        # the offer, which stays the topic.
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
                    end = objects[0].right_edge.i + 1
                    # "each household in Hartley use?": the tagger may hang the verb on the
                    # place; the phrase replaced stops before any verb.
                    verbs = [t.i for t in prev_doc[objects[0].i : end] if t.pos_ == "VERB"]
                    target = prev_doc[objects[0].left_edge.i : min([end, *verbs])]
                    # Or takes it for a noun ("Hartley use", a compound): a name replaces
                    # the name it holds, not the words after it.
                    names = [
                        e for e in prev_doc.ents if target.start <= e.start < e.end <= target.end
                    ]
                    if phrase.root.pos_ == "PROPN" and names:
                        target = names[-1]
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
    if first.lower_ in ("the", "a", "an") and len(answer_doc) > 1:
        # Mid-sentence: "a cruise missile", "the National Weather Service".
        text = first.lower_ + text[len(first.text) :]
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
            # The answer to "who" is a person even where the tagger misses the name; without
            # the title news puts before it ("Pellham Fire Marshal Victor Lund").
            return _untitled(answer_doc)
    elif asked_who and (holder := _role_holder(prev_doc)) is not None:
        # "Who is the Marlow County coroner?" went unanswered: "she" next is still the
        # coroner, whoever that is, and the question can say so.
        return holder
    people = [e for e in prev_doc.ents if e.label_ == "PERSON"]
    for ent in people:
        if len(ent) >= 2:
            return str(ent.text)
    # A full name in the question ("How many gallons did Celia Wendt limit households to?"):
    # the tagger misreads unfamiliar names in questions as places or groups ("Celia Wendt" an
    # organisation, "Dunmore" a person), and "she" is a person whatever the tag says. A run of
    # two or more proper nouns that no place tag covers and that does not end in a word for a
    # body or a site ("Marlow County", "St. Brigid's Hospital").
    for run in _name_runs(prev_doc):
        if not any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in run) and (
            run[-1].lower_ not in _GROUP_NOUNS | _SITE_NOUNS | _PLACE_WORDS
        ):
            return " ".join(t.text for t in run)
    return str(people[0].text) if people else None


def _role_holder(prev_doc: Any) -> str | None:
    """The role a "Who is the ...?" question asks about, as a phrase that can stand for its
    holder: "the Marlow County coroner", "the president of the Marlow Nurses Association".
    None for any other question ("Who won the race?")."""
    root = next((t for t in prev_doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be" or not any(t.lower_ == "who" for t in prev_doc):
        return None
    for child in root.children:
        if (
            child.dep_ in ("attr", "nsubj")
            and child.pos_ == "NOUN"
            and any(t.dep_ == "det" and t.lower_ == "the" for t in child.children)
        ):
            words = list(child.subtree)
            while words and words[-1].is_punct:
                words.pop()
            return "".join(t.text_with_ws for t in words).strip()
    return None


# Named places that are things, "it" and not "there", though the tagger calls their names
# towns ("the Brannock River" a GPE).
_PLACE_THINGS = _words("river creek lake bridge dam canal tunnel highway road street")
# Last words of place names that are never a person's name.
_PLACE_WORDS = _words("county city town village street road river lake bridge valley hills")


def _name_runs(doc: Any) -> list[list[Any]]:
    """Runs of two or more consecutive proper nouns ("Celia Wendt")."""
    runs: list[list[Any]] = []
    current: list[Any] = []
    for token in [*doc, None]:
        if token is not None and token.pos_ == "PROPN":
            current.append(token)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = []
    return runs


def _untitled(answer_doc: Any) -> str:
    """A name without the title and place before it: "Club president Walt Dobrev" -> "Walt
    Dobrev". Only a capitalised name of two words or more after the last title word counts."""
    words = [t for t in answer_doc if not t.is_punct]
    titles = [i for i, t in enumerate(words) if role_word(t.lower_)]
    if titles:
        rest = words[titles[-1] + 1 :]
        if len(rest) >= 2 and all(t.text[:1].isupper() for t in rest):
            return " ".join(t.text for t in rest)
    return _phrase(answer_doc) or str(answer_doc.text)


def _topic(prev_doc: Any) -> str | None:
    span = _topic_span(prev_doc)
    return str(span.text) if span is not None else None


def _topic_span(prev_doc: Any) -> Any | None:
    """What the previous question was about: the thing its verb acts on, else its subject,
    else its first non-person entity or noun phrase, as a whole noun phrase.

    The wh-phrase is skipped: "Which countries signed the pact?" is about the pact, and the
    countries are its answer. The object comes first ("What rating did the weather service
    give the tornado?" is about the tornado), then the subject ("How far from the plant did
    the order reach?" is about the order); a person or a place is "he" or "there", not "it".
    An entity is taken with the noun phrase it names part of: "the Highway 9 pileup", not
    "Highway 9".
    """
    wh = _wh_at(prev_doc)
    for deps in (_OBJECTS, _SUBJECTS):
        for token in prev_doc:
            if token.dep_ not in deps or token.head.dep_ != "ROOT":
                continue
            chunk = _chunk_of(prev_doc, token) or _noun_subtree(prev_doc, token)
            if chunk is None or (wh is not None and chunk.start <= wh < chunk.end):
                continue
            head = chunk.root
            if (
                token.head.lemma_ == "do"
                and chunk.end == len(prev_doc) - 1
                and len(chunk) > 2
                and not any(t.pos_ == "VERB" and t.lemma_ != "do" for t in prev_doc)
            ):
                # "How high did the Brannock River crest?": the tagger took the verb at the
                # end for the subject's noun; the subject is the phrase before it, and its
                # head the word before that verb (the phrase's own root is then its article).
                chunk = prev_doc[chunk.start : chunk.end - 1]
                head = chunk[-1]
            if (
                any(e.label_ in _NOT_TOPICS for e in chunk.ents)
                and head.pos_ == "PROPN"
                and head.lower_ not in _FEATURE_NOUNS | _PLACE_THINGS
            ):
                continue
            if head.pos_ in ("NOUN", "PROPN"):
                return chunk
    for ent in prev_doc.ents:
        if ent.label_ not in ("PERSON", "DATE", "TIME", "CARDINAL", "ORDINAL") and not (
            wh is not None and ent.start <= wh < ent.end
        ):
            chunk = _chunk_of(prev_doc, prev_doc[ent.end - 1])
            # The tagger's noun phrase, unless it swallowed the question's own words ("When
            # will the National Security Council meet" taken for one phrase).
            if chunk is None or any(
                t.pos_ in ("AUX", "VERB") or t.lower_ in WH_WORDS for t in chunk
            ):
                return ent
            return chunk
    for chunk in prev_doc.noun_chunks:
        if wh is not None and chunk.start <= wh < chunk.end:
            continue
        if chunk.root.pos_ != "PRON" and not any(e.label_ == "PERSON" for e in chunk.ents):
            return chunk
    return None


def _noun_subtree(doc: Any, token: Any) -> Any | None:
    """The phrase a noun heads when the tagger made no noun chunk of it ("the
    shelter-in-place order", with "shelter" taken for a verb)."""
    if token.pos_ not in ("NOUN", "PROPN"):
        return None
    return doc[token.left_edge.i : token.right_edge.i + 1]


def _chunk_of(doc: Any, token: Any) -> Any | None:
    """The noun phrase ``token`` heads or sits in ("pileup" -> "the Highway 9 pileup")."""
    for chunk in doc.noun_chunks:
        if chunk.start <= token.i < chunk.end:
            return chunk
    return None


# Not "it": people are "he" or "she", towns and countries "there" (a river, a LOC, is "it").
_NOT_TOPICS = frozenset({"PERSON", "GPE"})
# Named features that are "it" though the tagger may call them places: "the Brannock River".
_FEATURE_NOUNS = _words(
    "river lake creek dam bridge mountain volcano highway road street canal reservoir"
)

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
    """Who "they" are: the previous answer when it names a group, else the people the previous
    question counted ("How many nurses are on strike?" -> "the nurses"), else its plural
    subject ("Trump and Kim" in "Where did Trump and Kim meet?"), else another plural noun
    phrase in it ("the fine for breaking Hartley's water rules" -> "Hartley's water rules"),
    else its topic."""
    if answer_doc is not None and (
        any(e.label_ in ("ORG", "NORP", "GPE") for e in answer_doc.ents) or _filler(answer_doc)[1]
    ):
        return _phrase(answer_doc)
    words = [t.lower_ for t in prev_doc[:2]]
    if words == ["how", "many"]:
        counted = next(
            (c for c in prev_doc.noun_chunks if c.start <= 1 < c.end and c.end > 2), None
        )
        if counted is not None and counted.root.tag_ in ("NNS", "NNPS"):
            return _definite(prev_doc[2 : counted.end])
    for token in prev_doc:
        subject = prev_doc[token.left_edge.i : token.right_edge.i + 1]
        if (
            token.dep_ in ("nsubj", "nsubjpass")
            and (token.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in token.children))
            and not any(t.lower_ in WH_WORDS for t in subject)
        ):
            return _definite(subject)
    wh = _wh_at(prev_doc)
    for chunk in prev_doc.noun_chunks:
        if chunk.root.tag_ in ("NNS", "NNPS") and not (
            wh is not None and chunk.start <= wh < chunk.end
        ):
            return str(chunk.text)
    return _topic(prev_doc)


def _definite(span: Any) -> str:
    """A plural noun phrase as a follow-up names it again: "nurses at St. Brigid's Hospital"
    -> "the nurses at St. Brigid's Hospital"; names and determined phrases stay as they are."""
    first = span[0]
    if span.root.pos_ == "NOUN" and first.pos_ not in ("DET", "PRON", "NUM"):
        return f"the {span.text}"
    return str(span.text)


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
