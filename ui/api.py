"""The JSON API served beside the chat: ``POST /api/ask``, ``GET /api/health``, ``GET /api/corpus``,
and for editors ``POST /api/uploads`` and ``DELETE /api/uploads/{name}``.

Scripts get the same :class:`~qa.types.Answer` the Python API and ``qa ask --json`` give,
without Gradio's client. Every refusal is a JSON body naming what to fix
(``{"error": ..., "field": ...}``), never a 500 and never an HTML page:

* 400: the body is not valid JSON (``field`` is ``"body"``), or the question cannot be
  answered as asked (empty, too long), or a token was sent in the URL;
* 401: the server has a token and the request has none, or a wrong one
  (``WWW-Authenticate: Bearer``);
* 403: adding or removing articles with a reader's token, or on a server with uploads off;
* 404: no route of this API has that path (anything under ``/api/``), or no upload that name;
* 405: the route exists but not for that method; the ``Allow`` header names the right one;
* 413: the body is over :data:`MAX_BODY_BYTES` (:data:`MAX_UPLOAD_BYTES` for uploads); refused
  from ``Content-Length`` before any of it is read, or as soon as a body sent without one grows
  past the limit;
* 422: a field has the wrong type or value (``field`` names it, as ``history.0.text``), or the
  body is JSON but not an object (``field`` is ``"body"``);
* 429: the client asked more questions than its rate limit allows (``Retry-After``);
* 503: more questions are being answered or waiting than ``max_waiting_questions`` allows:
  refused at once with ``Retry-After`` (:class:`Backpressure`).

Who may do what is :mod:`ui.access`'s to say (:class:`~ui.access.AccessPolicy`); without a
policy, as on a loopback server with no token, everyone may do everything.

The OpenAPI page at ``/docs`` lists the routes, their types and these refusals.

Example:
    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(build_api(assistant))
    >>> client.post("/api/ask", json={"question": "When does GSOMIA expire?"}).json()["text"]
    'this Saturday'
    >>> client.get("/api/ask").headers["allow"]
    'POST'
    >>> refused = client.post("/api/ask", json={"question": ""})
    >>> refused.status_code, refused.json()["field"]
    (400, 'question')
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.errors import QAError, UsageError
from qa.ingest.uploads import safe_name
from qa.pipeline import Assistant, IndexInfo
from qa.types import Answer
from ui.access import AccessPolicy

log = logging.getLogger(__name__)

# Follow-ups only look back one turn; a bound keeps a request small (as the chat does).
MAX_HISTORY = 20

# Largest request body the API reads, in bytes (1 MiB). A question is at most a few thousand
# characters and only the last turn of ``history`` is used, so real requests stay far below
# this; anything bigger is refused (413) before it can tie up memory or a worker.
MAX_BODY_BYTES = 1024 * 1024

# Largest upload body, in bytes (64 MiB): a few article files; the assistant refuses any one
# file over its own limit (Settings.max_file_bytes) and more than 200 at once.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024

# Where the API's routes live; the chat (mounted beside it) takes uploads of its own size.
API_PREFIX = "/api/"
ASK_PATH = "/api/ask"
HEALTH_PATH = "/api/health"
UPLOADS_PATH = "/api/uploads"

# pydantic error types that mean "the body as a whole is not a JSON object".
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type"})


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far.

    Attributes:
        question: The question in plain English.
        top_k: Passages to return with the answer (1-100); the server's setting when absent.
        history: Earlier answers of this conversation as this API returned them, oldest
            first, so a follow-up ("Which countries are party to it?") can be understood.
    """

    model_config = ConfigDict(extra="forbid")

    question: str = Field(examples=["When does GSOMIA expire?"])
    top_k: int | None = Field(default=None, ge=1, le=100)
    history: list[Answer] = Field(default_factory=list, max_length=MAX_HISTORY)


class ApiError(BaseModel):
    """Why a request was refused, and which field of it to fix (None when no one field)."""

    error: str
    field: str | None = None


class Health(BaseModel):
    """Whether the server can answer.

    It says nothing about the corpus, with or without tokens, so a load balancer may call it
    with no token and learn nothing else: what is indexed is ``GET /api/corpus``.
    """

    status: str


class RefusedFile(BaseModel):
    """A file an upload left out, and why."""

    name: str
    reason: str


