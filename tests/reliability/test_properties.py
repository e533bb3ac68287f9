"""Property-based tests (hypothesis) of ingestion, question cleaning and uploads (issue 17).

Whatever bytes, encodings, line lengths, JSON shapes and file names a corpus holds, reading it
raises nothing but the project's own errors, every document it returns is usable (text, title,
an id unique in its file) and every file or line it leaves out is named with a reason. Any text
given as a question is either cleaned to a short one-line question or refused with a
:class:`UsageError`. An upload is either stored whole, byte for byte, under a safe name, or
refused with a reason, and nothing else is ever written: nothing half-added.

Examples are generated afresh on each run (hypothesis prints the failing one, shrunk, with the
seed to replay it); the example counts are sized so the file runs in well under a minute.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import ROOT

from qa.errors import CorpusError, QAError, UsageError
from qa.ingest.decoding import decode_article
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.loader import (
    SUFFIXES,
    load_corpus,
    read_document_file,
    scan_corpus,
)
from qa.ingest.uploads import UPLOAD_PREFIX, UploadFolder, safe_name
from qa.pipeline import Assistant, clean_question
from qa.settings import Settings
from qa.types import Answer, Document

SEEDS = ROOT / "seeds"
# Categories clean_question turns into spaces before it collapses whitespace.
REMOVED = ("Cc", "Cf", "Cs", "Zl", "Zp")
NAME_MAX = 255  # bytes in one file name (ext4, tmpfs, btrfs, xfs)

SOME = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=40)
MANY = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=300)
SMALL = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=15)


@pytest.fixture(scope="module", autouse=True)
def _quiet_logs() -> Iterator[None]:
    # Unreadable dates and skipped files are logged on purpose; thousands of lines of them
    # would only hide the figures.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder each example makes its own temporary folder in (removed after the example)."""
    return tmp_path_factory.mktemp("properties")


# -- strategies: what a corpus may hold --------------------------------------------------------

ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",  # with a byte-order mark
    "utf-16-le",  # without one
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
    "shift_jis",
    "koi8-r",
    "gb18030",
)
MAGIC = (b"%PDF-1.7\n", b"PK\x03\x04", b"\x89PNG\r\n", b"\xff\xd8\xff", b"GIF89a", b"\x7fELF")
BOMS = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
)
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85", "\x0b", "\x0c"])
DATELINES = st.one_of(
    st.sampled_from(
        [
            "Friday, July 21, 2017",
            "February 30, 2020",
            "0000-00-00",
            "9999-12-31",
            "2021-13-45",
            "31 June 12345",
            "١٢٣٤-٠١-٠١",  # Arabic-Indic digits match \d
            "Monday",
        ]
    ),
    st.text(max_size=40),
)

article_text = st.one_of(
    st.builds(
        lambda title, brk, body: f"{title}{brk}{body}",
        st.text(max_size=60),
        LINE_BREAKS,
        st.text(max_size=300),
    ),
    st.builds(
        lambda title, dateline, body: f"{title}\n{dateline}\n{body}\n",
        st.text(min_size=1, max_size=40),
        DATELINES,
        st.text(max_size=200),
    ),
    st.text(max_size=200),
)
encoded_text = st.builds(
    lambda text, encoding: text.encode(encoding, errors="ignore"),
    article_text,
    st.sampled_from(ENCODINGS),
)
random_bytes = st.one_of(
    st.binary(max_size=2048),
    st.builds(bytes.__add__, st.sampled_from(MAGIC), st.binary(max_size=200)),
    st.builds(bytes.__add__, st.sampled_from(BOMS), st.binary(max_size=300)),
)

