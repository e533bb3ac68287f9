"""Which format reads which file suffix.

The built-in formats register themselves when :mod:`qa.ingest.formats` is imported; another
is added with :func:`register_format` before the corpus is indexed. The loader reads a file
only when its suffix is registered, so :func:`suffixes` is also the list shown to users of what
a corpus may hold.
"""

from __future__ import annotations

from qa.ingest.formats.base import Format

__all__ = ["format_for", "register_format", "suffixes"]

# Formats by the lower-case suffix they read, in the order registered: the order users see
# suffixes listed in (built-in text formats first).
_FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> None:
    """Have the loader read files with ``fmt.suffixes`` through ``fmt``.

    Nothing is registered when any suffix is refused, so a failed call changes nothing.

    Args:
        fmt: The format; its suffixes are lower case and begin with a dot (``".news"``).

    Raises:
        ValueError: When it has no suffix, a suffix is not a lower-case ``.name``, or a
            suffix is already read by a registered format (the message names that format).

    Example:
        >>> from qa.ingest.formats.text import PlainTextFormat
        >>> register_format(PlainTextFormat())  # .txt is read by the built-in one
        Traceback (most recent call last):
        ValueError: suffix '.txt' is already read by format 'text'; a suffix has one format
    """
    if not fmt.suffixes:
        raise ValueError(f"format {fmt.name!r} names no suffix to read")
    for suffix in fmt.suffixes:
        # Path.suffix is what the loader looks up: one dot, then a name without dots.
        if (
            len(suffix) < 2
            or not suffix.startswith(".")
            or "." in suffix[1:]
            or "/" in suffix
            or suffix != suffix.lower()
        ):
            raise ValueError(
                f"format {fmt.name!r}: suffix {suffix!r} is not a lower-case suffix like '.txt'"
            )
        holder = _FORMATS.get(suffix)
        if holder is not None:
            raise ValueError(
                f"suffix {suffix!r} is already read by format {holder.name!r}; "
                "a suffix has one format"
            )
    if len(set(fmt.suffixes)) != len(fmt.suffixes):
        raise ValueError(f"format {fmt.name!r} names a suffix twice: {fmt.suffixes}")
    for suffix in fmt.suffixes:
        _FORMATS[suffix] = fmt


def format_for(suffix: str) -> Format | None:
    """The format that reads files with ``suffix`` (any case), or None when none does.

    Example:
        >>> format_for(".HTM").name, format_for(".csv")
        ('html', None)
    """
    return _FORMATS.get(suffix.lower())


def suffixes() -> tuple[str, ...]:
    """Every suffix a registered format reads, in the order registered.

    Example:
        >>> suffixes()[:3]
        ('.txt', '.md', '.jsonl')
    """
    return tuple(_FORMATS)
