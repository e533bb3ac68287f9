"""Reading articles from a folder: every file whose suffix a registered format reads.

The built-in formats (:mod:`qa.ingest.formats`) read ``.txt``, ``.md`` (with optional front
matter), ``.jsonl``, web pages (``.html``, the article alone) and news feeds (``.rss``,
``.atom``, ``.xml``: one article per item); :func:`~qa.ingest.formats.register_format` adds
another. The loader lists the folder, reads each file's bytes and hands them to the format for
its suffix.

A file that cannot be read as text is skipped with a warning naming it and the reason, so one bad
file never stops the rest of the corpus from being indexed. Nothing is left out in silence: a hidden
file, a file of another kind, and a hidden folder or index folder (one line for all it holds) are
skipped with their reason too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.formats import format_for, suffixes
from qa.settings import setting_default
from qa.text.display import printable
from qa.types import Document

__all__ = ["SUFFIXES", "load_corpus", "read_document_file", "scan_corpus"]

#: The suffixes of the built-in formats, as registered when this module was imported. A format
#: registered later is read all the same: the loader asks the registry (``suffixes()``) on each
#: call, and so should code that lists what a corpus may hold.
SUFFIXES = suffixes()


def _unknown_format() -> str:
    # Built on each call so that a format registered after import is listed too.
    return f"not a known article format ({', '.join(suffixes())})"


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
        return f"no suffix: {_unknown_format()}"
    if format_for(suffix) is None:
        return f"unknown suffix {suffix}: {_unknown_format()}"
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


def load_corpus(
    folder: Path, *, max_file_bytes: int = setting_default("max_file_bytes")
) -> LoadReport:
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
            f"({', '.join(suffixes())}){detail}"
        )
    return report


def read_document_file(
    file: CorpusFile, report: LoadReport, *, max_file_bytes: int = setting_default("max_file_bytes")
) -> Iterator[Document]:
    """Yield the documents of one corpus file; problems are recorded in ``report``.

    The file's bytes go to the format registered for its suffix; an entry the scan left out,
    a file over ``max_file_bytes``, one that cannot be read and one of no known format are
    skipped with their reasons.

    Example:
        >>> report = LoadReport()
        >>> [d.title for f in scan_corpus(Path("seeds")) for d in read_document_file(f, report)]
        ['New optimistic signal for US-North Korea dialogue']
    """
    if file.skipped is not None:
        report.skip(file.relative, file.skipped)
        return
    if file.size > max_file_bytes:
        report.skip(file.relative, f"larger than {max_file_bytes} bytes")
        return
    suffix = file.path.suffix
    fmt = format_for(suffix)
    if fmt is None:
        # Only a file listed by other means than scan_corpus (which leaves these out) gets here.
        why = f"unknown suffix {suffix}" if suffix else "no suffix"
        report.skip(file.relative, f"{why}: {_unknown_format()}")
        return
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        report.skip(file.relative, f"cannot be read ({exc.strerror})")
        return
    yield from fmt.read(file.relative, data, report)
