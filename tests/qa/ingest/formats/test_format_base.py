"""A text format is handed decoded text; a feed, the bytes its XML declaration describes."""

from __future__ import annotations

from collections.abc import Iterator

from qa.ingest.files import LoadReport
from qa.ingest.formats import TextFormat, format_for
from qa.types import Document

TITLE = "Café prices rise"
CP1252_NOTE = (
    "read as cp1252 (Windows Western European), not UTF-8; save it as UTF-8 to be sure of its "
    "characters"
)


class Recorder(TextFormat):
    """Keeps the text it is handed and makes one document of it."""

    name = "recorder"
    suffixes = (".rec",)

    def __init__(self) -> None:
        self.seen: list[str] = []

    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        self.seen.append(text)
        yield Document(id=relative, title=text.split("\n", 1)[0], text=text, source=relative)


def test_a_text_format_is_handed_the_text_the_shared_decoder_reads() -> None:
    text = f"{TITLE}\nThe café on the square raised its prices \u2013 by 5%.\n"
    for data in (text.encode("utf-8"), text.encode("utf-16"), text.encode("utf-8-sig")):
        fmt, report = Recorder(), LoadReport()
        assert [d.title for d in fmt.read("a.rec", data, report)] == [TITLE]
        assert fmt.seen == [text]
        assert (report.skipped, report.warnings) == ([], [])


def test_a_legacy_encoding_is_read_with_a_warning_before_the_format_sees_it() -> None:
    text = f"{TITLE}\nThe café on the square raised its prices \u2013 by 5%.\n"
    fmt, report = Recorder(), LoadReport()
    assert [d.text for d in fmt.read("old.rec", text.encode("cp1252"), report)] == [text]
    assert report.warnings == [("old.rec", CP1252_NOTE)]


def test_bytes_that_are_not_text_never_reach_the_format() -> None:
    fmt, report = Recorder(), LoadReport()
    assert list(fmt.read("scan.rec", b"%PDF-1.7 ...", report)) == []
    assert list(fmt.read("blank.rec", b" \n\n", report)) == []
    assert fmt.seen == []
    assert report.skipped == [
        ("scan.rec", "a PDF document, not text (save the article as a .txt file)"),
        ("blank.rec", "empty file"),
    ]


def test_a_feed_reads_the_encoding_its_xml_declares() -> None:
    # Latin-1 bytes a text format would read as cp1252 at best; the declaration says which.
    story = "Le conseil régional a ouvert le barrage du Karoo mardi après six ans de travaux."
    rss = (
        "<?xml version='1.0' encoding='ISO-8859-1'?><rss version='2.0'><channel><title>W</title>"
        f"<item><title>Barrage ouvert</title><guid>b1</guid><description>{story}</description>"
        "</item></channel></rss>"
    ).encode("latin-1")
    feed = format_for(".rss")
    assert feed is not None and not isinstance(feed, TextFormat)
    report = LoadReport()
    (doc,) = feed.read("wire.rss", rss, report)
    assert (doc.id, doc.title) == ("wire.rss#b1", "Barrage ouvert")
    assert story in doc.text
    assert report.warnings == []
