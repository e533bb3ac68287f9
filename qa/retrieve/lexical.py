"""BM25 keyword search (bm25s), which catches rare names and numbers that embeddings blur."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


class Bm25Index:
    """BM25 over passage texts, English stop words removed and words stemmed.

    Example:
        >>> ix = Bm25Index(["GSOMIA expires on Saturday", "Kim met Biegun in Seoul"])
        >>> ix.search(["when does gsomia expire"], 1)[1].tolist()
        [[0]]
    """

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s
        import Stemmer

        # bm25s reports routine steps as warnings; they are noise to someone asking a question.
        logging.getLogger("bm25s").setLevel(logging.ERROR)
        self._stemmer = Stemmer.Stemmer("english")
        self._size = len(texts)
        self._retriever: Any = None
        if texts:
            tokens = bm25s.tokenize(
                list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False
            )
            # A corpus made only of stop words leaves BM25 nothing to index (and bm25s fails).
            if tokens.vocab:
                self._retriever = bm25s.BM25()
                self._retriever.index(tokens, show_progress=False)

    def __len__(self) -> int:
        return self._size

    def search(
        self, queries: Sequence[str], k: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Top ``k`` rows per query as ``(scores, rows)``; rows with no shared word are left out
        (row ``-1``), since BM25 has nothing to say about them."""
        import bm25s

        scores = np.zeros((len(queries), k), dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        if self._retriever is None or not queries:
            return scores, rows
        take = min(k, self._size)
        tokens = bm25s.tokenize(
            list(queries),
            stopwords="en",
            stemmer=self._stemmer,
            show_progress=False,
            return_ids=False,
        )
        for qi, words in enumerate(tokens):
            if not words:
                continue
            found, found_scores = self._retriever.retrieve(
                [words], k=take, show_progress=False, n_threads=1
            )
            for rank, (row, score) in enumerate(zip(found[0], found_scores[0], strict=True)):
                if score > 0:
                    rows[qi, rank] = int(row)
                    scores[qi, rank] = float(score)
        return scores, rows
