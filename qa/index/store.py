"""The persistent index: SQLite for documents, passages and analyses, FAISS for vectors.

Layout of an index folder::

    CURRENT                 name of the live generation (replaced atomically)
    gen-<stamp>/            one complete, immutable generation
        manifest.json       model, dimension, format version, corpus fingerprint, checksums
        store.sqlite        documents, passages, per-passage reader analyses
        dense.faiss         the vectors: per passage, the passage with its title and, when it
                            has several, each of its sentences (table ``units`` maps each
                            vector row to its passage row)

A build writes a new generation beside the live one and only then points ``CURRENT`` at it, so a
crash mid-build leaves the previous index untouched, and a damaged generation (checksums disagree)
is never read: it is rebuilt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from tqdm import tqdm

from embeddings.base import Encoder
from qa.errors import CorpusError, IndexError_
from qa.ingest.loader import CorpusFile, LoadReport, read_document_file, scan_corpus
from qa.ingest.passages import Chunker, split_sentences
from qa.ingest.uploads import UploadFolder
from qa.read.base import Reader
from qa.retrieve.vector import FaissFlatIndex
from qa.types import Document, Passage
from qa.words import article_words

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
# Documents whose word sets a loaded index keeps (LoadedIndex.document_words).
WORD_CACHE = 1024
_SCHEMA = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source TEXT NOT NULL,
    date TEXT, url TEXT
);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, document_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE TABLE analyses (row INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE units (row INTEGER PRIMARY KEY, passage INTEGER NOT NULL);
"""


class Manifest(BaseModel):
    """What an index generation was built from and with."""

    model_config = ConfigDict(frozen=True)

    format_version: int
    encoder: str
    dim: int
    reader: str
    window_tokens: int
    window_overlap: int
    files: dict[str, str]
    fingerprint: str
    documents: int
    passages: int
    checksums: dict[str, str]
    built_at: str

    def same_recipe(self, other: Manifest) -> bool:
        """True when passages, vectors and analyses of one can be reused in the other."""
        return (
            self.format_version == other.format_version
            and self.encoder == other.encoder
            and self.dim == other.dim
            and self.reader == other.reader
            and self.window_tokens == other.window_tokens
            and self.window_overlap == other.window_overlap
        )


@dataclass(frozen=True)
class BuildStats:
    """What the last open or build did, for progress reports and benchmarks."""

    action: str  # "reused", "built", "updated"
    documents: int
    passages: int
    new_passages: int
    seconds: float
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def passages_per_second(self) -> float:
        """Throughput of encoding and analysing the passages that were (re)built."""
        return self.new_passages / self.seconds if self.seconds > 0 else 0.0


