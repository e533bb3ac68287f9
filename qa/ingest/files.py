"""The files of a corpus and the report of reading them, shared by the loader and every format.

:class:`CorpusFile` is one entry of a corpus listing (a file to read, or a thing left out with
its reason); :class:`LoadReport` collects the documents read and every file, record or item
skipped or read with a caveat. Both live below the loader and the formats so that a format can
report a skip without importing the loader that calls it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from qa.types import Document

log = logging.getLogger(__name__)

__all__ = ["CorpusFile", "LoadReport"]


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

    Example:
        >>> CorpusFile(Path("/corpus/a.txt"), "a.txt", "0" * 64, 12).skipped is None
        True
    """

    path: Path
    relative: str
    sha256: str
    size: int
    skipped: str | None = None


@dataclass
class LoadReport:
    """What reading the corpus produced: documents, the files skipped with their reasons, and
    notes on files that were read but not as expected (a legacy encoding).

    Example:
        >>> report = LoadReport()
        >>> report.skip("photo.png", "unknown suffix .png")
        >>> report.skipped
        [('photo.png', 'unknown suffix .png')]
    """

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, relative: str, reason: str) -> None:
        """Record a skipped file (whoever reads the report tells the user, once).

        Example:
            >>> LoadReport().skip("notes.txt", "empty file")
        """
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
