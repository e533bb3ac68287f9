"""The JSON API: the same Answer as the Python API, and bad input refused with the field named."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa import Assistant
from ui.api import MAX_BODY_BYTES, ApiError, BodyLimit, build_api, openapi_paths

GSOMIA = "When does GSOMIA expire?"
JSON = {"content-type": "application/json"}


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
        ([GSOMIA], 422, "body"),
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


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"question": "cut', "Unterminated string starting at position 13"),
        (b'{"question": ', "Expecting value at position 13"),
        (b"not json", "Expecting value at position 0"),
    ],
)
def test_a_body_that_is_not_json_is_a_400_naming_the_body(
    client: TestClient, content: bytes, reason: str
) -> None:
    response = client.post("/api/ask", content=content, headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json() == {"error": f"body: not valid JSON ({reason})", "field": "body"}


@pytest.mark.parametrize("content", [b"[]", b'"x"', b"null", b"42"])
def test_json_that_is_not_an_object_says_so(client: TestClient, content: bytes) -> None:
    response = client.post("/api/ask", content=content, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "body: expected a JSON object", "field": "body"}


def test_an_empty_body_or_one_not_sent_as_json_names_the_body(client: TestClient) -> None:
    empty = client.post("/api/ask", content=b"", headers=JSON)
    assert empty.status_code == 422
    assert empty.json() == {
        "error": "body: expected a JSON object, got an empty body",
        "field": "body",
    }
    plain = client.post(
        "/api/ask", content=json.dumps({"question": GSOMIA}), headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 422 and plain.json()["field"] == "body"
    assert plain.json()["error"] == (
        "body: expected a JSON object "
        "(it was sent as text/plain; send it with Content-Type: application/json)"
    )


def test_a_wrong_method_is_a_405_with_allow(client: TestClient) -> None:
    ask = client.get("/api/ask")
    assert ask.status_code == 405 and ask.headers["allow"] == "POST"
    assert ask.json() == {"error": "GET is not allowed on /api/ask; use POST", "field": None}
    health = client.post("/api/health", json={})
    assert health.status_code == 405 and health.headers["allow"] == "GET"
    assert set(health.json()) == {"error", "field"}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PROPFIND"])
def test_an_unknown_path_under_api_is_a_404_in_the_same_shape(
    client: TestClient, method: str
) -> None:
    response = client.request(method, "/api/nothing/here")
    assert response.status_code == 404
    assert response.json() == {
        "error": "no such route: /api/nothing/here (the routes are listed at /docs)",
        "field": None,
    }


def test_beside_the_chat_a_wrong_method_is_still_a_405(hashing_assistant: Assistant) -> None:
    # The chat is mounted at "/" and takes whatever no API route fully matches; served that
    # way (as `qa serve` does), a wrong method must not turn into the chat's own 404.
    import gradio as gr

    from ui.app import build_app

    app = gr.mount_gradio_app(
        build_api(hashing_assistant), build_app(hashing_assistant), path="", ssr_mode=False
    )
    with TestClient(app) as served:
        ask = served.get("/api/ask")
        assert ask.status_code == 405 and ask.headers["allow"] == "POST"
        assert served.post("/api/health").headers["allow"] == "GET"
        assert served.get("/api/nope").json()["field"] is None
        assert served.get("/api/health").json()["status"] == "ok"


def test_a_declared_body_over_the_limit_is_a_413_at_once(client: TestClient) -> None:
    sent: list[bytes] = []

    def body() -> Iterator[bytes]:
        # Only a few bytes behind a 50 MB Content-Length: the server must not wait for more.
        sent.append(b'{"question": "')
        yield sent[-1]

    started = time.perf_counter()
    response = client.post(
        "/api/ask", content=body(), headers={**JSON, "content-length": str(50 * 1024 * 1024)}
    )
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 413
    assert response.json() == {
        "error": f"request body too large: the limit is 1 MiB ({MAX_BODY_BYTES} bytes)",
        "field": None,
    }
    assert response.headers["connection"] == "close"


def test_the_limit_is_exact(client: TestClient) -> None:
    # JSON allows any whitespace, so a valid request can be padded to the byte.
    def padded(size: int) -> bytes:
        start = json.dumps({"question": GSOMIA})[:-1].encode()
        return start + b" " * (size - len(start) - 1) + b"}"

    at_limit = client.post("/api/ask", content=padded(MAX_BODY_BYTES), headers=JSON)
    assert at_limit.status_code == 200 and at_limit.json()["text"]
    over = client.post("/api/ask", content=padded(MAX_BODY_BYTES + 1), headers=JSON)
    assert over.status_code == 413


class _Sender:
    """An ASGI ``receive`` sending ``chunks`` body pieces of ``size`` bytes, counting calls."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks = chunks
        self.size = size
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        more = self.calls < self.chunks
        return {"type": "http.request", "body": b" " * self.size, "more_body": more}


