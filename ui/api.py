"""The JSON API served beside the chat: ``POST /api/ask``, ``GET /api/health``, ``GET /api/corpus``.

Scripts get the same :class:`~qa.types.Answer` the Python API and ``qa ask --json`` give,
without Gradio's client. Bad input is answered with HTTP 400 or 422 and a JSON body naming the
field (``{"error": ..., "field": ...}``), never a 500; the OpenAPI page at ``/docs`` lists the
routes and their types.

Example:
    >>> client = TestClient(build_api(assistant))                          # doctest: +SKIP
    >>> client.post("/api/ask", json={"question": "When does GSOMIA expire?"}).json()["text"]
    'this Saturday'
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from qa.errors import QAError, UsageError
from qa.pipeline import Assistant, IndexInfo
from qa.types import Answer

log = logging.getLogger(__name__)

# Follow-ups only look back one turn; a bound keeps a request small (as the chat does).
MAX_HISTORY = 20


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
    """Whether the server can answer, and what it answers from."""

    status: str
    corpus: str
    documents: int
    passages: int


def build_api(assistant: Assistant) -> FastAPI:
    """The JSON API for ``assistant``, as a FastAPI app (the chat is mounted beside it).

    Args:
        assistant: The assistant every route answers from.

    Returns:
        The app, with its OpenAPI page at ``/docs``.

    Example:
        >>> app = build_api(Assistant.from_corpus("seeds"))                 # doctest: +SKIP
    """
    app = FastAPI(
        title="News QA",
        summary="Short answers copied from news articles, with their citations.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(part) for part in first.get("loc", ()) if part != "body"]
        message = first.get("msg", "the request is not valid")
        body = ApiError(error=f"{'.'.join(where) or 'body'}: {message}", field=".".join(where))
        return JSONResponse(status_code=422, content=body.model_dump())

    @app.post(
        "/api/ask",
        response_model=Answer,
        responses={400: {"model": ApiError}, 422: {"model": ApiError}},
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

    @app.get("/api/health", response_model=Health, summary="Whether the server can answer")
    def health() -> Health:
        info = assistant.info()
        return Health(
            status="ok", corpus=info.corpus, documents=info.documents, passages=info.passages
        )

    @app.get("/api/corpus", response_model=IndexInfo, summary="What is indexed")
    def corpus() -> IndexInfo:
        return assistant.info()

    return app


def _refusal(status: int, message: str, field: str | None) -> JSONResponse:
    return JSONResponse(
        status_code=status, content=ApiError(error=message, field=field).model_dump()
    )


def openapi_paths(app: FastAPI) -> dict[str, Any]:
    """The API's paths as its OpenAPI page lists them (for tests and the README).

    Example:
        >>> sorted(openapi_paths(build_api(assistant)))                   # doctest: +SKIP
        ['/api/ask', '/api/corpus', '/api/health']
    """
    return dict(app.openapi()["paths"])
