"""Reading articles from a folder: ``.txt``, ``.md`` (with optional front matter), ``.jsonl``,
web pages (``.html``, the article alone) and news feeds (``.rss``, ``.atom``, ``.xml``: one
article per item).

A file that cannot be read as text is skipped with a warning naming it and the reason, so one bad
file never stops the rest of the corpus from being indexed. Nothing is left out in silence: a hidden
file, a file of another kind, and a hidden folder or index folder (one line for all it holds) are
skipped with their reason too.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from qa.errors import CorpusError
from qa.ingest.formats.feeds import FEED_SUFFIXES, looks_like_feed, read_feed
from qa.text.dates import resolve_date
from qa.text.display import printable
from qa.types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".htm", *FEED_SUFFIXES)
_HTML = (".html", ".htm")
# Fewer words than this extracted from a web page is a menu or a stub, not an article.
MIN_PAGE_WORDS = 8
_JSON_LINE_BREAK = re.compile(r"\r\n?|\n")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FORMATS = f"not a known article format ({', '.join(SUFFIXES)})"


@dataclass(frozen=True)
class CorpusFile:
    """A file of the corpus with the fingerprint used to notice changes.

    Attributes:
        path: Absolute path.
        relative: Path relative to the corpus folder, with ``/`` separators.
        sha256: Hash of the file's bytes.
        size: Size in bytes.
        skipped: Why the entry is not read (a hidden file, a file of another kind, a hidden or
            index folder), or None for an article file. Such an entry's ``sha256`` hashes the
            reason, not the bytes: a new one is reported by the next build, an edited one
            rebuilds nothing.
    """

    path: Path
    relative: str
    sha256: str
    size: int
    skipped: str | None = None


@dataclass
class LoadReport:
    """What reading the corpus produced: documents, the files skipped with their reasons, and
    notes on files that were read but not as expected (a legacy encoding)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, relative: str, reason: str) -> None:
        """Record a skipped file (whoever reads the report tells the user, once)."""
        self.skipped.append((relative, reason))
        log.debug("skipped %s: %s", relative, reason)

    def warn(self, relative: str, note: str) -> None:
        """Record a file that was read with a caveat, and tell the user now.

        A file is read once per change, so the warning shows once, on the build that reads it.

        Example:
            >>> LoadReport().warn("old.txt", "read as cp1252 (Windows Western European)")
        """
        self.warnings.append((relative, note))
        log.warning("%s: %s", relative, note)


