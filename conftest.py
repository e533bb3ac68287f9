"""The names that docstring examples in ``qa/``, ``ui/`` and ``embeddings/`` use, for pytest.

``python -m pytest`` runs every docstring example of the package (``--doctest-modules`` on
``qa``, ``ui`` and ``embeddings``, see ``[tool.pytest.ini_options]`` in pyproject.toml). An
example sees its module's globals and, when it uses one of these names without defining it:

* ``assistant``: ``Assistant`` on ``seeds`` with the hashing encoder and the default reader;
* ``encoder``, ``reader``, ``settings``, ``store``: the parts that assistant is built from
  (``make_encoder``, ``make_reader``, ``make_store`` of ``settings``), its index folder in a
  temporary folder;
* ``index``: the index of ``seeds`` as ``store.open(Path("seeds"))`` opens it, and
  ``passages``: its passages in row order;
* ``executor``: an in-process build executor, made as ``store`` makes its own;
* ``nlp``: the spaCy pipeline the question stage parses with;
* ``handlers``: the chat's event handlers (``ui.handlers.ChatHandlers``) on ``assistant``;
* ``tmp_path``: an empty temporary folder of the example's own.

The shared objects are built on first use, once per session, so running one module's examples
builds only what they need. Examples run from the repository root (``Path("seeds")`` is the
seed corpus), with ``QA_CACHE_DIR`` in a temporary folder, and with the reader, vector-backend
and file-format registries put back as they were after each docstring, so an example may
register a plug-in. Examples must write only under ``tmp_path`` or the cache folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
# As the examples write it: they run from the repository root.
SEEDS = Path("seeds")

# Docstring examples that fail today in files another change is rewriting; each is expected to
# fail with the reason given, and reports XPASS once that change fixes it (then drop it here).
KNOWN_BROKEN: dict[str, str] = {}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Shared:
    """The namespace's objects, each built the first time an example uses it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._built: dict[str, Any] = {}
        self.builders: dict[str, Callable[[], Any]] = {
            "settings": self._settings,
            "encoder": self._encoder,
            "reader": self._reader,
            "store": self._store,
            "assistant": self._assistant,
            "index": self._index,
            "passages": self._passages,
            "executor": self._executor,
            "nlp": self._nlp,
            "handlers": self._handlers,
        }

    def get(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self.builders[name]()
        return self._built[name]

    def _settings(self) -> Any:
        from qa import Settings

        return Settings(encoder="hashing", index_dir=self.folder / "index", show_progress=False)

    def _encoder(self) -> Any:
        from qa.components import make_encoder

        return make_encoder(self.get("settings"))

    def _reader(self) -> Any:
        from qa.components import make_reader

        return make_reader(self.get("settings"), self.get("encoder"))

    def _store(self) -> Any:
        from qa.components import make_store

        return make_store(self.get("settings"), SEEDS, self.get("encoder"), self.get("reader"))

    def _assistant(self) -> Any:
        from qa import Assistant

        assistant = Assistant(
            SEEDS, self.get("settings"), self.get("encoder"), self.get("reader"), self.get("store")
        )
        assistant.refresh()
        return assistant

    def _index(self) -> Any:
        self.get("assistant")  # builds the index when it is not there yet
        index, _ = self.get("store").open(SEEDS)
        return index

    def _passages(self) -> Any:
        return list(self.get("index").passages)

    def _executor(self) -> Any:
        from qa.index.executor import InProcessExecutor, encode_passages
        from qa.ingest.passages import Chunker

        settings, encoder, reader = self.get("settings"), self.get("encoder"), self.get("reader")
        chunker = Chunker(encoder.token_offsets, settings.window_tokens, settings.window_overlap)
        return InProcessExecutor(chunker, lambda texts: encode_passages(texts, encoder, reader))

    def _nlp(self) -> Any:
        from qa.question.parser import Parser

        return Parser().nlp

    def _handlers(self) -> Any:
        from ui.handlers import ChatHandlers

        return ChatHandlers(self.get("assistant"))


@pytest.fixture(scope="session")
def _doctest_shared(tmp_path_factory: pytest.TempPathFactory) -> _Shared:
    return _Shared(tmp_path_factory.mktemp("doctest-shared"))


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in tests/conftest.py (which overrides this for the tests there): no docstring example
    # touches a user's real index cache.
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "qa-cache"))


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a docstring example: the names it uses, the repository root as the working folder,
    and the plug-in registries restored after it."""
    test = getattr(request.node, "dtest", None)
    if test is None:  # not a docstring example
        yield
        return
    from qa import components
    from qa.index.vectors import registry as vectors
    from qa.ingest.formats import registry as formats

    shared: _Shared = request.getfixturevalue("_doctest_shared")
    namespace: dict[str, Any] = request.getfixturevalue("doctest_namespace")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(ROOT)
    used = {name for example in test.examples for name in _NAME.findall(example.source)}
    # A module's own globals win: an example in a module defining `index` means that one.
    wanted = sorted((used - set(test.globs)) & {*shared.builders, "tmp_path"})
    for name in wanted:
        if name == "tmp_path":
            namespace[name] = request.getfixturevalue("tmp_path")
        else:
            namespace[name] = shared.get(name)
    registries: list[dict[str, Any]] = [components._READERS, vectors._BACKENDS, formats._FORMATS]
    saved = [dict(registry) for registry in registries]
    try:
        yield
    finally:
        for name in wanted:
            namespace.pop(name, None)
        for registry, before in zip(registries, saved, strict=True):
            registry.clear()
            registry.update(before)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        reason = KNOWN_BROKEN.get(item.name) if hasattr(item, "dtest") else None
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
