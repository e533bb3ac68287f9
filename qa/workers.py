"""Worker processes that answer questions side by side, one per core.

Torch, spaCy and the span reader are CPU-bound Python: in one process they take turns under
the GIL and the compute lock, so a server answering sixteen clients used 0.90 of one core on a
two-core machine (docs/scaling.md). Each worker here is a process of its own, loads the models
once, opens the index that the parent built (read-only: workers never build) and answers on its
own thread budget, so questions run on every core at once.

The pool knows nothing of the assistant: the caller passes a picklable ``setup`` function that
makes the worker's state and a ``task`` function that uses it (see
:meth:`qa.pipeline.Assistant.start_workers`). When the index changes (an upload, a refresh) the
caller bumps :attr:`WorkerPool.generation`; every task carries it, and a worker still on an
older generation calls ``reopen`` on its state before answering.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from qa.errors import QAError

# Rounds of start-up probes before start() stops waiting for every worker (a round lasts at
# least 50 ms, and a worker that is slow to load still answers questions later).
_START_ROUNDS = 400

# The state a worker process holds between tasks: made once by ``setup``.
_STATE: Any = None
_GENERATION = 0


def _start(setup: Callable[..., Any], args: Sequence[Any], threads: int, generation: int) -> None:
    # Before torch is imported in this process, so it starts on its own budget rather than
    # one thread per core in every worker (see qa.threads).
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    global _STATE, _GENERATION
    _STATE = setup(*args)
    _GENERATION = generation


def _run(generation: int, task: Callable[..., Any], args: Sequence[Any]) -> Any:
    global _GENERATION
    if generation != _GENERATION:
        _STATE.reopen()
        _GENERATION = generation
    return task(_STATE, *args)


def _ready() -> int:
    # Long enough that one worker cannot take every probe before the others finish loading.
    time.sleep(0.05)
    return os.getpid()


class WorkerPool:
    """A fixed number of worker processes, each holding the state ``setup`` made.

    Processes are spawned, not forked: a fork of a process that has started torch's or
    FAISS's threads can deadlock in the child.

    Args:
        count: Worker processes.
        setup: Picklable (module-level) function making a worker's state from ``args``; the
            state must have a ``reopen()`` method.
        args: Picklable arguments for ``setup``.
        threads: Torch threads per worker.

    Example:
        >>> pool = WorkerPool(1, dict, [{"GSOMIA": "this Saturday"}])  # state: a dict
        >>> pool.start()
        >>> pool.call(dict.get, "GSOMIA")  # runs dict.get(state, "GSOMIA") in the worker
        'this Saturday'
        >>> pool.close()
    """

    def __init__(
        self,
        count: int,
        setup: Callable[..., Any],
        args: Sequence[Any] = (),
        threads: int = 1,
    ) -> None:
        if count < 1:
            raise QAError(f"workers={count} is out of range; use 1 or more")
        self.count = count
        self.generation = 0
        self._setup = setup
        self._args = tuple(args)
        self._threads = threads
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker and wait until each has made its state (loaded the models).

        Raises:
            QAError: When a worker fails to start; the message says why.
        """
        with self._lock:
            self._executor = self._new_executor()
            executor = self._executor
        # Probes until every worker has answered one: a worker takes tasks only after its
        # ``setup`` ran, so the models are loaded everywhere before the first question.
        pids: set[int] = set()
        try:
            for _ in range(_START_ROUNDS):
                pids |= {f.result() for f in [executor.submit(_ready) for _ in range(self.count)]}
                if len(pids) >= self.count:
                    return
        except BrokenProcessPool as exc:
            self.close()
            raise QAError(f"a worker process failed to start: {exc}") from None

    def call(self, task: Callable[..., Any], *args: Any) -> Any:
        """Run ``task(state, *args)`` in a free worker and return its result.

        A worker that died (killed, out of memory) breaks the pool; the pool is restarted and
        the task tried once more, so one lost process costs one slow answer, not the server.

        Raises:
            QAError: When the pool is closed or the task fails twice on a broken pool.
        """
        for attempt in (1, 2):
            with self._lock:
                executor = self._executor
                generation = self.generation
            if executor is None:
                raise QAError("the worker processes are stopped")
            try:
                future: Future[Any] = executor.submit(_run, generation, task, args)
                return future.result()
            except BrokenProcessPool:
                if attempt == 2:
                    raise QAError("a worker process stopped while answering; try again") from None
                self._restart(executor)
        raise AssertionError("unreachable")  # pragma: no cover

    def reload(self) -> None:
        """Make every worker reload its state before its next task (the index changed)."""
        with self._lock:
            self.generation += 1

    def close(self) -> None:
        """Stop the workers (waiting for the tasks they are on)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:  # another thread may have restarted it already
                self._executor = self._new_executor()
        broken.shutdown(wait=False, cancel_futures=True)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self._setup, self._args, self._threads, self.generation),
        )
