"""The memo encoder gives the wrapped encoder's vectors and encodes each recent text once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.base import Vectors
from embeddings.hashing import HashingEncoder
from embeddings.memo import MemoEncoder


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dim=64)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Vectors:
        self.seen.extend(texts)
        return super().encode(texts, batch_size=batch_size)


def test_vectors_equal_the_wrapped_encoders_and_repeats_are_not_encoded_again() -> None:
    inner = CountingEncoder()
    memo = MemoEncoder(inner, capacity=3)
    texts = ["alpha beta", "gamma", "alpha beta", "delta"]
    with memo.remembering():
        assert np.array_equal(memo.encode(texts), HashingEncoder(dim=64).encode(texts))
        assert inner.seen == ["alpha beta", "gamma", "delta"]  # the repeat within a batch too
        memo.encode(["gamma", "epsilon"])
        assert inner.seen[-1:] == ["epsilon"] and (memo.hits, memo.misses) == (2, 4)
        # Capacity 3: "alpha beta" was the least recently used and is forgotten.
        memo.encode(["alpha beta"])
        assert inner.seen[-1] == "alpha beta"


def test_outside_a_build_nothing_is_remembered() -> None:
    inner = CountingEncoder()
    memo = MemoEncoder(inner)
    with memo.remembering():
        memo.encode(["kept during the block"])
    # The block's texts are forgotten, and a question is encoded afresh every time.
    memo.encode(["kept during the block"])
    memo.encode(["When?"])
    memo.encode(["When?"])
    assert inner.seen == ["kept during the block"] * 2 + ["When?"] * 2


def test_it_stands_in_for_the_encoder() -> None:
    memo = MemoEncoder(HashingEncoder(dim=32))
    assert (memo.name, memo.dim) == ("hashing-32", 32)
    assert memo.encode([]).shape == (0, 32)
    assert memo.token_offsets("a b") == HashingEncoder(dim=32).token_offsets("a b")


def test_it_survives_pickling() -> None:
    import pickle

    memo = pickle.loads(pickle.dumps(MemoEncoder(HashingEncoder(dim=16))))
    assert memo.encode(["x"]).shape == (1, 16)
