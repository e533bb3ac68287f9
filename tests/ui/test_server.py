"""The real server on a free port, called with gradio_client (default MiniLM settings)."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

GSOMIA = "When does GSOMIA expire?"
EXPECTED = "this Saturday"
CLIENTS = 8

# Gradio's queue code trips pandas deprecation warnings that are not this project's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


def _ask(url: str, question: str = GSOMIA) -> dict[str, Any]:
    result = Client(url, verbose=False).predict(question, api_name="/ask")
    assert isinstance(result, dict)
    return result


def test_page_is_served(server_url: str) -> None:
    with urllib.request.urlopen(server_url, timeout=30) as response:
        assert response.status == 200
        assert "News QA" in response.read().decode("utf-8", "replace")


def test_ask_endpoint_returns_the_answer_as_json(server_url: str) -> None:
    data = _ask(server_url)
    assert data["text"] == EXPECTED
    assert data["question"] == GSOMIA
    assert 0.0 <= data["score"] <= 1.0
    first = data["citations"][0]
    assert first["passage"][first["start"] : first["end"]] == EXPECTED
    assert first["title"] and first["document_id"]


def test_ask_endpoint_is_the_only_documented_one(server_url: str) -> None:
    info = Client(server_url, verbose=False).view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    assert list(info["named_endpoints"]) == ["/ask"]


def test_blank_question_is_refused_with_its_reason(server_url: str) -> None:
    with pytest.raises(AppError, match="empty"):
        _ask(server_url, "   ")


def test_concurrent_clients_all_get_the_answer(server_url: str) -> None:
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda _: _ask(server_url), range(CLIENTS)))
    assert [r["text"] for r in results] == [EXPECTED] * CLIENTS
    # Every thread sees the same answer: the shared assistant is not corrupted by concurrency.
    assert len({r["score"] for r in results}) == 1


def test_concurrent_mixed_questions_do_not_cross(server_url: str, real_assistant: Any) -> None:
    questions = [GSOMIA, "Who is the US envoy on North Korea?", "Who won the World Cup?"] * 3
    serial = {q: real_assistant.ask(q).text for q in set(questions)}
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda q: _ask(server_url, q), questions))
    for question, result in zip(questions, results, strict=True):
        assert result["question"] == question
        assert result["text"] == serial[question]
