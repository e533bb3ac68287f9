"""news-qa: ask a folder of news articles a question, get an extractive answer with citations.

Example:
    >>> from qa import Assistant, Settings
    >>> assistant = Assistant.from_corpus("seeds", Settings(encoder="hashing"))
    >>> assistant.ask("When does GSOMIA expire?").text
    'this Saturday'

    ``Settings()`` uses the MiniLM encoder, which answers better; the hashing encoder needs no
    model, so the example runs in a second or two.
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
