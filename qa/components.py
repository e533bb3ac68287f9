"""Building the assistant's parts from its settings: the encoder and the reader.

Kept apart from :mod:`qa.pipeline` so that a tool needing only a part (a script opening an
index, a test) builds it the way the assistant does, and so the one place that maps a setting
to a class is easy to find when a new encoder or reader is added.
"""

from __future__ import annotations

from embeddings.base import Encoder
from qa.read.base import Reader
from qa.settings import Settings


def make_encoder(settings: Settings) -> Encoder:
    """The encoder the settings name (nothing heavy is loaded yet).

    Example:
        >>> make_encoder(Settings(encoder="hashing")).name
        'hashing-256'
    """
    if settings.encoder == "hashing":
        from embeddings.hashing import HashingEncoder

        return HashingEncoder()
    from embeddings.minilm import SentenceTransformerEncoder

    return SentenceTransformerEncoder(settings.model_path)


def make_reader(settings: Settings, encoder: Encoder) -> Reader:
    """The reader the settings name (models load on first use).

    Example:
        >>> make_reader(Settings(encoder="hashing"), make_encoder(Settings(encoder="hashing"))).name
        'typed-v2+hashing-256'
    """
    if settings.reader == "transformers":
        from qa.read.transformers_reader import TransformersReader

        assert settings.reader_model is not None
        return TransformersReader(settings.reader_model)
    if settings.reader == "neural":
        from qa.read.neural import NeuralReader

        return NeuralReader(encoder, focus_words=settings.focus_words)
    from qa.read.typed import TypedReader

    return TypedReader(encoder)