class UploadReport(BaseModel):
    """What an upload did: the stored names added, and the files refused with their reasons."""

    added: list[str]
    refused: list[RefusedFile]


class Removed(BaseModel):
    """The upload taken out of the corpus and its index."""

    removed: str


_WRONG_METHOD: dict[int | str, dict[str, Any]] = {
    405: {
        "model": ApiError,
        "description": "The route does not take this method; `Allow` lists the ones it takes.",
        "headers": {
            "Allow": {"description": "The methods this route takes.", "schema": {"type": "string"}}
        },
    }
}

_ACCESS_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ApiError,
        "description": "No token, or a wrong one: send `Authorization: Bearer TOKEN`.",
        "headers": {"WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}},
    },
}

_EDITOR_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ApiError,
        "description": "The token is a reader's, or uploads are off on this server.",
    },
}

_RATE_REFUSALS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ApiError,
        "description": "Too many questions from this client; `Retry-After` says when to try again.",
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        },
    },
}

_ASK_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ApiError,
        "description": "The body is not valid JSON (`field` is `body`), or the question "
        "cannot be answered as asked (`field` is `question`).",
    },
    **_WRONG_METHOD,
    413: {
        "model": ApiError,
        "description": f"The body is larger than {MAX_BODY_BYTES} bytes; it is refused "
        "without being read through.",
    },
    422: {
        "model": ApiError,
        "description": "A field has the wrong type or value (`field` names it), or the body "
        "is not a JSON object (`field` is `body`).",
    },
    503: {
        "model": ApiError,
        "description": "The server is busy: too many questions are being answered or waiting. "
        "`Retry-After` says when to try again.",
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        },
    },
}


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413 and an ApiError.

    A ``Content-Length`` over the limit is refused before the body is read at all. A body
    sent without one (chunked) is counted as it arrives and refused as soon as it passes the
    limit; the rest is never read, and the app behind sees the client as gone. Written for
    ASGI directly because a ``BaseHTTPMiddleware`` would have to read the whole body first.

    Args:
        app: The ASGI app to guard.
        limit: Largest body accepted, in bytes.
        prefix: Only paths starting with this are limited (others pass untouched).
        limits: Other limits for some paths (exactly these paths), such as an upload route.

    Example:
        >>> app = FastAPI()
        >>> app.add_middleware(BodyLimit, limit=1024, prefix="/api/", limits={"/api/up": 4096})
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int = MAX_BODY_BYTES,
        prefix: str = API_PREFIX,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 once its body is known to be too large."""
        path = _route_path(scope) if scope["type"] == "http" else ""
        if not path.startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(path, self.limit)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _send_too_large(send, limit)
            return

        received = 0
        refused = False
        responding = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    # Answer now, while the client is still sending; the app then reads a
                    # disconnect, so it stops without the rest of the body ever being read.
                    if not responding:
                        await _send_too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responding
            if refused:
                # The client has its 413 (or, had the app begun answering, a cut connection);
                # what the app says after reading a disconnect is moot.
                return
            if message["type"] == "http.response.start":
                responding = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The app failed only because its body was cut off, and the client has its 413.
            log.debug("request body cut off at %d bytes", received, exc_info=True)


class AccessGuard:
    """ASGI middleware putting each request under ``/api/`` to an access policy first.

    Before any body is read: a token in the URL, a missing or wrong token, an editor action
    without the editor's role, or a client over its rate limit is answered with the
    :class:`~ui.access.Refusal` as an :class:`ApiError`. ``/api/health`` is always open.

    Args:
        app: The ASGI app to guard.
        policy: Who may do what.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> app = FastAPI()
        >>> _ = app.get("/api/corpus")(lambda: {"documents": 1})
        >>> app.add_middleware(AccessGuard, policy=AccessPolicy(token="reader-token-0123456789"))
        >>> client = TestClient(app)
        >>> client.get("/api/corpus").status_code
        401
        >>> token = {"Authorization": "Bearer reader-token-0123456789"}
        >>> client.get("/api/corpus", headers=token).json()
        {'documents': 1}
    """

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer the policy's refusal."""
        path = _route_path(scope) if scope["type"] == "http" else ""
        if not path.startswith(API_PREFIX) or path == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        client = scope.get("client")
        refusal = self.policy.check(
            Headers(scope=scope).get("authorization"),
            scope.get("query_string", b""),
            client[0] if client else "unknown",
            editing=_is_upload_path(path) and method not in ("GET", "HEAD"),
            limited=path == ASK_PATH and method == "POST",
        )
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = _refusal(refusal.status, refusal.message, refusal.field, refusal.headers)
        await response(scope, receive, send)


