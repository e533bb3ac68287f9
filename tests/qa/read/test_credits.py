"""Photo credits are found by their label and their place, and nothing else is."""

from __future__ import annotations

import pytest

from qa.read.credits import asks_about_pictures, credit_spans, cut_at_credit


@pytest.mark.parametrize(
    ("text", "credits"),
    [
        ("Belle Image: Nick Moreau.", ["Image: Nick Moreau."]),
        ("A tweet to the student. Image: Twitter/Barack Obama.", ["Image: Twitter/Barack Obama."]),
        # One credit per paragraph of a passage that holds several.
        (
            "Atlantis lifts off. Image: NASA.\nThe crowd cheered the launch.\nPhoto: Reuters",
            ["Image: NASA.", "Photo: Reuters"],
        ),
        (
            "Protesters gather in the square (AP Photo/Jane Doe) as police watch.",
            ["(AP Photo/Jane Doe)"],
        ),
        ("The mayor speaks (Photo by John Smith) at the opening.", ["(Photo by John Smith)"]),
        # Prose, not credits: lower case, a sentence after the label, a long run of words.
        ("The company's image: tarnished by years of scandal.", []),
        ("Image: the crowd gathered. Then the police arrived at the square.", []),
        ("Video: what the inspectors found in the warehouse after the fire had been put out", []),
        ("Photographers waited outside the court.", []),
    ],
)
def test_credit_spans(text: str, credits: list[str]) -> None:
    spans = credit_spans(text)
    assert [text[a:b] for a, b in spans] == credits
    assert all(0 <= a < b <= len(text) for a, b in spans)


@pytest.mark.parametrize(
    ("piece", "kept"),
    [
        # From the story into the credit: cut where the credit starts.
        ("Washington D.C. Image: United", "Washington D.C."),
        ("the convention floor. Image: Nick Moreau.", "the convention floor."),
        # Inside the credit: no answer.
        ("United States Navy", None),
        ("Image: Nick", None),
        # Clear of every credit: as it was.
        ("Washington D.C.", "Washington D.C."),
        ("held this week", "held this week"),
    ],
)
def test_cut_at_credit(piece: str, kept: str | None) -> None:
    text = (
        "It was held this week in Washington D.C. Image: United States Navy.\n"
        "A view of the convention floor. Image: Nick Moreau."
    )
    start = text.index(piece)
    cut = cut_at_credit(text, credit_spans(text), start, start + len(piece))
    if kept is None:
        assert cut is None
    else:
        assert cut is not None and text[cut[0] : cut[1]] == kept and cut[0] == start


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("Who took the photograph of the launch?", True),
        ("Whose image appears on the poster?", True),
        ("Who is credited with the picture?", True),
        ("Where was the competition held?", False),
    ],
)
def test_asks_about_pictures(question: str, about: bool) -> None:
    assert asks_about_pictures(question) is about
