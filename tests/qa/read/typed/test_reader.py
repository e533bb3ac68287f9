from __future__ import annotations

import datetime as dt
import math

import pytest

from embeddings import HashingEncoder
from qa.question.frame import analyse_question, unmentioned_specifics
from qa.read.typed.reader import TypedReader
from qa.read.typed.scoring import FEATURES, Candidate, ReaderWeights, answer_groups
from qa.text.words import article_words
from qa.types import Span


def _scored(pid: str, start: int, text: str, logit: float) -> tuple[Span, Candidate]:
    features = tuple(0.0 for _ in FEATURES)
    p = 1 / (1 + math.exp(-logit))
    span = Span(passage_id=pid, start=start, end=start + len(text), text=text, score=p)
    return span, Candidate(start, start + len(text), "PERSON", features, p, logit)


def test_group_features_hand_worked() -> None:
    scored = [
        _scored("p1", 0, "Kim", 2.0),
        _scored("p2", 5, "kim", 1.0),
        _scored("p1", 9, "Kim", 0.5),  # same passage again: not a second passage
        _scored("p3", 0, "Trump", 0.0),
    ]
    # Only the bias and "extra_passages" matter: confidence = sigmoid(-1 + 2 * extra).
    weights = ReaderWeights(rank={"bias": 0.0}, confidence={"bias": -1.0, "extra_passages": 2.0})
    groups, features = answer_groups(scored, weights)
    assert [g.spans[0].text for g in groups] == ["Kim", "Trump"]
    kim = features[0]
    assert kim[0] == 2.0  # top logit
    assert kim[1] == 2.0  # lead over Trump's 0.0
    # share = (e^0 + e^-1 + e^-1.5) / (e^0 + e^-1 + e^-1.5 + e^-2), logits shifted by the top 2.0
    num = 1 + math.exp(-1) + math.exp(-1.5)
    assert kim[2] == pytest.approx(num / (num + math.exp(-2)))
    assert kim[3] == 1.0  # one passage beyond the first
    assert groups[0].score == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert [s.passage_id for s in groups[0].spans] == ["p1", "p2"]
    assert groups[1].score == pytest.approx(1 / (1 + math.exp(1.0)))


def test_without_confidence_model_spans_combine_by_noisy_or() -> None:
    scored = [_scored("p1", 0, "Kim", 0.0), _scored("p2", 0, "Kim", 0.0)]
    groups, _ = answer_groups(scored, ReaderWeights(rank={"bias": 0.0}))
    assert groups[0].score == pytest.approx(0.75)


@pytest.fixture(scope="module")
def typed_reader() -> TypedReader:
    return TypedReader(HashingEncoder())


def test_view_of_a_passage_sentence_by_sentence(typed_reader: TypedReader) -> None:
    text = "The council signed the treaty in 1990. Rain fell on Tuesday."
    [blob] = typed_reader.analyze([text])
    qdoc = typed_reader.parser.parse_batch(["When did the council sign the third treaty?"])[0]
    qvec = HashingEncoder().encode(["When did the council sign the third treaty?"])[0]
    view = typed_reader.view(qdoc, blob, qvec)
    first, second = view.sentences
    assert text[first.start : first.end] == "The council signed the treaty in 1990."
    assert text[second.start : second.end] == "Rain fell on Tuesday."
    # council, sign, treaty: all three content words in the first sentence, none in the second.
    assert (first.overlap, second.overlap) == (1.0, 0.0)
    assert (first.verb_missing, second.verb_missing) == (0.0, 1.0)
    assert first.similarity > second.similarity
    # "third" is a specific the passage never mentions: a look-alike question.
    assert view.missing_key == 1.0
    assert view.sentence_at(first.end + 1) == second
    assert view.sentence_at(len(text) + 5) is None

    [other] = typed_reader.analyze(["The council signed its third treaty in 1990."])
    assert typed_reader.view(qdoc, other, qvec).missing_key == 0.0


def test_an_article_that_never_mentions_a_specific_gives_no_candidates(
    typed_reader: TypedReader,
) -> None:
    question = "When did the council sign the third treaty?"
    qdoc = typed_reader.parser.parse_batch([question])[0]
    qvec = HashingEncoder().encode([question])[0]
    [blob] = typed_reader.analyze(["The council signed the treaty in 1990."])
    analysed = typed_reader._load(blob)
    elsewhere = article_words("Earlier, the council had refused a third treaty.")
    lacking = article_words("The council signed the treaty in 1990. It was the second.")

    # The passage lacks "third" but its article has it (an article names things once).
    view = typed_reader.view(qdoc, blob, qvec, elsewhere)
    assert (view.missing_key, view.absent_key) == (1.0, False)
    assert typed_reader.candidates(qdoc, analysed, qvec, 1, document_words=elsewhere)

    view = typed_reader.view(qdoc, blob, qvec, lacking)
    assert (view.missing_key, view.absent_key) == (1.0, True)
    assert typed_reader.candidates(qdoc, analysed, qvec, 1, document_words=lacking) == []

    # Without the article's words nothing is known to be absent.
    assert typed_reader.view(qdoc, blob, qvec).absent_key is False


