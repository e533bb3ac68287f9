"""Articles a user uploads, kept in the assistant's own data folder beside the index.

A corpus folder may be a git checkout, a read-only share or a synced folder, so uploads are
never written into it. They live in ``<index folder>/uploads/`` instead: the index of that
corpus includes them (as ``upload:<name>``), they survive restarts with the index, and a user
can remove one again. Names come from outside (a browser, a script), so they are reduced to a
safe file name before anything is written, and every write is atomic.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import UsageError
from qa.ingest.decoding import decode_article
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.formats import TextFormat, format_for, suffixes
from qa.ingest.loader import read_document_file
from qa.settings import setting_default

#: Prefix of an upload's path in the index, so it is never mistaken for a corpus file.
UPLOAD_PREFIX = "upload:"
#: Longest stored name in characters (file systems allow 255 bytes; UTF-8 needs up to 4 each).
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\- ()+,'&]+")


@dataclass(frozen=True)
class UploadResult:
    """What one call to :meth:`UploadFolder.add` did.

    Attributes:
        added: Stored names of the files written.
        refused: ``(name given, reason)`` for each file not written.
    """

    added: list[str]
    refused: list[tuple[str, str]]


def safe_name(raw: str) -> str | None:
    """A file name that is safe to create in the uploads folder, or None when none is left.

    Folders are dropped (``../../etc/passwd.txt`` becomes ``passwd.txt``), control characters
    and NUL removed, characters outside a conservative set replaced by ``_``, a leading dot
    removed (hidden files are not indexed) and the stem shortened so the name stays short;
    the suffix is kept, since it says how the file is read.

    Example:
        >>> safe_name("../../etc/notes.txt")
        'notes.txt'
        >>> safe_name("C:\\\\Users\\\\me\\\\Report: May?.md")
        'Report_ May_.md'
        >>> safe_name("\\x00") is None
        True
    """
    text = unicodedata.normalize("NFC", raw).replace("\\", "/")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.rsplit("/", 1)[-1].strip()
    text = _UNSAFE.sub("_", text)
    if not text.strip(". "):
        return None
    # The suffix is split off before leading dots go, so that "..txt" or " .md" keep theirs
    # (as "upload.txt"): a stored name without its suffix would never be indexed.
    stem, dot, suffix = text.rpartition(".")
    if not dot:
        stem, suffix = text, ""
    suffix = suffix[:16]
    stem = stem.lstrip(". ")[: MAX_NAME_CHARS - len(suffix) - 1].rstrip(" .") or "upload"
    return f"{stem}.{suffix}" if suffix else stem


class UploadFolder:
    """The uploaded articles of one corpus.

    Args:
        folder: Where uploads are kept (created on the first upload).
        max_file_bytes: Larger files are refused.
        max_files: Most files one call may add; the rest are refused with a reason.

    Example:
        >>> article = tmp_path / "marathon.txt"
        >>> _ = article.write_text("Marathon record falls\\nShe ran 2:09:56.\\n", encoding="utf-8")
        >>> uploads = UploadFolder(tmp_path / "uploads")
        >>> uploads.add([article]).added
        ['marathon.txt']
        >>> uploads.names()
        ['marathon.txt']
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_file_bytes: int = setting_default("max_file_bytes"),
        max_files: int = 200,
    ):
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files

    def names(self) -> list[str]:
        """Stored names of the uploads, sorted.

        Example:
            >>> UploadFolder(Path("/nonexistent")).names()
            []
        """
        if not self.folder.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.folder.iterdir()
            if entry.is_file() and not entry.name.startswith(".")
        )

    def corpus_files(self) -> list[CorpusFile]:
        """The uploads as corpus files, named ``upload:<name>`` for the index.

        A file removed while this runs (another process removing an upload) is left out,
        not an error: the next index update sees the folder as it then is.
        """
        files: list[CorpusFile] = []
        for name in self.names():
            path = self.folder / name
            if format_for(path.suffix) is None:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            files.append(
                CorpusFile(
                    path=path,
                    relative=UPLOAD_PREFIX + name,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                )
            )
        return files

    def check(self, source: Path) -> str | None:
        """Why ``source`` cannot be an article, or None when it can.

        Example:
            >>> UploadFolder(Path("/tmp/u")).check(Path("photo.png"))
            'not an article file (accepted: .txt, .md, .jsonl, .html, .htm, .rss, .atom, .xml)'
        """
        if format_for(source.suffix) is None:
            return f"not an article file (accepted: {', '.join(suffixes())})"
        try:
            size = source.stat().st_size
            if not source.is_file():
                return "not a file"
            if size > self.max_file_bytes:
                return f"larger than the limit of {self.max_file_bytes:,} bytes"
            data = source.read_bytes()
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
        except ValueError:
            # The operating system cannot be handed such a path at all.
            if "\x00" in str(source):
                return "its name contains a NUL character"
            return "its name is not valid text (it holds an unpaired surrogate)"
        # A feed's bytes are decoded by the feed parser (its XML declaration names the
        # encoding); an article of a text format must be text as the loader reads it.
        if isinstance(format_for(source.suffix), TextFormat):
            text, reason = decode_article(data)
            if text is None:
                return reason
        # Text with no article in it (no title, no readable JSONL record) would be stored but
        # never indexed: refuse it now, with the loader's reason.
        report = LoadReport()
        file = CorpusFile(source, source.name, hashlib.sha256(data).hexdigest(), len(data))
        if next(read_document_file(file, report, max_file_bytes=self.max_file_bytes), None):
            return None
        if not report.skipped:  # pragma: no cover - the loader names every file it skips
            return "no article in it"
        where, why = report.skipped[0]
        if where == file.relative:
            return why
        return f"no readable record in it ({where.removeprefix(file.relative).strip()}: {why})"

    def add(self, sources: Sequence[str | Path]) -> UploadResult:
        """Copy each acceptable file into the uploads folder under a safe name.

        A file is refused (with the reason) when its type, size or encoding is wrong, when
        its name leaves nothing safe, when an upload of that name already exists, or beyond
        ``max_files`` in one call. Nothing is written outside the folder.

        Example:
            >>> UploadFolder(tmp_path / "uploads").add(["photo.png"]).refused[0][1][:19]
            'not an article file'
        """
        added: list[str] = []
        refused: list[tuple[str, str]] = []
        for position, raw in enumerate(sources):
            source = Path(raw)
            given = _shown(str(raw))
            if position >= self.max_files:
                refused.append(
                    (given, f"more than {self.max_files} files in one upload; add it in another")
                )
                continue
            name = safe_name(source.name or str(raw))
            if name is None:
                refused.append((given, "its name has no usable characters"))
                continue
            reason = self.check(source)
            if reason is None and ((self.folder / name).exists() or name in added):
                reason = "an upload of that name already exists (remove it first to replace it)"
            if reason is not None:
                refused.append((given, reason))
                continue
            try:
                self._write(source, name)
            except OSError as exc:
                refused.append((given, f"cannot be stored ({exc.strerror or exc})"))
                continue
            added.append(name)
        return UploadResult(added, refused)

    def remove(self, name: str) -> None:
        """Delete the upload called ``name``.

        Raises:
            UsageError: When there is no such upload; the message lists the ones there are.

        Example:
            >>> UploadFolder(tmp_path / "uploads").remove("nope.txt")
            Traceback (most recent call last):
            qa.errors.UsageError: no upload is called 'nope.txt'; the uploads are: (none)
        """
        names = self.names()
        if name not in names:
            listed = ", ".join(repr(n) for n in names[:20]) or "(none)"
            raise UsageError(f"no upload is called {name!r}; the uploads are: {listed}")
        (self.folder / name).unlink(missing_ok=True)
        _fsync_dir(self.folder)

    def _write(self, source: Path, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        # A hidden temporary name is never indexed, and the rename is atomic: a crash leaves
        # either no upload or the whole file, never half of one.
        tmp = self.folder / f".{os.getpid()}-{name}.part"
        try:
            with source.open("rb") as src, tmp.open("wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
                dst.flush()
                os.fsync(dst.fileno())
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(self.folder)


def _shown(raw: str) -> str:
    # Messages show what the user gave, without control characters and not absurdly long.
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else "?" for ch in raw)
    name = text.replace("\\", "/").rsplit("/", 1)[-1] or text
    return name if len(name) <= 80 else name[:77] + "..."


def _fsync_dir(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