def scan_corpus(folder: Path) -> list[CorpusFile]:
    """List what is under ``folder`` (recursively), sorted: the article files, and an entry for
    each thing left out, whose ``skipped`` says why.

    Hidden files and files of other kinds get an entry each; a hidden folder (``.git``), a
    linked folder and an index folder of this tool get one entry for all they hold, and are not
    searched. The build reads the entries like files, so each skipped one is reported with its
    reason rather than left out in silence.

    Raises:
        CorpusError: When the folder is missing or is not a folder.

    Example:
        >>> [f.relative for f in scan_corpus(Path("seeds"))]
        ['000_3d563be10761cfd0.txt']
    """
    if not folder.exists():
        raise CorpusError(f"corpus folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise CorpusError(f"corpus path {str(folder)!r} is not a folder")
    entries: list[CorpusFile] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        if where != folder:
            entries.append(_left_out(folder, where, f"cannot be read ({exc.strerror})", "/"))

    # os.walk, not rglob: a hidden folder is pruned rather than walked file by file (a .git
    # folder holds thousands), and links to folders are not followed.
    for root, subfolders, names in os.walk(folder, onerror=unreadable):
        here = Path(root)
        searched = []
        for name in subfolders:
            why = _folder_left_out(here / name)
            if why is None:
                searched.append(name)
            else:
                entries.append(_left_out(folder, here / name, why, "/"))
        subfolders[:] = searched
        for name in names:
            path = here / name
            why = _file_left_out(path)
            if why is None:
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    why = f"cannot be read ({exc.strerror})"
                else:
                    entries.append(
                        CorpusFile(
                            path=path,
                            relative=path.relative_to(folder).as_posix(),
                            sha256=hashlib.sha256(data).hexdigest(),
                            size=len(data),
                        )
                    )
                    continue
            entries.append(_left_out(folder, path, why))
    # The order of the former rglob scan (part by part), which fixes the order of rows.
    return sorted(entries, key=lambda entry: entry.path.parts)


def _folder_left_out(path: Path) -> str | None:
    """Why a folder of the corpus is not searched, or None when it is."""
    if path.name.startswith("."):
        return "hidden folder (nothing in it is read)"
    if path.is_symlink():
        return "link to a folder (not followed)"
    # An index kept inside its corpus (--index-dir corpus/index) holds a CURRENT pointer and a
    # lock file; its files are the index, not articles.
    if (path / "CURRENT").is_file() and (path / ".lock").is_file():
        return "an index folder of this tool (nothing in it is read)"
    return None


def _file_left_out(path: Path) -> str | None:
    """Why a file of the corpus is not an article file, or None when it is one."""
    if path.name.startswith("."):
        return "hidden file"
    suffix = path.suffix
    if not suffix:
        return f"no suffix: {_FORMATS}"
    if suffix.lower() not in SUFFIXES:
        return f"unknown suffix {suffix}: {_FORMATS}"
    if not path.is_file():
        return "not a regular file (a broken link, a pipe or a device)"
    return None


def _left_out(folder: Path, path: Path, reason: str, mark: str = "") -> CorpusFile:
    # The reason stands in for the bytes: a new entry or a new reason is reported, while an
    # edit to a file that is never read (or to .git) rebuilds nothing.
    return CorpusFile(
        path=path,
        relative=path.relative_to(folder).as_posix() + mark,
        sha256=hashlib.sha256(f"skipped: {reason}".encode()).hexdigest(),
        size=0,
        skipped=reason,
    )


def load_corpus(folder: Path, *, max_file_bytes: int = 20_000_000) -> LoadReport:
    """Read every article under ``folder``.

    Raises:
        CorpusError: When the folder is missing, or holds no readable article.

    Example:
        >>> report = load_corpus(Path("seeds"))
        >>> report.documents[0].title
        'New optimistic signal for US-North Korea dialogue'
    """
    report = LoadReport()
    for file in scan_corpus(folder):
        report.documents.extend(read_document_file(file, report, max_file_bytes=max_file_bytes))
    if not report.documents:
        reasons = "; ".join(f"{printable(name)}: {why}" for name, why in report.skipped[:3])
        detail = f" (skipped {reasons})" if reasons else ""
        raise CorpusError(
            f"corpus folder {str(folder)!r} holds no readable article "
            f"({', '.join(SUFFIXES)}){detail}"
        )
    return report


def read_document_file(
    file: CorpusFile, report: LoadReport, *, max_file_bytes: int = 20_000_000
) -> Iterator[Document]:
    """Yield the documents of one corpus file; problems are recorded in ``report``."""
    if file.skipped is not None:
        report.skip(file.relative, file.skipped)
        return
    if file.size > max_file_bytes:
        report.skip(file.relative, f"larger than {max_file_bytes} bytes")
        return
    suffix = file.path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        # A feed's XML declaration names its encoding, so feedparser reads the bytes itself.
        try:
            data = file.path.read_bytes()
        except OSError as exc:
            report.skip(file.relative, f"cannot be read ({exc.strerror})")
            return
        if suffix == ".xml" and not looks_like_feed(data):
            report.skip(file.relative, "XML that is not an RSS or Atom feed")
            return
        yield from read_feed(file.relative, data, report)
        return
    text = _decode(file, report)
    if text is None:
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(file.relative, text, report)
        return
    if suffix in _HTML:
        yield from _read_html(file.relative, text, report)
        return
    front: dict[str, str] = {}
    if suffix == ".md":
        front = _front_matter(text)
    title = (front.get("title") or "").strip() or _first_line_title(text)
    date = _parse_date(front.get("date")) if front.get("date") else _dateline(text)
    if not title:
        report.skip(file.relative, "no title line")
        return
    try:
        yield Document(
            id=file.relative,
            title=title,
            text=text,
            source=file.relative,
            date=date,
            url=front.get("url") or None,
            author=front.get("author") or None,
        )
    except ValidationError as exc:
        report.skip(file.relative, f"invalid metadata ({exc.errors()[0]['msg']})")


def _decode(file: CorpusFile, report: LoadReport) -> str | None:
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        report.skip(file.relative, f"cannot be read ({exc.strerror})")
        return None
    text, reason = decode_article(data)
    if text is None:
        report.skip(file.relative, reason)
    elif reason:
        report.warn(file.relative, reason)
    return text


_BOMS = (
    # UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .odt is one too)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)


def decode_article(data: bytes) -> tuple[str | None, str]:
    """The text of an article file's bytes and a note on how it was read, or None and the
    reason it cannot be read as text.

    UTF-8 is expected (with or without a byte-order mark); UTF-16 and UTF-32 are read when a
    byte-order mark says which they are, as Windows editors write them. Bytes that are not
    UTF-8 are read as cp1252 (or Latin-1) only when that is sure to give the right characters
    (see :func:`western_encoding`); the note then says so. Anything else is refused with a
    guess at what it is, so the user knows what to convert.

    Returns:
        ``(text, "")``; ``(text, note)`` when the text was read as a legacy encoding; or
        ``(None, reason)``.

    Example:
        >>> decode_article("Title\\nBody".encode("utf-16"))
        ('Title\\nBody', '')
        >>> text, note = decode_article("“Café” prices\\n".encode("cp1252"))
        >>> text, note.split(";")[0]
        ('“Café” prices\\n', 'read as cp1252 (Windows Western European), not UTF-8')
        >>> decode_article(b"%PDF-1.7 ...")[1]
        'a PDF document, not text (save the article as a .txt file)'
    """
    note = ""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                return None, f"not valid {name} text (bad bytes at offset {exc.start})"
            break
    else:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                return None, f"{what}, not text (save the article as a .txt file)"
        head = data[:8192]
        if b"\x00" in head:
            return None, f"binary file (contains NUL bytes){_utf16_hint(head)}"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            control = _CONTROL_BYTE.search(data)
            if control is not None:
                # Text has no such bytes in any encoding this could be in; naming one would
                # only send the user converting a file that is not an article.
                found = f"control byte 0x{control.group().hex()} at offset {control.start()}"
                return None, f"binary file (holds {found})"
            western = western_encoding(data)
            if western is None:
                bad = data[exc.start : exc.start + 1].hex()
                return None, (
                    f"not UTF-8 text (byte 0x{bad} at offset {exc.start}){_encoding_hint(data)}; "
                    "save it as UTF-8"
                )
            text = data.decode(western)
            note = (
                f"read as {western} ({_WESTERN_NAMES[western]}), not UTF-8; "
                "save it as UTF-8 to be sure of its characters"
            )
    if "\x00" in text:
        return None, "binary file (contains NUL characters)"
    if not text.strip():
        return None, "empty file"
    return text, note


def _utf16_hint(head: bytes) -> str:
    # Text in UTF-16 without a byte-order mark has a NUL beside nearly every ASCII letter.
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "; it looks like UTF-16 without a byte-order mark"
    if len(head) >= 8 and even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "; it looks like big-endian UTF-16 without a byte-order mark"
    return ""


# Control characters other than tab, line feed, form feed and carriage return: text has none,
# binary files have many.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The non-ASCII characters of Western European text in cp1252: the letters of French, German,
# Spanish, Portuguese, Italian, Dutch, Catalan and the Nordic languages but Icelandic, and the
# punctuation and signs editors type (curly quotes, dashes, … € £ ° ½). Left out on purpose are
# characters that other encodings' letters turn into when their bytes are read as cp1252 and
# that little else uses: Turkish dotless i, ş, ğ (cp1254) show as ý þ ð (which keeps out Czech
# and Slovak too, whose ý comes with ř č ě shown as ø è ì), Mac Roman's é ü ä ö as Ž Ÿ Š š,
# Latin-9's € as ¤. A file holding any of them is refused with a hint instead.
_WESTERN_LETTERS = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜßàáâãäåæçèéêëìíîïñòóôõöøùúûüÿŒœ"
_WESTERN_SIGNS = "\u00a0\u00ad‘’‚“”„‹›«»–—…•·€£¥¢©®™°±×÷§¶½¼¾¹²³ªºµ¡¿†‡‰"
_NOT_WESTERN = re.compile(f"[^\t\n\f\r -~{re.escape(_WESTERN_LETTERS + _WESTERN_SIGNS)}]")
# A capital right after a small letter ("cafŽ", "MŸller", "cafÃ©") is another encoding read
# wrongly (Mac Roman, or UTF-8 read as cp1252), not a word.
_CAPITAL_INSIDE = re.compile(r"[a-zß-öø-ÿœ][À-ÖØ-ÜŒ]")
# Inside a word only apostrophes, the Catalan middle dot (l·l) and a soft hyphen stand; a sign
# between two letters is a letter of another encoding ("Za¿ó³æ" is Polish in cp1250).
_SIGN_INSIDE = re.compile(
    "[^\\W\\d_][{}][^\\W\\d_]".format(
        re.escape("".join(ch for ch in _WESTERN_SIGNS if ch not in "‘’·\u00ad"))
    )
)
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
_WESTERN_NAMES = {"cp1252": "Windows Western European", "latin-1": "ISO-8859-1"}


def western_encoding(data: bytes) -> str | None:
    """``"cp1252"`` or ``"latin-1"`` when bytes that are not UTF-8 are surely Western European
    text in that encoding; None when that is not sure.

    Sure means all of: the bytes decode under cp1252 (whose printable characters include all
    of Latin-1's), the text holds no control character, charset-normalizer finds the cp1252
    reading free of mess (its chaos measure under its own threshold: no runs of accented
    capitals or symbols that real text does not have), and every character is one Western
    European text uses, with no capital after a small letter and no sign between two letters
    (the marks of another encoding read wrongly). charset-normalizer's own best guess is not
    used here: on a short Western text it is often a Central European or DOS code page
    (``mac_latin2``, ``cp775``) that gives the same bytes other letters.

    Bytes 0x80-0x9F are C1 control codes in Latin-1 and punctuation in cp1252 (“ ” dashes), so
    a file with any is cp1252; without them the two read the same and the file is called
    Latin-1 (ISO-8859-1).

    Example:
        >>> western_encoding("“Café Müller”".encode("cp1252"))
        'cp1252'
        >>> western_encoding("Café Müller".encode("latin-1"))
        'latin-1'
        >>> western_encoding("Привет, мир".encode("cp1251")) is None
        True
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D mean nothing in cp1252
        return None
    if (
        _CONTROL_CHAR.search(text)
        or _NOT_WESTERN.search(text)
        or _CAPITAL_INSIDE.search(text)
        or _SIGN_INSIDE.search(text)
    ):
        return None
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; without it nothing is guessed
        return None
    if from_bytes(data, cp_isolation=["cp1252"]).best() is None:
        return None
    return "cp1252" if _CP1252_ONLY.search(data) else "latin-1"


def _encoding_hint(data: bytes) -> str:
    """The hint naming the code pages that read ``data`` best ("; it may be cp1250 or cp1254")."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency, but only a hint depends on it
        return ""
    matches = from_bytes(data[:65536])
    best = matches.best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return ""
    # A short text often reads as cleanly (same chaos) and about as coherently (language
    # fit within 0.1) in several code pages, and charset-normalizer then picks one by a
    # language guess that is often wrong ("mac_latin2" for French). Each is as likely, so up to
    # three are named, Windows code pages first: those are what editors wrote articles in.
    # Code pages that give the same text are named as cp1252 when it is among them.
    names = [
        "cp1252" if "cp1252" in match.could_be_from_charset else match.encoding
        for match in matches
        if match.chaos <= best.chaos and match.coherence >= best.coherence - 0.1
    ]
    likely = sorted(dict.fromkeys(names), key=lambda name: not name.startswith("cp125"))[:3]
    shown = [name.replace("_", "-") for name in likely]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"; it may be {listed}"


def _read_html(relative: str, page: str, report: LoadReport) -> Iterator[Document]:
    """The article of a web page, without menus, banners, related links or footers.

    trafilatura finds the article's text and htmldate its publication date among the page's
    own metadata (``article:published_time``, ``<time datetime>``, JSON-LD); hand-written tag
    rules break on the next site's layout. The document's text is what trafilatura extracts,
    headline first, so citations quote text the user can read.
    """
    # Imported here: reading plain-text corpora should not pay for an HTML parser.
    from trafilatura import extract

    try:
        found = extract(
            page,
            output_format="json",
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception as exc:  # a parser failure on one odd page must not stop the corpus
        report.skip(relative, f"web page could not be parsed ({type(exc).__name__})")
        return
    record = json.loads(found) if found else {}
    body = str(record.get("text") or "").strip()
    # On a page with no article the extractor falls back to whatever text there is ("Home").
    if len(body.split()) < MIN_PAGE_WORDS:
        report.skip(relative, "no article text found in the web page")
        return
    title = str(record.get("title") or "").strip() or _first_line_title(body)
    text = body if body.split("\n", 1)[0].strip() == title else f"{title}\n{body}"
    try:
        yield Document(
            id=relative,
            title=title,
            text=text,
            source=relative,
            date=_parse_date(record.get("date")),
            url=str(record["url"]) if record.get("url") else None,
            author=_author(record.get("author")),
        )
    except ValidationError as exc:
        report.skip(relative, f"invalid metadata ({exc.errors()[0]['msg']})")


def _read_jsonl(relative: str, text: str, report: LoadReport) -> Iterator[Document]:
    seen: set[str] = set()
    # Only CR and LF end a JSON line: str.splitlines() would also cut at U+2028, U+0085 and
    # the like, which JSON strings may hold unescaped (news text has them).
    for number, line in enumerate(_JSON_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        where = f"{relative} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            # The decoder's message alone ("Unterminated string starting at") reads as cut
            # off; the column says where to look.
            at = "" if exc.msg.endswith(" at") else " at"
            report.skip(where, f"not valid JSON: {exc.msg}{at} column {exc.colno}")
            continue
        except RecursionError:
            report.skip(where, "not valid JSON: nested too deeply to read")
            continue
        except ValueError:
            # Python refuses to turn an integer of more than 4,300 digits into a number.
            report.skip(where, "not valid JSON: a number too long to read")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            report.skip(where, "record has no string field 'text'")
            continue
        if not record["text"].strip():
            report.skip(where, "record text is empty")
            continue
        doc_id = str(record.get("id") or f"{relative}:{number}")
        if doc_id in seen:
            report.skip(where, f"duplicate id {doc_id!r}")
            continue
        seen.add(doc_id)
        # A blank title ("title": " ") or id would make a headline of nothing: fall back.
        title = (
            str(record.get("title") or "").strip()
            or _first_line_title(record["text"])
            or doc_id.strip()
            or f"{relative}:{number}"
        )
        try:
            yield Document(
                id=doc_id,
                title=title.strip(),
                text=record["text"],
                source=relative,
                date=_parse_date(record.get("date")),
                url=str(record["url"]) if record.get("url") else None,
                author=_author(record.get("author")),
            )
        except ValidationError as exc:
            report.skip(where, f"invalid record ({exc.errors()[0]['msg']})")


def _author(value: object) -> str | None:
    """A byline as one line of text; anything else (a JSON object, a list) is left out."""
    if not isinstance(value, str):
        return None
    # trafilatura joins several authors with "; ".
    return " ".join(value.split())[:200] or None


def _first_line_title(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped and not stripped.startswith("---"):
            return stripped
    return ""


def _dateline(text: str) -> dt.date | None:
    """The date of a news article whose second line is a dateline ("Friday, July 21, 2017")."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][1:2]
    if not lines or len(lines[0]) > 40 or not re.search(r"\b\d{4}\b", lines[0]):
        return None
    return resolve_date(lines[0])


def _front_matter(text: str) -> dict[str, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}
    values = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values


def _parse_date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, dict)):
        # Not a date, and turning a deeply nested one into text would overflow the stack.
        log.warning(
            "ignored unreadable date (a JSON %s; expected YYYY-MM-DD)", type(value).__name__
        )
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        log.warning("ignored unreadable date %r (expected YYYY-MM-DD)", value)
        return None
