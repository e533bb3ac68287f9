"""How names from outside are printed: file names and ids with their control characters
escaped, and the label that says which file (and which record or item of it) a passage is from.

A file name may hold any character but ``/`` and NUL, a newline or a terminal escape among them;
printed as it is, such a name splits a line of output in two or restyles the terminal. The
escapes are Python's own (``\\n``, ``\\x1b``), so the name can still be told apart and typed.
"""

from __future__ import annotations

import re

__all__ = ["printable", "source_label"]

# C0 controls, DEL and C1 controls: the characters a terminal acts on instead of showing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with each control character written as its escape; everything else as it is.

    Example:
        >>> print(printable("bad\\nname.txt"))
        bad\\nname.txt
        >>> printable("Müller in 東京.txt")
        'Müller in 東京.txt'
    """
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def source_label(document_id: str, source: str | None, title: str = "") -> str:
    """Where a passage is from, printable: the file, and inside it the record or feed item.

    A plain article's id is its file's name, which says it all. A JSONL record's id is its own
    ``id`` (``m1``) and a feed item's is the feed's name and the item's guid or link; neither
    names what to open alone, so the file comes first, then the record, or the item's title.

    Args:
        document_id: The document's id.
        source: The file it was read from, relative to the corpus; None when unknown.
        title: The document's title (names a feed item).

    Example:
        >>> source_label("000_a.txt", "000_a.txt")
        '000_a.txt'
        >>> source_label("m1", "wire.jsonl")
        'wire.jsonl, record m1'
        >>> source_label("wire.jsonl:3", "wire.jsonl")
        'wire.jsonl, line 3'
        >>> source_label("gazette.rss#https://g.example/7", "gazette.rss", "Dam opens")
        'gazette.rss, item "Dam opens"'
    """
    if source is None or source == document_id:
        return printable(document_id)
    item = document_id.removeprefix(f"{source}#")
    if item != document_id:
        return printable(f'{source}, item "{title.strip() or item}"')
    # A JSONL record without an id of its own is named by its line (the loader's "file:line").
    line = document_id.removeprefix(f"{source}:")
    if line != document_id and line.isdigit():
        return printable(f"{source}, line {line}")
    return printable(f"{source}, record {document_id}")
