"""Errors the assistant raises for problems a user can fix; each message is one readable line."""

from __future__ import annotations


class QAError(Exception):
    """Base class: something the user asked for cannot be done, and the message says why."""


class UsageError(QAError):
    """The request itself is wrong (a blank question, a bad setting, a missing folder)."""


class CorpusError(QAError):
    """The corpus cannot be read or holds nothing to index."""


class IndexError_(QAError):
    """The on-disk index cannot be used and could not be rebuilt."""