@pytest.mark.parametrize(
    ("question", "keys"),
    [
        ("What are two examples of complexity classes?", set()),
        ("When did the third summit take place?", {"third"}),
        ("Who won the 1965 election in Ghana?", {"1965", "ghana"}),
    ],
)
def test_specifics_of_a_question(typed_reader: TypedReader, question: str, keys: set[str]) -> None:
    frame = analyse_question(typed_reader.parser.parse_batch([question])[0])
    assert set().union(*frame.keys) == keys


def test_unmentioned_specifics_are_named_as_the_question_writes_them(
    typed_reader: TypedReader,
) -> None:
    doc = typed_reader.parser.parse_batch(["When did the third summit with Trump take place?"])[0]
    assert unmentioned_specifics(doc, [article_words("The second summit with Trump.")]) == ["third"]
    # Mentioned in any of the articles read is enough.
    two = [article_words("Trump went."), article_words("It was the third summit.")]
    assert unmentioned_specifics(doc, two) == []


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Who is president of the Brannock Kiwanis Club?", {"brannock", "kiwanis", "club"}),
        ("Near which overpass did the pileup on Highway 22 happen?", {"highway", "22"}),
        # One-word names and numbers that count things are specifics (keys), not name words.
        ("When does GSOMIA expire?", set()),
        ("How many people were killed in 2019?", set()),
    ],
)
def test_the_words_of_longer_names(
    typed_reader: TypedReader, question: str, words: set[str]
) -> None:
    frame = analyse_question(typed_reader.parser.parse_batch([question])[0])
    assert frame.name_words == words


def test_an_article_without_one_word_of_a_longer_name_is_not_read(
    typed_reader: TypedReader,
) -> None:
    question = "Who is president of the Brannock Kiwanis Club?"
    qdoc = typed_reader.parser.parse_batch([question])[0]
    qvec = HashingEncoder().encode([question])[0]
    passage = "It has raised $48,000, club president Walt Dobrev said."
    [blob] = typed_reader.analyze([passage])
    analysed = typed_reader._load(blob)
    rotary = article_words(f"The Brannock Rotary Club set up a relief fund. {passage}")
    kiwanis = article_words(f"The Brannock Kiwanis Club set up a relief fund. {passage}")

    # The article shares "Brannock" and "Club" with the question, but is about another club.
    assert typed_reader.view(qdoc, blob, qvec, rotary).absent_key is True
    assert typed_reader.candidates(qdoc, analysed, qvec, 1, document_words=rotary) == []
    assert unmentioned_specifics(qdoc, [rotary]) == ["Kiwanis"]
    # The club's own article, which names it once and then says "club", is read.
    assert typed_reader.view(qdoc, blob, qvec, kiwanis).absent_key is False
    assert unmentioned_specifics(qdoc, [kiwanis]) == []


def test_a_report_that_never_speaks_of_the_asked_month_is_not_read(
    typed_reader: TypedReader,
) -> None:
    question = "What percent of capacity was the reservoir at in early May?"
    qdoc = typed_reader.parser.parse_batch([question])[0]
    qvec = HashingEncoder().encode([question])[0]
    passage = "The reservoir now stands at 41 percent of capacity. Residents may water lawns."
    [blob] = typed_reader.analyze([passage])
    assert analyse_question(qdoc).months == {"may"}

    # The verb "may" is no month, and a report of July speaks of July and June.
    july = article_words(passage, dt.date(2025, 7, 1))
    assert typed_reader.view(qdoc, blob, qvec, july).absent_key is True
    assert unmentioned_specifics(qdoc, [july]) == ["May"]
    # A report of early June may speak of May without naming it; an undated one that names
    # the month is read too.
    assert (
        typed_reader.view(qdoc, blob, qvec, article_words(passage, dt.date(2025, 6, 2))).absent_key
        is False
    )
    named = article_words(f"Since May 1 the reservoir has fallen. {passage}")
    assert typed_reader.view(qdoc, blob, qvec, named).absent_key is False
