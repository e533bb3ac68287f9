"""Worker processes answer as the assistant itself would, see uploads, and survive a crash."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from qa import Assistant, Settings, UsageError
from qa.errors import QAError
from qa.workers import WorkerPool

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTIONS = [
    "When does GSOMIA expire?",
    "Who is the US envoy on North Korea?",
    "Which countries are party to GSOMIA?",
    "Who won the World Cup?",
]


class _Counter:
    """A worker's state for the pool tests: counts reloads, answers with its pid."""

    def __init__(self, start: int) -> None:
        self.value = start
        self.reloads = 0

    def reopen(self) -> None:
        self.reloads += 1


def _make_counter(start: int) -> _Counter:
    return _Counter(start)


def _report(state: _Counter, add: int) -> tuple[int, int, int]:
    return os.getpid(), state.value + add, state.reloads


def _fail(state: _Counter) -> None:
    raise UsageError("bad question", field="question")


def test_the_pool_runs_tasks_in_every_worker_and_reloads_on_a_new_generation() -> None:
    pool = WorkerPool(2, _make_counter, (40,))
    pool.start()
    try:
        results = [pool.call(_report, 2) for _ in range(6)]
        assert {value for _, value, _ in results} == {42}
        assert os.getpid() not in {pid for pid, _, _ in results}
        assert {reloads for _, _, reloads in results} == {0}
        pool.reload()
        assert pool.call(_report, 0)[2] == 1
    finally:
        pool.close()
    with pytest.raises(QAError, match="stopped"):
        pool.call(_report, 0)


def test_an_error_in_a_worker_arrives_whole() -> None:
    pool = WorkerPool(1, _make_counter, (0,))
    pool.start()
    try:
        with pytest.raises(UsageError, match="bad question") as caught:
            pool.call(_fail)
        assert caught.value.field == "question"
    finally:
        pool.close()


def test_a_killed_worker_costs_one_retry_not_the_pool() -> None:
    pool = WorkerPool(1, _make_counter, (0,))
    pool.start()
    try:
        pid = pool.call(_report, 0)[0]
        os.kill(pid, signal.SIGKILL)
        new_pid, value, _ = pool.call(_report, 1)
        assert value == 1 and new_pid != pid
    finally:
        pool.close()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(QAError, match="workers=0"):
        WorkerPool(0, _make_counter)


def test_workers_answer_as_the_assistant_does_and_see_uploads(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(encoder="hashing", index_dir=tmp_path / "index", show_progress=False)
    assistant = Assistant.from_corpus(corpus, settings)
    try:
        here = assistant.ask_batch(QUESTIONS)
        assert assistant.workers == 0
        assistant.start_workers(2)
        assert assistant.workers == 2
        there = assistant.ask_batch(QUESTIONS)
        assert [a.model_dump() for a in there] == [a.model_dump() for a in here]
        follow = assistant.ask("Which countries are party to it?", history=[there[0]])
        assert follow.resolved_question == "Which countries are party to GSOMIA?"
        with pytest.raises(UsageError) as caught:
            assistant.ask("   ")
        assert caught.value.field == "question"

        article = tmp_path / "kestrel-ferry.txt"
        article.write_text(
            "Kestrel Bay ferry returns\nUpdated 2025-08-05\n"
            "The Kestrel Bay ferry resumed service on Monday after a three-week repair.\n",
            encoding="utf-8",
        )
        added, refused = assistant.add_files([article])
        assert added == ["kestrel-ferry.txt"] and refused == []
        answer = assistant.ask("When did the Kestrel Bay ferry resume service?")
        assert answer.text is not None and "Monday" in answer.text
        assert answer.citations[0].title == "Kestrel Bay ferry returns"
    finally:
        assistant.close()
    assert assistant.workers == 0


def test_an_assistant_made_from_parts_cannot_start_workers(tmp_path: Path) -> None:
    settings = Settings(encoder="hashing", index_dir=tmp_path / "index", show_progress=False)
    made = Assistant.from_corpus(SEEDS, settings)
    parts = Assistant(SEEDS, settings, made.encoder, made.reader, made._store)
    with pytest.raises(UsageError, match="from_corpus"):
        parts.start_workers(1)
    assert not parts.replicable and made.replicable
