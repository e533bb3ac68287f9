"""Readers of the plain-text training sources, on small hand-made files."""

from __future__ import annotations

import csv
from pathlib import Path

from qa.training.sources import (
    SourceDocument,
    detokenize_brown,
    read_brown,
    read_hhs,
    read_wikinews,
)

LONG_A = (
    "The/at jury/nn said/vbd the/at new/jj city/nn ``/`` deserves/vbz high/jj praise/nn ''/'' ./."
)
LONG_B = "He/pps did/dod n't/* know/vb ,/, but/cc the/at mayor/nn 's/$ aide/nn did/dod ./."
SHORT = "Too/ql short/jj ./."
SEVEN = "One/cd two/cd three/cd four/cd five/cd six/cd seven/cd ./."
EIGHT = "One/cd two/cd three/cd four/cd five/cd six/cd seven/cd eight/cd ./."


def test_detokenize_quotes_and_punctuation() -> None:
    assert detokenize_brown(LONG_A) == 'The jury said the new city "deserves high praise".'
    assert detokenize_brown("The/at jury/nn said/vbd ``/`` no/at ''/'' ./.") == (
        'The jury said "no".'
    )


def test_detokenize_contractions_and_clitics() -> None:
    assert detokenize_brown(LONG_B) == "He didn't know, but the mayor's aide did."
    assert detokenize_brown("They/ppss 're/ber here/rb ;/. we/ppss 'll/md go/vb !/.") == (
        "They're here; we'll go!"
    )


def test_detokenize_brackets_money_and_spacing() -> None:
    line = "It/pps cost/vbd $/nns 5/cd (/( about/rb 4/cd %/nn )/) ?/."
    assert detokenize_brown(line) == "It cost $5 (about 4%)?"
    # A paragraph spread over lines with tabs and runs of spaces is one line of text.
    assert detokenize_brown("\tOne/cd  two/cd\n\tthree/cd ./.\n") == "One two three."


def test_detokenize_quote_after_comma() -> None:
    line = "``/`` Yes/rb ,/, ''/'' he/pps said/vbd ./."
    assert detokenize_brown(line) == '"Yes," he said.'


def test_read_brown(tmp_path: Path) -> None:
    (tmp_path / "ca01").write_text(
        f"\n\t{LONG_A}\n\n\t{SHORT}\n  \n\t{LONG_B}\n\t{SHORT}\n\n", encoding="utf-8"
    )
    (tmp_path / "cb12").write_text(f"\t{SEVEN}\n\n\t{LONG_B}\n\n\t{EIGHT}\n\n", encoding="utf-8")
    (tmp_path / "cc03").write_text(f"\t{SHORT}\n", encoding="utf-8")  # nothing long enough
    for ignored in ("README", "ca01.txt", "cz01", "ca1", "cats"):
        (tmp_path / ignored).write_text(f"\t{LONG_A}\n", encoding="utf-8")

    docs = list(read_brown(tmp_path))

    assert docs == [
        SourceDocument(
            "brown/ca01",
            (
                'The jury said the new city "deserves high praise".',
                # Lines without a blank line between them are one paragraph.
                "He didn't know, but the mayor's aide did. Too short.",
            ),
        ),
        # Seven words are too few; eight are enough.
        SourceDocument(
            "brown/cb12",
            (
                "He didn't know, but the mayor's aide did.",
                "One two three four five six seven eight.",
            ),
        ),
    ]


def test_read_brown_empty_folder(tmp_path: Path) -> None:
    assert list(read_brown(tmp_path)) == []


def _write_hhs(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["", "URL", "Text", "Cleaned_Text"])
        for k, text in enumerate(texts):
            writer.writerow([k, f"https://www.hhs.gov/about/news/{k}", text, "cleaned"])


def test_read_hhs(tmp_path: Path) -> None:
    first = "[<p>First paragraph with enough words to be kept here today.</p> "
    second = (
        "<p>The <a href='/x'>Secretary</a> said it\\u2019s a good day for "
        "patients &amp; families.</p> <p>Seven words are not quite enough here.</p>]"
    )
    _write_hhs(
        tmp_path / "press.csv",
        [first + second, "[<p>Only a short one.</p>]", "[<p>" + "Word " * 9 + "</p>]"],
    )
    (tmp_path / "notes.txt").write_text("not,a,csv\n", encoding="utf-8")

    docs = list(read_hhs(tmp_path))

    assert docs == [
        SourceDocument(
            "hhs/press/0",
            (
                "First paragraph with enough words to be kept here today.",
                "The Secretary said it\u2019s a good day for patients & families.",
            ),
        ),
        # The row numbers stay those of the file even when a row yields nothing.
        SourceDocument("hhs/press/2", ("Word Word Word Word Word Word Word Word Word",)),
    ]
    assert "\\u" not in docs[0].paragraphs[1]
    assert "\u2019" in docs[0].paragraphs[1]


def test_read_hhs_list_literal_without_tags(tmp_path: Path) -> None:
    cell = "['Plain text from a list literal that has no paragraph tags at all.']"
    _write_hhs(tmp_path / "plain.csv", [cell])
    assert list(read_hhs(tmp_path)) == [
        SourceDocument(
            "hhs/plain/0", ("Plain text from a list literal that has no paragraph tags at all.",)
        )
    ]


def test_read_wikinews(tmp_path: Path) -> None:
    (tmp_path / "storm_hits_coast.txt").write_text(
        "A storm with a long title hits the coast of Florida today\n"
        "Tuesday, March 3, 2020 and a few more words here\n"
        "The storm   reached the coast early on Tuesday,  officials said.\n"
        "Short line.\n"
        "Seven words are not quite enough here.\n"
        "\n"
        "Thousands of homes were left without power across the state.\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.txt").write_text("Title\nDate\nToo short.\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("t\nd\n" + "word " * 20, encoding="utf-8")

    docs = list(read_wikinews(tmp_path))

    assert docs == [
        SourceDocument(
            "wikinews/storm_hits_coast",
            (
                "The storm reached the coast early on Tuesday, officials said.",
                "Thousands of homes were left without power across the state.",
            ),
        )
    ]
