"""The JSON API fuzzed from its own OpenAPI schema: no 5xx, responses as documented, fast.

schemathesis reads ``/openapi.json`` and, for each operation, sends the schema's examples,
its coverage cases (each boundary, each wrong type, every undeclared method, odd content
types) and ``MAX_EXAMPLES`` generated requests, valid and invalid, to the API over a real
(hashing-encoder) assistant. Each response is checked: never a 5xx, a status the schema
lists, a body of the documented model, 405 with ``Allow`` for a wrong method, and faster
than ``REQUEST_LIMIT_S``.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, NoReturn, cast

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import settings

from qa import Assistant, Settings
from ui.api import UPLOADS_PATH, build_api

# Generated requests per operation (on top of the examples and coverage cases); together
# they take about 10 s on two cores.
MAX_EXAMPLES = 100
# No request of this API should take long: it answers from an index already in memory.
REQUEST_LIMIT_S = 5.0
# The same cases on every run, so CI does not pass or fail by chance (as the reliability suite
# does); HYPOTHESIS_PROFILE=explore draws new ones to hunt for more bugs.
REPEATABLE = os.environ.get("HYPOTHESIS_PROFILE", "repeatable") != "explore"


class _NoAssistant:
    """Stands in for the assistant while only the schema is read; any use is a test bug."""

    # Read when the app is built (the API's queue bound), not when a case is answered.
    settings = Settings()

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"a case was sent to the schema-only app (it asked for .{name})")


# The schema depends on the routes alone, so it is read from an app with no assistant behind
# it, at import, as schemathesis' pytest plugin wants (its fixture-based loader fails on
# pytest 9's test nodes); every case is then sent to ``live_app``.
schema = schemathesis.openapi.from_asgi("/openapi.json", build_api(cast(Assistant, _NoAssistant())))


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The API over a fast assistant of its own: the upload routes change its corpus."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", root / "corpus")
    logging.getLogger("qa").setLevel(logging.ERROR)
    settings = Settings(encoder="hashing", index_dir=root / "index", show_progress=False)
    return build_api(Assistant.from_corpus(root / "corpus", settings))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=REPEATABLE, database=None)
def test_the_api_holds_to_its_schema(case: schemathesis.Case[Any], live_app: FastAPI) -> None:
    response = case.call(app=live_app)
    assert response.elapsed < REQUEST_LIMIT_S, (
        f"{case.method} {case.formatted_path} took {response.elapsed:.2f} s"
    )
    # Every standard check but one: an Answer in `history` has rules across its fields (a
    # declined answer has no score, say) that JSON Schema cannot state, so some schema-valid
    # requests are rightly refused with 422, which `positive_data_acceptance` would flag.
    excluded: list[Any] = [schemathesis.checks.positive_data_acceptance]
    if case.path == UPLOADS_PATH:
        # A multipart part is bytes whatever the schema says it holds: a "file" of digits is
        # a file of digits (refused or kept as an article), not a wrongly typed field.
        excluded.append(schemathesis.checks.negative_data_rejection)
    case.validate_response(response, excluded_checks=excluded)
