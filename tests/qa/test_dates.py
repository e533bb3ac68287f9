from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa.dates import resolve_date
from qa.ingest import load_corpus

WED = dt.date(2019, 11, 20)  # a Wednesday


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
