from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.cli import main


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
