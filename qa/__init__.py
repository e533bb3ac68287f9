"""news-qa: ask a folder of news articles a question, get an extractive answer with citations.

Example:
    >>> from qa import Assistant
    >>> assistant = Assistant.from_corpus("seeds")                 # doctest: +SKIP
    >>> assistant.ask("When does GSOMIA expire?").text              # doctest: +SKIP
    'this Saturday'
"""

from __future__ import annotations

import os

# Models come from installed packages only; never let a library reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.errors import CorpusError, QAError, UsageError
from qa.pipeline import Assistant, IndexInfo
from qa.settings import Settings
from qa.types import Answer, Citation, Document, Hit, Passage, Span

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "CorpusError",
    "Document",
    "Hit",
    "IndexInfo",
    "Passage",
    "QAError",
    "Settings",
    "Span",
    "UsageError",
]
