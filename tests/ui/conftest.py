"""Fixtures for the chat tests: assistants over private copies of the seed corpus, and one server.

Indexes are written under pytest's temporary folder only, and the expensive pieces (the real
MiniLM assistant, the running server) are built once per test session.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Assistant, Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GSOMIA = "When does GSOMIA expire?"
EXPECTED = "this Saturday"


@pytest.fixture(scope="session", autouse=True)
def _ui_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Session fixtures run before function-scoped monkeypatching, so set the variable here.
    previous = os.environ.get("QA_CACHE_DIR")
    os.environ["QA_CACHE_DIR"] = str(tmp_path_factory.mktemp("ui-qa-cache"))
    yield
    if previous is None:
        os.environ.pop("QA_CACHE_DIR", None)
    else:
        os.environ["QA_CACHE_DIR"] = previous


def copy_seeds(target: Path) -> Path:
    """A writable copy of the seed corpus at ``target``."""
    shutil.copytree(SEEDS, target)
    return target


def make_assistant(root: Path, encoder: str) -> Assistant:
    """An assistant over a fresh copy of the seeds, its index kept beside the copy."""
    logging.getLogger("qa").setLevel(logging.ERROR)
    corpus = copy_seeds(root / "corpus")
    settings = Settings.make(encoder=encoder, index_dir=root / "index", show_progress=False)
    return Assistant.from_corpus(corpus, settings)


@pytest.fixture(scope="session")
def hashing_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """Shared, fast assistant (hashing encoder, real spaCy reader); tests must not add files."""
    return make_assistant(tmp_path_factory.mktemp("ui-hashing"), "hashing")


@pytest.fixture()
def writable_assistant(tmp_path: Path) -> Assistant:
    """A fast assistant of this test's own, for tests that add files to the corpus."""
    return make_assistant(tmp_path, "hashing")


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The assistant with the default (MiniLM) settings, as ``qa serve`` runs it."""
    return make_assistant(tmp_path_factory.mktemp("ui-minilm"), "minilm")


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server_url(real_assistant: Assistant) -> Iterator[str]:
    """URL of the chat served from a background thread for the whole session."""
    from ui.app import start

    demo, url = start(real_assistant, port=free_port(), block=False, quiet=True, workers=0)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="session")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Assistant]]:
    """A server with a reader and an editor token over a writable copy of the seeds (hashing
    encoder), and its assistant; ``/api/ask`` allows 3 questions at once, then 6 a minute."""
    from served_tokens import EDITOR_TOKEN, READER_TOKEN

    from qa.settings import AccessSettings
    from ui.app import start

    root = tmp_path_factory.mktemp("ui-tokens")
    logging.getLogger("qa").setLevel(logging.ERROR)
    settings = Settings.make(
        encoder="hashing",
        index_dir=root / "index",
        show_progress=False,
        rate_limit_per_minute=6,
        rate_limit_burst=3,
    )
    assistant = Assistant.from_corpus(copy_seeds(root / "corpus"), settings)
    access = AccessSettings.make(token=READER_TOKEN, editor_token=EDITOR_TOKEN)
    server, url = start(
        assistant, port=free_port(), access=access, block=False, quiet=True, workers=0
    )
    try:
        yield url, assistant
    finally:
        server.close()
