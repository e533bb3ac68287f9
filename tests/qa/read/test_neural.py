"""The neural reader: span arithmetic on hand-made logits, the combiner, and the shipped model."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import HashingEncoder
from qa.question.kinds import AnswerKind, fits
from qa.read.base import ReadRequest
from qa.read.combiner import COMBINED_FEATURES, HAND_COMBINER, Combiner, load_combiner
from qa.read.neural import NeuralReader, focus_block
from qa.read.span.model import SpanModel, SpanModelOutput, _Window
from qa.read.span.proposals import asks_for_several
from qa.types import Hit, Passage, answer_key

TEXT = "It ends on Saturday."
# Tokens: [CLS] when [SEP] It ends on Saturday . [SEP]; offsets as a fast tokenizer gives them.
OFFSETS = [(0, 0), (0, 4), (0, 0), (0, 2), (3, 7), (8, 10), (11, 19), (19, 20), (0, 0)]


def _window(starts: list[float], ends: list[float]) -> _Window:
    return _Window(np.array(starts), np.array(ends), OFFSETS, first=3, last=7)


def test_token_span_covers_the_characters() -> None:
    w = _window([0.0] * 9, [0.0] * 9)
    assert w.token_span(11, 19) == (6, 6)
    assert w.token_span(3, 19) == (4, 6)
    assert w.token_span(12, 15) == (6, 6)  # inside one token: that token
    assert w.token_span(0, 30) is None  # beyond the window


def test_score_is_start_plus_end_and_margin_is_against_no_answer() -> None:
    starts = [1.0, 0, 0, 0, 0, 0, 4.0, 0, 0]
    ends = [0.5, 0, 0, 0, 0, 0, 3.0, 0, 0]
    out = SpanModelOutput((_window(starts, ends),))
    logit, margin = out.score(11, 19)
    assert logit == pytest.approx(7.0)
    assert margin == pytest.approx(7.0 - 1.5)


def test_score_takes_the_best_window() -> None:
    low = _window([0.0] * 6 + [1.0, 0, 0], [0.0] * 6 + [1.0, 0, 0])
    high = _window([0.0] * 6 + [5.0, 0, 0], [0.0] * 6 + [2.0, 0, 0])
    assert SpanModelOutput((low, high)).score(11, 19)[0] == pytest.approx(7.0)


def test_top_spans_respect_order_and_length() -> None:
    starts = [0, 0, 0, 0, 2.0, 0, 5.0, 0, 0]
    ends = [0, 0, 0, 0, 0, 0, 4.0, 1.0, 0]
    spans = SpanModelOutput((_window(starts, ends),)).top_spans(TEXT, n=3, max_tokens=5)
    texts = [TEXT[s:e] for s, e, _ in spans]
    assert texts[0] == "Saturday"
    assert all(e > s for s, e, _ in spans)
    logits = [v for _, _, v in spans]
    assert logits == sorted(logits, reverse=True)
    one_token = SpanModelOutput((_window(starts, ends),)).top_spans(TEXT, n=5, max_tokens=1)
    assert all(TEXT[s:e].count(" ") == 0 for s, e, _ in one_token)


def test_shifted_output_scores_the_same_span_at_its_place_in_the_passage() -> None:
    starts = [1.0, 0, 0, 0, 0, 0, 4.0, 0, 0]
    ends = [0.5, 0, 0, 0, 0, 0, 3.0, 0, 0]
    out = SpanModelOutput((_window(starts, ends),))
    prefix = "Officials say. "
    moved = out.shifted(len(prefix))
    assert moved.score(11 + len(prefix), 19 + len(prefix)) == out.score(11, 19)
    best = moved.top_spans(prefix + TEXT, n=1, max_tokens=5)[0]
    assert (prefix + TEXT)[best[0] : best[1]] == "Saturday"
    assert out.shifted(0) is out


@pytest.mark.parametrize(
    ("lengths", "scores", "budget", "expected"),
    [
        # Grows towards the better neighbour: 1 (0.9), then 2 (0.5 > 0.1).
        ([10, 10, 10, 10], [0.1, 0.9, 0.5, 0.2], 20, (1, 2)),
        ([10, 10, 10, 10], [0.1, 0.9, 0.5, 0.2], 30, (1, 3)),
        ([10, 10, 10, 10], [0.1, 0.9, 0.5, 0.2], 1000, (0, 3)),
        # A neighbour that does not fit is passed over for the other side.
        ([10, 30, 10, 5], [0.9, 0.8, 0.1, 0.0], 25, (0, 0)),
        ([5, 30, 10, 5], [0.2, 0.1, 0.9, 0.3], 20, (2, 3)),
        # Equal neighbours: the sentence before, which often names what the answer's refers to.
        ([10, 10, 10], [0.5, 0.9, 0.5], 20, (0, 1)),
        # A best sentence longer than the budget is still read.
        ([50, 10], [0.9, 0.1], 20, (0, 0)),
        ([], [], 20, (0, -1)),
    ],
)
def test_focus_block(
    lengths: list[int], scores: list[float], budget: int, expected: tuple[int, int]
) -> None:
    assert focus_block(lengths, scores, budget) == expected


def test_combiner_is_a_logistic_model() -> None:
    weights = {"bias": -1.0, "span_logit": 0.5}
    features = [0.0] * len(COMBINED_FEATURES)
    features[COMBINED_FEATURES.index("span_logit")] = 4.0
    assert Combiner(weights).probability(features) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert 0.0 < HAND_COMBINER.probability([0.0] * len(COMBINED_FEATURES)) < 1.0


def test_shipped_combiner_has_every_feature() -> None:
    weights = load_combiner().weights
    assert set(weights) == {"bias", *COMBINED_FEATURES}


def _hit(pid: str, text: str) -> Hit:
    passage = Passage(
        id=pid,
        document_id=pid.split("#")[0],
        title="T",
        text=text,
        start=0,
        end=len(text),
        ordinal=0,
    )
    return Hit(passage=passage, score=1.0, similarity=0.9)


@pytest.fixture(scope="module")
def reader() -> NeuralReader:
    return NeuralReader(HashingEncoder())


def test_shipped_span_model_loads_and_points_at_the_answer() -> None:
    passages = [
        "South Korea said the GSOMIA pact with Japan will expire this Saturday.",
        "He drove to the stadium in a red car.",
    ]
    for quantize in (False, True):
        outputs = SpanModel(quantize=quantize).run("When does GSOMIA expire?", passages)
        best = outputs[0].top_spans(passages[0], n=1, max_tokens=20)[0]
        assert passages[0][best[0] : best[1]] in {"this Saturday", "Saturday"}
        # The unrelated passage scores far below the one holding the answer.
        assert outputs[1].top_spans(passages[1], 1, 20)[0][2] < best[2] - 5


def test_a_window_gets_the_same_logits_whatever_is_read_beside_it() -> None:
    # int8 layers scale their input by the range of the whole batch; read beside a longer
    # passage (and its padding) a window must still get exactly the logits it gets alone.
    question = "When does GSOMIA expire?"
    short = "The GSOMIA pact with Japan will expire this Saturday."
    long = " ".join(["Talks between the two Koreas stalled again in the spring."] * 30)
    model = SpanModel(quantize=True)
    [alone] = model.run(question, [short])
    beside = model.run_batch([(question, long), (question, short), ("Who drove?", long)])[1]
    assert len(alone.windows) == len(beside.windows) == 1
    np.testing.assert_array_equal(alone.windows[0].starts, beside.windows[0].starts)
    np.testing.assert_array_equal(alone.windows[0].ends, beside.windows[0].ends)


def test_reader_answers_with_exact_offsets_and_merges_passages(reader: NeuralReader) -> None:
    hits = [
        _hit("a#0", "The agreement, signed in 2016, expires this Saturday, officials said."),
        _hit("b#0", "Officials said the pact expires this Saturday unless it is renewed."),
        _hit("c#0", "The weather in Seoul was cold and dry on Tuesday."),
    ]
    analyses = reader.analyze([h.passage.text for h in hits])
    groups = reader.read([ReadRequest("When does the agreement expire?", hits, analyses)])[0]
    assert groups, "no answer proposed"
    best = groups[0]
    assert best.spans[0].text.lower().endswith("saturday")
    assert {s.passage_id for s in best.spans} == {"a#0", "b#0"}
    for span in best.spans:
        text = next(h.passage.text for h in hits if h.passage.id == span.passage_id)
        assert text[span.start : span.end] == span.text
    assert [g.score for g in groups] == sorted((g.score for g in groups), reverse=True)
    assert all(0.0 <= g.score <= 1.0 for g in groups)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("over 345", True),
        ("Almost half", True),
        ("Hundreds", True),
        ("a single output", True),
        # A digit inside a name or code counts nothing ("Gate-7", "Unit-1", "F-35").
        ("F-35 stealth fighter", False),
        ("serious provocations", False),
        ("the Seoul government", False),
    ],
)
def test_what_counts_as_a_count(text: str, count: bool) -> None:
    assert fits(AnswerKind.COUNT, text) is count


def test_a_how_many_question_gets_only_counts(reader: NeuralReader) -> None:
    hits = [
        _hit("a#0", "Pyongyang called the fighter purchases serious provocations on Monday."),
        _hit("b#0", "South Korea has ordered 40 fighters from the United States."),
    ]
    analyses = reader.analyze([h.passage.text for h in hits])
    request = ReadRequest("How many fighters has South Korea ordered?", hits, analyses)
    [proposals] = reader.propose([request])
    assert proposals and all(fits(AnswerKind.COUNT, p.spans[0].text) for p in proposals)
    assert "40" in {p.key for p in proposals}
    # The same passages asked something else keep every kind of answer.
    other = ReadRequest("What did Pyongyang call the purchases?", hits, analyses)
    assert not all(fits(AnswerKind.COUNT, p.spans[0].text) for p in reader.propose([other])[0])


def test_no_proposal_starts_with_an_adverb_of_time(reader: NeuralReader) -> None:
    hits = [_hit("a#0", "The Millbrook Fire, now 1,900 acres, was 85 percent contained on Friday.")]
    analyses = reader.analyze([h.passage.text for h in hits])
    request = ReadRequest("How many acres has the Millbrook Fire burned?", hits, analyses)
    [proposals] = reader.propose([request])
    texts = {p.spans[0].text for p in proposals}
    assert "1,900 acres" in texts or "1,900" in texts
    assert not any(t.lower().startswith("now ") for t in texts)


def test_no_person_comes_from_a_dateline(reader: NeuralReader) -> None:
    text = (
        "DUNMORE, Nov. 3, 2025 — About 300 nurses at St. Brigid's Hospital walked off the job "
        "Monday morning after contract talks broke down over staffing, the Marlow Nurses "
        "Association's president, Jane Koval, said."
    )
    hits = [_hit("a#0", text)]
    analyses = reader.analyze([text])
    who = ReadRequest("Who is the president of the Marlow Nurses Association?", hits, analyses)
    texts = {p.spans[0].text for p in reader.propose([who])[0]}
    assert "Jane Koval" in texts and not any("DUNMORE" in t for t in texts)
    # A question of place may still be answered from it.
    where = ReadRequest("Where did the nurses walk out?", hits, analyses)
    assert any("DUNMORE" in p.spans[0].text for p in reader.propose([where])[0])


def test_a_long_passage_is_read_in_its_question_bearing_sentences() -> None:
    filler = " ".join(f"The committee met on day {k} to discuss the budget." for k in range(12))
    text = f"{filler} The new bridge over the river will open in March 2027. {filler}"
    hits = [_hit("a#0", text)]
    whole = NeuralReader(HashingEncoder(), focus_words=None)
    focused = NeuralReader(HashingEncoder(), whole.span_model, focus_words=20)
    analyses = whole.analyze([text])
    request = ReadRequest("When will the new bridge over the river open?", hits, analyses)
    assert whole.focus([request]) == [[(0, len(text))]]
    [[(start, end)]] = focused.focus([request])
    assert "bridge over the river will open in March 2027." in text[start:end]
    assert len(text[start:end].split()) <= 20
    best = focused.read([request])[0][0].spans[0]
    assert "March 2027" in best.text
    assert text[best.start : best.end] == best.text


def test_why_questions_go_through_the_span_model(reader: NeuralReader) -> None:
    hits = [_hit("a#0", "The talks stalled because the two sides disagreed over sanctions.")]
    analyses = reader.analyze([h.passage.text for h in hits])
    request = ReadRequest("Why did the talks stall?", hits, analyses)
    [proposals] = reader.propose([request])
    assert reader.read([request]) == [reader.groups(proposals)]
    proposed = COMBINED_FEATURES.index("span_proposed")
    assert any(p.features[proposed] == 1.0 for p in proposals)


class _PointingSpanModel(SpanModel):
    """A span model that starts and ends its answer at given words of any passage."""

    def __init__(self, first_word: str, last_word: str) -> None:
        super().__init__()
        self._words = (first_word, last_word)

    def run_batch(self, pairs: Sequence[tuple[str, str]]) -> list[SpanModelOutput]:
        outputs = []
        for _, passage in pairs:
            words = [(m.start(), m.end()) for m in re.finditer(r"\w[\w-]*|[^\w\s]", passage)]
            offsets = [(0, 0), *words]
            starts, ends = np.zeros(len(offsets)), np.zeros(len(offsets))
            for k, (a, b) in enumerate(offsets[1:], start=1):
                starts[k] = 8.0 if passage[a:b] == self._words[0] else 0.0
                ends[k] = 8.0 if passage[a:b] == self._words[1] else 0.0
            outputs.append(SpanModelOutput((_Window(starts, ends, offsets, 1, len(words)),)))
        return outputs


def test_a_person_asked_for_by_role_is_proposed_without_the_role() -> None:
    text = "The damage was high, Pellham Fire Marshal Victor Lund said Friday."
    hits = [_hit("a#0", text)]
    reader = NeuralReader(HashingEncoder(), _PointingSpanModel("Pellham", "Lund"))
    analyses = reader.analyze([text])
    who = ReadRequest("Who is the Pellham fire marshal?", hits, analyses)
    texts = {p.spans[0].text for p in reader.propose([who])[0]}
    assert "Victor Lund" in texts and "Pellham Fire Marshal Victor Lund" not in texts
    # A question that does not name the role keeps it in the answer.
    said = ReadRequest("Who said the damage was high?", hits, analyses)
    kept = {p.spans[0].text for p in reader.propose([said])[0]}
    assert "Pellham Fire Marshal Victor Lund" in kept


def test_a_proposal_that_stops_inside_a_phrase_is_completed() -> None:
    text = "A senior South Korean official said the talks would resume soon."
    hits = [_hit("a#0", text)]
    model = _PointingSpanModel("senior", "Korean")
    proposed = {}
    for complete in (True, False):
        reader = NeuralReader(HashingEncoder(), model, complete_spans=complete)
        request = ReadRequest("Who said the talks would resume?", hits, reader.analyze([text]))
        proposals = reader.propose([request])[0]
        span_proposed = COMBINED_FEATURES.index("span_proposed")
        proposed[complete] = {p.spans[0].text for p in proposals if p.features[span_proposed]}
    # The span model's own pick stops on an adjective; completed, it reaches the noun.
    assert "senior South Korean" in proposed[False]
    assert "senior South Korean official" in proposed[True]
    assert "senior South Korean" not in proposed[True]


def test_an_answer_that_repeats_the_question_is_not_proposed() -> None:
    text = "The contest was held in Washington D.C. this year and moves to Mexico City next year."
    hits = [_hit("a#0", text)]
    reader = NeuralReader(HashingEncoder(), _PointingSpanModel("Washington", "D.C."))
    analyses = reader.analyze([text])
    request = ReadRequest(
        "Where will the contest be held after its Washington D.C. debut?", hits, analyses
    )
    keys = {p.key for p in reader.propose([request])[0]}
    assert answer_key("Washington D.C.") not in keys
    assert answer_key("Mexico City") in keys


def test_a_why_question_gets_the_reason_a_name_sits_in() -> None:
    text = "Mr. Biegun raised the issue because Washington was concerned about the risk."
    hits = [_hit("a#0", text)]
    reader = NeuralReader(HashingEncoder(), _PointingSpanModel("Washington", "Washington"))
    analyses = reader.analyze([text])

    def proposed(question: str) -> set[str]:
        return {p.key for p in reader.propose([ReadRequest(question, hits, analyses)])[0]}

    why = proposed("Why did Biegun raise the issue?")
    assert answer_key("Washington was concerned about the risk") in why
    assert "washington" not in why
    # Asked who was concerned, the name is the answer.
    assert "washington" in proposed("Who was concerned about the risk?")


def test_no_answer_is_taken_from_a_photo_credit_unless_the_question_is_about_the_photo() -> None:
    text = (
        "The first robotics competition was held this week in Washington D.C. "
        "Image: United States Navy."
    )
    hits = [_hit("a#0", text)]
    reader = NeuralReader(HashingEncoder(), _PointingSpanModel("United", "Navy"))
    analyses = reader.analyze([text])

    def proposed(question: str) -> set[str]:
        return {p.key for p in reader.propose([ReadRequest(question, hits, analyses)])[0]}

    assert not any("navy" in key for key in proposed("Who held the robotics competition?"))
    assert any("navy" in key for key in proposed("Who took the photo of the competition?"))

    # A span that runs from the story into the credit stops where the credit starts.
    running = NeuralReader(HashingEncoder(), _PointingSpanModel("Washington", "Navy"))
    request = ReadRequest("Where was the competition held?", hits, running.analyze([text]))
    keys = {p.key for p in running.propose([request])[0]}
    assert answer_key("Washington D.C.") in keys
    assert not any("navy" in key for key in keys)


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("What are two examples of reductions?", True),
        ("Who were the two abbots at the abbey?", True),
        ("What three fields mirror the theory?", True),
        ("In the determination of classes, what are two examples of machines?", True),
        ("If two integers are multiplied, what is the result called?", False),
        ("Case complexities provide three likelihoods of what variable?", False),
        ("Which countries are party to it?", False),
    ],
)
def test_which_questions_ask_for_a_list(question: str, several: bool) -> None:
    assert asks_for_several(question) is several


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("Which countries are party to it?", True),
        ("What theorems are responsible for the bounds?", True),
        ("Which country is party to it?", False),
        ("What are the rules of the game?", False),
    ],
)
def test_a_plural_noun_after_what_or_which_asks_for_a_list(
    reader: NeuralReader, question: str, several: bool
) -> None:
    parsed = reader.typed.nlp(question)
    assert asks_for_several(question, parsed) is several


def test_a_question_asking_for_two_things_gets_the_whole_list() -> None:
    text = "The talks were attended by envoys from Japan and South Korea on Friday."
    hits = [_hit("a#0", text)]
    reader = NeuralReader(HashingEncoder(), _PointingSpanModel("Japan", "Japan"))
    analyses = reader.analyze([text])
    keys = {}
    for question in ("Which two countries sent envoys?", "Which country sent envoys?"):
        proposals = reader.propose([ReadRequest(question, hits, analyses)])[0]
        keys[question] = {p.spans[0].text for p in proposals}
    assert "Japan and South Korea" in keys["Which two countries sent envoys?"]
    assert "Japan" not in keys["Which two countries sent envoys?"]
    assert "Japan" in keys["Which country sent envoys?"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the strike start?", "March 1"),
        ("When was the strike extended?", "Monday"),
        ("When will the walkout end?", "April 2"),
    ],
)
def test_of_several_dates_the_one_on_the_questions_verb_answers(
    tmp_path: Path, question: str, expected: str
) -> None:
    from qa import Assistant, Settings

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "strike.txt").write_text(
        "Dock workers extend strike\n"
        "PORTVILLE, March 9, 2024 - The walkout, which began on March 1, was extended on "
        "Monday and will end on April 2.\n",
        encoding="utf-8",
    )
    settings = Settings(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    assert Assistant.from_corpus(corpus, settings).ask(question).text == expected
