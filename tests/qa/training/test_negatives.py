from __future__ import annotations

from qa.training.negatives import without_answer_sentence

TEXT = (
    "Nurses at Brigid's Hospital walked out on Monday. A state mediator, Ann Lee, joined the "
    "talks. The union said pay was the main issue. The hospital declined to comment."
)


def _at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def test_the_answer_sentence_is_taken_out_and_the_rest_kept_in_order() -> None:
    left = without_answer_sentence(TEXT, *_at("Ann Lee"))
    assert left == (
        "Nurses at Brigid's Hospital walked out on Monday. The union said pay was the main issue. "
        "The hospital declined to comment."
    )


def test_an_answer_across_two_sentences_takes_both_out() -> None:
    start, _ = _at("Monday")
    _, end = _at("A state")
    left = without_answer_sentence(TEXT, start, end)
    assert left == "The union said pay was the main issue. The hospital declined to comment."


def test_no_negative_when_the_answer_is_said_again_elsewhere() -> None:
    text = TEXT + " Ann Lee met both sides on Tuesday."
    assert without_answer_sentence(text, *_at("Ann Lee", text)) is None
    # Case is ignored: "monday" elsewhere still answers "Monday".
    text = TEXT + " Talks resume next monday."
    assert without_answer_sentence(text, *_at("Monday", text)) is None


def test_no_negative_from_a_passage_too_short_to_keep() -> None:
    text = "A mediator, Ann Lee, joined. Talks went on."
    assert without_answer_sentence(text, *_at("Ann Lee", text)) is None
    assert without_answer_sentence("Ann Lee joined.", 0, 7) is None
