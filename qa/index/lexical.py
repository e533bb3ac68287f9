"""BM25 keyword search (bm25s), which catches rare names and numbers that embeddings blur."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
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
        self._vocab: dict[str, int] = {}
        self._data: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self._indices: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._indptr: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        if texts:
            tokens = bm25s.tokenize(
                list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False
            )
            # A corpus made only of stop words leaves BM25 nothing to index (and bm25s fails).
            if tokens.vocab:
                retriever = bm25s.BM25()
                retriever.index(tokens, show_progress=False)
                # bm25s precomputes each word's BM25 score in each passage (a sparse matrix,
                # one column per word); searching only sums columns, done in search below.
                self._data = np.asarray(retriever.scores["data"], dtype=np.float32)
                self._indices = np.asarray(retriever.scores["indices"], dtype=np.int32)
                self._indptr = np.asarray(retriever.scores["indptr"], dtype=np.int64)
                # bm25s adds an empty word for passages left without any; it has no column.
                self._vocab = {
                    word: i
                    for word, i in retriever.vocab_dict.items()
                    if word and i < len(self._indptr) - 1
                }

    def __len__(self) -> int:
        return self._size

    def search(
        self, queries: Sequence[str], k: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Top ``k`` rows per query as ``(scores, rows)``; rows with no shared word are left out
        (row ``-1``), since BM25 has nothing to say about them. Equal scores go to the lower
        row."""
        import bm25s

        scores = np.zeros((len(queries), k), dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        if not self._vocab or not queries or k <= 0:
            return scores, rows
        tokens = bm25s.tokenize(
            list(queries),
            stopwords="en",
            stemmer=self._stemmer,
            show_progress=False,
            return_ids=False,
        )
        for qi, words in enumerate(tokens):
            found, found_scores = self._top(words, k)
            rows[qi, : len(found)] = found
            scores[qi, : len(found)] = found_scores
        return scores, rows

    def _top(
        self, words: Sequence[str], k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The ``k`` best rows for one tokenised query, and their scores.

        Each query word adds its column of precomputed scores; only passages holding one of
        the words are touched, so the cost follows their number, not the corpus size. A word
        given twice counts twice, as in bm25s.
        """
        ids = [self._vocab[w] for w in words if w in self._vocab]
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # Zero-filled pages cost nothing until written, so a corpus-sized array is cheap.
        total = np.zeros(self._size, dtype=np.float32)
        touched = []
        for word in ids:
            start, end = int(self._indptr[word]), int(self._indptr[word + 1])
            docs = self._indices[start:end]
            # A passage appears once per word, so plain indexed addition is exact.
            total[docs] += self._data[start:end]
            touched.append(docs)
        postings = sum(len(docs) for docs in touched)
        if postings * 8 < self._size:
            # Few passages hold the words: sort just those.
            candidates = np.unique(np.concatenate(touched)).astype(np.int64)
            candidates = candidates[total[candidates] > 0]
        else:
            # Common words: one pass over the scores beats sorting millions of postings.
            candidates = np.flatnonzero(total > 0).astype(np.int64)
        found = total[candidates]
        if len(candidates) > k:
            keep = np.argpartition(-found, k - 1)[:k]
            candidates, found = candidates[keep], found[keep]
        order = np.lexsort((candidates, -found))
        return candidates[order], found[order]

    def save(self, path: Path) -> None:
        """Write the index to one file, so an index can be opened without re-tokenising its
        corpus (:meth:`load` maps the arrays from disk).

        Example:
            >>> Bm25Index(["GSOMIA expires"]).save(tmp_path / "x.bm25")
            >>> sorted(p.name for p in tmp_path.iterdir())
            ['x.bm25']
        """
        # The word of each column, in column order ("" for a column no word names).
        words = [""] * (len(self._indptr) - 1)
        for word, column in self._vocab.items():
            words[column] = word
        arrays: dict[str, npt.NDArray[Any]] = {
            "data": self._data,
            "indices": self._indices,
            "indptr": self._indptr,
        }
        layout: dict[str, Any] = {"format": 1, "size": self._size, "words": words}
        offset = 0
        for name, array in arrays.items():
            layout[name] = [offset, str(array.dtype), len(array)]
            offset += _aligned(array.nbytes)
        head = json.dumps(layout, ensure_ascii=False).encode()
        start = _aligned(len(_MAGIC) + 8 + len(head))
        with open(path, "wb") as handle:
            handle.write(_MAGIC + len(head).to_bytes(8, "little") + head)
            handle.write(b"\0" * (start - len(_MAGIC) - 8 - len(head)))
            for array in arrays.values():
                data = np.ascontiguousarray(array).tobytes()
                handle.write(data + b"\0" * (_aligned(len(data)) - len(data)))

    @classmethod
    def load(cls, path: Path) -> Bm25Index:
        """Read an index written by :meth:`save`; its arrays stay on disk, mapped.

        Raises:
            ValueError: When the file is not one :meth:`save` wrote, or is cut short.

        Example:
            >>> Bm25Index(["GSOMIA expires", "Kim met Biegun"]).save(tmp_path / "x.bm25")
            >>> Bm25Index.load(tmp_path / "x.bm25").search(["biegun"], 1)[1]
            array([[1]])
        """
        try:
            with open(path, "rb") as handle:
                magic = handle.read(len(_MAGIC))
                size = int.from_bytes(handle.read(8), "little")
                head = handle.read(size) if magic == _MAGIC else b""
            layout = json.loads(head)
            start = _aligned(len(_MAGIC) + 8 + size)
            total = os.path.getsize(path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"unreadable BM25 index: {exc}") from None
        if magic != _MAGIC or not isinstance(layout, dict) or layout.get("format") != 1:
            raise ValueError("not a BM25 index file")
        index = cls([])
        index._size = int(layout["size"])
        index._vocab = {word: i for i, word in enumerate(layout["words"]) if word}
        mapped: dict[str, Any] = {}
        for name in ("data", "indices", "indptr"):
            offset, dtype, count = layout[name]
            end = start + offset + count * np.dtype(dtype).itemsize
            if end > total:
                raise ValueError(f"BM25 index file cut short ({total} bytes, {end} needed)")
            mapped[name] = (
                np.memmap(path, dtype=dtype, mode="r", offset=start + offset, shape=(count,))
                if count
                else np.zeros(0, dtype=dtype)
            )
        index._data, index._indices, index._indptr = (
            mapped["data"],
            mapped["indices"],
            mapped["indptr"],
        )
        if len(index._indptr) != len(layout["words"]) + 1 or (
            len(index._indices) and int(index._indices.max(initial=0)) >= index._size
        ):
            raise ValueError("BM25 index file is inconsistent")
        return index


_MAGIC = b"QABM25\0\1"


def _aligned(size: int) -> int:
    return size + (-size % 64)
