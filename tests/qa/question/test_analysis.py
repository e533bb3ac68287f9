"""The question stage: one analysis per question, handed to whichever reader is plugged in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from qa.components import make_encoder, make_store
from qa.pipeline import Assistant
from qa.question import QuestionAnalyzer
from qa.question.parser import Parser
from qa.read.base import AnswerGroup, ReadRequest
from qa.settings import Settings
from qa.text.words import article_words
from qa.types import Answer

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer()


def test_a_question_is_analysed_into_its_kind_and_frame(analyzer: QuestionAnalyzer) -> None:
    analysis = analyzer.analyse("In what year was GSOMIA first signed?")
    assert (analysis.kind.value, analysis.wh) == ("year", "what")
    assert analysis.text == analysis.asked and not analysis.rewritten
    assert analysis.doc.text == analysis.text


def test_a_follow_up_is_rewritten_from_the_conversation(analyzer: QuestionAnalyzer) -> None:
    before = Answer(question="When does GSOMIA expire?", text=None)
    analysis = analyzer.analyse("Which countries are party to it?", [before])
    assert analysis.text == "Which countries are party to GSOMIA?"
    assert analysis.asked == "Which countries are party to it?" and analysis.rewritten


def test_specifics_no_article_mentions(analyzer: QuestionAnalyzer) -> None:
    analysis = analyzer.analyse("When did the third summit take place in Hanoi?")
    assert analysis.unmentioned([article_words("The second summit was held in Hanoi.")]) == [
        "third"
    ]
    assert analysis.unmentioned([article_words("The third summit, in Hanoi.")]) == []


def test_parsers_share_one_model_and_recent_parses() -> None:
    first, second = Parser(), Parser()
    doc = first.parse("Who signed the treaty?")
    assert second.parse("Who signed the treaty?") is doc
    assert first.nlp is second.nlp


class _Recording:
    """A reader with no parser of its own: it only records what it is given."""

    name = "recording-v1"

    def __init__(self) -> None:
        self.requests: list[ReadRequest] = []

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        return [b"" for _ in texts]

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        self.requests.extend(requests)
        return [[] for _ in requests]


def test_a_plugged_in_reader_gets_follow_ups_and_kinds_without_a_parser(
    tmp_path: Path,
) -> None:
    settings = Settings.make(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    encoder = make_encoder(settings)
    reader = _Recording()
    store = make_store(settings, SEEDS, encoder, reader)
    assistant = Assistant(SEEDS, settings, encoder, reader, store)
    assistant.refresh()
    first = assistant.ask("When does GSOMIA expire?")
    follow = assistant.ask("Which countries are party to it?", history=[first])
    assert follow.resolved_question == "Which countries are party to GSOMIA?"
    analysis = reader.requests[-1].analysis
    assert analysis is not None and analysis.text == reader.requests[-1].question
    assert first.kind == "date"
    # Nothing read: the decline says why in the question's own terms.
    third = assistant.ask("When will the third summit take place?")
    assert third.abstain_reason == "The closest articles never mention “third”."