front_value = st.one_of(
    st.text(max_size=30),
    st.sampled_from(['""', "''", '" "', "'", "2020-13-45", "2021-05-06T10:00", "yesterday", "---"]),
)
front_line = st.one_of(
    st.builds(
        lambda key, value: f"{key}: {value}",
        st.sampled_from(["title", "date", "url", "Title", " DATE ", "tags", ""]),
        front_value,
    ),
    st.text(max_size=30),
)
markdown = st.builds(
    lambda lines, close, body, brk, encoding: (
        "---" + brk + brk.join(lines) + (brk + "---" + brk if close else brk) + body
    ).encode(encoding, errors="ignore"),
    st.lists(front_line, max_size=5),
    st.booleans(),
    st.one_of(st.just(""), article_text),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
odd_ids = st.one_of(
    st.sampled_from(["", " ", "0", "a.txt", "x.jsonl:1", "../../etc/passwd", "\u202e", "a\nb"]),
    st.text(max_size=10),
    st.integers(),
    json_value,
)
record = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(article_text, json_value),
        "id": odd_ids,
        "title": st.one_of(st.text(max_size=40), json_value),
        "date": st.one_of(DATELINES, json_value),
        "url": st.one_of(st.text(max_size=40), json_value),
        "extra": json_value,
    },
)


def _deep(depth: int, kind: str, key: str | None) -> str:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    value = opening * depth + "1" + closing * depth
    return (
        value if key is None else json.dumps({"text": "Deep\nbody"})[:-1] + f', "{key}": {value}}}'
    )


deep_json = st.builds(
    _deep,
    st.sampled_from([2, 50, 500, 900, 950, 980, 990, 1000, 1100, 5000, 50_000]),
    st.sampled_from(["list", "dict"]),
    st.sampled_from([None, "text", "id", "title", "date", "url", "extra"]),
)
huge_numbers = st.builds(
    lambda digits, key, fraction: (
        json.dumps({"text": "Numbers\nbody"})[:-1] + f', "{key}": {"1" * digits}{fraction}}}'
    ),
    st.sampled_from([4299, 4300, 4301, 10_000]),
    st.sampled_from(["id", "title", "date", "url", "extra", "text"]),
    st.sampled_from(["", ".5", "e999", "e-999"]),
)
json_line = st.one_of(
    st.builds(json.dumps, record),
    st.builds(lambda r: json.dumps(r, ensure_ascii=False), record),
    st.builds(json.dumps, json_value),  # records that are not objects
    deep_json,
    huge_numbers,
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            "   ",
            "{",
            "[]",
            "null",
            '{"text": "a\\ud800b"}',  # an unpaired surrogate, escaped
            '{"text": "nul \\u0000 inside"}',
            '{"text": "twice", "text": 5}',
            '{"text": "Same id", "id": "same"}',
            '{"text": "Same id again", "id": "same"}',
            '{"text": "NaN date", "date": NaN}',
            '{"text": "1e999", "id": 1e999}',
        ]
    ),
)
jsonl = st.builds(
    lambda lines, brk, encoding: brk.join(lines).encode(encoding, errors="ignore"),
    st.lists(json_line, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)

SUFFIX = st.sampled_from(
    [
        ".txt",
        ".md",
        ".jsonl",
        ".html",
        ".HTM",
        ".TXT",
        ".Md",
        ".JSONL",
        ".txt ",
        "",
        ".txt.bak",
        ".json",
    ]
)
stems = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=40),
    st.sampled_from(["-rf", "--help", " lead", "trail ", "new\nline", "tab\there", "日本語"]),
    st.sampled_from(["\u202egnp", "..x", "-", "a b c", "CON", "x" * 200, "é" * 120]),
    # Not UTF-8 at all: Linux names are bytes, Python shows the bad ones as surrogates.
    st.binary(min_size=1, max_size=20).map(
        lambda b: os.fsdecode(b.replace(b"/", b"_").replace(b"\x00", b"_"))
    ),
)
file_names = st.builds(str.__add__, stems, SUFFIX).filter(
    lambda name: name not in (".", "..") and len(os.fsencode(name)) <= NAME_MAX
)


