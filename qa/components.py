"""Building the assistant's parts from its settings: the encoder and the reader.

Kept apart from :mod:`qa.pipeline` so that a tool needing only a part (a script opening an
index, a test) builds it the way the assistant does, and so the one place that maps a setting
to a class is easy to find when a new encoder or reader is added.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.base import Encoder
from qa import plugins
from qa.errors import UsageError
from qa.read.base import Reader
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.index.executor import BuildExecutor
    from qa.index.store import BuildStats, IndexStore


def make_encoder(settings: Settings) -> Encoder:
    """The encoder the settings name (nothing heavy is loaded yet).

    Example:
        >>> make_encoder(Settings(encoder="hashing")).name
        'hashing-256'
    """
    from embeddings.memo import MemoEncoder

    # The memo lets the reader's analysis reuse the sentence vectors the index has just
    # computed for the same passage (see embeddings/memo.py).
    if settings.encoder == "hashing":
        from embeddings.hashing import HashingEncoder

        return MemoEncoder(HashingEncoder())
    from embeddings.minilm import SentenceTransformerEncoder

    return MemoEncoder(
        SentenceTransformerEncoder(settings.model_path, precision=settings.encoder_precision)
    )


ReaderFactory = Callable[[Settings, Encoder], Reader]


def _transformers(settings: Settings, encoder: Encoder) -> Reader:
    from qa.read.transformers_reader import TransformersReader

    assert settings.reader_model is not None  # Settings refuses 'transformers' without one
    return TransformersReader(settings.reader_model)


def _neural(settings: Settings, encoder: Encoder) -> Reader:
    from qa.read.check import AnswerCheck
    from qa.read.neural import NeuralReader

    # A floor of 0 turns the check off, and then it is not computed either.
    check = AnswerCheck() if settings.check_floor > 0 else None
    return NeuralReader(encoder, focus_words=settings.focus_words, check=check)


def _typed(settings: Settings, encoder: Encoder) -> Reader:
    from qa.read.typed.reader import TypedReader

    return TypedReader(encoder)


# Readers by the name the ``reader`` setting takes. Imports happen inside each factory, so
# naming a reader costs nothing until it is built.
_READERS: dict[str, ReaderFactory] = plugins.READERS
_READERS.update({"neural": _neural, "typed": _typed, "transformers": _transformers})


def register_reader(name: str, factory: ReaderFactory) -> None:
    """Make a reader available as ``Settings(reader=name)``, everywhere settings are taken.

    Args:
        name: The setting's value; must not be taken by another reader.
        factory: Builds the reader from the settings and the assistant's encoder; it should
            be cheap, leaving heavy models to load on first use.

    Raises:
        UsageError: When the name is empty or already registered.

    Example:
        >>> from qa.read.typed.reader import TypedReader
        >>> register_reader("typed-only", lambda settings, encoder: TypedReader(encoder))
        >>> "typed-only" in reader_names()
        True
        >>> hashing = Settings(encoder="hashing", reader="typed-only")
        >>> make_reader(hashing, make_encoder(hashing)).name
        'typed-v4+hashing-256'
        >>> register_reader("typed-only", lambda settings, encoder: TypedReader(encoder))
        Traceback (most recent call last):
        ...
        qa.errors.UsageError: reader name 'typed-only' is empty or taken (taken: 'neural', ...)
    """
    if not name or name in _READERS:
        taken = ", ".join(repr(n) for n in _READERS)
        raise UsageError(f"reader name {name!r} is empty or taken (taken: {taken})")
    _READERS[name] = factory


def reader_names() -> tuple[str, ...]:
    """Names the ``reader`` setting accepts.

    Example:
        >>> reader_names()[:3]
        ('neural', 'typed', 'transformers')
    """
    return tuple(_READERS)


def make_reader(settings: Settings, encoder: Encoder) -> Reader:
    """The reader the settings name (models load on first use).

    Example:
        >>> hashing = Settings(encoder="hashing", reader="typed")
        >>> make_reader(hashing, make_encoder(hashing)).name
        'typed-v4+hashing-256'
    """
    return _READERS[settings.reader](settings, encoder)


def make_store(
    settings: Settings,
    corpus: Path,
    encoder: Encoder,
    reader: Reader,
    *,
    executor: BuildExecutor | None = None,
) -> IndexStore:
    """The index store of ``corpus`` as the settings describe it, uploads folder included.

    Every way of building an index (the assistant, ``qa index --ray``, the benchmarks) builds
    its store here, so they agree on what the index holds and reuse each other's.

    Example:
        >>> hashing = Settings(encoder="hashing", index_dir=Path("/tmp/ix"))
        >>> encoder = make_encoder(hashing)
        >>> make_store(hashing, Path("seeds"), encoder, make_reader(hashing, encoder)).folder
        PosixPath('/tmp/ix')
    """
    from qa.index.store import IndexStore
    from qa.ingest.uploads import UploadFolder

    folder = settings.index_dir_for(corpus)
    return IndexStore(
        folder,
        encoder,
        reader,
        window_tokens=settings.window_tokens,
        window_overlap=settings.window_overlap,
        batch_size=settings.batch_size,
        show_progress=settings.show_progress,
        max_file_bytes=settings.max_file_bytes,
        uploads=UploadFolder(folder / "uploads", max_file_bytes=settings.max_file_bytes),
        vector_backend=settings.vector_backend,
        executor=executor,
    )


def make_parts(settings: Settings) -> tuple[Encoder, Reader]:
    """The encoder and the reader the settings name, as a build on other machines needs them.

    A module-level function, so that Ray can send it to its workers by name.

    Example:
        >>> encoder, reader = make_parts(Settings(encoder="hashing", reader="typed"))
        >>> reader.name
        'typed-v4+hashing-256'
    """
    encoder = make_encoder(settings)
    return encoder, make_reader(settings, encoder)


def index_on_ray(
    corpus: Path,
    settings: Settings,
    address: str | None = None,
) -> BuildStats:
    """Build or update the index of ``corpus`` on a Ray cluster, where the assistant looks for it.

    The index is the one :meth:`qa.Assistant.from_corpus` would build with the same settings
    (same folder, same recipe), so opening the assistant afterwards reuses it.

    Args:
        corpus: Folder of articles.
        settings: The settings the assistant will be opened with.
        address: The cluster (see :class:`RayExecutor`); None starts a local one.

    Returns:
        What the build did.

    Raises:
        CorpusError: When the corpus folder is missing or holds no readable article.
        UsageError: When Ray is not installed or ``address`` is not an address.
        IndexError_: When the cluster cannot be reached or a task fails.

    Example:
        >>> head = "10.0.0.5:6379"  # a head node started with `ray start --head`
        >>> index_on_ray(Path("seeds"), Settings(), head)  # needs that cluster  # doctest: +SKIP
        BuildStats(action='built', documents=1, passages=15, ...)
    """
    from qa.index.distributed import RayExecutor

    # Checks the address and that Ray is installed before anything is read.
    executor = RayExecutor(settings, address, parts=make_parts)
    encoder, reader = make_parts(settings)
    with executor:
        # Built as Assistant.from_corpus builds its store, uploads included, so the two agree
        # on what the index holds; a test opens the assistant afterwards and expects "reused".
        store = make_store(settings, corpus, encoder, reader, executor=executor)
        index, stats = store.open(corpus)
        index.close()
    return stats
