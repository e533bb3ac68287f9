"""Window labels and answer scoring of ``scripts/train_reader.py``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="module")
def train_reader(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("train_reader")


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    from embeddings.minilm import packaged_model_path

    return AutoTokenizer.from_pretrained(str(packaged_model_path()))


def _span(context: str, answer: str) -> tuple[int, int]:
    start = context.index(answer)
    return start, start + len(answer)


def _context_range(enc: Any, i: int) -> tuple[int, int]:
    """Characters of the context that window ``i`` holds."""
    offsets = enc["offset_mapping"][i]
    ctx = [k for k, sid in enumerate(enc.sequence_ids(i)) if sid == 1]
    return offsets[ctx[0]][0], offsets[ctx[-1]][1]


def test_labels_map_back_to_answer_characters(train_reader: ModuleType, tokenizer: Any) -> None:
    contexts = [
        "The agreement between the two unions expires this Saturday, officials in Boston said.",
        "Obama signed the bill in Washington on Tuesday.",
        "Unemployment fell to 3.5 percent, the lowest rate since 1969.",
        # The answer is part of a word that the tokenizer splits into pieces.
        "Prices of the sub-prime mortgages collapsed.",
        "Nothing in this paragraph answers the question.",
    ]
    questions = [
        "When does the agreement expire?",
        "Who signed the bill?",
        "What did unemployment fall to?",
        "What kind of mortgages collapsed?",
        "Who won the match?",
    ]
    answer_texts = ["this Saturday", "Obama", "3.5 percent", "sub-prime", None]
    answers = [
        _span(c, a) if a is not None else None for c, a in zip(contexts, answer_texts, strict=True)
    ]

    enc, starts, ends = train_reader.featurize(tokenizer, questions, contexts, answers, 64, 16)

    # Short contexts: one window each, in order.
    assert list(enc["overflow_to_sample_mapping"]) == [0, 1, 2, 3, 4]
    assert len(starts) == len(ends) == 5
    for i, text in enumerate(answer_texts):
        s, e = starts[i], ends[i]
        if text is None:
            assert (s, e) == (0, 0)
            continue
        seq = enc.sequence_ids(i)
        assert 0 < s <= e
        assert seq[s] == seq[e] == 1  # inside the context, not the question
        offsets = enc["offset_mapping"][i]
        assert contexts[i][offsets[s][0] : offsets[e][1]] == text
    # Every window is padded to the same length.
    assert {len(ids) for ids in enc["input_ids"]} == {64}


def test_answer_inside_a_word_piece_run(train_reader: ModuleType, tokenizer: Any) -> None:
    context = "The agreement between the unions expires this Saturday."
    start = context.index("expire")
    enc, starts, ends = train_reader.featurize(
        tokenizer, ["What does it do?"], [context], [(start, start + 6)], 64, 16
    )
    offsets = enc["offset_mapping"][0]
    # "expires" is "ex ##pire ##s": the label covers "ex ##pire" and nothing more.
    assert context[offsets[starts[0]][0] : offsets[ends[0]][1]] == "expire"


def test_long_context_windows(train_reader: ModuleType, tokenizer: Any) -> None:
    filler = [f"Sentence number {k} talks about the weather in town." for k in range(30)]
    answer = "Marguerite Okonkwo-Delacroix"
    sentences = [*filler[:15], f"The prize went to {answer} last year.", *filler[15:]]
    context = " ".join(sentences)
    a_start, a_end = _span(context, answer)
    questions = ["Who won the prize?", "Who won the prize?"]

    enc, starts, ends = train_reader.featurize(
        tokenizer, questions, [context, context], [(a_start, a_end), None], 48, 16
    )

    samples = list(enc["overflow_to_sample_mapping"])
    assert samples.count(0) > 3  # the context really was split into several windows
    assert samples.count(0) == samples.count(1)
    labelled = partial = 0
    for i, sample in enumerate(samples):
        s, e = starts[i], ends[i]
        lo, hi = _context_range(enc, i)
        holds_all = lo <= a_start and a_end <= hi
        partial += sample == 0 and lo < a_end and a_start < hi and not holds_all
        if sample == 1 or not holds_all:
            # No answer, or only part of it (or none of it) in this window.
            assert (s, e) == (0, 0), (i, lo, hi)
            continue
        labelled += 1
        offsets = enc["offset_mapping"][i]
        assert enc.sequence_ids(i)[s] == 1
        assert context[offsets[s][0] : offsets[e][1]] == answer
    assert labelled >= 1
    assert partial >= 1  # a window cuts the answer; it must not be labelled with a piece of it
    assert labelled < samples.count(0)  # most windows of the answered example miss the answer


def test_normalize(train_reader: ModuleType) -> None:
    normalize = train_reader._normalize
    assert normalize("The Cat, sat!") == "cat sat"
    assert normalize("  An apple a   day. ") == "apple day"
    assert normalize("A Tale of Two Cities") == "tale of two cities"
    # Articles only as whole words.
    assert normalize("Theater and anthem") == "theater and anthem"
    assert normalize("$5.5 billion") == "55 billion"
    assert normalize("") == ""


def test_f1(train_reader: ModuleType) -> None:
    f1 = train_reader._f1
    assert f1("the cat sat", "cat sat down") == pytest.approx(0.8)
    assert f1("Cat sat down.", "the cat sat down") == pytest.approx(1.0)
    assert f1("dog", "cat") == 0.0
    # Repeated words count once per match: precision 1/2, recall 1.
    assert f1("cat cat", "cat") == pytest.approx(2 / 3)
    # Both repeat it: two matches, precision 1, recall 2/3.
    assert f1("cat cat", "cat cat dog") == pytest.approx(0.8)
    # precision 1/3, recall 1/2 -> 2 * (1/6) / (5/6) = 0.4
    assert f1("red big cat", "cat nap") == pytest.approx(0.4)
    # Nothing left after normalising: only a match with another empty answer scores.
    assert f1("the", "a") == 1.0
    assert f1("", "cat") == 0.0
    assert f1("cat", "") == 0.0