@st.composite
def corpus_file(draw: st.DrawFn) -> tuple[str | None, str, bytes]:
    """A file of a corpus: an optional subfolder, a name, and bytes to suit (or not) its type."""
    name = draw(file_names)
    folder = draw(st.one_of(st.none(), stems.filter(lambda s: s not in (".", ".."))))
    suffix = Path(name).suffix.lower()
    kinds = [article_text.map(str.encode), encoded_text, random_bytes]
    if suffix == ".jsonl":
        kinds = [jsonl, jsonl, *kinds]
    elif suffix == ".md":
        kinds = [markdown, markdown, *kinds]
    return folder, name, draw(st.one_of(kinds))


# -- checks --------------------------------------------------------------------------------------


def _write_corpus(root: Path, files: list[tuple[str | None, str, bytes]]) -> set[str]:
    """Write what can be written; the relative paths a scan must list."""
    expected: set[str] = set()
    for folder, name, data in files:
        parent = root / folder if folder else root
        path = parent / name
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                continue
            path.write_bytes(data)
        except OSError:  # a folder name already taken by a file, say
            continue
        relative = path.relative_to(root)
        hidden = any(part.startswith(".") for part in relative.parts)
        if not hidden and path.suffix.lower() in SUFFIXES:
            expected.add(relative.as_posix())
    return expected


def _check_file(
    file: CorpusFile, docs: list[Document], skips: list[tuple[str, str]], limit: int
) -> None:
    where = file.relative
    if file.skipped is not None:
        # Left out by the scan (hidden, another kind of file): skipped with that reason.
        assert not docs and skips == [(where, file.skipped)], (where, skips)
        return
    for name, reason in skips:
        assert isinstance(reason, str) and reason.strip(), (where, name)
        assert name == where or name.startswith(f"{where} line "), (where, name)
    ids = [doc.id for doc in docs]
    assert len(ids) == len(set(ids)), f"{where}: ids repeat: {ids}"
    for doc in docs:
        assert doc.id and doc.source == where
        assert doc.text.strip(), f"{where}: a document without text"
        assert doc.title.strip(), f"{where}: document {doc.id!r} has a blank title {doc.title!r}"
    if file.size > limit:
        assert not docs and len(skips) == 1 and skips[0][1].startswith("larger than")
        return
    text, reason = decode_article(file.path.read_bytes())
    if text is None:
        assert not docs and skips == [(where, reason)] and reason.strip()
        return
    if file.path.suffix.lower() == ".jsonl":
        # Every line holding something is accounted for: a document, or a skip with a reason.
        lines = [line for line in re.split(r"\r\n?|\n", text) if line.strip()]
        assert len(docs) + len(skips) == len(lines), (where, len(docs), skips, len(lines))
    else:
        assert len(docs) + len(skips) == 1, (where, docs, skips)
        if docs:
            assert docs[0].text == text and docs[0].id == where


def _check_corpus(root: Path, expected: set[str], limit: int) -> tuple[int, int]:
    """Load ``root`` both ways and check the contract; returns (documents, skipped)."""
    files = scan_corpus(root)
    assert {f.relative for f in files if f.skipped is None} == expected
    report = LoadReport()
    for file in files:
        first = len(report.skipped)
        docs = list(read_document_file(file, report, max_file_bytes=limit))
        _check_file(file, docs, report.skipped[first:], limit)
        report.documents.extend(docs)
    try:
        loaded = load_corpus(root, max_file_bytes=limit)
    except CorpusError as exc:
        assert not report.documents and str(exc).strip()
    else:
        assert [d.id for d in loaded.documents] == [d.id for d in report.documents]
        assert loaded.skipped == report.skipped
    return len(report.documents), len(report.skipped)


# -- ingestion -----------------------------------------------------------------------------------


