"""An index folder that cannot be written still answers; writing to it fails in one line."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings import HashingEncoder
from qa.errors import IndexError_
from qa.index import IndexStore
from qa.read.typed.reader import TypedReader

QA = [sys.executable, "-m", "qa.cli"]


def _store(folder: Path) -> IndexStore:
    encoder = HashingEncoder(dim=64)
    return IndexStore(folder, encoder, TypedReader(encoder), show_progress=False)


def _write(corpus: Path, name: str, body: str) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(f"Title of {name}\n{body}\n", encoding="utf-8")


def _refuse_writes_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write under ``folder`` fails as on a read-only mount (root ignores chmod)."""
    real_open, real_mkdir = open, Path.mkdir
    root = str(folder.resolve())

    def inside(path: object) -> bool:
        return str(Path(os.fspath(path)).resolve()).startswith(root)  # type: ignore[arg-type]

    def guarded_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if inside(file) and any(flag in mode for flag in "wax+"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    def guarded_mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if inside(self) and not self.is_dir():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("builtins.open", guarded_open)
    monkeypatch.setattr(Path, "mkdir", guarded_mkdir)


def test_up_to_date_read_only_index_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    _store(ix).open(corpus)[0].close()
    _refuse_writes_under(ix, monkeypatch)
    store = _store(ix)
    assert store.cannot_write() == (
        f"cannot write the index folder {ix} ({os.strerror(errno.EROFS)})"
    )
    index, stats = store.open(corpus)
    assert stats.action == "reused" and stats.note is None
    assert [p.text for p in index.passages] == ["Alpha one."]


def test_out_of_date_read_only_index_answers_as_built_or_refuses_to_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    _store(ix).open(corpus)[0].close()
    _write(corpus, "b.txt", "Beta one.")
    _refuse_writes_under(ix, monkeypatch)

    index, stats = _store(ix).open(corpus)
    assert stats.action == "read-only"
    assert stats.note is not None and "\n" not in stats.note
    assert stats.note.startswith(f"cannot write the index folder {ix} (")
    assert stats.note.endswith("which differs from the corpus in 1 file")
    assert [p.text for p in index.passages] == ["Alpha one."]

    with pytest.raises(IndexError_, match=r"^cannot write the index folder .*not updated$"):
        _store(ix).open(corpus, stale_ok=False)


def test_read_only_folder_without_an_index_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, ix = tmp_path / "c", tmp_path / "ix"
    _write(corpus, "a.txt", "Alpha one.")
    ix.mkdir()
    _refuse_writes_under(ix, monkeypatch)
    with pytest.raises(IndexError_, match="holds no usable index"):
        _store(ix).open(corpus)


@pytest.fixture()
def read_only_mount(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A real index behind a read-only bind mount (needs root and mount; CI has both)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a read-only bind mount needs root")
    source, mounted = tmp_path / "ix", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(mounted)]).returncode != 0:
        pytest.skip("bind mounts are not allowed here")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True)
        yield source, mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


def test_cli_answers_from_a_read_only_mount_and_index_fails_in_one_line(
    tmp_path: Path, read_only_mount: tuple[Path, Path]
) -> None:
    source, mounted = read_only_mount
    corpus = tmp_path / "c"
    _write(corpus, "a.txt", "The council voted on Tuesday to close the bridge.")
    base = ["--encoder", "hashing", "--quiet"]
    build = subprocess.run(
        [*QA, "index", str(corpus), "--index-dir", str(source), *base], capture_output=True
    )
    assert build.returncode == 0, build.stderr
    where = ["--index-dir", str(mounted)]
    ask = subprocess.run(
        [*QA, "ask", "When did the council vote?", "--corpus", str(corpus), *where, *base],
        capture_output=True,
        text=True,
    )
    assert ask.returncode == 0 and "Errno" not in ask.stderr, ask.stderr
    assert ask.stdout.startswith(("Answer:", "Not found in these articles."))

    _write(corpus, "b.txt", "Another story.")
    update = subprocess.run(
        [*QA, "index", str(corpus), "--index-dir", str(mounted), "--encoder", "hashing"],
        capture_output=True,
        text=True,
    )
    assert update.returncode == 1
    assert update.stderr.splitlines()[-1] == (
        f"error: cannot write the index folder {mounted} (Read-only file system); "
        "the index was not updated"
    )
    assert "Traceback" not in update.stderr
