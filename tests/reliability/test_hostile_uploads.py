"""Hostile uploads through the real ``Assistant.add_files`` (issue 17).

Names with ``../``, absolute paths, NUL, names longer than the file system allows, 10,000 files
in one call, files over the size limit, links, FIFOs, names that are only dots or end in a
space: each file is refused with a reason or stored under a safe name, and after every call
nothing has been written anywhere but the uploads folder beside the index. The corpus folder
is never touched, and a stored upload is always a plain file inside that folder.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import shutil
import stat
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import ROOT

from qa.ingest.uploads import MAX_NAME_CHARS, UploadFolder
from qa.pipeline import Assistant
from qa.settings import Settings

SEEDS = ROOT / "seeds"
MAX_FILE_BYTES = 5_000
ARTICLE = b"Ferry service resumes\nThe island ferry will run again from Monday, officials said.\n"
NOT_ARTICLE = "not an article file"
NO_NAME = "its name has no usable characters"
UNREADABLE = "cannot be read"
NOT_A_FILE = "not a file"
TAKEN = "an upload of that name already exists"


@dataclass
class World:
    """One assistant on a copy of the seeds, and the folder everything of this module is in."""

    root: Path
    corpus: Path
    index: Path
    assistant: Assistant
    corpus_digest: dict[str, str]
    figures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0  # of the last add_files call alone

    @property
    def uploads(self) -> Path:
        return self.index / "uploads"

    def snapshot(self) -> dict[str, str]:
        """Everything under ``root`` except the index's own generation files."""
        return _tree(self.root, skip=lambda rel: rel.startswith("index/") and not _in_uploads(rel))

    def upload(self, paths: list[Any]) -> tuple[list[str], list[tuple[str, str]]]:
        """``add_files`` with the checks every call must pass; its result."""
        before = self.snapshot()
        info = self.assistant.info()
        started = time.perf_counter()
        added, refused = self.assistant.add_files(paths)
        self.seconds = time.perf_counter() - started
        after = self.snapshot()
        assert len(added) + len(refused) == len(paths)
        assert all(isinstance(why, str) and why.strip() for _, why in refused), refused
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        outside = sorted(key for key in changed if not _in_uploads(key))
        assert not outside, f"written outside the uploads folder: {outside[:5]}"
        assert {key for key in changed if key != "index/uploads"} == {
            f"index/uploads/{name}" for name in added
        }
        for name in added:
            path = self.uploads / name
            mode = os.lstat(path).st_mode
            assert stat.S_ISREG(mode), f"{name!r} is stored as something else than a plain file"
            assert path.resolve().parent == self.uploads.resolve()
        assert _tree(self.corpus) == self.corpus_digest, "the corpus folder changed"
        new = self.assistant.info()
        assert new.uploads == tuple(sorted(info.uploads + tuple(added)))
        if added:
            assert new.documents >= info.documents + len(added)
        else:
            assert (new.documents, new.passages) == (info.documents, info.passages)
        self.figures["files tried"] += len(paths)
        self.figures["stored"] += len(added)
        self.figures["refused"] += len(refused)
        return added, refused

    def clear(self) -> None:
        for name in self.assistant.uploads():
            self.assistant.remove_upload(name)
        assert self.assistant.uploads() == [] and not list(self.uploads.iterdir())


def _in_uploads(rel: str) -> bool:
    return rel == "index/uploads" or rel.startswith("index/uploads/")


def _tree(root: Path, skip: Callable[[str], bool] = lambda rel: False) -> dict[str, str]:
    """Each entry under ``root`` by relative path: its kind, and a digest for plain files.

    Links are recorded as links and never followed; FIFOs and devices are never opened.
    """
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not skip(_rel(here / d, root))]
        for name in sorted(dirnames + filenames):
            path = here / name
            rel = _rel(path, root)
            if skip(rel):
                continue
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                tree[rel] = "link:" + os.readlink(path)
            elif stat.S_ISDIR(mode):
                tree[rel] = "dir"
            elif stat.S_ISREG(mode):
                tree[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                tree[rel] = f"special:{stat.S_IFMT(mode):o}"
    return tree


def _rel(path: Path, root: Path) -> str:
    return os.fsdecode(path.relative_to(root)).encode("utf-8", "backslashreplace").decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    logging.disable(logging.WARNING)  # refusals are logged on purpose
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus)
    index = root / "index"
    assistant = Assistant.from_corpus(
        corpus,
        Settings(
            encoder="hashing", index_dir=index, show_progress=False, max_file_bytes=MAX_FILE_BYTES
        ),
    )
    index.joinpath("uploads").mkdir(exist_ok=True)
    yield World(root, corpus, index, assistant, _tree(corpus))
    assistant.close()
    logging.disable(logging.NOTSET)


