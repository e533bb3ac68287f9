from __future__ import annotations

import datetime as dt

import pytest

from qa.text.words import article_words, key_form, mentions, month_key, month_keys


def test_key_form_forgives_case_accents_plurals_and_possessives() -> None:
    assert key_form("Normans") == key_form("norman")
    assert key_form("Hervé") == key_form("Herve")
    assert key_form("algorithms") == key_form("Algorithm")


def test_key_form_keeps_numbers_as_written() -> None:
    assert key_form("1965") == "1965"
    assert key_form("35th") == "35th"


def test_article_words_are_key_forms_of_every_word() -> None:
    assert article_words("The Normans' horses, 1066.") == frozenset(
        {key_form("the"), key_form("normans"), key_form("horses"), "1066"}
    )


@pytest.fixture(scope="module")
def known() -> frozenset[str]:
    return article_words(
        "Hartmanis and Stearns wrote it in 1965. Hervé met Kim Hyun-chong; F-35 jets flew."
    )


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("Stearn", True),  # plural
        ("Herve", True),  # accent
        ("Hatmanis", True),  # one letter dropped from a long name
        ("Hartmannis", True),  # one letter added
        ("Hyun-chong", True),  # every part of a hyphenated name
        ("f-35", True),
        ("Kim", True),
        ("Kin", False),  # a short name must match exactly
        ("1966", False),  # a number is never one edit away
        ("F-16", False),
        ("third", False),
        ("Harrison", False),
        ("!", True),  # nothing to look up
    ],
)
def test_mentions(known: frozenset[str], word: str, found: bool) -> None:
    assert mentions(known, word) is found


@pytest.mark.parametrize(
    ("text", "date", "months"),
    [
        ("Rates rose on Aug. 6 and may rise again in Sept.", None, {"august", "september"}),
        ("It may rain.", None, set()),
        ("It rained on Sunday.", dt.date(2025, 1, 13), {"january", "december"}),
        ("Mark Marchetti met Jan Novak.", None, {"january"}),
    ],
)
def test_the_months_a_text_speaks_of(text: str, date: dt.date | None, months: set[str]) -> None:
    assert month_keys(text, date) == {month_key(m) for m in months}
