"""Passages whose text appears more than once in a corpus (one wire story, several outlets).

The index records the groups when it is written; retrieval returns each group as one hit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from qa.types import Passage


def copy_groups(passages: Sequence[Passage]) -> dict[int, tuple[int, ...]]:
    """Rows of passages whose text, whitespace aside, also appears elsewhere, by group.

    News corpora carry the same wire story from several outlets, and a folder may hold one
    article both as a file and in a JSONL dump. Each row that has copies maps to every row of
    its group (itself included), in row order; a row with unique text is absent.

    Example:
        >>> passages = [
        ...     Passage(id=f"d#{n}", document_id="d", title="T", text=text, start=0, end=len(text),
        ...             ordinal=n)
        ...     for n, text in enumerate(["A b.", "C.", "A  b."])
        ... ]
        >>> copy_groups(passages)
        {0: (0, 2), 2: (0, 2)}
    """
    rows: dict[bytes, list[int]] = {}
    for row, passage in enumerate(passages):
        # A digest rather than the text keeps the map small on a large corpus.
        key = hashlib.blake2b(" ".join(passage.text.split()).encode(), digest_size=16).digest()
        rows.setdefault(key, []).append(row)
    return {row: tuple(group) for group in rows.values() if len(group) > 1 for row in group}
