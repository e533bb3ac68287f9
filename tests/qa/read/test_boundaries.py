from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from embeddings import HashingEncoder
from qa.read.boundaries import (
    complete_span,
    coordinated_span,
    name_after_role,
    reason_span,
    role_words,
)
from qa.read.typed.reader import TypedReader

TEXT = (
    "The United States and North Korea will soon resume talks, a senior South Korean official "
    "said today. The Pentagon said earlier this week that it had tested a new ground-launched "
    "cruise missile. KCNA quoted a spokesman for the North Korean Foreign Ministry. It called "
    "the purchase of the jets “serious provocations” and said so again."
)


@pytest.fixture(scope="module")
def reader() -> TypedReader:
    return TypedReader(HashingEncoder())


@pytest.fixture(scope="module")
def parsed(reader: TypedReader) -> tuple[Any, list[Any]]:
    doc = reader.nlp(TEXT)
    return doc, list(doc.noun_chunks)


def _complete(parsed: tuple[Any, list[Any]], piece: str) -> str:
    doc, chunks = parsed
    start = TEXT.index(piece)
    a, b = complete_span(doc, chunks, start, start + len(piece))
    return TEXT[a:b]


@pytest.mark.parametrize(
    ("piece", "expected"),
    [
        # Ends on adjectives of "official": the phrase goes on to its noun.
        ("senior South Korean", "senior South Korean official"),
        ("cruise", "new ground-launched cruise missile"),
        ("new ground", "new ground-launched cruise missile"),
        # Starts after the phrase's first words; the determiner stays out.
        ("South Korean official", "senior South Korean official"),
        ("cruise missile", "new ground-launched cruise missile"),
        # The opening quote mark spaCy puts in the phrase stays out too.
        ("provocations", "serious provocations"),
        # Cuts the date entity "earlier this week".
        ("this week", "earlier this week"),
        # Cuts an organisation's name; spaCy's "the" in the entity is left out.
        ("Korean Foreign Ministry", "North Korean Foreign Ministry"),
    ],
)
def test_a_cut_span_is_widened(parsed: tuple[Any, list[Any]], piece: str, expected: str) -> None:
    assert _complete(parsed, piece) == expected


@pytest.mark.parametrize(
    "piece",
    [
        # Exactly one entity: a nationality is an answer in its own right.
        "South Korean",
        # A whole noun phrase, determiner and all.
        "a new ground-launched cruise missile",
        # Ends on a verb's modifier, not inside a noun phrase.
        "said today",
    ],
)
def test_a_span_that_respects_the_parse_is_kept(parsed: tuple[Any, list[Any]], piece: str) -> None:
    assert _complete(parsed, piece) == piece


@pytest.mark.parametrize(("cut", "whole"), [("1,42", "1,426"), ("426", "1,426"), ("1,4", "1,426")])
def test_a_span_inside_one_entity_token_grows_to_the_token(
    reader: TypedReader, cut: str, whole: str
) -> None:
    # Word pieces can end inside a token that spaCy holds as one number entity.
    text = "In the 1991 Hajj, 1,426 pilgrims were trampled."
    doc = reader.nlp(text)
    assert any(ent.text == whole for ent in doc.ents)
    start = text.index(cut, text.index(whole))
    a, b = complete_span(doc, list(doc.noun_chunks), start, start + len(cut))
    assert text[a:b] == whole


def test_a_span_over_no_token_is_returned_as_is(parsed: tuple[Any, list[Any]]) -> None:
    doc, chunks = parsed
    gap = TEXT.index(" said")
    assert complete_span(doc, chunks, gap, gap + 1) == (gap, gap + 1)


def test_the_reader_completes_spans_of_an_index_time_analysis(reader: TypedReader) -> None:
    [blob] = reader.analyze([TEXT])
    start = TEXT.index("senior South Korean")
    a, b = reader.complete(blob, start, start + len("senior South Korean"))
    assert TEXT[a:b] == "senior South Korean official"


def _widened(
    reader: TypedReader, widen: Callable[..., tuple[int, int]], text: str, piece: str
) -> str:
    """What ``widen`` makes of the first ``piece`` of ``text``."""
    doc = reader.nlp(text)
    start = text.index(piece)
    a, b = widen(doc, list(doc.noun_chunks), start, start + len(piece))
    return text[a:b]


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [
        # spaCy keeps the possessive in the name entity; the answer is the owner.
        ("It was defined in John Myhill's paper of 1960.", "John Myhill's", "John Myhill"),
        ("It was defined in John Myhill's paper of 1960.", "Myhill's", "John Myhill"),
        # A possessor is not widened to the thing it owns.
        ("It was defined in John Myhill's paper of 1960.", "John Myhill", "John Myhill"),
    ],
)
def test_a_possessive_ending_is_left_out(
    reader: TypedReader, text: str, piece: str, expected: str
) -> None:
    assert _widened(reader, complete_span, text, piece) == expected


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [
        ("Two classes between L and P are NL and NC.", "NL", "NL and NC"),
        ("Two classes between L and P are NL and NC.", "NC", "NL and NC"),
        # Items keep the words that hang on them; a relative clause ends the list.
        (
            "The abbots were William of Volpiano and John of Ravenna, who came from Italy.",
            "William of Volpiano",
            "William of Volpiano and John of Ravenna",
        ),
        (
            "Classes such as BPP, ZPP and RP, which use randomness, are common.",
            "BPP",
            "BPP, ZPP and RP",
        ),
        ("Resources such as time or space are bounded.", "time", "time or space"),
    ],
)
def test_a_list_item_grows_to_the_whole_list(
    reader: TypedReader, text: str, piece: str, expected: str
) -> None:
    assert _widened(reader, coordinated_span, text, piece) == expected


