"""The decision declines an answer whose sentence contradicts the question."""

from __future__ import annotations

from typing import Any, cast

import pytest

from qa import Assistant, Settings
from qa.answer.decision import Evidence, clash_reason, decide
from qa.read.base import AnswerGroup
from qa.read.conflicts import Clash, ClashKind
from qa.types import Hit, Passage, Span

TEXT = "The request was advanced by the Municipality of Livorno in 2010."
PASSAGE = Passage(
    id="p1",
    document_id="schools.txt",
    title="Schools asked to pay taxes",
    text=TEXT,
    start=0,
    end=len(TEXT),
    ordinal=0,
)
AT = TEXT.index("2010")
ANSWER = Span(passage_id="p1", start=AT, end=AT + 4, text="2010", score=0.6)
LIVORNO = Clash(ClashKind.NAME, "Municipality of Bogliasco", "Municipality of Livorno")


def evidence(group: AnswerGroup) -> Evidence:
    question = "In what year did the Municipality of Bogliasco make its request?"
    hit = Hit(passage=PASSAGE, score=1.0, similarity=0.8)
    return Evidence(question, question, [hit], [group])


def test_a_sure_answer_whose_sentence_names_another_town_is_declined() -> None:
    # A decline reads nothing of the index: no citation is made.
    answer = decide(
        evidence(AnswerGroup(0.6, (ANSWER,), (LIVORNO,))),
        cast(Any, None),
        Settings(),
        top_k=3,
    )
    assert answer.text is None
    assert answer.abstain_reason == (
        "The passage speaks of “Municipality of Livorno”, not “Municipality of Bogliasco”."
    )
    assert answer.score is None and answer.best_candidate_score == 0.6


def test_a_low_confidence_is_still_the_reason_given_first() -> None:
    answer = decide(
        evidence(AnswerGroup(0.001, (ANSWER,), (LIVORNO,))),
        cast(Any, None),
        Settings(),
        top_k=3,
    )
    assert answer.abstain_reason is not None
    assert answer.abstain_reason.startswith("The best candidate, “2010”, has confidence")


@pytest.mark.parametrize(
    ("clash", "reason"),
    [
        (
            Clash(ClashKind.NUMBER, "September 2022", "September 2021"),
            "The passage speaks of “September 2021”, not “September 2022”.",
        ),
        (
            Clash(ClashKind.RELATION, "after", "prior", "attack"),
            "The passage says “prior”, not “after”, about the attack.",
        ),
        (Clash(ClashKind.RELATION, "join", "left"), "The passage says “left”, not “join”."),
    ],
)
def test_reasons_name_the_clash(clash: Clash, reason: str) -> None:
    assert clash_reason(clash) == reason


# -- through the whole pipeline: the reader finds the clash, the decision declines -------------

ARTICLE = (
    "Religious schools asked to pay property tax\n"
    "Monday, March 4, 2024\n"
    "Italian towns have asked religious schools to pay property tax on their buildings. "
    "The request was advanced by the Municipality of Livorno in 2010. The schools refused "
    "to pay, and the case went to the courts. Bogliasco, near Genoa, asked for nothing.\n"
)


@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    corpus = tmp_path_factory.mktemp("schools")
    (corpus / "schools.txt").write_text(ARTICLE, encoding="utf-8")
    settings = Settings(
        encoder="hashing", index_dir=corpus.parent / "schools-ix", show_progress=False
    )
    return Assistant.from_corpus(corpus, settings)


def test_the_pipeline_answers_the_question_the_article_answers(schools: Assistant) -> None:
    answer = schools.ask("In what year did the Municipality of Livorno make its request?")
    assert answer.text == "2010"


def test_the_pipeline_declines_the_look_alike_and_says_why(schools: Assistant) -> None:
    answer = schools.ask("In what year did the Municipality of Bogliasco make its request?")
    assert answer.text is None
    assert answer.abstain_reason == (
        "The passage speaks of “Municipality of Livorno”, not “Municipality of Bogliasco”."
    )


def test_an_article_that_never_names_the_town_is_not_read(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Without Bogliasco anywhere, the article writes about other towns: the decline says so
    # before any sentence is read.
    corpus = tmp_path_factory.mktemp("livorno")
    (corpus / "schools.txt").write_text(
        ARTICLE.replace(" Bogliasco, near Genoa, asked for nothing.", ""), encoding="utf-8"
    )
    settings = Settings(
        encoder="hashing", index_dir=corpus.parent / "livorno-ix", show_progress=False
    )
    assistant = Assistant.from_corpus(corpus, settings)
    answer = assistant.ask("In what year did the Municipality of Bogliasco make its request?")
    assert answer.text is None
    assert answer.abstain_reason == "The closest articles never mention “Bogliasco”."
