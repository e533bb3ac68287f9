"""JSON Lines files (``.jsonl``): one article per line, each a record with a ``text`` field.

A record may also give ``id``, ``title``, ``date``, ``url`` and ``author``. A line that is not
a usable record is skipped on its own ("d.jsonl line 7: record text is empty"), so one bad
record never costs the rest of the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from pydantic import ValidationError

from qa.ingest.articles import byline, first_line_title, parse_date
from qa.ingest.files import LoadReport
from qa.ingest.formats.base import TextFormat
from qa.ingest.formats.registry import register_format
from qa.types import Document

__all__ = ["JsonLinesFormat"]

_JSON_LINE_BREAK = re.compile(r"\r\n?|\n")


class JsonLinesFormat(TextFormat):
    """``.jsonl``: one document per record; a record without an ``id`` is ``<file>:<line>``."""

    name = "jsonl"
    suffixes = (".jsonl",)

    def read_text(self, relative: str, text: str, report: LoadReport) -> Iterator[Document]:
        """One document per usable record; every other line is skipped with its reason.

        Example:
            >>> lines = '{"id": "r1", "text": "Dam opens\\\\nIt did."}\\n{"text": ""}\\n'
            >>> report = LoadReport()
            >>> [d.title for d in JsonLinesFormat().read_text("d.jsonl", lines, report)]
            ['Dam opens']
            >>> report.skipped
            [('d.jsonl line 2', 'record text is empty')]
        """
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
                or first_line_title(record["text"])
                or doc_id.strip()
                or f"{relative}:{number}"
            )
            try:
                yield Document(
                    id=doc_id,
                    title=title.strip(),
                    text=record["text"],
                    source=relative,
                    date=parse_date(record.get("date")),
                    url=str(record["url"]) if record.get("url") else None,
                    author=byline(record.get("author")),
                )
            except ValidationError as exc:
                report.skip(where, f"invalid record ({exc.errors()[0]['msg']})")


register_format(JsonLinesFormat())
