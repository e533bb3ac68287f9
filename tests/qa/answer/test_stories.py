"""The story rules' parts: what a figure counts, and which headline words tell a story."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.answer.stories import _counted_noun, _same_figure, _title_words, same_story
from qa.text.words import key_form
from qa.types import Passage, Span


def _span(text: str, answer: str) -> Span:
    start = text.index(answer)
    return Span(text=answer, passage_id="p#0", start=start, end=start + len(answer), score=0.5)


@pytest.mark.parametrize(
    ("sentence", "answer", "counted"),
    [
        ("About 250 firefighters were working the fire.", "About 250", "firefighters"),
        ("More than 480 firefighters are now assigned.", "More than 480", "firefighters"),
        ("About 640 firefighters remain on the fire.", "About 640 firefighters", "firefighters"),
        ("Crews saved 1,150 residents from the flames.", "1,150", "residents"),
        # A word of grammar stands where the noun would: the figure says nothing it counts.
        ("The toll rose to five on Wednesday.", "five", None),
        # Participles and "more" stand between a figure and its noun.
        ("Assessors counted 64 damaged homes.", "64", "home"),
        ("Crews found 35 more homes.", "35", "home"),
        # Nothing after it: "the number of" says what it counts.
        ("The number of homes destroyed climbed to 11, the chief said.", "11", "home"),
        ("The fire was started by a tractor.", "a tractor", None),
    ],
)
def test_the_noun_a_figure_counts(sentence: str, answer: str, counted: str | None) -> None:
    expected = key_form(counted) if counted is not None else None
    assert _counted_noun(sentence, _span(sentence, answer)) == expected


def _passage(title: str, day: int) -> Passage:
    return Passage(
        id=f"{title}#0",
        document_id=title,
        title=title,
        text="Body.",
        start=0,
        end=5,
        ordinal=0,
        date=dt.date(2025, 10, day),
    )


def test_a_number_in_a_name_is_a_headline_word() -> None:
    assert "9" in _title_words("Highway 9 pileup toll reaches seven")
    assert "7" not in _title_words("Toll reaches 7")
    # "Highway" and "9": two shared words, so one story, though worded anew.
    assert same_story(
        _passage("Sixth death confirmed after Highway 9 crash", 15),
        _passage("Highway 9 pileup toll reaches seven", 17),
    )
    # One shared word is not enough: two pileups on two highways.
    assert not same_story(
        _passage("Sixth death confirmed after Highway 9 crash", 15),
        _passage("Highway 12 pileup toll reaches seven", 17),
    )


def _report(title: str, day: int, text: str) -> Passage:
    return Passage(
        id=f"{title}#0",
        document_id=title,
        title=title,
        text=text,
        start=0,
        end=len(text),
        ordinal=0,
        date=dt.date(2025, 9, day),
    )


@pytest.mark.parametrize(
    ("title", "text", "answer", "same"),
    [
        # One name shared by the headlines, the same thing counted: one trial's update.
        ("Prosecution rests in Vell embezzlement trial", "It called 19 witnesses.", "19", True),
        # Another defendant's trial counts witnesses too, on the same days.
        ("Prosecution rests in Crane fraud trial", "It called 14 witnesses.", "14", False),
        # The same trial's figure of another thing.
        ("Prosecution rests in Vell embezzlement trial", "It took 5 days.", "5", False),
    ],
)
def test_a_figure_updates_the_story_whose_headline_shares_a_name(
    title: str, text: str, answer: str, same: bool
) -> None:
    best = _report("Auditor tells Vell jury the books were altered", 10, "It called 11 witnesses.")
    other = _report(title, 12, text)
    counted = _counted_noun(best.text, _span(best.text, "11"))
    assert _same_figure(best, counted, other, _span(text, answer)) is same