async def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]], receive: Any) -> Any:
    """Call ``app`` as a server would; return (status, headers, body) of what it sent."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], dict(start["headers"]), body


def test_a_declared_body_over_the_limit_is_refused_before_a_byte_is_read(
    client: TestClient,
) -> None:
    receive = _Sender(chunks=800)
    declared = [(b"content-length", str(50 * 1024 * 1024).encode())]
    status, headers, body = asyncio.run(_call(client.app, "/api/ask", declared, receive))
    assert status == 413 and headers[b"connection"] == b"close"
    assert ApiError.model_validate_json(body).field is None
    assert receive.calls == 0


def test_a_streamed_body_is_cut_off_once_over_the_limit(client: TestClient) -> None:
    # No Content-Length (chunked): 50 MB on offer, but reading stops just past 1 MiB.
    receive = _Sender(chunks=800)
    status, _, body = asyncio.run(_call(client.app, "/api/ask", [], receive))
    assert status == 413 and "1 MiB" in ApiError.model_validate_json(body).error
    assert receive.calls == MAX_BODY_BYTES // receive.size + 1


def test_the_limit_leaves_paths_outside_the_api_alone() -> None:
    # The chat is mounted beside the API and takes uploads of its own size.
    async def count(scope: Any, receive: Any, send: Any) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size, more = size + len(message["body"]), message["more_body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})

    limited = BodyLimit(count, limit=1024, prefix="/api/")
    status, _, body = asyncio.run(_call(limited, "/gradio_api/upload", [], _Sender(chunks=4)))
    assert (status, body) == (200, str(4 * 64 * 1024).encode())
    status, _, _ = asyncio.run(_call(limited, "/api/ask", [], _Sender(chunks=4)))
    assert status == 413


def test_the_real_server_refuses_a_large_body_without_waiting_for_it(
    hashing_assistant: Assistant,
) -> None:
    import uvicorn

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(build_api(hashing_assistant), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            started = time.perf_counter()
            conn.sendall(
                b"POST /api/ask HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                b'Content-Length: 52428800\r\n\r\n{"question": "'
            )
            reply = b""
            while chunk := conn.recv(65536):  # the server closes the connection after it
                reply += chunk
        assert time.perf_counter() - started < 2.0
        assert reply.startswith(b"HTTP/1.1 413 ")
        assert b'"field":null' in reply and b"1048576 bytes" in reply
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()


def test_the_openapi_schema_documents_the_refusals(client: TestClient) -> None:
    ask = openapi_paths(client.app)["/api/ask"]["post"]["responses"]  # type: ignore[arg-type]
    assert {"200", "400", "405", "413", "422"} <= set(ask)
    for status in ("400", "405", "413", "422"):
        schema = ask[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ApiError"}
    assert "Allow" in ask["405"]["headers"]


def test_health_says_only_ok_and_corpus_says_what_is_loaded(
    client: TestClient, hashing_assistant: Assistant
) -> None:
    # Health is for load balancers, open even when tokens are on: nothing about the corpus.
    assert client.get("/api/health").json() == {"status": "ok"}
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
            start(hashing_assistant, port=port, block=False, quiet=True, workers=0)
