"""BM25 keyword search (bm25s), which catches rare names and numbers that embeddings blur."""

from __future__ import annotations

import json
import logging
import os
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# BM25's constants, as bm25s's default ("lucene") variant sets them.
K1 = 1.5
B = 0.75


def tokenize(texts: Sequence[str], stemmer: Any) -> list[list[str]]:
    """Lower-cased words of two letters or more, English stop words removed, stemmed: bm25s's
    tokeniser, used for passages and questions alike so that both meet the same words."""
    import bm25s

    # bm25s reports routine steps as warnings; they are noise to someone asking a question.
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    if not texts:
        return []
    found = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False
    )
    return [list(words) for words in found]


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


class Bm25Builder:
    """BM25 built a batch of passages at a time, holding only word counts until the end.

    bm25s tokenises and scores a whole corpus in one call, holding every passage's words as
    Python lists: hundreds of megabytes at 100,000 passages, which made an index build's
    memory grow with the corpus. Here each batch is tokenised and reduced to (word, passage,
    count) triples in flat arrays, 12 bytes each, as it comes; the scores need the corpus's
    average length and each word's passage count, so they are computed in :meth:`finish`.
    The scores are bm25s's own (Lucene's BM25: ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``,
    ``tf / (tf + k1 (1 - b + b len / avg_len))``, in float32 as bm25s computes them), and the
    words are numbered in sorted order, so an index does not depend on the batch size or on
    Python's string hashing.

    Example:
        >>> builder = Bm25Builder()
        >>> builder.add(["GSOMIA expires on Saturday"])
        >>> builder.add(["Kim met Biegun in Seoul"])
        >>> builder.finish().search(["biegun"], 1)[1].tolist()
        [[1]]
    """

    def __init__(self, spill: Path | None = None) -> None:
        self.stemmer = _stemmer()
        self._word_ids: dict[str, int] = {}
        self._words = array("i")  # per posting: the word's number in order of first use
        self._docs = array("i")  # per posting: the passage
        self._counts = array("f")  # per posting: times the word is in the passage
        self._lengths = array("i")  # per passage: its number of words
        # With a spill file, each batch's postings go to disk as they come and are read back
        # a slice at a time when the scores are computed: at 100,000 passages they are some
        # 45 MB that a build would otherwise hold from its first batch to its last.
        self._spill = spill
        self._spilled = 0
        self._per_word = np.zeros(0, dtype=np.int64)  # passages holding each word, if spilled
        if spill is not None:
            spill.write_bytes(b"")

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, texts: Sequence[str]) -> None:
        """Count the words of the next passages (rows follow those already added)."""
        for words in tokenize(texts, self.stemmer):
            doc = len(self._lengths)
            self._lengths.append(len(words))
            # Counter keeps first-seen order, as bm25s's own count does.
            for word, count in Counter(words).items():
                self._words.append(self._word_ids.setdefault(word, len(self._word_ids)))
                self._docs.append(doc)
                self._counts.append(count)
        if self._spill is not None and self._words:
            postings = np.empty(len(self._words), dtype=_POSTING)
            postings["word"] = np.frombuffer(self._words, dtype=np.int32)
            postings["doc"] = np.frombuffer(self._docs, dtype=np.int32)
            postings["count"] = np.frombuffer(self._counts, dtype=np.float32)
            with open(self._spill, "ab") as handle:
                handle.write(postings.tobytes())
            self._spilled += len(postings)
            counted = np.bincount(postings["word"], minlength=len(self._word_ids))
            counted[: len(self._per_word)] += self._per_word
            self._per_word = counted
            self._words, self._docs, self._counts = array("i"), array("i"), array("f")

    def _postings(self) -> Iterator[tuple[npt.NDArray[Any], ...]]:
        """(words, passages, counts) a slice of :data:`_POSTINGS_SLICE` at a time, in the
        order they were added."""
        if self._spill is None:
            words = np.frombuffer(self._words, dtype=np.int32)
            docs = np.frombuffer(self._docs, dtype=np.int32)
            counts = np.frombuffer(self._counts, dtype=np.float32)
            for first in range(0, len(words), _POSTINGS_SLICE):
                end = first + _POSTINGS_SLICE
                yield words[first:end], docs[first:end], counts[first:end]
            return
        with open(self._spill, "rb") as handle:
            for _ in range(0, self._spilled, _POSTINGS_SLICE):
                part = np.fromfile(handle, dtype=_POSTING, count=_POSTINGS_SLICE)
                yield part["word"].copy(), part["doc"].copy(), part["count"].copy()

    def finish(self) -> Bm25Index:
        """The index of every passage added."""
        index = Bm25Index([])
        self.finish_into(index)
        return index

    def finish_into(self, index: Bm25Index) -> None:
        """Fill ``index`` with the scores of every passage added, then forget them."""
        size = len(self._lengths)
        index._size = size
        if not self._word_ids:
            if self._spill is not None:
                self._spill.unlink(missing_ok=True)
            return
        # Number the words in sorted order: the same index whatever order they came in.
        ordered = sorted(self._word_ids)
        renumber = np.empty(len(ordered), dtype=np.int32)
        for column, word in enumerate(ordered):
            renumber[self._word_ids[word]] = column
        lengths = np.frombuffer(self._lengths, dtype=np.int32)
        if self._spill is None:
            first_use = np.bincount(
                np.frombuffer(self._words, dtype=np.int32), minlength=len(ordered)
            )
        else:
            first_use = self._per_word
        per_word = np.zeros(len(ordered), dtype=np.int64)
        per_word[renumber] = first_use
        # Per word, as bm25s: float64 arithmetic, stored in float32.
        idf = np.log(1 + (size - per_word + 0.5) / (per_word + 0.5)).astype(np.float32)
        average = float(lengths.mean())
        indptr = np.zeros(len(ordered) + 1, dtype=np.int64)
        np.cumsum(per_word, out=indptr[1:])
        data = np.empty(int(indptr[-1]), dtype=np.float32)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        # Each word's passages in row order: postings arrive in row order, so a stable sort
        # by word, a slice at a time, fills each word's column from its next free place.
        heads = indptr[:-1].copy()
        for raw, d, tf in self._postings():
            w = renumber[raw]
            norm = (K1 * ((1 - B) + B * lengths[d].astype(np.float64) / average)).astype(np.float32)
            scores = idf[w] * (tf / (norm + tf))
            order = np.argsort(w, kind="stable")
            w, d, scores = w[order], d[order], scores[order]
            starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
            runs = np.diff(np.r_[starts, len(w)])  # postings of each word in this slice
            places = heads[w] + np.arange(len(w)) - np.repeat(starts, runs)
            data[places] = scores
            indices[places] = d
            heads[w[starts]] += runs  # each word once per slice: plain indexing adds exactly
        index._data, index._indices, index._indptr = data, indices, indptr
        index._vocab = {word: column for column, word in enumerate(ordered)}
        self._word_ids = {}
        self._words, self._docs, self._counts = array("i"), array("i"), array("f")
        self._lengths = array("i")
        self._per_word = np.zeros(0, dtype=np.int64)
        if self._spill is not None:
            self._spill.unlink(missing_ok=True)
            self._spilled = 0


