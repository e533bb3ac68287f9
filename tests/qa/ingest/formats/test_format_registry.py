"""Which format reads which suffix: the built-ins, a new one, and what the registry refuses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.ingest import load_corpus, read_document_file, scan_corpus
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.formats import TextFormat, format_for, register_format, suffixes
from qa.ingest.formats import registry as formats
from qa.ingest.formats.feeds import FeedFormat
from qa.ingest.formats.html import HtmlFormat
from qa.ingest.formats.jsonl import JsonLinesFormat
from qa.ingest.formats.markdown import MarkdownFormat
from qa.ingest.formats.text import PlainTextFormat
from qa.ingest.loader import SUFFIXES
from qa.ingest.uploads import UploadFolder
from qa.types import Document

BUILT_IN = (".txt", ".md", ".jsonl", ".html", ".htm", ".rss", ".atom", ".xml")
KNOWN = f"not a known article format ({', '.join(BUILT_IN)})"
STORY = "The regional council opened the Karoo dam on Tuesday after six years of building.\n"


class WireFormat(TextFormat):
    """A test format: the first line is the headline, as a ``.news`` file."""

    name = "wire"
    suffixes = (".news",)

    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        headline = text.split("\n", 1)[0].removeprefix("HEADLINE: ")
        yield Document(id=relative, title=headline, text=text, source=relative)


class Named:
    """A format with any name and suffixes, for what the registry refuses."""

    def __init__(self, name: str, *taken: str) -> None:
        self.name = name
        self.suffixes = taken

    def read(self, relative: str, data: bytes, report: LoadReport) -> Iterator[Document]:
        return iter(())


@pytest.fixture()
def registry() -> Iterator[None]:
    """The registry as it is, put back after the test, so a test format never leaks."""
    known = dict(formats._FORMATS)
    try:
        yield
    finally:
        formats._FORMATS.clear()
        formats._FORMATS.update(known)


def _file(path: Path) -> CorpusFile:
    data = path.read_bytes()
    return CorpusFile(path, path.name, hashlib.sha256(data).hexdigest(), len(data))


@pytest.mark.parametrize(
    ("suffix", "kind", "name"),
    [
        (".txt", PlainTextFormat, "text"),
        (".md", MarkdownFormat, "markdown"),
        (".jsonl", JsonLinesFormat, "jsonl"),
        (".html", HtmlFormat, "html"),
        (".htm", HtmlFormat, "html"),
        (".rss", FeedFormat, "feed"),
        (".atom", FeedFormat, "feed"),
        (".xml", FeedFormat, "feed"),
    ],
)
def test_each_built_in_suffix_is_routed_to_its_format(suffix: str, kind: type, name: str) -> None:
    fmt = format_for(suffix)
    assert isinstance(fmt, kind) and fmt.name == name
    # A file named NOTES.TXT is read as its lower-case suffix.
    assert format_for(suffix.upper()) is fmt


def test_the_built_in_suffixes_are_listed_in_their_order() -> None:
    assert suffixes() == BUILT_IN
    assert SUFFIXES == BUILT_IN


def test_the_loader_reads_each_file_through_the_format_of_its_suffix(tmp_path: Path) -> None:
    # The same text as .md takes its title from the front matter, as .txt from its first line.
    text = f"---\ntitle: Karoo dam opens\n---\n{STORY}"
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.xml").write_text("<?xml version='1.0'?><urlset></urlset>", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [(d.id, d.title) for d in report.documents] == [
        ("a.md", "Karoo dam opens"),
        ("a.txt", "title: Karoo dam opens"),
    ]
    assert report.skipped == [("a.xml", "XML that is not an RSS or Atom feed")]


def test_a_taken_suffix_is_refused_naming_the_format_that_reads_it(registry: None) -> None:
    with pytest.raises(ValueError, match=r"suffix '\.md' is already read by format 'markdown'"):
        register_format(Named("notes", ".news", ".md"))
    # Refused as a whole: the free suffix was not registered either.
    assert format_for(".news") is None
    assert suffixes() == BUILT_IN


def test_a_format_may_not_register_twice(registry: None) -> None:
    register_format(WireFormat())
    with pytest.raises(ValueError, match=r"'\.news' is already read by format 'wire'"):
        register_format(WireFormat())


@pytest.mark.parametrize("bad", ["news", ".NEWS", ".tar.gz", ".", "./x"])
def test_a_suffix_that_a_file_name_cannot_end_in_is_refused(registry: None, bad: str) -> None:
    with pytest.raises(ValueError, match="is not a lower-case suffix"):
        register_format(Named("odd", bad))
    assert suffixes() == BUILT_IN


def test_a_format_without_suffixes_or_naming_one_twice_is_refused(registry: None) -> None:
    with pytest.raises(ValueError, match="names no suffix"):
        register_format(Named("none"))
    with pytest.raises(ValueError, match="names a suffix twice"):
        register_format(Named("twice", ".news", ".news"))
    assert suffixes() == BUILT_IN


def test_an_unknown_suffix_is_skipped_by_the_loader_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "dam.txt").write_text(f"Dam opens\n{STORY}", encoding="utf-8")
    (tmp_path / "dam.news").write_text(f"HEADLINE: Dam opens\n{STORY}", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [d.id for d in report.documents] == ["dam.txt"]
    assert report.skipped == [("dam.news", f"unknown suffix .news: {KNOWN}")]
    # A file listed some other way than by the scan is refused with the same reason.
    listed = LoadReport()
    assert list(read_document_file(_file(tmp_path / "dam.news"), listed)) == []
    assert listed.skipped == [("dam.news", f"unknown suffix .news: {KNOWN}")]


def test_a_registered_format_is_read_listed_and_accepted_as_an_upload(
    registry: None, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dam.news").write_text(f"HEADLINE: Dam opens\n{STORY}", encoding="utf-8")
    (corpus / "notes.csv").write_text("a,b\n", encoding="utf-8")
    register_format(WireFormat())
    assert suffixes() == (*BUILT_IN, ".news")
    report = load_corpus(corpus)
    assert [(d.id, d.title) for d in report.documents] == [("dam.news", "Dam opens")]
    reason = f"unknown suffix .csv: not a known article format ({', '.join(suffixes())})"
    assert report.skipped == [("notes.csv", reason)]
    assert [f.relative for f in scan_corpus(corpus) if f.skipped is None] == ["dam.news"]
    uploads = UploadFolder(tmp_path / "uploads")
    assert uploads.check(corpus / "dam.news") is None
    assert uploads.check(corpus / "notes.csv") == (
        f"not an article file (accepted: {', '.join((*BUILT_IN, '.news'))})"
    )
