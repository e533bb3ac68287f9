"""The story rules' parts: what a figure counts, and which headline words tell a story."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.answer.stories import (
    _counted_noun,
    _earlier_figure,
    _same_figure,
    _title_words,
    joins_story,
    same_story,
)
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
        # Nothing after it: the plural its sentence moves says what it counts.
        ("Confirmed measles cases in Ashby County rose to 12 on Friday.", "12", "cases"),
        ("Evacuated homes had climbed to 340.", "340", "homes"),
        # ... a plural only: a toll counts people, whatever word the update uses.
        ("The death toll rose to 14.", "14", None),
        # Money counts dollars, whether or not the answer keeps its sign.
        ("The fine is now $500.", "$500", "$"),
        ("The fund now stands at $190,500.", "190,500", "$"),
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


@pytest.mark.parametrize(
    ("sentence", "answer", "earlier"),
    [
        ("Containment rose to 10 percent, up from 5 percent on Monday.", "5 percent", True),
        ("Containment rose to 10 percent, up from 5 percent on Monday.", "10 percent", False),
        ("The count fell to 80, down from about 95.", "95", True),
        ("Cases rose from 12 to 21.", "12", True),
        ("Seven of the new cases are classmates of the first five.", "five", True),
        ("Seven of the new cases are classmates of the first five.", "Seven", False),
        ("Prosecutors called four witnesses on the first day.", "four", False),
    ],
)
def test_a_figure_given_as_the_one_an_update_replaces(
    sentence: str, answer: str, earlier: bool
) -> None:
    passage = Passage(
        id="p#0", document_id="p", title="T", text=sentence, start=0, end=len(sentence), ordinal=0
    )
    assert _earlier_figure(passage, _span(sentence, answer)) is earlier


def test_a_report_joins_a_story_through_any_report_of_it() -> None:
    auditor = _passage("Auditor tells Vell jury the county's books were altered", 10)
    rests = _passage("Prosecution rests in Vell embezzlement trial", 12)
    opens = _passage("Embezzlement trial of former Ashby County treasurer opens", 8)
    assert not same_story(auditor, opens)
    assert joins_story([auditor, rests], opens)
    assert not joins_story([auditor], opens)


def test_a_headline_naming_a_rival_of_the_same_kind_stays_out() -> None:
    millbrook = _passage("Millbrook Fire doubles to 900 acres", 5)
    contained = _passage("Millbrook evacuees return home as fire is 85 percent contained", 8)
    corran = _passage("Corran Ridge Fire 60 percent contained", 8)
    # Common words link the two fires' last reports ...
    assert same_story(contained, corran)
    # ... but the story names the Millbrook Fire, and the headline the Corran Ridge Fire.
    assert not joins_story([millbrook, contained], corran)
    # Two reports of one fire name it alike.
    assert joins_story([millbrook, contained], _passage("Millbrook Fire reaches 1,750 acres", 6))