class Bm25Index:
    """BM25 over passage texts, English stop words removed and words stemmed.

    Example:
        >>> ix = Bm25Index(["GSOMIA expires on Saturday", "Kim met Biegun in Seoul"])
        >>> ix.search(["when does gsomia expire"], 1)[1].tolist()
        [[0]]
    """

    def __init__(self, texts: Sequence[str]) -> None:
        builder = Bm25Builder()
        builder.add(texts)
        self._stemmer: Any = builder.stemmer
        self._size = 0
        self._vocab: dict[str, int] = {}
        self._data: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self._indices: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._indptr: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        builder.finish_into(self)

    def __len__(self) -> int:
        return self._size

    def search(
        self, queries: Sequence[str], k: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Top ``k`` rows per query as ``(scores, rows)``; rows with no shared word are left out
        (row ``-1``), since BM25 has nothing to say about them. Equal scores go to the lower
        row."""
        scores = np.zeros((len(queries), k), dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        if not self._vocab or not queries or k <= 0:
            return scores, rows
        for qi, words in enumerate(tokenize(queries, self._stemmer)):
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
        for name, values in arrays.items():
            layout[name] = [offset, str(values.dtype), len(values)]
            offset += _aligned(values.nbytes)
        head = json.dumps(layout, ensure_ascii=False).encode()
        start = _aligned(len(_MAGIC) + 8 + len(head))
        with open(path, "wb") as handle:
            handle.write(_MAGIC + len(head).to_bytes(8, "little") + head)
            handle.write(b"\0" * (start - len(_MAGIC) - 8 - len(head)))
            for values in arrays.values():
                data = np.ascontiguousarray(values).tobytes()
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
# Postings scored and placed at a time when a builder finishes (a few MB of temporaries).
_POSTINGS_SLICE = 1 << 18
# One posting as a spilling builder writes it.
_POSTING = np.dtype([("word", "<i4"), ("doc", "<i4"), ("count", "<f4")])


def _aligned(size: int) -> int:
    return size + (-size % 64)
