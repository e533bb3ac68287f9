"""A full queue answers 503 at once with Retry-After; questions taken are answered."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from qa import Assistant
from ui.api import Backpressure, build_api

QUESTION = {"question": "When does GSOMIA expire?"}


def _hold_ask(assistant: Assistant, monkeypatch: Any) -> tuple[threading.Event, threading.Event]:
    """Make ``assistant.ask`` wait until released: (set once a question is taken, release)."""
    release = threading.Event()
    started = threading.Event()
    real_ask = assistant.ask

    def slow_ask(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(assistant, "ask", slow_ask)
    return started, release


def test_a_full_queue_is_refused_at_once_and_the_rest_answered(
    hashing_assistant: Assistant, monkeypatch: Any
) -> None:
    app = build_api(hashing_assistant)
    guard = next(m for m in app.user_middleware if m.cls is Backpressure)
    guard.kwargs["limit"] = 1
    started, release = _hold_ask(hashing_assistant, monkeypatch)
    client = TestClient(app)
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(client.post("/api/ask", json=QUESTION)))
    first.start()
    assert started.wait(10)
    begun = time.perf_counter()
    busy = client.post("/api/ask", json=QUESTION)
    waited = time.perf_counter() - begun
    release.set()
    first.join(10)
    assert busy.status_code == 503 and waited < 1.0
    assert busy.headers["retry-after"] == "1"
    assert busy.json() == {
        "error": "busy: 1 questions are being answered or waiting; try again in 1 s",
        "field": None,
    }
    assert answers[0].status_code == 200 and answers[0].json()["text"] == "this Saturday"
    # The place is given back: the next question is answered.
    assert client.post("/api/ask", json=QUESTION).status_code == 200


def test_the_bound_is_a_setting_and_documented(hashing_assistant: Assistant) -> None:
    assert hashing_assistant.settings.max_waiting_questions == 32
    spec = build_api(hashing_assistant).openapi()
    assert "503" in spec["paths"]["/api/ask"]["post"]["responses"]


def test_a_full_chat_says_busy_at_once_and_keeps_the_question(
    hashing_assistant: Assistant, monkeypatch: Any
) -> None:
    import gradio as gr
    import pytest

    from ui.handlers import ChatHandlers

    handlers = ChatHandlers(hashing_assistant)
    assert handlers.limit == hashing_assistant.settings.max_waiting_questions
    handlers.limit = 1
    started, release = _hold_ask(hashing_assistant, monkeypatch)
    replies: list[Any] = []
    first = threading.Thread(
        target=lambda: replies.append(handlers.ask("When does GSOMIA expire?", [], []))
    )
    first.start()
    assert started.wait(10)
    begun = time.perf_counter()
    chat, history, box = handlers.ask("Who is the US envoy on North Korea?", [], [])
    waited = time.perf_counter() - begun
    with pytest.raises(gr.Error, match="Busy: 1 question is being answered"):
        handlers.api_ask("Who is the US envoy on North Korea?")
    release.set()
    first.join(10)
    assert waited < 1.0
    assert chat[-1]["content"] == (
        "**Busy:** 1 question is being answered or waiting; try again in a moment."
    )
    assert history == [] and box == "Who is the US envoy on North Korea?"
    assert replies[0][1][-1].text == "this Saturday"
    # The place is given back.
    assert handlers.taken == 0
    assert handlers.ask("When does GSOMIA expire?", [], [])[1][-1].text == "this Saturday"
