"""Fixtures for the reliability suite.

These tests start real `qa` processes and a real server, so they take minutes; they are marked
``reliability`` and run alone with ``pytest -m reliability -s`` (``-s`` shows the figures).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

OUT = Path(__file__).resolve().parents[2] / "reliability-out"

# The same examples on every run by default, so CI does not pass or fail by chance and the
# figures repeat; HYPOTHESIS_PROFILE=explore draws new ones to hunt for more bugs.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability/" in item.nodeid:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture()
def report(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Figures a test measured: printed, and kept in ``reliability-out/<test>.json``."""
    figures: dict[str, Any] = {}
    yield figures
    if figures:
        OUT.mkdir(exist_ok=True)
        name = request.node.name
        (OUT / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else _nothing():
            print(f"\n[reliability] {name}: {json.dumps(figures)}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