def _is_upload_path(path: str) -> bool:
    return path == UPLOADS_PATH or path.startswith(UPLOADS_PATH + "/")


def _route_path(scope: Scope) -> str:
    # Behind a proxy prefix (root_path), routes are matched on the path after it.
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return None  # absent or malformed: the body is counted as it arrives instead


async def _send_too_large(send: Send, limit: int) -> None:
    body = JSONResponse(
        status_code=413,
        content=ApiError(
            error=f"request body too large: the limit is {_size(limit)} ({limit} bytes)"
        ).model_dump(),
    ).body
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The unread rest of the body is still on the connection, so it cannot be reused.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _size(count: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


class Backpressure:
    """ASGI middleware bounding how many questions ``path`` takes in at once.

    Past ``limit`` questions answering or waiting, one more is answered at once with 503, a
    ``Retry-After`` and an :class:`ApiError`, so that under a flood latency stays bounded for
    the questions taken and the rest know to come back, rather than every one waiting longer.

    Args:
        app: The ASGI app to guard.
        limit: Questions taken in at once; 0 takes every one.
        path: The route bounded.
        retry_after: Seconds a refused client is told to wait.

    Example:
        >>> app = FastAPI()
        >>> app.add_middleware(Backpressure, limit=32, path="/api/ask")
    """

    def __init__(
        self, app: ASGIApp, limit: int, path: str = ASK_PATH, retry_after: int = 1
    ) -> None:
        self.app = app
        self.limit = limit
        self.path = path
        self.retry_after = retry_after
        # Only the event loop's thread touches it: ASGI calls run there, one at a time
        # between awaits, so a plain counter is enough.
        self.taken = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the question on, or refuse it with 503 when ``limit`` are already taken."""
        if (
            scope["type"] != "http"
            or not self.limit
            or _route_path(scope) != self.path
            or scope.get("method") != "POST"
        ):
            await self.app(scope, receive, send)
            return
        if self.taken >= self.limit:
            body = ApiError(
                error=(
                    f"busy: {self.taken} questions are being answered or waiting; "
                    f"try again in {self.retry_after} s"
                ),
                field=None,
            )
            response = JSONResponse(
                status_code=503,
                content=body.model_dump(),
                headers={"Retry-After": str(self.retry_after)},
            )
            await response(scope, receive, send)
            return
        self.taken += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.taken -= 1


def build_api(assistant: Assistant, policy: AccessPolicy | None = None) -> FastAPI:
    """The JSON API for ``assistant``, as a FastAPI app (the chat is mounted beside it).

    Bodies over :data:`MAX_BODY_BYTES` are refused under ``/api/``, and every path under
    ``/api/`` answers JSON: routes added to the app after this call under ``/api/`` are
    shadowed by the catch-all that answers 404 and 405.

    Args:
        assistant: The assistant every route answers from.
        policy: Who may ask and who may add or remove articles (:class:`AccessGuard`);
            None lets everyone do everything, as a loopback server without a token does.

    Returns:
        The app, with its OpenAPI page at ``/docs``.

    Example:
        >>> app = build_api(assistant)
        >>> app.title, app.docs_url
        ('News QA', '/docs')
    """
    app = FastAPI(
        title="News QA",
        summary="Short answers copied from news articles, with their citations.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    policy = policy or AccessPolicy()
    app.add_middleware(
        BodyLimit,
        limit=MAX_BODY_BYTES,
        prefix=API_PREFIX,
        limits={UPLOADS_PATH: MAX_UPLOAD_BYTES},
    )
    # Inside the access check: a refused or rate-limited client takes no place in the queue.
    app.add_middleware(Backpressure, limit=assistant.settings.max_waiting_questions)
    # Added last, so it runs first: nobody without a token gets as far as the body limit.
    app.add_middleware(AccessGuard, policy=policy)
    # The token is checked by AccessGuard; this only tells the OpenAPI page (its "Authorize"
    # button) that the routes take a bearer token.
    bearer: list[Any] = [Depends(HTTPBearer(auto_error=False))] if policy.required else []
    guarded = _ACCESS_REFUSALS if policy.required else {}
    limited = _RATE_REFUSALS if policy.limiter is not None else {}

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        status, refusal = describe_invalid(
            errors[0] if errors else {}, request.headers.get("content-type")
        )
        return JSONResponse(status_code=status, content=refusal.model_dump())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # What the framework itself refuses (a body it cannot read, say) in the same shape.
        return JSONResponse(
            status_code=exc.status_code,
            content=ApiError(error=str(exc.detail)).model_dump(),
            headers=exc.headers,
        )

    @app.post(
        ASK_PATH,
        response_model=Answer,
        responses={**_ASK_REFUSALS, **guarded, **limited},
        dependencies=bearer,
        summary="Answer a question from the articles, or say why they do not answer it",
    )
    def ask(request: AskRequest) -> Answer | JSONResponse:
        try:
            return assistant.ask(
                request.question, history=request.history[-MAX_HISTORY:], top_k=request.top_k
            )
        except UsageError as exc:
            return _refusal(400, str(exc), exc.field)
        except QAError as exc:
            return _refusal(400, str(exc), None)

    @app.get(
        HEALTH_PATH,
        response_model=Health,
        responses=_WRONG_METHOD,
        summary="Whether the server can answer (open to all; nothing about the corpus)",
    )
    def health() -> Health:
        assistant.info()  # raises, so the server answers 500, while no index is loaded
        return Health(status="ok")

    @app.get(
        "/api/corpus",
        response_model=IndexInfo,
        responses={**_WRONG_METHOD, **guarded},
        dependencies=bearer,
        summary="What is indexed",
    )
    def corpus() -> IndexInfo:
        return assistant.info()

    editor_refusals = {**_WRONG_METHOD, **guarded, **_EDITOR_REFUSALS}

    @app.post(
        UPLOADS_PATH,
        response_model=UploadReport,
        responses={
            **editor_refusals,
            400: {"model": ApiError, "description": "The upload cannot be taken as a whole."},
            413: {
                "model": ApiError,
                "description": f"The body is larger than {MAX_UPLOAD_BYTES} bytes.",
            },
        },
        dependencies=bearer,
        summary="Add article files to the corpus (editors); refused files say why",
    )
    def add_uploads(
        files: Annotated[list[UploadFile], File(description="One or more article files.")],
    ) -> UploadReport | JSONResponse:
        refused: list[RefusedFile] = []
        with tempfile.TemporaryDirectory(prefix="qa-api-upload-") as folder:
            paths: list[Path] = []
            for number, upload in enumerate(files):
                given = upload.filename or ""
                name = safe_name(given)
                if name is None:
                    refused.append(RefusedFile(name=given, reason="no usable file name"))
                    continue
                # A folder per file: two files of one name are both handed on (the assistant
                # then refuses the second as taken).
                target = Path(folder) / str(number) / name
                target.parent.mkdir()
                with target.open("wb") as out:
                    shutil.copyfileobj(upload.file, out)
                paths.append(target)
            try:
                added, refusals = assistant.add_files(paths) if paths else ([], [])
            except UsageError as exc:
                return _refusal(400, str(exc), exc.field or "files")
            except QAError as exc:
                return _refusal(400, str(exc), None)
        refused += [RefusedFile(name=name, reason=reason) for name, reason in refusals]
        return UploadReport(added=added, refused=refused)

    @app.delete(
        UPLOADS_PATH + "/{name}",
        response_model=Removed,
        responses={
            **editor_refusals,
            404: {"model": ApiError, "description": "No upload has that name."},
        },
        dependencies=bearer,
        summary="Remove an uploaded article from the corpus (editors)",
    )
    def remove_upload(name: str) -> Removed | JSONResponse:
        try:
            assistant.remove_upload(name)
        except UsageError as exc:
            return _refusal(404, str(exc), "name")
        except QAError as exc:
            return _refusal(400, str(exc), None)
        return Removed(removed=name)

    # An ASGI endpoint (not a function) takes every method, so nothing under /api/ reaches the
    # chat; FastAPI's type hint for add_route only names functions.
    unrouted: Any = Unrouted(app.router.routes)
    app.router.add_route(API_PREFIX + "{rest:path}", unrouted, include_in_schema=False)
    return app


class Unrouted:
    """ASGI endpoint answering a path under ``/api/`` that no route takes: 404, or 405 + Allow.

    Starlette would answer a wrong method with 405 itself, but the chat is mounted at ``/``
    beside the API and takes every request that no route here fully matches, answering 404
    in its own shape; so :func:`build_api` routes all of ``/api/`` to this last.

    Args:
        routes: The app's routes (the live list, so routes added before this one count).

    Example:
        >>> from fastapi.testclient import TestClient
        >>> app = FastAPI()
        >>> _ = app.get("/api/health")(lambda: {"status": "ok"})
        >>> app.router.add_route("/api/{rest:path}", Unrouted(app.router.routes))
        >>> client = TestClient(app)
        >>> response = client.post("/api/health")
        >>> response.status_code, response.headers["allow"]
        (405, 'GET')
        >>> client.get("/api/nothing").json()
        {'error': 'no such route: /api/nothing (the routes are listed at /docs)', 'field': None}
    """

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request with an ApiError: 405 when another method would do, else 404."""
        allowed: set[str] = set()
        for route in self.routes:
            if isinstance(route, Route) and route.endpoint is not self and route.methods:
                match, _ = route.matches(scope)
                if match is not Match.NONE:
                    allowed |= route.methods
        request = Request(scope)
        path = request.url.path
        if allowed:
            allow = ", ".join(sorted(allowed))
            message = f"{request.method} is not allowed on {path}; use {allow}"
            response = _refusal(405, message, None, {"Allow": allow})
        else:
            response = _refusal(
                404, f"no such route: {path} (the routes are listed at /docs)", None
            )
        await response(scope, receive, send)


def describe_invalid(error: Mapping[str, Any], content_type: str | None) -> tuple[int, ApiError]:
    """The status and refusal for one of FastAPI's request validation errors.

    The body as a whole is named ``body`` (never a position, as FastAPI's ``("body", 13)``
    location for a JSON syntax error would read); a field inside it by its dotted path.

    Args:
        error: One entry of ``RequestValidationError.errors()``.
        content_type: The request's ``Content-Type`` header, if any.

    Returns:
        400 for a body that is not valid JSON, otherwise 422; and the refusal to send.

    Example:
        >>> describe_invalid({"type": "json_invalid", "loc": ("body", 13),
        ...                   "msg": "JSON decode error", "ctx": {"error": "Expecting value"}},
        ...                  "application/json")
        (400, ApiError(error='body: not valid JSON (Expecting value at position 13)', field='body'))
    """
    kind = str(error.get("type", ""))
    location = tuple(error.get("loc", ()))
    message = str(error.get("msg", "the request is not valid"))
    if kind == "json_invalid":
        # Malformed syntax is a 400 (RFC 9110); 422 is for JSON that parses but is wrong.
        reason = str((error.get("ctx") or {}).get("error", "cannot be parsed"))
        position = location[-1] if len(location) > 1 and isinstance(location[-1], int) else None
        # Some of json's reasons end in "at" already ("Unterminated string starting at").
        joiner = " " if reason.endswith(" at") else " at "
        where = "" if position is None else f"{joiner}position {position}"
        return 400, ApiError(error=f"body: not valid JSON ({reason}{where})", field="body")
    parts = location[1:] if location[:1] == ("body",) else location
    if parts and not all(isinstance(part, int) for part in parts):
        field = ".".join(str(part) for part in parts)
        return 422, ApiError(error=f"{field}: {message}", field=field)
    if kind == "missing":
        message = "expected a JSON object, got an empty body"
    elif kind in _NOT_AN_OBJECT:
        message = "expected a JSON object"
        if not _is_json(content_type):
            sent = f"it was sent as {content_type}; " if content_type else ""
            message += f" ({sent}send it with Content-Type: application/json)"
    return 422, ApiError(error=f"body: {message}", field="body")


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _refusal(
    status: int, message: str, field: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content=ApiError(error=message, field=field).model_dump(),
        headers=headers,
    )


def openapi_paths(app: FastAPI) -> dict[str, Any]:
    """The API's paths as its OpenAPI page lists them (for tests and the README).

    Example:
        >>> sorted(openapi_paths(build_api(assistant)))
        ['/api/ask', '/api/corpus', '/api/health', '/api/uploads', '/api/uploads/{name}']
    """
    return dict(app.openapi()["paths"])
