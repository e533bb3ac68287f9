"""Shared fixtures: an isolated index cache per test run; seed assistants are built once."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never touch a user's real index cache from a test.
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "qa-cache"))


@pytest.fixture()
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def fast_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The seed corpus with the hashing encoder: quick, deterministic, real spaCy reader."""
    from qa import Assistant, Settings

    logging.getLogger().setLevel(logging.ERROR)
    index = tmp_path_factory.mktemp("fast-index")
    yield Assistant.from_corpus(
        SEEDS, Settings(encoder="hashing", index_dir=index, show_progress=False)
    )


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The seed corpus with the real MiniLM encoder (integration tests)."""
    from qa import Assistant, Settings

    index = tmp_path_factory.mktemp("real-index")
    yield Assistant.from_corpus(SEEDS, Settings(index_dir=index, show_progress=False))
