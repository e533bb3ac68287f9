"""Look-alike questions: each change is made, and refused when the passage could answer it."""

from __future__ import annotations

import random
import re

from qa.training.lookalikes import lookalike

CONTEXT = "Obama signed the bill in Washington in 2016, after 3,000 people marched."


def _all_changes(question: str, names=(), pool=None, context: str = CONTEXT) -> set[str]:  # type: ignore[no-untyped-def]
    seen = set()
    for seed in range(40):
        made = lookalike(question, list(names), pool or {}, context, random.Random(seed))
        if made is not None:
            seen.add(made.question)
            assert made.change in {"swap", "number", "opposite", "ordinal"}
    return seen


def test_opposite_word() -> None:
    assert _all_changes("Who signed the bill after the march?") == {
        "Who signed the bill before the march?"
    }


def test_opposite_refused_when_the_passage_has_it() -> None:
    # "after" is in the passage, so "Who signed it after ..." could be answered from it.
    assert _all_changes("Who signed the bill before the march?") == set()


def test_ordinal_moves_and_keeps_case() -> None:
    assert _all_changes("First, who signed the bill?") == {"Second, who signed the bill?"}
    assert _all_changes("Who signed the eighth bill?") == {"Who signed the seventh bill?"}


def test_year_changes_to_another_year_the_passage_lacks() -> None:
    changed = _all_changes("Who signed the bill in 2016?")
    assert changed
    for q in changed:
        year = int(re.search(r"\d{4}", q).group())  # type: ignore[union-attr]
        assert year != 2016 and 2004 <= year <= 2028 and str(year) not in CONTEXT


def test_thousands_keep_their_comma() -> None:
    changed = _all_changes("How many of the 3,000 people marched?")
    assert changed and all(re.search(r"\d,\d{3}|\b\d{1,3}\b", q) for q in changed)
    assert "How many of the 3,000 people marched?" not in changed


def test_number_inside_a_name_is_left_alone() -> None:
    assert _all_changes("Who flies the F-35?") == set()


def test_name_swapped_for_one_of_the_same_kind_not_in_the_passage() -> None:
    pool = {"PERSON": ["Obama", "Bush", "Clinton"], "GPE": ["Washington", "Paris"]}
    names = [("Obama", "PERSON"), ("Washington", "GPE")]
    changed = _all_changes("Where did Obama sign the bill?", names, pool)
    assert changed == {"Where did Bush sign the bill?", "Where did Clinton sign the bill?"}


def test_nothing_to_change() -> None:
    assert _all_changes("Who signed the bill?") == set()


def test_swapped_name_is_taken_literally() -> None:
    # A name is text, not a replacement pattern: its backslashes must come through unchanged.
    pool = {"PERSON": ["A\\x B"]}
    changed = _all_changes("Where did Obama sign the bill?", [("Obama", "PERSON")], pool)
    assert changed == {"Where did A\\x B sign the bill?"}