def corpus_fingerprint(files: dict[str, str]) -> str:
    """One hash over every file's path and content hash.

    Example:
        >>> corpus_fingerprint({"a.txt": "00"}) == corpus_fingerprint({"a.txt": "00"})
        True
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\n".encode())
    return digest.hexdigest()


class LoadedIndex:
    """A generation opened for reading: documents and passages in memory, analyses on demand."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self._db = sqlite3.connect(
            f"file:{folder / 'store.sqlite'}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self.documents: dict[str, Document] = {}
        for doc_id, title, text, source, date, url in self._db.execute(
            "SELECT id, title, text, source, date, url FROM documents ORDER BY id"
        ):
            self.documents[doc_id] = Document(
                id=doc_id,
                title=title,
                text=text,
                source=source,
                date=dt.date.fromisoformat(date) if date else None,
                url=url,
            )
        self.passages: list[Passage] = []
        for row, pid, doc_id, ordinal, start, end in self._db.execute(
            'SELECT row, id, document_id, ordinal, start, "end" FROM passages ORDER BY row'
        ):
            if row != len(self.passages):
                raise ValueError(f"passage rows are not contiguous at row {row}")
            doc = self.documents[doc_id]
            self.passages.append(
                Passage(
                    id=pid,
                    document_id=doc_id,
                    title=doc.title,
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    ordinal=ordinal,
                    date=doc.date,
                )
            )
        self.row_of = {p.id: i for i, p in enumerate(self.passages)}
        # Most recently used first out: a large corpus's word sets would not all fit.
        self._words: OrderedDict[str, frozenset[str]] = OrderedDict()
        self.unit_passage = np.array(
            [p for (p,) in self._db.execute("SELECT passage FROM units ORDER BY row")],
            dtype=np.int64,
        )
        self.vectors = FaissFlatIndex.load(folder / "dense.faiss")
        if len(self.vectors) != len(self.unit_passage) or self.vectors.dim != manifest.dim:
            raise ValueError(
                f"{len(self.vectors)} vectors of dimension {self.vectors.dim} for "
                f"{len(self.unit_passage)} units of dimension {manifest.dim}"
            )
        if len(self.unit_passage) and (
            self.unit_passage.min() < 0 or self.unit_passage.max() >= len(self.passages)
        ):
            raise ValueError("a vector points at a passage that does not exist")

    def analyses(self, rows: Sequence[int]) -> list[bytes]:
        """The reader's stored analyses of the given passage rows."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            found = dict(
                self._db.execute(
                    f"SELECT row, data FROM analyses WHERE row IN ({marks})", list(rows)
                ).fetchall()
            )
        return [bytes(found.get(row, b"")) for row in rows]

    def document_words(self, document_id: str) -> frozenset[str]:
        """The words of a document in their key form (:func:`qa.words.article_words`),
        kept for the :data:`WORD_CACHE` documents most recently asked about."""
        with self._lock:
            words = self._words.get(document_id)
            if words is not None:
                self._words.move_to_end(document_id)
                return words
        words = article_words(self.documents[document_id].text)
        with self._lock:
            self._words[document_id] = words
            while len(self._words) > WORD_CACHE:
                self._words.popitem(last=False)
        return words

    def close(self) -> None:
        """Release the database handle."""
        with self._lock:
            self._db.close()


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

    Example:
        >>> store = IndexStore(Path("/tmp/ix"), encoder, reader)  # doctest: +SKIP
        >>> index, stats = store.open(Path("seeds"))               # doctest: +SKIP
    """

    def __init__(
        self,
        folder: Path,
        encoder: Encoder,
        reader: Reader,
        *,
        window_tokens: int = 254,
        window_overlap: int = 64,
        batch_size: int = 32,
        show_progress: bool = True,
        max_file_bytes: int = 20_000_000,
        uploads: UploadFolder | None = None,
    ) -> None:
        self.folder = folder
        self.uploads = uploads
        self._encoder = encoder
        self._reader = reader
        self._window_tokens = window_tokens
        self._window_overlap = window_overlap
        self._batch_size = batch_size
        self._show_progress = show_progress
        self._max_file_bytes = max_file_bytes

    def open(self, corpus: Path) -> tuple[LoadedIndex, BuildStats]:
        """Open the index of ``corpus``, building or updating it first when needed.

        Raises:
            CorpusError: When the corpus folder is missing or holds no readable article.
            IndexError_: When the index folder cannot be written.
        """
        started = time.perf_counter()
        files = scan_corpus(corpus)
        if self.uploads is not None:
            files += self.uploads.corpus_files()
        wanted = {f.relative: f.sha256 for f in files}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexError_(f"cannot create index folder {str(self.folder)!r}: {exc}") from None
        with self._locked():
            current = self._open_current()
            if (
                current is not None
                and current.manifest.files == wanted
                and current.manifest.encoder == self._encoder.name
                and current.manifest.reader == self._reader.name
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

    def current(self) -> LoadedIndex | None:
        """The live generation as it is, without building or updating anything.

        Returns:
            The opened generation, or None when there is none or it is damaged.

        Example:
            >>> store.current().manifest.passages                      # doctest: +SKIP
            15
        """
        if not self.folder.is_dir():
            return None
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
        chunker = Chunker(self._encoder.token_offsets, self._window_tokens, self._window_overlap)
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
        documents: list[Document] = []
        passages: list[Passage] = []
        sources: list[tuple[str, int]] = []  # ("old", row) or ("new", index into fresh)
        fresh: list[Passage] = []
        docs_by_source: dict[str, list[Document]] = {}
        rows_by_document: dict[str, list[int]] = {}
        if previous is not None and reuse:
            for doc in previous.documents.values():
                docs_by_source.setdefault(doc.source, []).append(doc)
            for row, passage in enumerate(previous.passages):
                rows_by_document.setdefault(passage.document_id, []).append(row)
        for file in files:
            if previous is not None and old_files.get(file.relative) == file.sha256:
                for doc in docs_by_source.get(file.relative, []):
                    documents.append(doc)
                    for row in rows_by_document.get(doc.id, []):
                        passages.append(previous.passages[row])
                        sources.append(("old", row))
                continue
            for doc in read_document_file(file, report, max_file_bytes=self._max_file_bytes):
                documents.append(doc)
                for passage in chunker.passages(doc):
                    passages.append(passage)
                    sources.append(("new", len(fresh)))
                    fresh.append(passage)
        seen: set[str] = set()
        for doc in documents:
            if doc.id in seen:
                raise IndexError_(f"two articles share the id {doc.id!r}; ids must be unique")
            seen.add(doc.id)
        if not passages:
            raise CorpusError(
                f"corpus folder {str(corpus)!r} holds no readable .txt, .md or .jsonl article"
            )

        new_vectors, new_analyses = self._encode_and_analyze(fresh)
        old_units: dict[int, np.ndarray] = {}
        if previous is not None and reuse:
            stored = previous.vectors.vectors()
            for row in {row for kind, row in sources if kind == "old"}:
                old_units[row] = stored[previous.unit_passage == row]
        vectors: list[np.ndarray] = []
        old_rows = [row for kind, row in sources if kind == "old"]
        old_analyses = (
            dict(zip(old_rows, previous.analyses(old_rows), strict=True))
            if (previous is not None and reuse)
            else {}
        )
        analyses: list[bytes] = []
        for kind, row in sources:
            if kind == "old":
                vectors.append(old_units[row])
                analyses.append(old_analyses[row])
            else:
                vectors.append(new_vectors[row])
                analyses.append(new_analyses[row])

        files_map = {f.relative: f.sha256 for f in files}
        generation = self._write_generation(documents, passages, vectors, analyses, files_map)
        loaded = LoadedIndex(generation, self._read_manifest(generation))
        action = "updated" if previous is not None and reuse else "built"
        seconds = time.perf_counter() - started
        for name, why in report.skipped:
            log.debug("skipped %s: %s", name, why)
        return loaded, BuildStats(
            action, len(documents), len(passages), len(fresh), seconds, tuple(report.skipped)
        )

    def _encode_and_analyze(self, fresh: list[Passage]) -> tuple[list[np.ndarray], list[bytes]]:
        """Vectors of each passage's units (passage, then sentences) and its analysis."""
        vectors: list[np.ndarray] = []
        analyses: list[bytes] = []
        if not fresh:
            return vectors, analyses
        bar = tqdm(
            total=len(fresh),
            desc="indexing passages",
            unit="passage",
            disable=not self._show_progress,
            # Left in place, the finished bar ends its line; otherwise the next output (a
            # warning, the summary) would run into it.
            leave=True,
        )
        with bar:
            for first in range(0, len(fresh), self._batch_size):
                batch = fresh[first : first + self._batch_size]
                units = [_units(p) for p in batch]
                encoded = self._encoder.encode([u for group in units for u in group])
                at = 0
                for group in units:
                    vectors.append(encoded[at : at + len(group)])
                    at += len(group)
                analyses.extend(self._reader.analyze([p.text for p in batch]))
                bar.update(len(batch))
        return vectors, analyses

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
        )

    def _write_generation(
        self,
        documents: list[Document],
        passages: list[Passage],
        vectors: list[np.ndarray],
        analyses: list[bytes],
        files: dict[str, str],
    ) -> Path:
        stamp = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.perf_counter_ns()}"
        partial = self.folder / f"{stamp}.partial"
        final = self.folder / stamp
        partial.mkdir()
        try:
            db = sqlite3.connect(partial / "store.sqlite")
            with contextlib.closing(db):
                db.executescript(_SCHEMA)
                db.executemany(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            d.id,
                            d.title,
                            d.text,
                            d.source,
                            d.date.isoformat() if d.date else None,
                            d.url,
                        )
                        for d in documents
                    ],
                )
                db.executemany(
                    "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (row, p.id, p.document_id, p.ordinal, p.start, p.end)
                        for row, p in enumerate(passages)
                    ],
                )
                owners = [row for row, group in enumerate(vectors) for _ in range(len(group))]
                db.executemany("INSERT INTO units VALUES (?, ?)", list(enumerate(owners)))
                db.executemany(
                    "INSERT INTO analyses VALUES (?, ?)",
                    [(row, sqlite3.Binary(data)) for row, data in enumerate(analyses)],
                )
                db.commit()
            flat = np.vstack(vectors)
            index = FaissFlatIndex(flat.shape[1])
            index.add(flat)
            index.save(partial / "dense.faiss")
            recipe = self._recipe()
            manifest = recipe.model_copy(
                update={
                    "dim": int(flat.shape[1]),
                    "files": files,
                    "fingerprint": corpus_fingerprint(files),
                    "documents": len(documents),
                    "passages": len(passages),
                    "checksums": {
                        name: _sha256(partial / name) for name in ("store.sqlite", "dense.faiss")
                    },
                    "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                }
            )
            _write_atomic(partial / "manifest.json", manifest.model_dump_json(indent=2))
            _fsync_dir(partial)
            partial.rename(final)
            _write_atomic(self.folder / "CURRENT", final.name + "\n")
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        self._remove_stale(keep=final.name)
        return final

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
            for file, expected in manifest.checksums.items():
                if _sha256(generation / file) != expected:
                    raise ValueError(f"{file} does not match its checksum")
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


def _units(passage: Passage) -> list[str]:
    """What is embedded for a passage: the passage with its title, which gives context its
    own words lack ("it", "the agreement"), and each sentence on its own when there are several,
    since a question usually matches one sentence and a paragraph's vector blurs it."""
    sentences = split_sentences(passage.text)
    whole = f"{passage.title}. {passage.text}"
    return [whole, *sentences] if len(sentences) > 1 else [whole]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def format_manifest(manifest: Manifest) -> str:
    """A one-line description of an index for people."""
    return (
        f"{manifest.documents} articles, {manifest.passages} passages, encoder "
        f"{manifest.encoder} ({manifest.dim}-d), reader {manifest.reader}, built "
        f"{manifest.built_at}"
    )


__all__ = ["BuildStats", "IndexStore", "LoadedIndex", "Manifest", "format_manifest"]
