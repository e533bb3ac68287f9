"""Sixteen chat clients on the real server for a minute: mixed questions, follow-ups, an upload.

The server runs as a team would serve it, with a reader and an editor token: fifteen clients
log in as readers, the one that uploads as the editor.

Every request must come back without error and with the answer the assistant gives the same
question alone; the latencies are reported (p50, p95, max). The length of the run can be
changed with ``QA_LOAD_SECONDS`` (60 by default).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradio_client import Client, handle_file
from reliability_helpers import ROOT

from qa import Assistant, Settings
from qa.settings import AccessSettings

CLIENTS = 16
SECONDS = float(os.environ.get("QA_LOAD_SECONDS", "60"))
FOLLOW_UP = ("When does GSOMIA expire?", "Which countries are party to it?")
# Made for this test only.
READER_TOKEN = "load-reader-token-0123456789"
EDITOR_TOKEN = "load-editor-token-0123456789"

# Gradio's queue code trips pandas deprecation warnings that are not this project's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


def _questions() -> list[str]:
    questions = []
    for name in ("seed_questions.jsonl", "seed_offtopic.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Assistant]]:
    """The chat as `qa serve` runs it (MiniLM, the shipped reader) over a copy of the seeds."""
    from ui.app import start

    root = tmp_path_factory.mktemp("load")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "seeds", corpus)
    settings = Settings(index_dir=root / "index", show_progress=False)
    assistant = Assistant.from_corpus(corpus, settings)
    access = AccessSettings.make(token=READER_TOKEN, editor_token=EDITOR_TOKEN)
    demo, url = start(assistant, port=_free_port(), access=access, block=False, quiet=True)
    try:
        yield url, assistant
    finally:
        demo.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sixteen_clients_for_a_minute(
    served: tuple[str, Assistant], tmp_path: Path, report: dict[str, Any]
) -> None:
    url, assistant = served
    questions = _questions()
    # What each question gets on its own, before any load: the server must give the same.
    expected = {q: assistant.ask(q).text for q in questions}
    upload = tmp_path / "ferry.txt"
    upload.write_text(
        "Ferry service resumes\nThe island ferry will run again from Monday, the port said.\n"
    )
    latencies: list[float] = []
    asked: list[tuple[str, str | None]] = []
    errors: list[str] = []
    counts = {"ask": 0, "chat": 0, "follow-up": 0, "upload": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def timed(kind: str, call: Any) -> Any:
        started = time.perf_counter()
        try:
            result = call()
        except Exception as exc:  # every failure is a finding, whatever its type
            with lock:
                errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        with lock:
            latencies.append(time.perf_counter() - started)
            counts[kind] += 1
        return result

    def client(number: int) -> None:
        rng = random.Random(number)
        # The uploading client is the editor; the others are readers under names of their own.
        login = ("editor", EDITOR_TOKEN) if number == 0 else (f"reader-{number}", READER_TOKEN)
        session = Client(url, verbose=False, auth=login)
        uploaded = False
        while time.perf_counter() < stop:
            roll = rng.random()
            if number == 0 and not uploaded and time.perf_counter() > stop - SECONDS * 0.7:
                uploaded = True
                out = timed(
                    "upload", lambda: session.predict([handle_file(upload)], api_name="/upload")
                )
                if out is not None and "Added 1 file" not in out[0]:
                    errors.append(f"upload: {out[0]}")
            elif roll < 0.6:
                question = rng.choice(questions)
                result = timed("ask", lambda q=question: session.predict(q, api_name="/ask"))
                if result is not None:
                    if result["question"] != question:
                        errors.append(f"asked {question!r}, answered {result['question']!r}")
                    with lock:
                        asked.append((question, result["text"]))
            elif roll < 0.85:
                question = rng.choice(questions)
                chat = timed(
                    "chat", lambda q=question: session.predict(q, [], 3, api_name="/chat_submit")
                )
                if chat is not None and len(chat[0]) != 2:
                    errors.append(f"chat {question!r}: {len(chat[0])} messages")
            else:
                first = timed(
                    "chat",
                    lambda: session.predict(FOLLOW_UP[0], [], 3, api_name="/chat_submit"),
                )
                if first is None:
                    continue
                second = timed(
                    "follow-up",
                    lambda chat=first: session.predict(
                        FOLLOW_UP[1], chat[0], 3, api_name="/chat_submit"
                    ),
                )
                if second is not None and "Understood as" not in str(second[0][-1]):
                    errors.append(f"follow-up not resolved: {str(second[0][-1])[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = np.array(latencies)
    report.update(
        clients=CLIENTS,
        seconds=SECONDS,
        requests=len(latencies),
        errors=len(errors),
        by_kind=counts,
        p50_ms=round(float(np.percentile(seconds, 50)) * 1000),
        p95_ms=round(float(np.percentile(seconds, 95)) * 1000),
        max_ms=round(float(seconds.max()) * 1000),
        requests_per_second=round(len(latencies) / SECONDS, 1),
    )
    # The upload may change what a question finds; each answer is what the assistant gives
    # that question alone, before the upload or after it.
    after = {q: assistant.ask(q).text for q in questions}
    for question, text in asked:
        if text not in (expected[question], after[question]):
            errors.append(f"ask {question!r}: got {text!r}, alone {expected[question]!r}")
    report["errors"] = len(errors)
    assert not errors, errors[:5]
    assert counts["upload"] == 1 and counts["follow-up"] > 0
    assert assistant.uploads() == ["ferry.txt"]
    assert assistant.ask("When will the island ferry run again?").text == "Monday"
