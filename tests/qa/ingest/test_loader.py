from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.ingest import LoadReport, load_corpus, scan_corpus
from qa.ingest.formats.text import NO_DATE

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
    (tmp_path / "cyrillic.txt").write_bytes("Новости дня\n".encode("cp1251"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["good.txt"]
    reasons = dict(report.skipped)
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["cyrillic.txt"]
    assert "empty" in reasons["empty.md"]
    assert reasons["image.png"].startswith("unknown suffix .png: not a known article format")


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
            "Выборы в Москве\nИзбиратели пошли голосовать.\n".encode("cp1251"),
            "not UTF-8 text (byte 0xc2 at offset 0); it may be cp1251; save it as UTF-8",
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


CP1252_LINE = "Café Müller said the café\u2019s prices rose \u2013 by 5%"
READ_AS_CP1252 = (
    "read as cp1252 (Windows Western European), not UTF-8; save it as UTF-8 to be sure of its "
    "characters"
)


def test_cp1252_text_is_read_as_written_with_a_one_line_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The bytes were refused with "it may be mac-latin2" (or cp775): reading them so would
    # turn é and ü into other letters. 0x92 and 0x96 (apostrophe, en dash) make it cp1252,
    # where Latin-1 has control codes.
    text = f"Prices rise\n{CP1252_LINE}.\n"
    (tmp_path / "cafe.txt").write_bytes(text.encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="qa.ingest.loader"):
        report = load_corpus(tmp_path)
    (doc,) = report.documents
    assert doc.text == text and doc.title == "Prices rise"
    assert report.skipped == []
    assert _encoding_warnings(report) == [("cafe.txt", READ_AS_CP1252)]
    said = [r.getMessage() for r in caplog.records if NO_DATE not in r.getMessage()]
    assert said == [f"cafe.txt: {READ_AS_CP1252}"]


def test_latin1_text_without_cp1252_punctuation_is_read_as_latin1(tmp_path: Path) -> None:
    text = "Élection à Montréal\nLes électeurs sont allés voter, dit Müller.\n"
    (tmp_path / "vote.txt").write_bytes(text.encode("latin-1"))
    report = load_corpus(tmp_path)
    assert [d.text for d in report.documents] == [text]
    assert _encoding_warnings(report) == [
        (
            "vote.txt",
            "read as latin-1 (ISO-8859-1), not UTF-8; save it as UTF-8 to be sure of its "
            "characters",
        )
    ]


def test_utf8_text_is_read_unchanged_and_without_a_warning(tmp_path: Path) -> None:
    text = f"Prices rise\n{CP1252_LINE}.\n"
    (tmp_path / "cafe.txt").write_text(text, encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [d.text for d in report.documents] == [text]
    assert _encoding_warnings(report) == [] and report.skipped == []


@pytest.mark.parametrize(
    ("text", "codec", "hint"),
    [
        ("Выборы в Москве\nИзбиратели пошли голосовать.\n", "cp1251", "; it may be cp1251;"),
        (
            "Hükümet açıkladı\nBakan bugün yeni önlemler açıkladı.\n",
            "cp1254",
            "cp1254",
        ),
        # The same bytes read as cp1252 would be "CafŽ MŸller": refused, never read garbled.
        (f"Prices rise\n{CP1252_LINE}.\n", "mac_roman", ""),
    ],
)
def test_text_in_another_encoding_is_skipped_not_read_garbled(
    tmp_path: Path, text: str, codec: str, hint: str
) -> None:
    (tmp_path / "good.txt").write_text("Title\nBody.\n")
    (tmp_path / "other.txt").write_bytes(text.encode(codec))
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["good.txt"] and _encoding_warnings(report) == []
    reason = dict(report.skipped)["other.txt"]
    assert reason.startswith("not UTF-8 text (byte 0x") and reason.endswith("save it as UTF-8")
    assert hint in reason


def test_western_encoding_is_sure_only_of_western_text() -> None:
    from qa.ingest.decoding import western_encoding

    assert western_encoding(CP1252_LINE.encode("cp1252")) == "cp1252"
    assert western_encoding("Café Müller".encode("latin-1")) == "latin-1"
    assert western_encoding("Zażółć gęślą jaźń, rząd ogłosił.".encode("cp1250")) is None
    assert western_encoding("Ελληνικά νέα".encode("cp1253")) is None
    assert western_encoding(b"caf\xe9 \x81") is None  # 0x81 means nothing in cp1252
    # UTF-8 with one stray cp1252 byte: read as cp1252 its é would show as "Ã©".
    assert western_encoding("Café naïve".encode() + b" caf\xe9") is None


def test_random_binary_is_still_skipped_with_a_reason(tmp_path: Path) -> None:
    rng = random.Random(7)
    (tmp_path / "good.txt").write_text("Title\nBody.\n")
    (tmp_path / "noise.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    (tmp_path / "nul.txt").write_bytes(bytes(rng.randrange(0, 256) for _ in range(4000)))
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["good.txt"] and _encoding_warnings(report) == []
    reasons = dict(report.skipped)
    assert reasons["noise.txt"].startswith("binary file (holds control byte 0x")
    assert reasons["nul.txt"] == "binary file (contains NUL bytes)"


FORMATS = "not a known article format (.txt, .md, .jsonl, .html, .htm, .rss, .atom, .xml)"


def test_every_file_left_out_is_skipped_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\nBody.\n")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00")
    (tmp_path / "README").write_text("Read me\n")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".draft.txt").write_text("Draft\nText.\n")
    (tmp_path / "sub" / "b.md").write_text("# B\n\nBody.\n")
    # A hidden folder and an index kept inside the corpus are one line each, however full.
    for folder in (".git/objects/ab", "ix/gen-1"):
        (tmp_path / folder).mkdir(parents=True)
        for n in range(5):
            (tmp_path / folder / f"f{n}.txt").write_text("Title\nBody.\n")
    (tmp_path / "ix" / "CURRENT").write_text("gen-1\n")
    (tmp_path / "ix" / ".lock").write_text("")
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["good.txt", "sub/b.md"]
    assert report.skipped == [
        (".DS_Store", "hidden file"),
        (".git/", "hidden folder (nothing in it is read)"),
        ("README", f"no suffix: {FORMATS}"),
        ("ix/", "an index folder of this tool (nothing in it is read)"),
        ("notes.docx", f"unknown suffix .docx: {FORMATS}"),
        ("sub/.draft.txt", "hidden file"),
    ]


def test_scan_lists_articles_with_their_hash_and_what_it_leaves_out_without_reading_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("Title\nBody.\n")
    (tmp_path / "video.mp4").write_bytes(b"x" * 1000)
    files = {f.relative: f for f in scan_corpus(tmp_path)}
    assert files["a.txt"].skipped is None and files["a.txt"].size == 12
    left_out = files["video.mp4"]
    assert left_out.skipped == f"unknown suffix .mp4: {FORMATS}" and left_out.size == 0
    # Its fingerprint is its reason, so editing it (or .git) never makes the index rebuild.
    (tmp_path / "video.mp4").write_bytes(b"y" * 2000)
    assert {f.relative: f.sha256 for f in scan_corpus(tmp_path)}["video.mp4"] == left_out.sha256


def test_a_name_with_a_newline_is_escaped_in_the_no_article_error(tmp_path: Path) -> None:
    (tmp_path / "bad\nname.txt").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert "\n" not in str(caught.value) and "(skipped bad\\nname.txt: binary" in str(caught.value)


def _encoding_warnings(report: LoadReport) -> list[tuple[str, str]]:
    # Undated test articles also get the no-date warning (tests/qa/ingest/test_article_dates.py).
    return [w for w in report.warnings if w[1] != NO_DATE]
