"""A real server with tokens: the chat's login and roles, the API over HTTP, and the logs."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gradio_client import Client, handle_file
from served_tokens import EDITOR_TOKEN, READER_TOKEN

from qa import Assistant, Settings
from qa.settings import AccessSettings
from ui.access import AccessPolicy
from ui.app import build_app
from ui.handlers import ChatHandlers

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GSOMIA = "When does GSOMIA expire?"
ARTICLE = "Ferry service resumes\nThe island ferry will run again from Monday, the port said.\n"

# Gradio's queue code trips pandas deprecation warnings that are not this project's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


def _http(
    url: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    sent = {"content-type": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read().decode()


def test_the_chat_needs_a_login(token_server: tuple[str, Assistant]) -> None:
    url, _ = token_server
    with pytest.raises(Exception, match="credentials were not provided"):
        Client(url, verbose=False)
    with pytest.raises(ValueError, match="Could not login"):
        Client(url, verbose=False, auth=("amira", "wrong-token-0123456789"))
    # Only the editor token logs in as the editor.
    with pytest.raises(ValueError, match="Could not login"):
        Client(url, verbose=False, auth=("editor", READER_TOKEN))
    status, _, _ = _http(url + "config")
    assert status == 401


def test_a_reader_logs_in_with_any_name_and_asks(token_server: tuple[str, Assistant]) -> None:
    url, _ = token_server
    reader = Client(url, verbose=False, auth=("amira", READER_TOKEN))
    assert reader.predict(GSOMIA, api_name="/ask")["text"] == "this Saturday"
    _, _, who = reader.predict(api_name="/corpus")
    assert who.startswith("Logged in as **amira**: you may ask questions.")


def test_a_reader_cannot_upload_or_remove_and_an_editor_can(
    token_server: tuple[str, Assistant], tmp_path: Path
) -> None:
    url, assistant = token_server
    ferry = tmp_path / "ferry.txt"
    ferry.write_text(ARTICLE, encoding="utf-8")
    reader = Client(url, verbose=False, auth=("amira", READER_TOKEN))
    message = reader.predict([handle_file(str(ferry))], api_name="/upload")[0]
    assert message == "**Nothing was added:** adding and removing articles needs the editor token."
    assert assistant.uploads() == []

    editor = Client(url, verbose=False, auth=("editor", EDITOR_TOKEN))
    assert editor.predict([handle_file(str(ferry))], api_name="/upload")[0].startswith(
        "**Added 1 file:** ferry.txt"
    )
    assert assistant.uploads() == ["ferry.txt"]
    # Each session loads its page first, which offers the uploads to remove.
    reader.predict(api_name="/corpus")
    message = reader.predict("ferry.txt", api_name="/remove_upload")[0]
    assert message.startswith("**Nothing was removed:**") and assistant.uploads() == ["ferry.txt"]
    _, _, who = editor.predict(api_name="/corpus")
    assert who == "Logged in as **editor**: you may ask, add and remove articles."
    assert editor.predict("ferry.txt", api_name="/remove_upload")[0] == "Removed ferry.txt."
    assert assistant.uploads() == []


def test_the_upload_panel_shows_to_editors_only(hashing_assistant: Assistant) -> None:
    policy = AccessPolicy(token=READER_TOKEN, editor_token=EDITOR_TOKEN)
    handlers = ChatHandlers(hashing_assistant, policy)
    reader = SimpleNamespace(username="amira")
    editor = SimpleNamespace(username="editor")
    assert handlers.session(reader)[2]["visible"] is False  # type: ignore[arg-type]
    assert handlers.session(editor)[2]["visible"] is True  # type: ignore[arg-type]
    assert handlers.session(None)[2]["visible"] is False  # not logged in: nothing
    # The page starts with the panel hidden; with uploads off it has none at all.
    page = build_app(hashing_assistant, examples=[], policy=policy)
    shown = {
        c["props"]["elem_id"]: c["props"].get("visible")
        for c in page.config["components"]  # type: ignore[index]
        if c.get("props", {}).get("elem_id")
    }
    assert shown["qa-upload-panel"] is False
    readers = AccessPolicy(token=READER_TOKEN)
    readers_only = build_app(hashing_assistant, examples=[], policy=readers)
    names = [fn.api_name for fn in readers_only.fns.values()]
    assert "upload" not in names and "remove_upload" not in names
    assert "qa-upload" not in json.dumps(readers_only.config, default=str)


def test_the_api_over_http(token_server: tuple[str, Assistant]) -> None:
    url, _ = token_server
    status, headers, body = _http(url + "api/ask", body={"question": GSOMIA})
    assert status == 401 and headers["www-authenticate"] == 'Bearer realm="news-qa"'
    status, _, body = _http(url + "api/ask", READER_TOKEN, {"question": GSOMIA})
    assert status == 200 and json.loads(body)["text"] == "this Saturday"
    status, _, body = _http(url + "api/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, _, body = _http(url + f"api/ask?token={READER_TOKEN}", body={"question": GSOMIA})
    assert status == 400 and READER_TOKEN not in body


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(
    token_server: tuple[str, Assistant],
) -> None:
    # The only test asking /api/ask with the editor token: its 3 questions at once are its own.
    url, _ = token_server
    for number in range(3):
        spoofed = {"X-Forwarded-For": f"203.0.113.{number}"}
        status, _, _ = _http(url + "api/ask", EDITOR_TOKEN, {"question": GSOMIA}, spoofed)
        assert status == 200
    spoofed = {"X-Forwarded-For": "203.0.113.99"}
    status, headers, body = _http(url + "api/ask", EDITOR_TOKEN, {"question": GSOMIA}, spoofed)
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert json.loads(body)["error"].startswith("too many questions")


def test_tokens_never_reach_the_logs_and_a_trusted_proxy_names_the_client(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    from ui.app import start

    caplog.set_level(logging.DEBUG)
    settings = Settings.make(
        encoder="hashing",
        index_dir=tmp_path / "index",
        show_progress=False,
        rate_limit_per_minute=1,
        rate_limit_burst=1,
    )
    shutil.copytree(SEEDS, tmp_path / "corpus")
    assistant = Assistant.from_corpus(tmp_path / "corpus", settings)
    access = AccessSettings.make(
        token=READER_TOKEN, editor_token=EDITOR_TOKEN, trusted_proxies=("127.0.0.1",)
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server, url = start(assistant, port=port, access=access, block=False, quiet=False)
    try:
        # Every way a token meets the server: the chat's login, right and wrong; the API's
        # header, right and wrong; a token in a URL; and an upload refused for a reader.
        Client(url, verbose=False, auth=("amira", READER_TOKEN)).predict(GSOMIA, api_name="/ask")
        with pytest.raises(ValueError):
            Client(url, verbose=False, auth=("editor", READER_TOKEN))
        question = {"question": GSOMIA}
        client_a = {"X-Forwarded-For": "198.51.100.1"}
        client_b = {"X-Forwarded-For": "198.51.100.2"}
        assert _http(url + "api/ask", READER_TOKEN, question, client_a)[0] == 200
        assert _http(url + "api/ask", READER_TOKEN, question, client_b)[0] == 200
        assert _http(url + "api/ask", READER_TOKEN, question, client_a)[0] == 429
        assert _http(url + "api/ask", EDITOR_TOKEN + "x", question)[0] == 401
        assert _http(url + f"api/corpus?access_token={EDITOR_TOKEN}", EDITOR_TOKEN)[0] == 400
    finally:
        server.close()
    out, err = capfd.readouterr()
    assert "Access: token required" in out
    logged = caplog.text + out + err
    assert READER_TOKEN not in logged and EDITOR_TOKEN not in logged
    assert "reader-token" not in logged and "editor-token" not in logged
