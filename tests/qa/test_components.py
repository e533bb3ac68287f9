"""Building the parts from settings, and the registries plugins use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from qa import Settings, UsageError, components
from qa.components import make_encoder, make_reader, reader_names, register_reader
from qa.read.base import AnswerGroup, ReadRequest


class _Nothing:
    name = "nothing-v1"

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        return [b"" for _ in texts]

    def read(self, requests: Sequence[ReadRequest]) -> list[list[AnswerGroup]]:
        return [[] for _ in requests]


@pytest.fixture()
def registry() -> Iterator[None]:
    saved = dict(components._READERS)
    yield
    components._READERS.clear()
    components._READERS.update(saved)


def test_built_in_readers() -> None:
    assert reader_names() == ("neural", "typed", "transformers")
    settings = Settings(encoder="hashing", reader="typed")
    assert make_reader(settings, make_encoder(settings)).name.startswith("typed-")


def test_a_registered_reader_is_a_valid_setting(registry: None) -> None:
    with pytest.raises(UsageError, match=r"expected one of 'neural', 'typed', 'transformers'$"):
        Settings.make(reader="nothing")
    register_reader("nothing", lambda settings, encoder: _Nothing())
    settings = Settings.make(encoder="hashing", reader="nothing")
    assert make_reader(settings, make_encoder(settings)).name == "nothing-v1"
    with pytest.raises(UsageError, match="empty or taken"):
        register_reader("typed", lambda settings, encoder: _Nothing())


def test_unknown_vector_backend_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match="vector_backend='hnsw': expected one of 'faiss-flat'"):
        Settings.make(vector_backend="hnsw")