def _file(path: Path, data: bytes = ARTICLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# Each case: what to pass to add_files, and for each item either ("stored", name) or
# ("refused", how the reason begins). Built inside a fresh folder of its own.
Expect = tuple[str, str]


def _cases(src: Path, outside: Path, token: str) -> list[tuple[str, list[Any], list[Expect]]]:
    long_ok = "é" * 120 + ".txt"  # 244 bytes: a legal name, longer than a stored one may be
    return [
        (
            "../ inside the source folder",
            [f"{_file(src / 'a' / 'b' / 'story.txt').parent}/../b/story.txt"],
            [("stored", "story.txt")],
        ),
        (
            "../ climbing out of the source folder to a file elsewhere",
            [f"{src}/a/../../{outside.name}/escape.txt"],
            [("stored", "escape.txt")],
        ),
        (
            "relative ../ aiming at /tmp",
            [f"{'../' * 12}tmp/hostile-{token}.txt", f"../../../../../tmp/hostile-{token}.md"],
            [("refused", UNREADABLE), ("refused", UNREADABLE)],
        ),
        (
            "absolute paths",
            [
                str(_file(src / "abs" / "absolute.txt").resolve()),
                "/etc/passwd",
                f"/nonexistent-{token}/x.txt",
                "/",
                str(next(SEEDS.glob("*.txt")).resolve()),  # the repo's own seed article
            ],
            [
                ("stored", "absolute.txt"),
                ("refused", NOT_ARTICLE),
                ("refused", UNREADABLE),
                ("refused", NO_NAME),
                ("stored", next(SEEDS.glob("*.txt")).name),
            ],
        ),
        (
            "NUL in the path",
            ["a\x00b.txt", f"{src}/a\x00b.txt", f"{src}/\x00"],
            [
                ("refused", "its name contains a NUL character"),
                ("refused", "its name contains a NUL character"),
                ("refused", NO_NAME),
            ],
        ),
        (
            "an unpaired surrogate in the path",
            [f"{src}/a\ud800.txt"],
            [("refused", "its name is not valid text")],
        ),
        (
            "names longer than the file system allows",
            [f"{src}/{'x' * 300}.txt", "/".join(["d" * 200] * 25) + ".txt"],
            [("refused", f"{UNREADABLE} (File name too long)")] * 2,
        ),
        (
            "a long legal name is shortened, its suffix kept",
            [_file(src / long_ok)],
            [("stored", "é" * (MAX_NAME_CHARS - 4) + ".txt")],
        ),
        (
            "names that are only dots, or dots and a suffix",
            [_file(src / "..."), _file(src / "...."), f"{src}/..", _file(src / "..txt")],
            [("refused", NO_NAME)] * 3 + [("stored", "upload.txt")],
        ),
        (
            "a trailing space or dot, a leading space",
            [_file(src / "story.txt "), _file(src / "story.txt."), _file(src / " lead.txt")],
            [("refused", NOT_ARTICLE), ("refused", NOT_ARTICLE), ("stored", "lead.txt")],
        ),
        (
            "Windows device names",
            [
                _file(src / "CON.txt"),
                _file(src / "nul.md"),
                _file(src / "COM1.txt"),
                _file(src / "aux.jsonl", b'{"text": "Aux\\nA record."}\n'),
            ],
            [
                ("stored", "CON.txt"),
                ("stored", "nul.md"),
                ("stored", "COM1.txt"),
                ("stored", "aux.jsonl"),
            ],
        ),
        (
            "control, bidi and backslash characters in names",
            [
                _file(src / "new\nline.txt"),
                _file(src / "\u202etxt.exe.txt"),
                _file(src / "..\\..\\evil.txt"),
                _file(src / "-rf --no-preserve-root.md"),
            ],
            [
                ("stored", "newline.txt"),
                ("stored", "txt.exe.txt"),
                ("stored", "evil.txt"),
                ("stored", "-rf --no-preserve-root.md"),
            ],
        ),
        (
            "the same name twice in one call",
            [_file(src / "one" / "dup.txt"), _file(src / "two" / "dup.txt", ARTICLE + b"2\n")],
            [("stored", "dup.txt"), ("refused", TAKEN)],
        ),
        (
            "a folder, a FIFO and a device behind article names",
            [
                _folder(src / "folder.txt"),
                _fifo(src / "pipe.txt"),
                _link(src / "zero.txt", "/dev/zero"),
            ],
            [("refused", NOT_A_FILE)] * 3,
        ),
        (
            "links: to a file outside, dangling, looping, to a folder",
            [
                _link(src / "link.txt", _file(outside / "target.txt")),
                _link(src / "dangling.txt", src / f"missing-{token}.txt"),
                _link(src / "loop.txt", src / "loop.txt"),
                _link(src / "dir.txt", outside),
            ],
            [
                ("stored", "link.txt"),
                ("refused", UNREADABLE),
                ("refused", UNREADABLE),
                ("refused", NOT_A_FILE),
            ],
        ),
        (
            "not articles: binary, wrong encoding, no title",
            [
                _file(src / "blob.txt", b"\x00\x01\x02"),
                # Not UTF-8 and not surely Western European (which is read as cp1252).
                _file(src / "cyrillic.txt", "Выборы\nИзбиратели.\n".encode("cp1251")),
                _file(src / "dashes.md", b"---\n---\n"),
                _file(src / "bad.jsonl", b"{not json}\n[1, 2]\n"),
            ],
            [
                ("refused", "binary file"),
                ("refused", "not UTF-8 text"),
                ("refused", "no title line"),
                ("refused", "no readable record in it (line 1"),
            ],
        ),
    ]


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _link(path: Path, target: Path | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
    return path


def test_hostile_names_are_refused_with_a_reason_or_stored_inside_the_uploads_folder(
    world: World, report: dict[str, Any]
) -> None:
    token = uuid.uuid4().hex
    outside = world.root / "outside"
    outside.mkdir(exist_ok=True)
    _file(outside / "escape.txt", ARTICLE + b"From outside.\n")
    reasons: Counter[str] = Counter()
    cases = _cases(world.root / "src", outside, token)
    for label, paths, expected in cases:
        added, refused = world.upload(paths)
        try:
            assert added == [name for kind, name in expected if kind == "stored"], label
            wanted = [start for kind, start in expected if kind == "refused"]
            assert len(refused) == len(wanted), (label, refused)
            for (shown, why), start in zip(refused, wanted, strict=True):
                assert why.startswith(start), (label, shown, why)
                assert "\x00" not in shown and len(shown) <= 80
                reasons[" ".join(why.split()[:4])] += 1
            kinds = [kind for kind, _ in expected]
            sources = [path for path, kind in zip(paths, kinds, strict=True) if kind == "stored"]
            for name, source in zip(added, sources, strict=True):
                assert (world.uploads / name).read_bytes() == Path(source).read_bytes(), label
        finally:
            world.clear()
    for escape in (Path(f"/tmp/hostile-{token}.txt"), Path(f"/tmp/hostile-{token}.md")):
        assert not escape.exists()
    report.update(
        cases=len(cases),
        files_tried=world.figures["files tried"],
        stored=world.figures["stored"],
        refused=world.figures["refused"],
        reasons=dict(reasons.most_common()),
    )


def test_a_file_over_the_size_limit_is_refused_without_being_read(
    world: World, tmp_path: Path, report: dict[str, Any]
) -> None:
    src = tmp_path  # outside the snapshot: a 3 GiB file is not hashed
    at_limit = _file(src / "at-limit.txt", ARTICLE + b"x" * (MAX_FILE_BYTES - len(ARTICLE)))
    over = _file(src / "over.txt", ARTICLE + b"x" * (MAX_FILE_BYTES + 1 - len(ARTICLE)))
    huge = src / "huge.txt"
    with huge.open("wb") as handle:  # 3 GiB, sparse: refused from its size alone
        handle.write(ARTICLE)
        handle.truncate(3 << 30)
    try:
        added, refused = world.upload([at_limit, over, huge])
        seconds = world.seconds
    finally:
        huge.unlink()
        world.clear()
    assert added == ["at-limit.txt"]
    assert refused == [
        ("over.txt", f"larger than the limit of {MAX_FILE_BYTES:,} bytes"),
        ("huge.txt", f"larger than the limit of {MAX_FILE_BYTES:,} bytes"),
    ]
    assert seconds < 10
    report.update(limit_bytes=MAX_FILE_BYTES, seconds=round(seconds, 3))


def test_ten_thousand_files_in_one_call_are_capped_with_a_reason(
    world: World, report: dict[str, Any]
) -> None:
    # The pipeline builds its UploadFolder without max_files: the default applies.
    max_files = inspect.signature(UploadFolder).parameters["max_files"].default
    assert world.assistant._uploads.max_files == max_files == 200
    src = world.root / "many"
    src.mkdir()
    started = time.perf_counter()
    paths = []
    for i in range(10_000):
        path = src / f"n{i:05d}.txt"
        path.write_bytes(b"Note %d\nShort note number %d about the ferry.\n" % (i, i))
        paths.append(path)
    made = time.perf_counter() - started
    before = world.assistant.info().documents
    try:
        added, refused = world.upload(paths)
        seconds = world.seconds
        assert added == [f"n{i:05d}.txt" for i in range(max_files)]
        assert refused == [
            (f"n{i:05d}.txt", f"more than {max_files} files in one upload; add it in another")
            for i in range(max_files, 10_000)
        ]
        assert world.assistant.info().documents == before + max_files
        assert seconds < 120, f"10,000 files took {seconds:.1f} s"
    finally:
        # Taking 200 uploads out one by one would rebuild the index 200 times.
        for name in world.assistant.uploads():
            (world.uploads / name).unlink()
        world.assistant.refresh()
        shutil.rmtree(src)
    assert world.assistant.info().documents == before
    report.update(
        files=len(paths),
        stored=len(added),
        refused=len(refused),
        seconds_to_make_files=round(made, 2),
        seconds_add_files=round(seconds, 2),
    )
