"""The part of an index build that grows with the corpus, behind one small interface.

Two parts of a build grow with the corpus: reading and splitting the files that changed, and
encoding and analysing the passages that are new. :class:`~qa.index.store.IndexStore` hands
both to a :class:`BuildExecutor` and keeps everything else (what to reuse from the previous
generation, the order of rows, writing the generation) to itself, so every executor writes
the same index. :class:`InProcessExecutor` does the work in this process and is what a store
uses when given none; :mod:`qa.index.distributed` runs the same code in Ray tasks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from tqdm import tqdm

from embeddings.base import Encoder
from embeddings.memo import remembering
from qa.index.generation import lexical_text
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.loader import read_document_file
from qa.ingest.passages import Chunker, split_sentences
from qa.memory import release_free_memory
from qa.settings import setting_default
from qa.types import Document, Passage

# Encoder batches between returns of freed memory to the system (qa.memory): each costs well
# under a millisecond, and eight batches of 32 passages are a few seconds of work.
TRIM_EVERY = 8


class Analyzer(Protocol):
    """What the index needs of a reader: its index-time analysis of passages.

    A reader (:class:`qa.read.Reader`) is one; the index declares only this much of it, so
    the index stage depends on no reader.

    Attributes:
        name: Names the analysis and its version; analyses made under another name are redone.
    """

    name: str

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """One blob per passage text, stored with the passage and handed back at question time."""
        ...


# Vectors of one passage's units and its reader analysis, as encode_passages returns them
# for a list of passages.
Encoded = tuple[list[np.ndarray], list[bytes]]


def units(passage: Passage) -> list[str]:
    """What is embedded for a passage: the passage with its title, which gives context its
    own words lack ("it", "the agreement"), and each sentence on its own when there are several,
    since a question usually matches one sentence and a paragraph's vector blurs it.

    Example:
        >>> units(Passage(id="a#0", document_id="a", title="T", text="Hi.", start=0, end=3,
        ...               ordinal=0))
        ['T. Hi.']
    """
    sentences = split_sentences(passage.text)
    whole = lexical_text(passage)  # the text BM25 indexes too
    return [whole, *sentences] if len(sentences) > 1 else [whole]


def encode_passages(
    passages: Sequence[Passage],
    encoder: Encoder,
    reader: Analyzer,
    *,
    batch_size: int = setting_default("batch_size"),
    show_progress: bool = False,
) -> Encoded:
    """Vectors of each passage's units (passage, then sentences) and its reader analysis.

    Every executor encodes with this, so a Ray node computes what a local build computes.

    Example:
        >>> vectors, analyses = encode_passages(passages, encoder, reader)
        >>> len(vectors) == len(analyses) == len(passages)
        True
        >>> [v.shape for v in vectors[:3]]  # a row per unit (see units): 256 numbers each
        [(1, 256), (3, 256), (1, 256)]
    """
    vectors: list[np.ndarray] = []
    analyses: list[bytes] = []
    if not passages:
        return vectors, analyses
    bar = tqdm(
        total=len(passages),
        desc="indexing passages",
        unit="passage",
        disable=not show_progress,
        # Left in place, the finished bar ends its line; otherwise the next output (a
        # warning, the summary) would run into it.
        leave=True,
    )
    # The memo serves the analysis the sentence vectors just computed as units. The reader's
    # parse of one batch runs on a thread of its own while the next batch is encoded: torch
    # lets go of the GIL while it computes, so the parse (about a third of a build) overlaps
    # the encoding instead of following it (benchmarks/bench_build.py).
    pending: Future[list[bytes]] | None = None
    with bar, remembering(encoder), ThreadPoolExecutor(1, "qa-parse") as parser:
        for first in range(0, len(passages), batch_size):
            batch = passages[first : first + batch_size]
            groups = [units(p) for p in batch]
            encoded = encoder.encode([u for group in groups for u in group])
            at = 0
            for group in groups:
                vectors.append(encoded[at : at + len(group)])
                at += len(group)
            if pending is not None:
                analyses.extend(pending.result())
                bar.update(batch_size)
            if first // batch_size % TRIM_EVERY == TRIM_EVERY - 1:
                release_free_memory()  # what encoding freed goes back (qa.memory)
            pending = parser.submit(reader.analyze, [p.text for p in batch])
        if pending is not None:
            analyses.extend(pending.result())
            bar.update(len(passages) - bar.n)
    return vectors, analyses


@dataclass(frozen=True)
class ReadArticle:
    """One article read from a changed corpus file, with its passages on demand.

    Attributes:
        document: The article.
        passages: Splits it into passages. The store calls it only for an article that is
            not already indexed unchanged, so an article that survives in an edited file
            (a JSONL file appended to) is never split again by the in-process executor.

    Example:
        >>> doc = Document(id="a.txt", title="T", text="T\\nBody.", source="a.txt")
        >>> ReadArticle(doc, list).passages()
        []
    """

    document: Document
    passages: Callable[[], list[Passage]]


class BuildExecutor(Protocol):
    """Runs the part of an index build that grows with the corpus.

    Both methods return results in the order of their input; the store relies on it to lay out
    rows exactly as the in-process build does.
    """

    def read(self, files: Sequence[CorpusFile], report: LoadReport) -> Iterable[list[ReadArticle]]:
        """The articles of each file, one list per file in order; skipped files go to ``report``.

        Example:
            >>> from pathlib import Path
            >>> from qa.ingest.loader import scan_corpus
            >>> [[a.document.id for a in articles]
            ...  for articles in executor.read(scan_corpus(Path("seeds")), LoadReport())]
            [['000_3d563be10761cfd0.txt']]
        """
        ...

    def encode(self, passages: Sequence[Passage]) -> Encoded:
        """Per passage, the vectors of its units (see :func:`units`) and its analysis blob.

        Example:
            >>> vectors, analyses = executor.encode(passages)
            >>> len(vectors) == len(analyses) == len(passages)
            True
        """
        ...


class InProcessExecutor:
    """The build's work done in this process: the default, and what each Ray task runs.

    Args:
        chunker: Splits articles into passages.
        encode: Encodes and analyses passages (the store's own step, so that any executor
            encodes exactly as the local build does).
        max_file_bytes: Larger files are skipped.

    Example:
        >>> from embeddings.hashing import HashingEncoder
        >>> chunker = Chunker(HashingEncoder().token_offsets, 254, 64)
        >>> executor = InProcessExecutor(chunker, lambda passages: ([], []))
        >>> from pathlib import Path
        >>> from qa.ingest.loader import scan_corpus
        >>> articles = next(iter(executor.read(scan_corpus(Path("seeds")), LoadReport())))
        >>> len(articles[0].passages()) > 1
        True
    """

    def __init__(
        self,
        chunker: Chunker,
        encode: Callable[[list[Passage]], Encoded],
        *,
        max_file_bytes: int = setting_default("max_file_bytes"),
    ) -> None:
        self._chunker = chunker
        self._encode = encode
        self._max_file_bytes = max_file_bytes

    def read(self, files: Sequence[CorpusFile], report: LoadReport) -> Iterator[list[ReadArticle]]:
        """The articles of each file, read one file at a time as the caller asks for them.

        Example:
            >>> from pathlib import Path
            >>> from qa.ingest.loader import scan_corpus
            >>> files = scan_corpus(Path("seeds"))
            >>> articles = next(executor.read(files, LoadReport()))  # reads the first file
            >>> [(a.document.id, len(a.passages())) for a in articles]
            [('000_3d563be10761cfd0.txt', 15)]
        """
        for file in files:
            yield [
                ReadArticle(doc, functools.partial(self._chunker.passages, doc))
                for doc in read_document_file(file, report, max_file_bytes=self._max_file_bytes)
            ]

    def encode(self, passages: Sequence[Passage]) -> Encoded:
        """Vectors and analyses of ``passages``, with the store's progress bar.

        Example:
            >>> vectors, analyses = executor.encode(passages)
            >>> len(vectors) == len(analyses) == len(passages)
            True
        """
        return self._encode(list(passages))


__all__ = [
    "BuildExecutor",
    "Encoded",
    "InProcessExecutor",
    "ReadArticle",
    "encode_passages",
    "units",
]
