"""Stage 1: read a corpus folder into documents and split them into passages.

Entry points: :func:`scan_corpus` and :func:`read_document_file` (routed by suffix to the
format registered for it in :mod:`qa.ingest.formats`), :class:`Chunker` for passages.
"""

from __future__ import annotations

from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.loader import load_corpus, read_document_file, scan_corpus
from qa.ingest.passages import Chunker, split_paragraphs, split_sentences

__all__ = [
    "Chunker",
    "CorpusFile",
    "LoadReport",
    "load_corpus",
    "read_document_file",
    "scan_corpus",
    "split_paragraphs",
    "split_sentences",
]
