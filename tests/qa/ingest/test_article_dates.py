"""Datelines, bylines and time stamps under a headline give the article its date."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from qa.ingest import load_corpus
from qa.ingest.articles import dateline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dam opens\nFriday, July 21, 2017\nThe council said.", "2017-07-21"),
        ("Fire grows\nHARTLEY, Aug. 5, 2025 — The fire grew overnight.", "2025-08-05"),
        ("Fire grows\nHARTLEY, Sept. 3, 2025 -- The fire grew.", "2025-09-03"),
        ("Fire grows\nBy Lena Okafor, The Hartley Gazette, August 5, 2025\nIt grew.", "2025-08-05"),
        ("Fire grows\nPublished: 2025-08-05\nIt grew.", "2025-08-05"),
        ("Fire grows\n5 August 2025\nIt grew.", "2025-08-05"),
        # An update is what the article now says: it wins over the first publication.
        (
            "Fire grows\nPublished Aug. 5, 2025\nUpdated Aug. 6, 2025, 3:15 p.m.\nIt grew.",
            "2025-08-06",
        ),
        (
            "Fire grows\nUpdated Aug. 6, 2025\nBy Lena Okafor, August 5, 2025\nIt grew.",
            "2025-08-06",
        ),
    ],
)
def test_the_date_under_the_headline_is_read(text: str, expected: str) -> None:
    assert dateline(text) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Fire grows\nSept. 3\nIt grew.",  # no year: any year's 3 September
        "Fire grows\nThe fire, which began in 2019, grew again on Monday, officials said.",
        "Fire grows\nWASHINGTON (Reuters) - The fire grew.",
    ],
)
def test_no_date_is_made_up(text: str) -> None:
    assert dateline(text) is None


def test_an_article_without_a_date_gets_one_warning_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "dated.txt").write_text("Fire grows\nHARTLEY, Aug. 5, 2025 — It grew.\n")
    (tmp_path / "undated.txt").write_text("Fire grows\nThe fire grew yesterday.\n")
    with caplog.at_level(logging.WARNING):
        report = load_corpus(tmp_path)
    dates = {d.id: d.date for d in report.documents}
    assert dates == {"dated.txt": dt.date(2025, 8, 5), "undated.txt": None}
    assert [name for name, _ in report.warnings] == ["undated.txt"]
    lines = [r.getMessage() for r in caplog.records if "no date found" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("undated.txt: no date found")
    assert "\n" not in lines[0]