@MANY
@given(
    files=st.lists(corpus_file(), min_size=1, max_size=6),
    limit=st.sampled_from([20_000_000, 20_000_000, 300]),
)
def test_any_corpus_loads_or_fails_with_a_qa_error(
    scratch: Path, files: list[tuple[str | None, str, bytes]], limit: int, report: dict[str, Any]
) -> None:
    for key in ("examples", "files", "documents", "skipped", "qa_errors"):
        report.setdefault(key, 0)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        expected = _write_corpus(root, files)
        report["examples"] += 1
        report["files"] += len(expected)
        try:
            documents, skipped = _check_corpus(root, expected, limit)
        except QAError:  # the project's own error, with its message: allowed
            report["qa_errors"] += 1
        else:
            report["documents"] += documents
            report["skipped"] += skipped


HUGE_KINDS = ["txt", "md", "jsonl-record", "jsonl-garbage", "utf16", "cp1252"]


@pytest.mark.parametrize("kind", HUGE_KINDS)
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=2)
@given(size=st.integers(1_000_000, 3_000_000))
def test_huge_single_lines_load_or_fail_with_a_qa_error(
    scratch: Path, kind: str, size: int, report: dict[str, Any]
) -> None:
    line = ("Ferry " * (size // 6 + 1))[:size]
    data = {
        "txt": f"Huge\n{line}\n".encode(),
        "md": f"---\ntitle: Huge\n---\n{line}".encode(),
        "jsonl-record": json.dumps({"text": f"Huge\n{line}", "title": line, "date": line}).encode(),
        "jsonl-garbage": ('{"text": "' + line).encode(),
        "utf16": f"Huge\n{line}".encode("utf-16"),
        "cp1252": line.encode("cp1252") + b"\xe9",  # not UTF-8 at its very end
    }[kind]
    suffix = ".jsonl" if kind.startswith("jsonl") else ".md" if kind == "md" else ".txt"
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        (root / f"huge{suffix}").write_bytes(data)
        started = time.perf_counter()
        documents, skipped = _check_corpus(root, {f"huge{suffix}"}, 20_000_000)
        seconds = time.perf_counter() - started
    assert documents + skipped == 1
    assert seconds < 30, f"a {len(data):,}-byte line took {seconds:.1f} s to load"
    report[f"{len(data)}_bytes_seconds"] = round(seconds, 3)
    report[f"{len(data)}_bytes_outcome"] = "read" if documents else "skipped"


def test_two_jsonl_files_sharing_ids_load_and_the_ids_stay_unique_per_file(
    tmp_path: Path,
) -> None:
    # load_corpus keeps one file's ids unique; across files the index refuses the clash
    # (IndexError_, a QAError) when it is built. Here only the loader's half is checked.
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text('{"id": "1", "text": "Same\\nbody"}\n' * 2)
    loaded = load_corpus(tmp_path)
    assert [(d.source, d.id) for d in loaded.documents] == [("a.jsonl", "1"), ("b.jsonl", "1")]
    assert [why for _, why in loaded.skipped] == ["duplicate id '1'"] * 2


# -- question cleaning ---------------------------------------------------------------------------

# Whitespace, controls, separators, bidi and zero-width marks, a BOM, unpaired surrogates.
ODD_CHARS = [
    *" \t\n\r\x00\x0b\x0c\x1c\x85\xa0\u1680\u2028\u2029\u200b\u200e\u200f\u202e\u2066",
    *"\ufeff\u3000?aé日",
    "\ud800",
    "\udfff",
]
questions = st.one_of(
    st.text(),
    st.text(st.characters(codec=None), max_size=60),
    st.text(
        st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn"]), max_size=40
    ),
    st.text(st.sampled_from(ODD_CHARS), max_size=60),
    st.builds(
        lambda n, pad: pad + "a" * n + pad,
        st.integers(990, 1010),
        st.sampled_from(["", " ", "\x00"]),
    ),
    st.builds(lambda n: "w " * n, st.integers(0, 3000)),
    st.builds(lambda n: " \t\n\u3000" * n, st.integers(0, 100_000)),
)


def _kept(text: str) -> str:
    """The characters a cleaned question keeps, spaces aside."""
    return "".join(
        ch for ch in text if unicodedata.category(ch) not in REMOVED and not ch.isspace()
    )


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=500)
@given(text=questions, max_chars=st.integers(10, 2000))
def test_clean_question_returns_a_short_single_line_question_or_a_usage_error(
    text: str, max_chars: int
) -> None:
    try:
        cleaned = clean_question(text, max_chars)
    except UsageError as exc:
        message = str(exc)
        if not _kept(text):
            assert message.startswith("the question is empty"), message
        else:
            length = re.match(r"the question is (\d+) characters long; the limit is (\d+)", message)
            assert length is not None, message
            assert int(length[1]) > max_chars == int(length[2])
            assert int(length[1]) >= len(_kept(text))
        return
    assert isinstance(cleaned, str) and 1 <= len(cleaned) <= max_chars
    # One line of words separated by single plain spaces, with no control or format
    # characters, no line or paragraph separators and no unpaired surrogates left.
    assert cleaned == cleaned.strip(" ") and "  " not in cleaned
    assert all(ch == " " or not ch.isspace() for ch in cleaned)
    assert not [ch for ch in cleaned if unicodedata.category(ch) in REMOVED]
    cleaned.encode("utf-8")  # text every later stage can encode
    # Nothing else is lost or changed, and cleaning is idempotent.
    assert cleaned.replace(" ", "") == _kept(text)
    assert clean_question(cleaned, max_chars) == cleaned


@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=10), st.lists(st.text())))
@settings(deadline=None, max_examples=20)
def test_clean_question_refuses_what_is_not_text(value: object) -> None:
    with pytest.raises(UsageError, match="the question must be text"):
        clean_question(value, 100)  # type: ignore[arg-type]


