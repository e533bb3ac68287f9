"""The persistent index: SQLite for documents and analyses, numpy for rows, FAISS for vectors.

Layout of an index folder::

    CURRENT                 name of the live generation (replaced atomically)
    gen-<stamp>/            one complete, immutable generation
        manifest.json       model, dimension, format version, corpus fingerprint, checksums
        store.sqlite        documents, per-passage reader analyses, groups of copied passages
        passages.npy        per passage: its document's row, ordinal, start and end
        units.npy           per vector: the passage row it belongs to
        dense.faiss         the vectors (``dense.<backend>`` for other vector backends): per
                            passage, the passage with its title and, when it has several,
                            each of its sentences
        lexical.bm25        BM25 over the passages
        verified.json       sizes and times of the files when their checksums last held

A build writes a new generation beside the live one and only then points ``CURRENT`` at it, so a
crash mid-build leaves the previous index untouched, and a damaged generation (checksums disagree)
is never read: it is rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from embeddings.base import Encoder
from qa.errors import CorpusError, IndexError_
from qa.index.executor import (
    Analyzer,
    BuildExecutor,
    InProcessExecutor,
    ReadArticle,
    encode_passages,
)
from qa.index.generation import (
    FORMAT_VERSION,
    LoadedIndex,
    Manifest,
    vectors_file_for,
    verify_checksums,
)
from qa.index.vectors.base import vector_rows
from qa.index.writer import GenerationWriter
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.formats import suffixes
from qa.ingest.loader import scan_corpus
from qa.ingest.passages import Chunker
from qa.ingest.uploads import UploadFolder
from qa.memory import release_free_memory
from qa.settings import setting_default
from qa.types import Document, Passage

log = logging.getLogger(__name__)

# Passages a build encodes and writes at a time: large enough to keep the encoder's batches
# and an executor's tasks full, small enough that a batch's vectors and analyses are a few
# tens of megabytes whatever the corpus.
STREAM_BATCH = 2048


@dataclass(frozen=True)
class BuildStats:
    """What the last open or build did, for progress reports and benchmarks."""

    action: str  # "reused", "built", "updated", or "read-only" (out of date, not writable)
    documents: int
    passages: int
    new_passages: int
    seconds: float
    skipped: tuple[tuple[str, str], ...] = ()
    # Why a "read-only" index was opened as it was, in one line for the user.
    note: str | None = None

    @property
    def passages_per_second(self) -> float:
        """Throughput of encoding and analysing the passages that were (re)built."""
        return self.new_passages / self.seconds if self.seconds > 0 else 0.0


class IndexStore:
    """Builds, updates, verifies and opens the index of one corpus folder.

    Args:
        folder: Where the index lives.
        encoder: Encodes passages.
        reader: Analyses passages at index time.
        window_tokens: Longest passage in encoder tokens.
        window_overlap: Tokens shared by consecutive windows.
        batch_size: Passages per encoding batch.
        show_progress: Draw a progress bar while encoding.
        max_file_bytes: Larger corpus files are skipped.
        uploads: Uploaded articles indexed with the corpus (kept outside the corpus folder).
        vector_backend: Name of the vector index that stores the vectors.
        executor: Where reading, splitting, encoding and analysing run; None does them in
            this process (see :mod:`qa.index.executor`; :mod:`qa.index.distributed` runs
            them on Ray).
        stream_batch: Passages encoded and written at a time while building (see
            :class:`~qa.index.writer.GenerationWriter`); the index written is the same
            whatever the batch.

    Example:
        >>> store = IndexStore(tmp_path / "index", encoder, reader)
        >>> index, stats = store.open(Path("seeds"))
        >>> stats.action, stats.documents, stats.passages
        ('built', 1, 15)
    """

    def __init__(
        self,
        folder: Path,
        encoder: Encoder,
        reader: Analyzer,
        *,
        window_tokens: int = setting_default("window_tokens"),
        window_overlap: int = setting_default("window_overlap"),
        batch_size: int = setting_default("batch_size"),
        show_progress: bool = True,
        max_file_bytes: int = setting_default("max_file_bytes"),
        uploads: UploadFolder | None = None,
        vector_backend: str = setting_default("vector_backend"),
        executor: BuildExecutor | None = None,
        stream_batch: int = STREAM_BATCH,
    ) -> None:
        self.folder = folder
        self._stream_batch = max(1, stream_batch)
        self._executor = executor
        self.uploads = uploads
        self._vector_backend = vector_backend
        self._encoder = encoder
        self._reader = reader
        self._window_tokens = window_tokens
        self._window_overlap = window_overlap
        self._batch_size = batch_size
        self._show_progress = show_progress
        self._max_file_bytes = max_file_bytes

    def open(self, corpus: Path, *, stale_ok: bool = True) -> tuple[LoadedIndex, BuildStats]:
        """Open the index of ``corpus``, building or updating it first when needed.

        An index folder that cannot be written (a read-only mount, a shared archive) is
        opened as it is: up to date, it answers as usual; out of date, it still answers when
        ``stale_ok`` (the stats say ``"read-only"`` and why in ``note``).

        Args:
            corpus: The article folder.
            stale_ok: Open an out-of-date index that cannot be written rather than fail.

        Raises:
            CorpusError: When the corpus folder is missing or holds no readable article.
            IndexError_: When the index folder cannot be written and the index there is
                missing, damaged, or out of date without ``stale_ok``.

        Example:
            >>> index, stats = store.open(Path("seeds"))
            >>> stats.action
            'reused'
        """
        started = time.perf_counter()
        files = scan_corpus(corpus)
        if self.uploads is not None:
            files += self.uploads.corpus_files()
        wanted = {f.relative: f.sha256 for f in files}
        problem = self.cannot_write()
        if problem is not None:
            return self._open_read_only(wanted, started, problem, stale_ok)
        with self._locked():
            current = self._open_current()
            if (
                current is not None
                and current.manifest.files == wanted
                # Same encoder, reader, windows, format and vector backend: a changed setting
                # rebuilds (reusing what it can) rather than serve the old recipe.
                and current.manifest.same_recipe(self._recipe())
            ):
                stats = BuildStats(
                    "reused",
                    len(current.documents),
                    len(current.passages),
                    0,
                    time.perf_counter() - started,
                )
                return current, stats
            loaded, stats = self._build(corpus, files, current, started)
            if current is not None:
                current.close()
            return loaded, stats

    def cannot_write(self) -> str | None:
        """Why the index folder cannot be written, in one line; None when it can.

        Example:
            >>> IndexStore(Path("/proc/ix"), encoder, reader).cannot_write()
            'cannot write the index folder /proc/ix (No such file or directory)'
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # The lock file is the first thing every write opens; opening it is the test.
            with open(self.folder / ".lock", "a+"):
                pass
        except OSError as exc:
            return f"cannot write the index folder {self.folder} ({exc.strerror or exc})"
        return None

    def _open_read_only(
        self, wanted: dict[str, str], started: float, problem: str, stale_ok: bool
    ) -> tuple[LoadedIndex, BuildStats]:
        # A finished generation is read without the lock (readers never need it), and
        # verifying its checksums leaves the folder alone when it cannot write.
        current = self._open_current() if self.folder.is_dir() else None
        if current is None:
            raise IndexError_(f"{problem}, and it holds no usable index to answer from")
        counts = len(current.documents), len(current.passages)
        if current.manifest.files == wanted and current.manifest.same_recipe(self._recipe()):
            return current, BuildStats("reused", *counts, 0, time.perf_counter() - started)
        built = current.manifest.files
        changed = sum(wanted.get(name) != built.get(name) for name in {*wanted, *built})
        if not stale_ok:
            current.close()
            raise IndexError_(f"{problem}; the index was not updated")
        differs = (
            f"which differs from the corpus in {changed} file{'' if changed == 1 else 's'}"
            if changed
            else "which was built with other settings"
        )
        note = f"{problem}; answering from the index as it was built, {differs}"
        return current, BuildStats(
            "read-only", *counts, 0, time.perf_counter() - started, note=note
        )

    def current(self, *, wait: bool = True) -> LoadedIndex | None:
        """The live generation as it is, without building or updating anything.

        Args:
            wait: Wait for a build in progress to finish first. False opens the generation
                live now; switching generations is one atomic rename, so it is whole either
                way (worker processes open it this way, side by side).

        Returns:
            The opened generation, or None when there is none or it is damaged.

        Example:
            >>> store.current().manifest.passages
            15
        """
        if not self.folder.is_dir():
            return None
        if not wait or self.cannot_write() is not None:
            return self._open_current()
        with self._locked():
            return self._open_current()

    # -- building ---------------------------------------------------------------------------

    def _build(
        self,
        corpus: Path,
        files: list[CorpusFile],
        previous: LoadedIndex | None,
        started: float,
    ) -> tuple[LoadedIndex, BuildStats]:
        # Reading, splitting, encoding and analysing go through the executor (in this process
        # unless one was given); what is reused and the order of rows are decided here, so
        # every executor writes the same index.
        executor = self._executor
        if executor is None:
            executor = InProcessExecutor(
                Chunker(self._encoder.token_offsets, self._window_tokens, self._window_overlap),
                functools.partial(
                    encode_passages,
                    encoder=self._encoder,
                    reader=self._reader,
                    batch_size=self._batch_size,
                    # One bar for the whole build, drawn here: the corpus is encoded in
                    # batches whose total is not known until it has been read.
                    show_progress=False,
                ),
                max_file_bytes=self._max_file_bytes,
            )
        recipe = self._recipe()
        reuse = previous is not None and previous.manifest.same_recipe(recipe)
        if previous is not None and not reuse:
            log.warning(
                "index at %s was built with encoder %r, reader %r, format %d; rebuilding for "
                "encoder %r, reader %r, format %d",
                self.folder,
                previous.manifest.encoder,
                previous.manifest.reader,
                previous.manifest.format_version,
                recipe.encoder,
                recipe.reader,
                recipe.format_version,
            )
        old_files = previous.manifest.files if previous is not None and reuse else {}
        report = LoadReport()
        # Ids only: an unchanged file's documents are read back one at a time as they are
        # written, so an update of a large index never holds all its documents.
        docs_by_source: dict[str, list[str]] = {}
        rows_by_document: dict[str, list[int]] = {}
        if previous is not None and reuse:
            for doc_id, source in previous.documents.sources():
                docs_by_source.setdefault(source, []).append(doc_id)
            for row in range(len(previous.passages)):
                rows_by_document.setdefault(previous.passages.document_id(row), []).append(row)
        # The articles of each changed file, in order (read lazily in this process).
        changed = [f for f in files if previous is None or old_files.get(f.relative) != f.sha256]
        read = iter(executor.read(changed, report))
        stamp = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns()}"
        partial = self.folder / f"{stamp}.partial"
        final = self.folder / stamp
        writer = GenerationWriter(partial)
        # Passages waiting to be written, in row order: a row number carried over from the
        # previous generation, or a new passage to encode. Written a batch at a time, so
        # a build holds one batch of passages, vectors and analyses, not the corpus's.
        batch: list[int | Passage] = []
        fresh = 0
        seen: set[str] = set()
        bar = tqdm(desc="indexing passages", unit=" passages", disable=not self._show_progress)
        # Files are read while the bar is up: warnings about them go above it, each on a line
        # of its own, rather than onto the bar's line.
        redirect = logging_redirect_tqdm() if self._show_progress else contextlib.nullcontext()
        redirect.__enter__()
        try:
            for file in files:
                unchanged = previous is not None and old_files.get(file.relative) == file.sha256
                articles: Iterable[tuple[Document, ReadArticle | None]]
                if unchanged:
                    assert previous is not None
                    found = docs_by_source.get(file.relative, [])
                    articles = ((previous.documents[doc_id], None) for doc_id in found)
                else:
                    articles = [(a.document, a) for a in next(read)]
                for doc, article in articles:
                    if doc.id in seen:
                        raise IndexError_(
                            f"two articles share the id {doc.id!r}; ids must be unique"
                        )
                    seen.add(doc.id)
                    writer.add_document(doc)
                    # A changed file may still hold articles already indexed (a feed that
                    # gained items, a JSONL file appended to): an article identical to the
                    # indexed one keeps its passages, vectors and analyses, so only what is
                    # new costs time.
                    if article is None or (
                        previous is not None and reuse and previous.documents.get(doc.id) == doc
                    ):
                        batch.extend(rows_by_document.get(doc.id, []))
                    else:
                        for passage in article.passages():
                            batch.append(passage)
                            fresh += 1
                    if len(batch) >= self._stream_batch:
                        bar.update(self._write_batch(writer, batch, executor, previous))
                        batch = []
                        # What the batch's encoding and parsing freed goes back to the
                        # system, so the build's memory stays flat (qa.memory).
                        release_free_memory()
            bar.update(self._write_batch(writer, batch, executor, previous))
            bar.close()
            redirect.__exit__(None, None, None)
            redirect = contextlib.nullcontext()  # exited once only, whatever follows
            if not writer.passages:
                raise CorpusError(
                    f"corpus folder {str(corpus)!r} holds no readable article "
                    f"({', '.join(suffixes())})"
                )
            manifest = writer.finish(self._recipe(), {f.relative: f.sha256 for f in files})
            _write_atomic(partial / "manifest.json", manifest.model_dump_json(indent=2))
            _fsync_dir(partial)
            partial.rename(final)
            _write_atomic(self.folder / "CURRENT", final.name + "\n")
        except BaseException:
            bar.close()
            redirect.__exit__(None, None, None)
            writer.close()
            shutil.rmtree(partial, ignore_errors=True)
            raise
        self._remove_stale(keep=final.name)
        loaded = LoadedIndex(final, self._read_manifest(final))
        action = "updated" if previous is not None and reuse else "built"
        seconds = time.perf_counter() - started
        for name, why in report.skipped:
            log.debug("skipped %s: %s", name, why)
        return loaded, BuildStats(
            action,
            writer.documents,
            writer.passages,
            fresh,
            seconds,
            tuple(report.skipped),
        )

    def _write_batch(
        self,
        writer: GenerationWriter,
        batch: list[int | Passage],
        executor: BuildExecutor,
        previous: LoadedIndex | None,
    ) -> int:
        """Encode the batch's new passages, fetch its old ones, and write all in row order.

        Returns:
            How many passages were encoded.
        """
        if not batch:
            return 0
        new = [item for item in batch if isinstance(item, Passage)]
        new_vectors, new_analyses = executor.encode(new)
        rows = [item for item in batch if isinstance(item, int)]
        old_analyses: list[bytes] = []
        old_vectors: list[np.ndarray] = []
        if rows:
            assert previous is not None
            old_analyses = previous.analyses(rows)
            # A passage's vectors are one run of rows (written in passage order): read the
            # runs of this batch only, never the previous generation's every vector.
            bounds = np.searchsorted(previous.unit_passage, [min(rows), max(rows) + 1])
            block = vector_rows(previous.vectors, int(bounds[0]), int(bounds[1]))
            owners = previous.unit_passage[bounds[0] : bounds[1]]
            firsts = np.searchsorted(owners, rows, side="left")
            lasts = np.searchsorted(owners, rows, side="right")
            old_vectors = [block[a:b] for a, b in zip(firsts, lasts, strict=True)]
        passages: list[Passage] = []
        vectors: list[np.ndarray] = []
        analyses: list[bytes] = []
        at_new = at_old = 0
        for item in batch:
            if isinstance(item, Passage):
                passages.append(item)
                vectors.append(new_vectors[at_new])
                analyses.append(new_analyses[at_new])
                at_new += 1
            else:
                assert previous is not None
                passages.append(previous.passages[item])
                vectors.append(old_vectors[at_old])
                analyses.append(old_analyses[at_old])
                at_old += 1
        writer.add_passages(passages, vectors, analyses)
        return len(new)

    def _recipe(self) -> Manifest:
        return Manifest(
            format_version=FORMAT_VERSION,
            encoder=self._encoder.name,
            dim=self._encoder.dim,
            reader=self._reader.name,
            window_tokens=self._window_tokens,
            window_overlap=self._window_overlap,
            files={},
            fingerprint="",
            documents=0,
            passages=0,
            checksums={},
            built_at="",
            vector_backend=self._vector_backend,
            vectors_file=vectors_file_for(self._vector_backend),
            # The setting as given; "auto" becomes a backend when the vectors are written.
            vector_setting=self._vector_backend,
        )

    # -- reading ------------------------------------------------------------------------------

    def _open_current(self) -> LoadedIndex | None:
        pointer = self.folder / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text(errors="replace").strip()
        generation = self.folder / name
        try:
            if not name.startswith("gen-") or not generation.is_dir():
                raise ValueError(f"CURRENT names a missing generation {name!r}")
            manifest = self._read_manifest(generation)
            if manifest.format_version != FORMAT_VERSION:
                # Written by another version of this program: not damaged, just rebuilt in
                # the current layout (its tables may lack columns this version reads).
                log.warning(
                    "index at %s has format %d, this version writes %d; rebuilding it",
                    self.folder,
                    manifest.format_version,
                    FORMAT_VERSION,
                )
                return None
            verify_checksums(generation, manifest.checksums)
            return LoadedIndex(generation, manifest)
        except (OSError, ValueError, KeyError, sqlite3.Error, ValidationError) as exc:
            log.warning("index at %s is damaged (%s); rebuilding it", self.folder, exc)
            return None

    @staticmethod
    def _read_manifest(generation: Path) -> Manifest:
        try:
            return Manifest.model_validate_json((generation / "manifest.json").read_bytes())
        except (OSError, ValidationError) as exc:
            raise ValueError(f"unreadable manifest: {str(exc).splitlines()[0]}") from None

    # -- housekeeping -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # One builder at a time per index folder; readers of a finished generation need no lock.
        with open(self.folder / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # Another process (a second `qa index`, a server adding an upload) is writing
                # this index: wait for it, and say so, rather than look hung.
                log.warning("another process is updating the index at %s; waiting", self.folder)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _remove_stale(self, keep: str) -> None:
        for entry in self.folder.iterdir():
            if entry.is_dir() and entry.name.startswith("gen-") and entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["BuildStats", "IndexStore"]
