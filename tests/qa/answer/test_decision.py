"""The answer-or-decline decision: stories whose answer changed between dated reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa import Assistant, Settings
from qa.answer.stories import answer_value
from qa.cli import format_answer
from ui.render import render_answer

# A flood story told in two dated reports, an older unrelated report of the same kind of
# fact, and one story that never changed.
STORY = {
    "report-1.txt": "Flood death toll rises in the valley\nMonday, June 3, 2024\nThe death toll "
    "from the floods in the river valley rose to 12 on Monday, officials said. Rescue teams "
    "searched villages along the river.\n",
    "report-2.txt": "Flood death toll climbs as waters recede\nWednesday, June 5, 2024\nThe death "
    "toll from the floods in the river valley rose to 45 on Wednesday, officials said. Many "
    "villages remain cut off.\n",
    "bridge.txt": "New bridge opens\nFriday, May 3, 2024\nThe new bridge over the harbour "
    "opened on Friday after four years of building work.\n",
}


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    corpus = tmp_path_factory.mktemp("story")
    for name, text in STORY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(
        encoder="hashing", index_dir=corpus.parent / "story-ix", show_progress=False
    )
    return Assistant.from_corpus(corpus, settings)


def test_the_most_recent_report_answers_and_the_timeline_lists_both(story: Assistant) -> None:
    answer = story.ask("How many people died in the valley floods?")
    assert answer.text == "45"
    assert [(e.text, e.date) for e in answer.timeline] == [
        ("12", dt.date(2024, 6, 3)),
        ("45", dt.date(2024, 6, 5)),
    ]
    assert answer.timeline[0].citation.document_id == "report-1.txt"
    assert "Timeline (the answer changed between reports):" in format_answer(answer)
    assert "  2024-06-03  12  (report-1.txt)" in format_answer(answer)
    assert "Changed over time: 12 (03 Jun 2024) → 45 (05 Jun 2024)" in render_answer(answer)
    assert answer.model_dump(mode="json")["timeline"][1]["date"] == "2024-06-05"
    # The newest value answers with the story's confidence, never below the floor the
    # question was judged by, whatever the reader made of the update's own wording.
    assert answer.score is not None and answer.score >= story.settings.abstain_threshold


def test_a_story_told_once_has_no_timeline(story: Assistant) -> None:
    answer = story.ask("When did the new bridge over the harbour open?")
    assert answer.text is not None and answer.timeline == ()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1,200 people", "1200", True),
        ("twelve", "12", True),  # news spells small numbers out
        ("Six people", "6", True),
        ("twenty-one", "21", True),
        ("one of the largest", "1", False),  # a pronoun in a phrase, not a figure
        ("seven-day", "7", False),
        ("Friday", "June 7", True),  # both 7 June 2024 in an article of 5 June 2024
        ("The Pentagon", "pentagon", True),
        ("45", "46", False),
    ],
)
def test_answer_values(a: str, b: str, same: bool) -> None:
    on = dt.date(2024, 6, 5)
    assert (answer_value(a, on) == answer_value(b, on)) is same


def test_reports_of_other_events_do_not_make_a_story(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Commission to meet\nMonday, March 4, 2024\nThe first meeting of the flag commission "
        "will take place in Christchurch next month, the minister said.\n"
    )
    (corpus / "b.txt").write_text(
        "Trade council formed\nFriday, May 10, 2024\nThe first meeting of the trade council "
        "will take place in Mexico City, officials said.\n"
    )
    assistant = Assistant.from_corpus(
        corpus, Settings(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    )
    # Both articles answer "where will the first meeting take place", of different meetings:
    # their sentences share too little to be one story, so the newer one does not win.
    answer = assistant.ask("Where will the first meeting take place?")
    assert answer.timeline == ()
    assert answer.text == "Christchurch"


@pytest.mark.integration
def test_reports_of_one_day_that_disagree_are_both_named(tmp_path: Path) -> None:
    from qa import Assistant, Settings

    corpus = tmp_path / "c"
    corpus.mkdir()
    reports = {
        "a.txt": ("Fire near Hartley grows", "Aug. 5, 2025", "1,200 acres, fire officials said"),
        "b.txt": ("Ridge fire spreads", "Aug. 5, 2025", "1,900 acres, according to the county"),
        "c.txt": ("Ridge fire began", "Aug. 3, 2025", "300 acres, fire officials said"),
    }
    for name, (title, day, said) in reports.items():
        (corpus / name).write_text(
            f"{title}\nHARTLEY, {day} — The Ridge fire near Hartley has burned {said}.\n",
            encoding="utf-8",
        )
    # The real encoder and reader: both reports must be read as answers for them to disagree.
    settings = Settings(index_dir=tmp_path / "ix", show_progress=False)
    assistant = Assistant.from_corpus(corpus, settings)
    answer = assistant.ask("How many acres has the Ridge fire burned?")
    assert answer.text is None and answer.score is None
    assert answer.abstain_reason is not None
    assert answer.abstain_reason.startswith("Reports of the same day (05 August 2025) disagree: ")
    assert "“1,900 acres” (b.txt)" in answer.abstain_reason
    assert "“1,200 acres” (a.txt)" in answer.abstain_reason
    # Every report's value, oldest first: the 3 August report, then the two of 5 August.
    assert answer.timeline[0].text == "300 acres"
    assert sorted(e.text for e in answer.timeline[1:]) == ["1,200 acres", "1,900 acres"]


def test_a_decline_for_want_of_the_asked_kind_says_what_was_found(tmp_path: Path) -> None:
    corpus = tmp_path / "port"
    corpus.mkdir()
    (corpus / "port.txt").write_text(
        "Port strike ends\nMonday, March 3, 2025\nWorkers reopened Gate-7 at the Marlow port on "
        "Monday after a two-week strike, the port authority said.\n",
        encoding="utf-8",
    )
    settings = Settings(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    assistant = Assistant.from_corpus(corpus, settings)
    answer = assistant.ask("How many gates did workers reopen at the Marlow port?")
    assert answer.text is None and answer.abstain_reason is not None
    assert answer.abstain_reason.startswith(
        "The closest passages hold no count that could answer it: the nearest candidate, “"
    )
    # What it names was in the passage, and its kind is said.
    found = answer.abstain_reason.split("“", 1)[1].split("”", 1)[0]
    assert found in (corpus / "port.txt").read_text(encoding="utf-8")
    assert answer.abstain_reason.endswith(("is a name or code.", "is not one.", "is a date."))
    # The asked kind present, it answers.
    assert assistant.ask("When did workers reopen Gate-7?").text == "Monday"
