from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.cli import main
from qa.types import Citation


def test_ask_json_and_text(
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "--corpus",
        str(seed_copy),
        "--index-dir",
        str(tmp_path / "ix"),
        "--quiet",
        "--encoder",
        "hashing",
    ]
    assert main(["ask", "When does GSOMIA expire?", "--json", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"] == "this Saturday"
    assert main(["ask", "When does GSOMIA expire?", *args]) == 0
    out = capsys.readouterr().out
    assert "Answer: this Saturday" in out and "[[this Saturday]]" in out


@pytest.mark.parametrize(
    "argv",
    [["ask", "   "], ["ask", "x" * 10_000], ["ask", "q", "--top-k", "0"], ["index", "missing-dir"]],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*argv, "--index-dir", str(tmp_path / "ix"), "--quiet", "--encoder", "hashing"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err


def test_human_output_names_the_copies_of_a_cited_passage() -> None:
    from qa.cli import format_answer
    from qa.types import Answer, Citation

    passage = "The quake struck on Monday."
    citation = Citation(
        document_id="wire.txt",
        title="Quake",
        passage=passage,
        start=passage.index("Monday"),
        end=passage.index("Monday") + 6,
        passage_id="wire.txt#1",
        passage_start=0,
        score=0.8,
        also_in=("paper.txt",),
    )
    text = format_answer(Answer(question="When?", text="Monday", score=0.8, citations=(citation,)))
    assert "[[Monday]]" in text
    assert "(the same passage is also in: paper.txt)" in text


def test_output_into_a_closed_pipe_ends_quietly(
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `qa ask ... | head -1`: the reader went away before the answer was printed.
    def closed(*_args: object, **_kwargs: object) -> str:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("qa.cli.format_answer", closed)
    args = ["--corpus", str(seed_copy), "--index-dir", str(tmp_path / "ix"), "--quiet"]
    assert main(["ask", "When does GSOMIA expire?", *args, "--encoder", "hashing"]) == 141
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error" not in err.lower()


def test_index_reports_each_skipped_file_once_on_stderr_after_a_finished_bar(
    seed_copy: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    (seed_copy / "bad.txt").write_bytes(b"\x00\x01binary")
    (seed_copy / "x.jsonl").write_text('{"text": "cut off\n')
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(seed_copy), "--encoder", "hashing"],
        env={**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped" not in done.stdout
    assert done.stderr.count("skipped bad.txt: binary file (contains NUL bytes)") == 1
    assert (
        done.stderr.count(
            "skipped x.jsonl line 1: not valid JSON: Unterminated string starting at column 10"
        )
        == 1
    )
    # The progress bar ends its line, so the warnings after it start on lines of their own.
    assert "indexing passages" in done.stderr
    assert all(line.startswith("warning: ") for line in done.stderr.splitlines()[-2:])
    assert done.stderr.endswith("\n")


def test_the_console_command_leaves_with_its_output_flushed_and_its_status(
    seed_copy: Path, tmp_path: Path
) -> None:
    # `qa` exits without the interpreter's teardown (qa.cli.entry): what it printed must
    # still arrive whole, through a pipe, and its exit status must be main's.
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = ["--index-dir", str(tmp_path / "ix"), "--encoder", "hashing", "--quiet"]
    ask = ["ask", "When does GSOMIA expire?", "--json", "--corpus", str(seed_copy)]
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", *ask, *common],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "this Saturday"
    refused = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "   ", *common],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ") and refused.stderr.endswith("\n")


def _cited(document_id: str, source: str | None, title: str = "Quake", **extra: object) -> Citation:
    passage = "The quake struck on Monday."
    start = passage.index("Monday")
    return Citation(
        document_id=document_id,
        title=title,
        passage=passage,
        start=start,
        end=start + 6,
        passage_id=f"{document_id}#1",
        passage_start=0,
        score=0.8,
        source=source,
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("document_id", "source", "title", "shown"),
    [
        ("m1", "wire.jsonl", "Quake", "[1] Quake (wire.jsonl, record m1)"),
        ("wire.jsonl:4", "wire.jsonl", "Quake", "[1] Quake (wire.jsonl, line 4)"),
        (
            "gazette.rss#https://g.example/q?id=7",
            "gazette.rss",
            "Quake hits",
            '[1] Quake hits (gazette.rss, item "Quake hits")',
        ),
        ("000_a.txt", "000_a.txt", "Quake", "[1] Quake (000_a.txt)"),
        ("upload:a.txt", "upload:a.txt", "Quake", "[1] Quake (upload:a.txt)"),
        ("a.txt", None, "Quake", "[1] Quake (a.txt)"),
    ],
)
def test_a_citation_names_its_file_and_the_record_or_item_in_it(
    document_id: str, source: str | None, title: str, shown: str
) -> None:
    from qa.cli import format_answer
    from qa.types import Answer

    cited = _cited(document_id, source, title)
    text = format_answer(Answer(question="When?", text="Monday", score=0.8, citations=(cited,)))
    assert text.splitlines()[2] == shown


def test_a_timeline_names_the_file_of_each_report() -> None:
    import datetime as dt

    from qa.cli import format_answer
    from qa.types import Answer, TimelineEntry

    cited = _cited("m1", "wire.jsonl")
    entry = TimelineEntry(text="Monday", date=dt.date(2024, 1, 1), citation=cited)
    answer = Answer(
        question="When?", text="Monday", score=0.8, citations=(cited,), timeline=(entry,)
    )
    assert format_answer(answer).splitlines()[-1] == "  2024-01-01  Monday  (wire.jsonl, record m1)"


def test_control_characters_in_names_and_titles_are_printed_escaped() -> None:
    from qa.cli import format_answer
    from qa.types import Answer

    cited = _cited(
        "bad\nname.txt", "bad\nname.txt", "Quake\x1b[31m", also_in=("other\r\nfile.txt", "ok.txt")
    )
    text = format_answer(Answer(question="When?", text="Monday", score=0.8, citations=(cited,)))
    assert text.splitlines()[2:] == [
        "[1] Quake\\x1b[31m (bad\\nname.txt)",
        "    The quake struck on [[Monday]].",
        "    (the same passage is also in: other\\r\\nfile.txt, ok.txt)",
    ]


def _ask(corpus: Path, index: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    args = ["--corpus", str(corpus), "--index-dir", str(index), "--quiet", "--encoder", "hashing"]
    assert main(["ask", "When does GSOMIA expire?", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_ask_cites_a_jsonl_record_by_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = next((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
    title, _, _ = seed.read_text(encoding="utf-8").partition("\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    record = {"id": "m1", "title": title, "text": seed.read_text(encoding="utf-8")}
    (corpus / "wire.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    lines = _ask(corpus, tmp_path / "ix", capsys)
    assert lines[0] == "Answer: this Saturday"
    assert lines[2] == f"[1] {title} (wire.jsonl, record m1)"


def test_a_file_named_with_a_newline_stays_on_one_line_in_also_in(
    seed_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (seed, *_) = seed_copy.glob("*.txt")
    (seed_copy / "bad\nname.txt").write_bytes(seed.read_bytes())
    lines = _ask(seed_copy, tmp_path / "ix", capsys)
    assert lines[0] == "Answer: this Saturday"
    # One copy is cited and the other is "also in"; whichever it is, its name is escaped.
    cited, also = lines[2], lines[-1]
    assert also.startswith("    (the same passage is also in: ")
    assert [cited.endswith(" (bad\\nname.txt)"), also.endswith(": bad\\nname.txt)")].count(
        True
    ) == 1
    assert not any(line.startswith("name.txt") for line in lines)


def test_index_lists_every_skipped_file_one_line_each_with_its_reason(
    seed_copy: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    formats = "not a known article format (.txt, .md, .jsonl, .html, .htm, .rss, .atom, .xml)"
    (seed_copy / ".DS_Store").write_bytes(b"\x00\x01")
    (seed_copy / ".git" / "objects").mkdir(parents=True)
    for n in range(30):
        (seed_copy / ".git" / "objects" / f"{n:02x}.txt").write_text("Title\nBody.\n")
    (seed_copy / "README").write_text("Read me\n")
    (seed_copy / "notes.docx").write_bytes(b"PK\x03\x04")
    (seed_copy / "bad\nname.txt").write_bytes(b"\x00\x01binary")
    cafe = "Prices rise\nCafé Müller said the café\u2019s prices rose \u2013 by 5%.\n"
    (seed_copy / "café.txt").write_bytes(cafe.encode("cp1252"))
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(seed_copy), "--encoder", "hashing"],
        env={**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"built index of {seed_copy}: 2 articles")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    # The seed article and the cp1252 one carry no date: one line each, apart.
    undated = [line for line in warnings if ": no date found (" in line]
    assert len(undated) == 2
    warnings = [line for line in warnings if line not in undated]
    assert warnings == [
        "warning: café.txt: read as cp1252 (Windows Western European), not UTF-8; save it as "
        "UTF-8 to be sure of its characters",
        "warning: skipped .DS_Store: hidden file",
        "warning: skipped .git/: hidden folder (nothing in it is read)",
        f"warning: skipped README: no suffix: {formats}",
        "warning: skipped bad\\nname.txt: binary file (contains NUL bytes)",
        f"warning: skipped notes.docx: unknown suffix .docx: {formats}",
    ]
    # Nothing else reached stderr but the progress bar, which ends its own line.
    assert "\nname.txt" not in done.stderr


READER_TOKEN = "cli-reader-token-0123456789"
EDITOR_TOKEN = "cli-editor-token-0123456789"


def _serve_args(seed_copy: Path, tmp_path: Path, *extra: str) -> list[str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return [
        "serve",
        "--port",
        str(port),
        "--corpus",
        str(seed_copy),
        "--index-dir",
        str(tmp_path / "ix"),
        "--encoder",
        "hashing",
        "--quiet",
        *extra,
    ]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "myhost.example"])
def test_serve_on_a_reachable_address_without_a_token_refuses_in_one_line(
    host: str,
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QA_TOKEN", raising=False)
    monkeypatch.delenv("QA_EDITOR_TOKEN", raising=False)
    assert main(_serve_args(seed_copy, tmp_path, "--host", host)) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith(f"error: serving on {host} lets anyone who can reach it")
    assert "\n" not in err and "QA_TOKEN" in err and "--open" in err
    assert captured.out == ""
    assert not (tmp_path / "ix").exists()  # refused before anything was indexed


@pytest.mark.parametrize(
    ("env", "argv", "expected"),
    [
        ({"QA_TOKEN": "short"}, [], "token: must be 16 to 512 characters"),
        ({"QA_EDITOR_TOKEN": EDITOR_TOKEN}, [], "needs a reader token"),
        ({}, ["--token", READER_TOKEN, "--editor-token", READER_TOKEN], "must differ"),
        ({}, ["--trusted-proxy", "proxy.example", "--open"], "not an IP address"),
    ],
)
def test_serve_refuses_bad_access_settings_without_quoting_a_token(
    env: dict[str, str],
    argv: list[str],
    expected: str,
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QA_TOKEN", raising=False)
    monkeypatch.delenv("QA_EDITOR_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(_serve_args(seed_copy, tmp_path, *argv)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: invalid access settings: ") and expected in err
    assert "\n" not in err and READER_TOKEN not in err and EDITOR_TOKEN not in err


@pytest.mark.parametrize(
    ("env", "argv", "says"),
    [
        # Loopback without a token: exactly the lines it always printed.
        ({}, [], None),
        ({}, ["--host", "0.0.0.0", "--open"], "warning: --open: no token, so anyone"),
        ({"QA_TOKEN": READER_TOKEN}, ["--host", "0.0.0.0"], "Access: token required"),
        (
            {"QA_TOKEN": READER_TOKEN},
            ["--editor-token", EDITOR_TOKEN, "--rate-limit", "30"],
            "editors add and remove articles; /api/ask limited to 30 a minute",
        ),
    ],
)
def test_serve_starts_and_says_who_may_use_it(
    env: dict[str, str],
    argv: list[str],
    says: str | None,
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.app import Server

    monkeypatch.delenv("QA_TOKEN", raising=False)
    monkeypatch.delenv("QA_EDITOR_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Serve, then stop at once instead of waiting for Ctrl-C.
    monkeypatch.setattr(Server, "wait", Server.close)
    assert main(_serve_args(seed_copy, tmp_path, *argv)) == 0
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    assert lines[0] == "Loading the models…" and lines[1].startswith("Models ready in ")
    assert lines[2].startswith("Chat: http://127.0.0.1:")
    if says is None:
        assert len(lines) == 3
    else:
        assert len(lines) == 4 and says in lines[3]
    assert READER_TOKEN not in captured.out + captured.err
    assert EDITOR_TOKEN not in captured.out + captured.err


@pytest.mark.parametrize(
    ("workers", "says"), [("0", None), ("1", "answering in 1 worker process.")]
)
def test_serve_answers_in_worker_processes_when_asked(
    workers: str,
    says: str | None,
    seed_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.app import Server

    monkeypatch.delenv("QA_TOKEN", raising=False)
    monkeypatch.setattr(Server, "wait", Server.close)
    args = [a for a in _serve_args(seed_copy, tmp_path, "--workers", workers) if a != "--quiet"]
    assert main(args) == 0
    ready = next(line for line in capsys.readouterr().out.splitlines() if "Models ready" in line)
    assert (says in ready) if says else ("worker" not in ready)
