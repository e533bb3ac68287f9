"""An index build's growing work on a Ray cluster (``qa index PATH --ray [ADDRESS]``).

:class:`RayExecutor` is a :class:`~qa.index.executor.BuildExecutor` that runs the in-process
executor's code inside Ray tasks, on a local Ray cluster or an existing one. File bytes travel
in the tasks (no shared filesystem is needed); each node builds its own encoder and reader from
the :class:`Settings`, so every node needs this package and its models installed.

Ray is an optional extra: it is imported only when a :class:`RayExecutor` first connects, so
importing this module never imports it.

Example:
    Not run by the tests, which start a Ray cluster only where they are marked slow:

    >>> from qa.settings import Settings
    >>> from qa.components import index_on_ray
    >>> settings = Settings(encoder="hashing", index_dir=tmp_path / "index")
    >>> index_on_ray(Path("seeds"), settings).action  # starts a Ray cluster  # doctest: +SKIP
    'built'
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import logging
import socket
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
from tqdm import tqdm

from embeddings.base import Encoder
from qa.errors import IndexError_, QAError, UsageError
from qa.index.executor import Analyzer, Encoded, InProcessExecutor, ReadArticle, encode_passages
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.passages import Chunker
from qa.settings import Settings
from qa.types import Document, Passage

log = logging.getLogger(__name__)

RAY_MISSING = (
    "Ray is not installed; install the ray extra: pip install -c constraints.txt -e '.[ray]'"
)

# -- Ray ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileRead:
    """What a Ray task read from one file: its articles with their passages, and skips."""

    articles: list[tuple[Document, list[Passage]]]
    skipped: list[tuple[str, str]]


@dataclass(frozen=True)
class _Batch:
    """What a Ray task encoded, with the names of the parts the node built."""

    vectors: list[np.ndarray]
    analyses: list[bytes]
    encoder: str
    reader: str


@dataclass(frozen=True)
class _Worker:
    executor: InProcessExecutor
    encoder: str
    reader: str


# A worker process keeps its encoder and reader between tasks: loading MiniLM and spaCy takes
# seconds, a task a fraction of that.
_WORKERS: dict[str, _Worker] = {}

# Each task reserves one core and runs torch on one thread: a node then runs one task per
# core, which keeps all of them busy without threads contending.
_TASK_CPUS = 1


# Builds the encoder and the analysing reader from the settings; given by whoever wires the
# pipeline together (qa.components.make_parts), so this stage depends on no reader.
Parts = Callable[[Settings], tuple[Encoder, Analyzer]]
# What every task receives: the settings and how to build the parts from them.
_Config = tuple[Settings, Parts]


def _worker(config: _Config) -> _Worker:
    settings, parts = config
    key = f"{settings.model_dump_json()} {parts.__module__}.{parts.__qualname__}"
    worker = _WORKERS.get(key)
    if worker is None:
        from qa.threads import use_threads

        use_threads(_TASK_CPUS)
        encoder, reader = parts(settings)
        chunker = Chunker(encoder.token_offsets, settings.window_tokens, settings.window_overlap)
        # The very encoding step a local build runs, so a node computes what it would.
        encode = functools.partial(
            encode_passages, encoder=encoder, reader=reader, batch_size=settings.batch_size
        )
        executor = InProcessExecutor(chunker, encode, max_file_bytes=settings.max_file_bytes)
        worker = _WORKERS[key] = _Worker(executor, encoder.name, reader.name)
    return worker


def _read_task(config: _Config, files: list[tuple[CorpusFile, bytes]]) -> list[_FileRead]:
    """Ray task: read and split a group of files whose bytes came with the task."""
    executor = _worker(config).executor
    results: list[_FileRead] = []
    with tempfile.TemporaryDirectory(prefix="qa-read-") as tmp:
        for n, (file, data) in enumerate(files):
            # The readers go by the file's suffix and its name in the corpus, not its path,
            # so the bytes are read from a private copy under the same suffix.
            local = Path(tmp) / f"{n}{file.path.suffix}"
            local.write_bytes(data)
            report = LoadReport()
            articles = next(iter(executor.read([dataclasses.replace(file, path=local)], report)))
            # Every article is split here: the task cannot know which ones the index already
            # holds, and splitting is cheap beside encoding.
            results.append(
                _FileRead([(a.document, a.passages()) for a in articles], list(report.skipped))
            )
    return results


def _encode_task(config: _Config, passages: list[Passage]) -> _Batch:
    """Ray task: encode and analyse a batch of passages."""
    worker = _worker(config)
    vectors, analyses = worker.executor.encode(passages)
    return _Batch(vectors, analyses, worker.encoder, worker.reader)


_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


class RayExecutor:
    """Reads, splits, encodes and analyses on a Ray cluster.

    Work goes out as Ray tasks in groups (a few dozen files, or ``passages_per_task``
    passages), a bounded number at a time so the driver never holds the whole corpus in
    flight; results come back in order. File bytes travel with the tasks, so the nodes need no
    shared filesystem, but each needs this package and its models installed: a node builds
    its encoder and reader from ``settings`` and keeps them for the tasks that follow.

    Args:
        settings: The settings of the build; the store given this executor must be built from
            the same ones (see :func:`qa.components.index_on_ray`).
        address: The cluster: ``HOST:PORT`` of a head node started with ``ray start --head``,
            or ``ray://HOST:10001`` for Ray Client; None starts a private local cluster on this
            machine (never one somebody else started), which is shut down on :meth:`close`.
            When this process is already connected to Ray, that connection is used.
        passages_per_task: Passages encoded per task.
        files_per_task: Most files read per task.
        bytes_per_task: Most file bytes shipped per read task (one larger file goes alone).
        num_cpus: Cores of a local cluster; None uses all of them.

    Raises:
        UsageError: When Ray is not installed, or ``address`` is not a Ray address.

    Example:
        What :func:`qa.components.index_on_ray` does:

        >>> from qa.components import make_parts, make_store
        >>> settings = Settings(encoder="hashing", index_dir=tmp_path / "index")
        >>> encoder, reader = make_parts(settings)
        >>> executor = RayExecutor(settings, parts=make_parts)  # connects on first use
        >>> with executor:  # starts a local Ray cluster  # doctest: +SKIP
        ...     store = make_store(settings, Path("seeds"), encoder, reader, executor=executor)
        ...     index, stats = store.open(Path("seeds"))
    """

    def __init__(
        self,
        settings: Settings,
        address: str | None = None,
        *,
        parts: Parts,
        passages_per_task: int = 64,
        files_per_task: int = 32,
        bytes_per_task: int = 8_000_000,
        num_cpus: int | None = None,
    ) -> None:
        check_ray_address(address)
        # Said now rather than when the first task is due, after the corpus has been scanned.
        if importlib.util.find_spec("ray") is None:
            raise UsageError(RAY_MISSING)
        self._settings = settings
        self._parts = parts
        self._address = address
        self._passages_per_task = passages_per_task
        self._files_per_task = files_per_task
        self._bytes_per_task = bytes_per_task
        self._num_cpus = num_cpus
        self._ray: Any = None
        self._owned = False
        self._expected: tuple[str, str] | None = None

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Shut down the local cluster this executor started, or disconnect from the one it
        joined; a connection it found open is left open.

        Example:
            >>> from qa.components import make_parts
            >>> executor = RayExecutor(Settings(encoder="hashing"), parts=make_parts)
            >>> executor.close()  # it connects on first use: nothing to shut down yet
        """
        if self._ray is not None and self._owned:
            self._ray.shutdown()
        self._ray, self._owned = None, False

    def read(self, files: Sequence[CorpusFile], report: LoadReport) -> list[list[ReadArticle]]:
        """Read and split ``files`` on the cluster; see :meth:`BuildExecutor.read`.

        Example:
            >>> from qa.components import make_parts
            >>> from qa.ingest.loader import scan_corpus
            >>> executor = RayExecutor(Settings(encoder="hashing"), parts=make_parts)
            >>> files = scan_corpus(Path("seeds"))
            >>> articles = executor.read(files, LoadReport())  # starts Ray  # doctest: +SKIP
        """
        if not files:
            return []
        ray = self._connect()
        results: list[_FileRead | None] = [None] * len(files)
        groups: list[list[int]] = []  # the files each task was given, in the order of tasks
        bar = self._bar(len(files), "reading articles", "file")

        def jobs() -> Iterator[tuple[int, list[tuple[CorpusFile, bytes]]]]:
            group: list[int] = []
            size = 0
            for n, file in enumerate(files):
                if group and (
                    len(group) >= self._files_per_task or size + file.size > self._bytes_per_task
                ):
                    yield from self._payload(files, group, results, groups, bar)
                    group, size = [], 0
                group.append(n)
                # A file too large to index is skipped without its bytes travelling.
                size += file.size if file.size <= self._settings.max_file_bytes else 0
            if group:
                yield from self._payload(files, group, results, groups, bar)

        with bar:
            for task, reads in enumerate(self._run(ray, _read_task, jobs(), bar.update)):
                for n, read in zip(groups[task], reads, strict=True):
                    results[n] = read
        out: list[list[ReadArticle]] = []
        for result in results:
            assert result is not None  # every file was read by a task or settled here
            for relative, why in result.skipped:
                report.skip(relative, why)
            out.append(
                [
                    ReadArticle(doc, functools.partial(list, passages))
                    for doc, passages in result.articles
                ]
            )
        return out

    def encode(self, passages: Sequence[Passage]) -> Encoded:
        """Encode and analyse ``passages`` on the cluster; see :meth:`BuildExecutor.encode`.

        Raises:
            IndexError_: When a node built another encoder or reader than this machine would
                (a different version of the package is installed there).

        Example:
            >>> from qa.components import make_parts
            >>> executor = RayExecutor(Settings(encoder="hashing"), parts=make_parts)
            >>> vectors, analyses = executor.encode(passages)  # starts Ray  # doctest: +SKIP
        """
        vectors: list[np.ndarray] = []
        analyses: list[bytes] = []
        if not passages:
            return vectors, analyses
        ray = self._connect()
        expected = self._expected_names()
        step = self._passages_per_task
        bar = self._bar(len(passages), "indexing passages", "passage")

        def jobs() -> Iterator[tuple[int, list[Passage]]]:
            for first in range(0, len(passages), step):
                batch = list(passages[first : first + step])
                yield len(batch), batch

        with bar:
            for batch in self._run(ray, _encode_task, jobs(), bar.update):
                if (batch.encoder, batch.reader) != expected:
                    raise IndexError_(
                        f"a Ray node built encoder {batch.encoder!r} and reader "
                        f"{batch.reader!r}, this machine {expected[0]!r} and {expected[1]!r}; "
                        "install the same version of news-qa on every node"
                    )
                vectors.extend(batch.vectors)
                analyses.extend(batch.analyses)
        return vectors, analyses

    # -- helpers --------------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self._ray is not None:
            return self._ray
        try:
            # Typed as Any: Ray is an optional extra, and the checks must pass without it.
            ray: Any = importlib.import_module("ray")
        except ImportError:
            raise UsageError(RAY_MISSING) from None
        if not ray.is_initialized():
            # Quiet (no progress shown) means no warnings either, Ray's included.
            level = logging.WARNING if self._settings.show_progress else logging.ERROR
            try:
                if self._address:
                    _check_reachable(self._address)
                    ray.init(address=self._address, logging_level=level)
                else:
                    # "local", not None: None would join whatever cluster `ray start` last
                    # started on this machine, which may be somebody else's.
                    ray.init(
                        address="local",
                        num_cpus=self._num_cpus,
                        include_dashboard=False,
                        logging_level=level,
                    )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"at {self._address!r}" if self._address else "on this machine"
                # Ray says only "Failed to connect" when the cluster wants a token it was not
                # given; its log lines above say so, but they scroll by.
                hint = (
                    " (a cluster with token authentication also needs RAY_AUTH_MODE=token and "
                    "its token here: see docs/scaling.md)"
                    if self._address
                    else ""
                )
                raise IndexError_(
                    f"cannot start or reach a Ray cluster {where}: {_first_line(exc)}{hint}"
                ) from None
            self._owned = True
        self._ray = ray
        return ray

    def _expected_names(self) -> tuple[str, str]:
        if self._expected is None:
            # Naming the parts loads no model (see qa.components).
            encoder, reader = self._parts(self._settings)
            self._expected = (encoder.name, reader.name)
        return self._expected

    def _bar(self, total: int, desc: str, unit: str) -> tqdm[Any]:
        return tqdm(
            total=total,
            desc=desc,
            unit=unit,
            disable=not self._settings.show_progress,
            leave=True,
        )

    def _payload(
        self,
        files: Sequence[CorpusFile],
        group: list[int],
        results: list[_FileRead | None],
        groups: list[list[int]],
        bar: tqdm[Any],
    ) -> Iterator[tuple[int, list[tuple[CorpusFile, bytes]]]]:
        """The job of one read task: the bytes of a group of files, read only now, as the task
        is submitted, so a large corpus is never all in the driver's memory at once."""
        positions: list[int] = []
        payload: list[tuple[CorpusFile, bytes]] = []
        for n in group:
            file = files[n]
            if file.skipped is not None:
                # Left out by the scan (a hidden folder, a .docx): its reason is all there is.
                results[n] = _FileRead([], [(file.relative, file.skipped)])
                bar.update(1)
                continue
            if file.size > self._settings.max_file_bytes:
                # The reader skips it by its size before reading a byte: nothing need travel.
                data = b""
            else:
                try:
                    data = file.path.read_bytes()
                except OSError as exc:
                    # Settled here, with the message the in-process reader gives.
                    results[n] = _FileRead(
                        [], [(file.relative, f"cannot be read ({exc.strerror})")]
                    )
                    bar.update(1)
                    continue
            positions.append(n)
            payload.append((file, data))
        if payload:
            groups.append(positions)
            yield len(payload), payload

    def _run(
        self,
        ray: Any,
        function: Callable[[_Config, _Job], _Result],
        jobs: Iterator[tuple[int, _Job]],
        progress: Callable[[int], object],
    ) -> Iterator[_Result]:
        """Run ``function(settings, job)`` as a Ray task per job, a bounded number in flight,
        and yield the results in the order of the jobs; each job's size goes to ``progress``
        when its task finishes."""
        remote = ray.remote(num_cpus=_TASK_CPUS, max_retries=3)(function)
        settings = ray.put((self._settings, self._parts))
        # Two tasks per core keeps every core busy while results travel back, and bounds what
        # the driver holds.
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        pending: dict[Any, tuple[int, int]] = {}  # task -> (its number, its size)
        done: dict[int, _Result] = {}
        submitted = emitted = 0
        exhausted = False
        try:
            while not exhausted or pending:
                while not exhausted and len(pending) < window:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    size, payload = job
                    pending[remote.remote(settings, payload)] = (submitted, size)
                    submitted += 1
                if pending:
                    finished, _ = ray.wait(list(pending), num_returns=1)
                    for ref in finished:
                        number, size = pending.pop(ref)
                        done[number] = ray.get(ref)
                        progress(size)
                while emitted in done:
                    yield done.pop(emitted)
                    emitted += 1
        except Exception as exc:
            # A QAError raised in a task (Ray re-raises it as its own type) says what to fix;
            # Ray's own failures (a node lost, a task that cannot be unpickled) are summed up.
            if isinstance(exc, QAError) or not isinstance(exc, ray.exceptions.RayError):
                raise
            raise IndexError_(f"a Ray task failed: {_first_line(exc)}") from exc
        finally:
            for ref in pending:
                ray.cancel(ref)


def _check_reachable(address: str) -> None:
    """Fail in seconds on an address nothing listens at: Ray itself retries for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local": Ray finds the cluster itself
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10):
            pass
    except OSError as exc:
        raise IndexError_(
            f"cannot reach a Ray cluster at {address!r} ({exc.strerror or exc}); is "
            "`ray start --head` running there, and is the port open to this machine?"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_ray_address(address: str | None) -> None:
    """Refuse what cannot be a Ray cluster address (a corpus folder given after ``--ray``).

    Raises:
        UsageError: When ``address`` is neither None, ``HOST:PORT``, ``ray://...``, ``auto``
            nor ``local``.

    Example:
        >>> check_ray_address("10.0.0.5:6379")
        >>> check_ray_address("seeds")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        qa.errors.UsageError: 'seeds' is not a Ray cluster address (HOST:PORT or ...
    """
    if address is None or address in ("", "auto", "local") or ":" in address:
        return
    raise UsageError(
        f"{address!r} is not a Ray cluster address (HOST:PORT or ray://HOST:PORT); "
        "on the command line the corpus folder goes before --ray"
    )


__all__ = ["RAY_MISSING", "Parts", "RayExecutor", "check_ray_address"]
