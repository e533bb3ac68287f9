"""The JSON API: the same Answer as the Python API, and bad input refused with the field named."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa import Assistant
from ui.api import build_api, openapi_paths

GSOMIA = "When does GSOMIA expire?"


@pytest.fixture(scope="module")
def client(hashing_assistant: Assistant) -> TestClient:
    return TestClient(build_api(hashing_assistant))


def test_ask_returns_the_answer_the_python_api_gives(
    client: TestClient, hashing_assistant: Assistant
) -> None:
    response = client.post("/api/ask", json={"question": GSOMIA, "top_k": 2})
    assert response.status_code == 200
    expected = hashing_assistant.ask(GSOMIA, top_k=2).model_dump(mode="json")
    assert response.json() == expected
    assert len(response.json()["passages"]) == 2


def test_a_follow_up_reads_the_history_it_is_sent(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": GSOMIA}).json()
    second = client.post(
        "/api/ask", json={"question": "Which countries are party to it?", "history": [first]}
    ).json()
    assert second["resolved_question"] == "Which countries are party to GSOMIA?"
    assert second["text"] is not None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "question"),
        ({"question": 42}, 422, "question"),
        ({"question": None}, 422, "question"),
        ({"question": "   "}, 400, "question"),
        ({"question": "x" * 5000}, 400, "question"),
        ({"question": GSOMIA, "top_k": 0}, 422, "top_k"),
        ({"question": GSOMIA, "top_k": "many"}, 422, "top_k"),
        ({"question": GSOMIA, "colour": "red"}, 422, "colour"),
        ({"question": GSOMIA, "history": ["not an answer"]}, 422, "history.0"),
        ({"question": GSOMIA, "history": [{"question": "Q", "text": "x", "score": 7}]}, 422, None),
        ([GSOMIA], 422, None),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: TestClient, body: Any, status: int, field: str | None
) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"error", "field"} and error["error"]
    if field is not None:
        assert error["field"] == field


def test_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/api/ask", content=b'{"question": "cut', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "error" in response.json()


def test_health_and_corpus_say_what_is_loaded(
    client: TestClient, hashing_assistant: Assistant
) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["passages"] == 15
    corpus = client.get("/api/corpus").json()
    info = hashing_assistant.info()
    assert corpus["encoder"] == info.encoder and corpus["reader"] == info.reader
    assert corpus["uploads"] == [] and corpus["passages"] == info.passages


def test_the_openapi_page_lists_the_routes(client: TestClient) -> None:
    paths = openapi_paths(client.app)  # type: ignore[arg-type]
    assert {"/api/ask", "/api/health", "/api/corpus"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_the_real_server_answers_json_beside_the_chat(server_url: str) -> None:
    request = urllib.request.Request(
        server_url + "api/ask",
        data=json.dumps({"question": GSOMIA}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.load(response)["text"] == "this Saturday"
    with urllib.request.urlopen(server_url + "api/health", timeout=30) as response:
        assert json.load(response)["status"] == "ok"


def test_a_port_in_use_is_a_clear_error(hashing_assistant: Assistant) -> None:
    import socket

    from qa import UsageError
    from ui.app import start

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=rf"cannot serve on 127\.0\.0\.1:{port}"):
            start(hashing_assistant, port=port, block=False, quiet=True)