def test_a_span_coordinated_with_nothing_is_kept(reader: TypedReader) -> None:
    text = "The talks were held at the demilitarized zone on Sunday."
    doc = reader.nlp(text)
    start = text.index("the demilitarized zone")
    end = start + len("the demilitarized zone")
    assert coordinated_span(doc, list(doc.noun_chunks), start, end) == (start, end)


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [
        ("The duchy was ruled by Richard I of Normandy, a son of William.", "Richard", "Richard I"),
        ("In 2005 Pope Benedict XVI was elected.", "Benedict", "Benedict XVI"),
        # "I" here is the speaker, not a numeral.
        ("I told Richard I would come.", "Richard", "Richard"),
    ],
)
def test_a_regnal_number_belongs_to_the_name(
    reader: TypedReader, text: str, piece: str, expected: str
) -> None:
    assert _widened(reader, complete_span, text, piece) == expected


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [
        (
            "Mr. Biegun raised the issue because Washington was concerned about the risk.",
            "Washington",
            "Washington was concerned about the risk",
        ),
        (
            "The waves travelled far because of the firmness of the terrain.",
            "terrain",
            "the firmness of the terrain",
        ),
        (
            "The council will meet today to review the agreement with Japan.",
            "Japan",
            "review the agreement with Japan",
        ),
        (
            "Genocide goes unpunished due to the fact that it is committed by officials in power.",
            "officials",
            "it is committed by officials in power",
        ),
        # Already the whole reason, or no reason at all: nothing changes, no marker is added.
        (
            "The waves travelled far because of the firmness of the terrain.",
            "the firmness of the terrain",
            "the firmness of the terrain",
        ),
        ("The talks stalled in Hanoi in February.", "Hanoi", "Hanoi"),
    ],
)
def test_a_span_inside_a_reason_grows_to_the_reason_without_its_marker(
    reader: TypedReader, text: str, piece: str, expected: str
) -> None:
    doc = reader.nlp(text)
    start = text.index(piece)
    a, b = reason_span(doc, list(doc.noun_chunks), start, start + len(piece))
    assert text[a:b] == expected
    [blob] = reader.analyze([text])
    assert reader.reason(blob, start, start + len(piece)) == (a, b)


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [
        ("The Millbrook Fire, now 1,900 acres, was contained.", "now 1,900 acres", "1,900 acres"),
        ("Crews currently number 640 firefighters.", "currently number", "currently number"),
        ("The fire is now out.", "now", "now"),
    ],
)
def test_a_span_does_not_start_with_an_adverb_of_time(
    reader: TypedReader, text: str, piece: str, expected: str
) -> None:
    assert _widened(reader, complete_span, text, piece) == expected


@pytest.mark.parametrize(
    ("question", "text", "piece", "expected"),
    [
        # The role is the question's; the name after it is the answer.
        (
            "Who is the Pellham fire marshal?",
            "The damage was high, Pellham Fire Marshal Victor Lund said Friday.",
            "Pellham Fire Marshal Victor Lund",
            "Victor Lund",
        ),
        # Words before the role go with it, whatever they are.
        (
            "Who is the Marlow County fire marshal?",
            "No homes were lost north of Sawmill Road, Fire Marshal Owen Petrakis said.",
            "Sawmill Road, Fire Marshal Owen Petrakis",
            "Owen Petrakis",
        ),
        # The question's names are no role: a company's own name is not cut.
        (
            "Who owns the Harwell Chemical plant?",
            "The plant belongs to Harwell Chemical Holdings Group, a firm in Ohio.",
            "Harwell Chemical Holdings Group",
            "Harwell Chemical Holdings Group",
        ),
        # A role the question does not say stays part of the answer.
        (
            "Who is the judge in the trial of Lydia Crane?",
            "Maple Court owner Lydia Crane testified on Monday.",
            "Maple Court owner Lydia Crane",
            "Maple Court owner Lydia Crane",
        ),
        # What follows the role is no name: nothing is cut.
        (
            "Who is the fire marshal?",
            "The fire marshal said it was arson.",
            "The fire marshal",
            "The fire marshal",
        ),
    ],
)
def test_a_person_is_answered_without_the_role_the_question_names(
    reader: TypedReader, question: str, text: str, piece: str, expected: str
) -> None:
    doc = reader.nlp(text)
    start = text.index(piece)
    roles = role_words(reader.nlp(question))
    a, b = name_after_role(doc, start, start + len(piece), roles)
    assert text[a:b] == expected


def test_role_words_are_the_questions_lower_case_content_words(reader: TypedReader) -> None:
    assert role_words(reader.nlp("Who is the Pellham fire marshal?")) == {"fire", "marshal"}
    assert role_words(reader.nlp("Who owns the Harwell Chemical plant?")) == {"owns", "plant"}