# Short questions: at most 50 characters, which stays under the neural reader's budget of
# question word pieces even at 3 pieces a character; the next test is about long questions.
@SOME
@given(
    text=st.one_of(
        st.text(max_size=50),
        st.lists(st.sampled_from([*ODD_CHARS, "GSOMIA", "expire", "When"]), max_size=30).map(
            "".join
        ),
        st.sampled_from(
            ["When does GSOMIA expire?", "\udcff", "?", "\x00", "a" * 1001, " " * 5000]
        ),
    )
)
def test_ask_answers_or_raises_a_qa_error(fast_assistant: Assistant, text: str) -> None:
    try:
        answer = fast_assistant.ask(text)
    except QAError as exc:
        assert str(exc).strip()
        return
    assert isinstance(answer, Answer)


# Questions near the length limit once crashed the span model's tokenizer (a Rust panic).
@pytest.mark.parametrize("unit", ["When does GSOMIA expire? ", "w ", "?"])
def test_ask_a_long_question_within_the_limit(fast_assistant: Assistant, unit: str) -> None:
    question = (unit * 1000)[: fast_assistant.settings.max_question_chars].strip()
    assert len(question) <= fast_assistant.settings.max_question_chars
    try:
        answer = fast_assistant.ask(question)
    except QAError as exc:
        assert str(exc).strip()
        return
    except BaseException as exc:  # PanicException is not an Exception
        pytest.fail(f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:120]}")
    assert isinstance(answer, Answer)


# -- uploads: nothing half-added -----------------------------------------------------------------

ARTICLE = "Ferry service resumes\nThe island ferry will run again from Monday, officials said.\n"
upload_names = st.one_of(
    file_names,
    st.builds(
        lambda prefix, stem, suffix: prefix + stem + suffix,
        st.sampled_from(["", "../", "../../", "/", "./", "a/../", "..\\", "C:\\x\\", "//"]),
        st.text(max_size=20),
        SUFFIX,
    ),
    st.sampled_from(
        [
            "..",
            ".",
            "...",
            "..txt",
            " .md",
            "\u200b.jsonl",
            ".txt",
            ". .txt",
            "CON.txt",
            "nul.md",
            "a\x00b.txt",
            "x\n.txt",
            "\u202etxt.exe.txt",
            "-rf.txt",
            "x" * 300 + ".txt",
            "é" * 200 + ".md",
            "a\ud800.txt",
            "trailing.txt.",
            "trailing.txt ",
        ]
    ),
    st.builds(str.__add__, st.text(max_size=40), SUFFIX),
)
upload_bytes = st.one_of(
    st.just(ARTICLE.encode()),
    st.builds(
        lambda title, body: f"{title}\n{body}".encode(), st.text(max_size=40), st.text(max_size=200)
    ),
    encoded_text,
    random_bytes,
    jsonl,
)


