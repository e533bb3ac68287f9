from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.ingest import load_corpus

SEED = Path(__file__).resolve().parents[3] / "seeds"


def test_seed_title_and_text(tmp_path: Path) -> None:
    report = load_corpus(SEED)
    (doc,) = report.documents
    assert doc.title == "New optimistic signal for US-North Korea dialogue"
    assert doc.text == next(SEED.glob("*.txt")).read_text(encoding="utf-8")
    assert report.skipped == []


def test_jsonl_and_markdown_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps(
            {
                "id": "x1",
                "title": "Quake",
                "text": "A quake hit.",
                "date": "2020-01-02",
                "url": "http://example.org/x1",
                "author": "Kim  Ji-woo",
            }
        )
        + "\n\n"
        + "{broken\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "---\ntitle: Floods\nauthor: Sam Lee\ndate: 2021-05-06\n---\n# Floods\n\nRain fell.\n",
        encoding="utf-8",
    )
    report = load_corpus(tmp_path)
    docs = {d.id: d for d in report.documents}
    assert docs["x1"].date is not None and docs["x1"].date.isoformat() == "2020-01-02"
    assert docs["x1"].url == "http://example.org/x1"
    assert docs["x1"].author == "Kim Ji-woo" and docs["b.md"].author == "Sam Lee"
    assert docs["b.md"].title == "Floods" and str(docs["b.md"].date) == "2021-05-06"
    assert [name for name, _ in report.skipped] == ["a.jsonl line 3"]


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\nBody text.\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 title\n".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["good.txt"]
    reasons = dict(report.skipped)
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.md"]
    assert "image.png" not in reasons


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Título\nCuerpo.\n".encode("utf-16"), "Título\nCuerpo.\n"),
        ("Título\nCuerpo.\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "Título\nCuerpo.\n"),
        ("Título\nCuerpo.\n".encode("utf-32"), "Título\nCuerpo.\n"),
        ("Título\nCuerpo.\n".encode("utf-8-sig"), "Título\nCuerpo.\n"),
    ],
)
def test_byte_order_marks_say_how_to_decode(tmp_path: Path, data: bytes, text: str) -> None:
    (tmp_path / "a.txt").write_bytes(data)
    report = load_corpus(tmp_path)
    assert report.documents[0].text == text and report.documents[0].title == "Título"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            "Title\nBody text here.\n".encode("utf-16-le"),
            "binary file (contains NUL bytes); it looks like UTF-16 without a byte-order mark",
        ),
        (b"%PDF-1.7\n...", "a PDF document, not text (save the article as a .txt file)"),
        (b"PK\x03\x04rest", "a ZIP archive (a .docx or .odt is one too), not text"),
        (
            "Élection présidentielle à Montréal\nLes électeurs sont allés voter.\n".encode(
                "cp1252"
            ),
            "not UTF-8 text (byte 0xc9 at offset 0); it may be cp125",
        ),
        (b"\xff\xfeT\x00\x00\xd8", "not valid UTF-16 text (bad bytes at offset 4)"),
    ],
)
def test_refused_files_say_what_they_seem_to_be(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "good.txt").write_text("Title\nBody.\n")
    (tmp_path / "bad.txt").write_bytes(data)
    reasons = dict(load_corpus(tmp_path).skipped)
    assert reasons["bad.txt"].startswith(reason)


def test_jsonl_errors_give_the_whole_reason_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"text": "Good\\nBody"}\n{"text": "cut off\n' + "[" * 100_000 + "\n"
    )
    report = load_corpus(tmp_path)
    assert len(report.documents) == 1
    assert report.skipped == [
        ("a.jsonl line 2", "not valid JSON: Unterminated string starting at column 10"),
        ("a.jsonl line 3", "not valid JSON: nested too deeply to read"),
    ]


def test_missing_and_empty_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="holds no readable"):
        load_corpus(tmp_path)
