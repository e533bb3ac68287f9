"""The JSON API with tokens: 401 without one, 403 for a reader's upload, 429 over the limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa import Assistant, Settings
from qa.settings import AccessSettings
from ui.access import AccessPolicy, RateLimiter
from ui.api import build_api, openapi_paths

READER = "reader-token-0123456789abcdef"
EDITOR = "editor-token-0123456789abcdef"
GSOMIA = {"question": "When does GSOMIA expire?"}
ARTICLE = b"Ferry service resumes\nThe island ferry will run again from Monday, the port said.\n"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def client(hashing_assistant: Assistant) -> TestClient:
    return TestClient(build_api(hashing_assistant, AccessPolicy(token=READER, editor_token=EDITOR)))


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/ask"), ("GET", "/api/corpus"), ("GET", "/api/nothing")],
)
def test_no_token_is_a_401_with_a_bearer_challenge(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, json=GSOMIA)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="news-qa"'
    assert response.json() == {
        "error": "this server needs a token: send it as 'Authorization: Bearer TOKEN'",
        "field": None,
    }


@pytest.mark.parametrize("header", [f"Bearer {READER}x", "Bearer nope", f"Basic {READER}", ""])
def test_a_wrong_token_is_a_401(client: TestClient, header: str) -> None:
    response = client.post("/api/ask", json=GSOMIA, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_token_is_checked_before_the_body_is_read(client: TestClient) -> None:
    # Neither a body that is not JSON nor one over the size limit gets past a missing token.
    assert client.post("/api/ask", content=b"{not json").status_code == 401
    too_big = client.post(
        "/api/ask", content=b"x" * 10, headers={"content-length": str(50 * 1024 * 1024)}
    )
    assert too_big.status_code == 401


def test_reader_and_editor_tokens_may_ask(client: TestClient) -> None:
    for token in (READER, EDITOR):
        response = client.post("/api/ask", json=GSOMIA, headers=_auth(token))
        assert response.status_code == 200 and response.json()["text"] == "this Saturday"
    assert client.get("/api/corpus", headers=_auth(READER)).json()["documents"] == 1


def test_health_stays_open_and_says_nothing_about_the_corpus(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("query", [f"token={READER}", f"access_token={READER}", f"x={EDITOR}"])
def test_a_token_in_the_query_string_is_refused(client: TestClient, query: str) -> None:
    for headers in ({}, _auth(READER)):
        response = client.post(f"/api/ask?{query}", json=GSOMIA, headers=headers)
        assert response.status_code == 400
        body = response.json()
        assert body["error"].startswith("a token must not be sent in the URL")
        assert READER not in response.text and EDITOR not in response.text


def test_a_reader_may_not_upload_or_remove(writable_assistant: Assistant) -> None:
    assistant = writable_assistant
    client = TestClient(build_api(assistant, AccessPolicy(token=READER, editor_token=EDITOR)))
    files = {"files": ("ferry.txt", ARTICLE, "text/plain")}
    refused = client.post("/api/uploads", files=files, headers=_auth(READER))
    assert refused.status_code == 403
    assert refused.json()["error"] == "adding and removing articles needs the editor token"
    assert client.delete("/api/uploads/ferry.txt", headers=_auth(READER)).status_code == 403
    assert assistant.uploads() == []
    # The editor may.
    added = client.post("/api/uploads", files=files, headers=_auth(EDITOR))
    assert added.status_code == 200
    assert added.json() == {"added": ["ferry.txt"], "refused": []}
    assert assistant.uploads() == ["ferry.txt"]
    assert client.delete("/api/uploads/ferry.txt", headers=_auth(READER)).status_code == 403
    assert assistant.uploads() == ["ferry.txt"]
    removed = client.delete("/api/uploads/ferry.txt", headers=_auth(EDITOR))
    assert removed.status_code == 200 and removed.json() == {"removed": "ferry.txt"}
    assert assistant.uploads() == []
    gone = client.delete("/api/uploads/ferry.txt", headers=_auth(EDITOR))
    assert gone.status_code == 404 and gone.json()["field"] == "name"


def test_uploads_refuse_bad_files_and_say_why(writable_assistant: Assistant) -> None:
    assistant = writable_assistant
    client = TestClient(build_api(assistant))  # loopback, no token: anyone may upload
    files = [
        ("files", ("../../ferry.txt", ARTICLE, "text/plain")),
        ("files", ("scan.pdf", b"%PDF-1.4", "application/pdf")),
    ]
    response = client.post("/api/uploads", files=files)
    assert response.status_code == 200
    body = response.json()
    assert body["added"] == ["ferry.txt"]
    assert [r["name"] for r in body["refused"]] == ["scan.pdf"]
    assert client.post("/api/uploads").status_code == 422


def test_without_an_editor_token_uploads_are_off(hashing_assistant: Assistant) -> None:
    client = TestClient(build_api(hashing_assistant, AccessPolicy(token=READER)))
    files = {"files": ("ferry.txt", ARTICLE, "text/plain")}
    response = client.post("/api/uploads", files=files, headers=_auth(READER))
    assert response.status_code == 403
    assert response.json()["error"] == "adding and removing articles is turned off on this server"
    assert hashing_assistant.uploads() == []


def test_no_uploads_turns_them_off_on_loopback_too(hashing_assistant: Assistant) -> None:
    policy = AccessPolicy.serving(
        AccessSettings(uploads=False), "127.0.0.1", hashing_assistant.settings
    )
    client = TestClient(build_api(hashing_assistant, policy))
    files = {"files": ("ferry.txt", ARTICLE, "text/plain")}
    assert client.post("/api/uploads", files=files).status_code == 403
    assert client.post("/api/ask", json=GSOMIA).status_code == 200


def test_over_the_rate_limit_is_a_429_with_retry_after(hashing_assistant: Assistant) -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    app = build_api(hashing_assistant, AccessPolicy(token=READER, limiter=limiter))
    script = TestClient(app, client=("10.0.0.9", 40000))
    other = TestClient(app, client=("10.0.0.10", 40000))
    assert script.post("/api/ask", json=GSOMIA, headers=_auth(READER)).status_code == 200
    assert script.post("/api/ask", json=GSOMIA, headers=_auth(READER)).status_code == 200
    over = script.post("/api/ask", json=GSOMIA, headers=_auth(READER))
    assert over.status_code == 429 and over.headers["retry-after"] == "1"
    assert over.json()["error"].startswith("too many questions from this client")
    # The script does not starve the others, and other routes are not limited.
    assert other.post("/api/ask", json=GSOMIA, headers=_auth(READER)).status_code == 200
    assert script.get("/api/corpus", headers=_auth(READER)).status_code == 200
    now[0] += 1.0
    assert script.post("/api/ask", json=GSOMIA, headers=_auth(READER)).status_code == 200


def test_an_open_server_limits_by_address(hashing_assistant: Assistant) -> None:
    settings = Settings(encoder="hashing", rate_limit_per_minute=1, rate_limit_burst=1)
    policy = AccessPolicy.serving(AccessSettings(open=True), "0.0.0.0", settings)
    app = build_api(hashing_assistant, policy)
    first = TestClient(app, client=("10.0.0.1", 1))
    assert first.post("/api/ask", json=GSOMIA).status_code == 200
    over = first.post("/api/ask", json=GSOMIA)
    assert over.status_code == 429 and over.headers["retry-after"] == "60"
    assert TestClient(app, client=("10.0.0.2", 1)).post("/api/ask", json=GSOMIA).status_code == 200


def test_loopback_without_a_token_is_unchanged(hashing_assistant: Assistant) -> None:
    policy = AccessPolicy.serving(AccessSettings(), "127.0.0.1", hashing_assistant.settings)
    client = TestClient(build_api(hashing_assistant, policy))
    # No header needed, no limit however many questions, a query string is just ignored.
    for _ in range(15):
        assert client.post("/api/ask", json=GSOMIA).status_code == 200
    assert client.post("/api/ask?token=whatever", json=GSOMIA).status_code == 200
    assert client.get("/api/corpus").status_code == 200
    assert "security" not in openapi_paths(client.app)["/api/ask"]["post"]  # type: ignore[arg-type]


def test_the_openapi_page_names_the_token_and_the_refusals(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200  # open: it says nothing about the corpus
    paths = openapi_paths(client.app)  # type: ignore[arg-type]
    ask = paths["/api/ask"]["post"]
    assert ask["security"] == [{"HTTPBearer": []}] and "401" in ask["responses"]
    assert "403" in paths["/api/uploads"]["post"]["responses"]
    assert "security" not in paths["/api/health"]["get"]