def _materialize(src: Path, name: str, data: bytes) -> tuple[str, bytes | None]:
    """The path string to upload for ``name``, created under ``src`` when it can be.

    The name is appended to ``src`` as text, so ``/etc/x.txt`` becomes ``src//etc/x.txt`` and
    ``../`` climbs from ``src``: whatever the name, the source lies under the example's folder.
    Returns the path string and the bytes at it (None when nothing readable is there).
    """
    src.mkdir(parents=True, exist_ok=True)
    raw = f"{src}/{name}"
    target = os.path.normpath(raw)
    if "\x00" not in raw and target.startswith(f"{src}{os.sep}"):
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_bytes(data)
        except (OSError, ValueError):
            pass
    try:
        path = Path(raw)
        return raw, path.read_bytes() if path.is_file() else None
    except (OSError, ValueError):
        return raw, None


def _tree(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every entry under ``root`` (but ``skip``) with its kind and, for files, a digest."""
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = here / name
            if path == skip:
                continue
            key = os.fsencode(path.relative_to(root)).hex()
            if path.is_symlink():
                tree[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                tree[key] = "dir"
            else:
                tree[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def _count(report: dict[str, Any], added: list[str], refused: list[tuple[str, str]]) -> None:
    """Tally stored and refused files, and the reasons given (their first words)."""
    report["stored"] = report.get("stored", 0) + len(added)
    report["refused"] = report.get("refused", 0) + len(refused)
    reasons = Counter(report.get("reasons", {}))
    reasons.update(" ".join(why.split()[:4]) for _, why in refused)
    report["reasons"] = dict(reasons.most_common())


def _documents(path: Path, data: bytes, limit: int) -> list[Document]:
    """The articles the loader reads from ``path`` (its bytes are ``data``)."""
    file = CorpusFile(path, path.name, hashlib.sha256(data).hexdigest(), len(data))
    return list(read_document_file(file, LoadReport(), max_file_bytes=limit))


def _expected_added(
    entries: list[tuple[str, bytes | None]], limit: int, max_files: int
) -> list[tuple[str, bytes]]:
    """What a correct upload stores, in order: (stored name, bytes)."""
    stored: list[tuple[str, bytes]] = []
    for position, (raw, data) in enumerate(entries):
        source = Path(raw)
        name = safe_name(source.name or raw)
        if position >= max_files or name is None or data is None:
            continue
        if source.suffix.lower() not in SUFFIXES or len(data) > limit:
            continue
        if not _documents(source, data, limit) or name in [n for n, _ in stored]:
            continue
        stored.append((name, data))
    return stored


@MANY
@given(
    names=st.lists(st.tuples(upload_names, upload_bytes), min_size=1, max_size=8),
    limit=st.sampled_from([20_000_000, 20_000_000, 200]),
    max_files=st.sampled_from([200, 200, 3]),
)
def test_an_upload_is_stored_whole_under_a_safe_name_or_refused_with_a_reason(
    scratch: Path,
    names: list[tuple[str, bytes]],
    limit: int,
    max_files: int,
    report: dict[str, Any],
) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        entries = [
            _materialize(root / "src" / str(i), name, data) for i, (name, data) in enumerate(names)
        ]
        folder = root / "data" / "uploads"
        before = _tree(root)
        store = UploadFolder(folder, max_file_bytes=limit, max_files=max_files)
        result = store.add([raw for raw, _ in entries])

        assert len(result.added) + len(result.refused) == len(entries)
        for shown, reason in result.refused:
            assert isinstance(reason, str) and reason.strip()
            assert len(shown) <= 80 and not [c for c in shown if unicodedata.category(c)[0] == "C"]
        beyond = max(0, len(entries) - max_files)
        if beyond:
            assert {why for _, why in result.refused[-beyond:]} == {
                f"more than {max_files} files in one upload; add it in another"
            }
        expected = _expected_added(entries, limit, max_files)
        assert result.added == [name for name, _ in expected]
        # Exactly the added files, whole, as plain files under their safe names: no .part
        # leftovers, no links, nothing anywhere else.
        stored = sorted(os.listdir(folder)) if folder.exists() else []
        assert stored == sorted(result.added)
        for name, data in expected:
            path = folder / name
            assert path.is_file() and not path.is_symlink() and path.read_bytes() == data
            assert name == safe_name(name) and "/" not in name
        assert store.names() == sorted(result.added)
        # Every stored upload is one the index reads (its suffix survived the renaming).
        assert [f.relative for f in store.corpus_files()] == [
            UPLOAD_PREFIX + name for name in sorted(result.added)
        ]
        after = _tree(root, skip=root / "data")
        assert after == before, "something was written outside the uploads folder"
    _count(report, result.added, result.refused)


@pytest.fixture(scope="module")
def upload_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, Path]]:
    """An assistant of its own (hashing encoder) on a copy of the seeds; its index folder."""
    base = tmp_path_factory.mktemp("upload-assistant")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    index = base / "index"
    assistant = Assistant.from_corpus(
        corpus, Settings(encoder="hashing", index_dir=index, show_progress=False)
    )
    yield assistant, index
    assistant.close()


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


# Uploads through the assistant lean to plausible ones, so that most examples index something.
likely_names = st.one_of(st.builds(str.__add__, stems, st.sampled_from(SUFFIXES)), upload_names)
likely_bytes = st.one_of(
    st.just(ARTICLE.encode()),
    st.builds(lambda title, body: f"{title}\n{body}".encode(), st.text(min_size=1), st.text()),
    upload_bytes,
)


@SMALL
@given(
    names=st.lists(st.tuples(likely_names, likely_bytes), min_size=1, max_size=3),
    clash=st.sampled_from([False, False, False, True]),
)
def test_add_files_indexes_an_upload_or_changes_nothing(
    upload_assistant: tuple[Assistant, Path],
    scratch: Path,
    names: list[tuple[str, bytes]],
    clash: bool,
    report: dict[str, Any],
) -> None:
    assistant, index = upload_assistant
    before = assistant.info()
    assert assistant.uploads() == [] and before.uploads == ()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        entries = [
            _materialize(root / "src" / str(i), name, data) for i, (name, data) in enumerate(names)
        ]
        if clash:
            # A record with the seed article's own id breaks the build of the whole call:
            # every file of it is refused and the index stays as it was.
            seed_id = next(SEEDS.glob("*.txt")).name
            path = root / "clash.jsonl"
            path.write_text(json.dumps({"id": seed_id, "text": "Clash\nSame id as the seed."}))
            entries.append((str(path), path.read_bytes()))

        added, refused = assistant.add_files([raw for raw, _ in entries])
        try:
            assert len(added) + len(refused) == len(entries)
            assert all(isinstance(why, str) and why.strip() for _, why in refused)
            info = assistant.info()
            assert assistant.uploads() == sorted(added) == list(info.uploads)
            assert _listing(index / "uploads") == sorted(added)
            if clash:
                assert added == []
            if added:
                # Every upload kept is in the index: each adds at least one document.
                assert info.documents >= before.documents + len(added), (added, refused)
                for name in added:
                    data = (index / "uploads" / name).read_bytes()
                    assert any(data == source for _, source in entries)
            else:
                assert (info.documents, info.passages) == (before.documents, before.passages)
        finally:
            for name in added:
                assistant.remove_upload(name)
    _count(report, added, refused)
    after = assistant.info()
    assert (after.documents, after.passages, after.uploads) == (
        before.documents,
        before.passages,
        (),
    )
