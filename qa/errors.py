"""Errors the assistant raises for problems a user can fix; each message is one readable line."""

from __future__ import annotations


class QAError(Exception):
    """Base class: something the user asked for cannot be done, and the message says why."""


class UsageError(QAError):
    """The request itself is wrong (a blank question, a bad setting, a missing folder).

    Attributes:
        field: The part of the request to fix (``"question"``, ``"top_k"``), when there is one,
            so an API can name it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[UsageError], tuple[str, str | None]]:
        # Raised in a worker process, it crosses back pickled; keep which field was wrong.
        return (type(self), (str(self), self.field))


class CorpusError(QAError):
    """The corpus cannot be read or holds nothing to index."""


class IndexError_(QAError):
    """The on-disk index cannot be used and could not be rebuilt."""
