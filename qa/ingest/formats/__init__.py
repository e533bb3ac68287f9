"""Article file formats, one module each, behind one small interface.

:class:`Format` is what the loader asks of a format, :class:`TextFormat` the base of those read
from decoded text; :func:`register_format` adds one, :func:`format_for` finds the one for a
suffix, :func:`suffixes` lists what is read. Importing this package registers the built-in
formats: ``.txt`` (:mod:`.text`), ``.md`` (:mod:`.markdown`), ``.jsonl`` (:mod:`.jsonl`),
``.html``/``.htm`` (:mod:`.html`) and ``.rss``/``.atom``/``.xml`` (:mod:`.feeds`).

Example:
    >>> from qa.ingest.formats import format_for
    >>> format_for(".md").name
    'markdown'
"""

from __future__ import annotations

# isort: off
# Imported for their registration, in the order users see the suffixes listed in.
from qa.ingest.formats import text  # noqa: F401
from qa.ingest.formats import markdown  # noqa: F401
from qa.ingest.formats import jsonl  # noqa: F401
from qa.ingest.formats import html  # noqa: F401
from qa.ingest.formats import feeds  # noqa: F401

# isort: on
from qa.ingest.formats.base import Format, TextFormat
from qa.ingest.formats.registry import format_for, register_format, suffixes

__all__ = ["Format", "TextFormat", "format_for", "register_format", "suffixes"]
