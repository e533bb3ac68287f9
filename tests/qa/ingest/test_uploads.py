"""The uploads folder: safe names, refusals with reasons, nothing written outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import UsageError
from qa.ingest.uploads import MAX_NAME_CHARS, UPLOAD_PREFIX, UploadFolder, safe_name

ARTICLE = b"Ferry service resumes\nThe island ferry will run again from Monday.\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("notes.txt", "notes.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("C:\\Users\\me\\story.txt", "story.txt"),
        (".hidden.txt", "hidden.txt"),
        ("bad\x00name.txt", "badname.txt"),
        ("tab\tand\nnewline.txt", "tabandnewline.txt"),
        ("Report: May?.md", "Report_ May_.md"),
        ("Élection à Montréal.txt", "Élection à Montréal.txt"),
        ("..", None),
        ("\x00\x01", None),
        ("///", None),
    ],
)
def test_safe_name(raw: str, expected: str | None) -> None:
    assert safe_name(raw) == expected


def test_safe_name_shortens_long_names_and_keeps_the_suffix() -> None:
    name = safe_name("x" * 5000 + ".jsonl")
    assert name is not None and name.endswith(".jsonl") and len(name) <= MAX_NAME_CHARS


def _file(folder: Path, name: str, data: bytes = ARTICLE) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_add_stores_under_safe_names_and_never_outside(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    store = UploadFolder(tmp_path / "data" / "uploads", max_file_bytes=1000)
    good = _file(src, "ferry.txt")
    result = store.add(
        [
            good,
            str(src / ".." / "src" / "ferry.txt"),  # the same name again
            _file(src, "big.txt", b"Big\n" + b"x" * 2000),
            _file(src, "photo.png", b"\x89PNG"),
            _file(src, "utf16.txt", "Title\nBody text.\n".encode("utf-16")),
            # Not UTF-8 and not surely Western European (that would be read as cp1252).
            _file(src, "cyrillic.txt", "Выборы\nИзбиратели пошли голосовать.\n".encode("cp1251")),
        ]
    )
    assert result.added == ["ferry.txt", "utf16.txt"]
    reasons = dict(result.refused)
    assert reasons["ferry.txt"].startswith("an upload of that name already exists")
    assert reasons["big.txt"] == "larger than the limit of 1,000 bytes"
    assert reasons["photo.png"].startswith("not an article file")
    assert reasons["cyrillic.txt"].startswith("not UTF-8 text (byte 0xc2 at offset 0)")
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert [w for w in written if w.startswith("data")] == [
        "data",
        "data/uploads",
        "data/uploads/ferry.txt",
        "data/uploads/utf16.txt",
    ]
    assert [f.relative for f in store.corpus_files()] == [
        UPLOAD_PREFIX + "ferry.txt",
        UPLOAD_PREFIX + "utf16.txt",
    ]


def test_hostile_names_stay_inside_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    deep = _file(src / "a" / "b", "deep.txt")
    store = UploadFolder(tmp_path / "uploads")
    result = store.add([str(src / "a" / "b" / ".." / "b" / "deep.txt"), deep.resolve()])
    assert result.added == ["deep.txt"]
    assert result.refused[0][1].startswith("an upload of that name already exists")
    assert not (tmp_path / "deep.txt").exists() and not (src / "deep.txt").exists()


def test_many_files_in_one_upload_are_capped_with_a_reason(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    store = UploadFolder(tmp_path / "uploads", max_files=20)
    paths = [_file(src, f"a{i:05d}.txt") for i in range(10_000)]
    result = store.add(paths)
    assert len(result.added) == 20 and len(result.refused) == 9_980
    assert result.refused[0][1] == "more than 20 files in one upload; add it in another"
    assert len(store.names()) == 20


def test_missing_and_unreadable_sources_are_refused(tmp_path: Path) -> None:
    store = UploadFolder(tmp_path / "uploads")
    (tmp_path / "folder.txt").mkdir()
    result = store.add([tmp_path / "missing.txt", tmp_path / "folder.txt"])
    assert result.added == []
    assert [why for _, why in result.refused] == [
        "cannot be read (No such file or directory)",
        "not a file",
    ]


def test_remove(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    store = UploadFolder(tmp_path / "uploads")
    store.add([_file(src, "ferry.txt"), _file(src, "ferry2.txt")])
    store.remove("ferry.txt")
    assert store.names() == ["ferry2.txt"]
    with pytest.raises(UsageError, match=r"no upload is called '\.\./x'; the uploads are: 'ferry2"):
        store.remove("../x")
