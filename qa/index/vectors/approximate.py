"""Approximate inner-product search for corpora too large to scan: an HNSW graph, and
inverted lists over 8-bit vectors re-scored on exact ones."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

import numpy as np
import numpy.typing as npt

from qa.index.vectors.base import Ids, Matrix, checked, faiss_module, padded, read_faiss


class FaissHnswIndex:
    """Approximate inner-product search on an HNSW graph over exact vectors (``IndexHNSWFlat``).

    The graph finds near neighbours by walking from node to node instead of scanning every
    row, so a search touches a few thousand vectors whatever the corpus size. The vectors are
    kept in full precision, so :meth:`vectors` gives back exactly what was added (an
    incremental update loses nothing), at the price of memory: 4 bytes per dimension plus
    about ``8 * m`` bytes of graph per row.

    Args:
        dim: Vector dimension.
        m: Graph neighbours per node (FAISS's ``M``).
        ef_construction: Candidates kept while inserting (better graph, slower build).
        ef_search: Candidates kept while searching; raised to ``k`` when a search asks for more.

    Example:
        >>> ix = FaissHnswIndex(2)
        >>> ix.add(np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> ix.search(np.array([[0.1, 0.9]], dtype=np.float32), 1)[1].tolist()
        [[1]]
    """

    def __init__(
        self, dim: int, *, m: int = 32, ef_construction: int = 80, ef_search: int = 128
    ) -> None:
        faiss = faiss_module()

        self.dim = dim
        self.ef_search = ef_search
        self._index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = ef_construction

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: Matrix) -> None:
        """Append rows (each is linked into the graph as it comes)."""
        self._index.add(checked(vectors, self.dim))

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query, approximately."""
        faiss = faiss_module()

        # Per-call parameters rather than the index's own field: searches on several threads
        # with different k must not change each other's depth. The walk keeps at least k
        # candidates, or it could not return k rows.
        params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))
        scores, rows = self._index.search(checked(queries, self.dim), k, params=params)
        return padded(scores, rows)

    def vectors(self) -> Matrix:
        """All rows, exactly as added."""
        if len(self) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def rows(self, start: int, stop: int) -> Matrix:
        """Rows ``start`` to ``stop`` only."""
        stop = min(stop, len(self))
        if stop <= start:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(start, stop - start), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write with FAISS's own format."""
        faiss = faiss_module()

        faiss.write_index(self._index, os.fspath(path))

    @classmethod
    def load(cls, path: Path) -> FaissHnswIndex:
        """Read an index written by :meth:`save`.

        Raises:
            ValueError: When the file is not a readable HNSW inner-product index.
        """
        faiss = faiss_module()

        raw = read_faiss(path)
        if (
            not isinstance(raw, faiss.IndexHNSWFlat)
            or raw.metric_type != faiss.METRIC_INNER_PRODUCT
        ):
            raise ValueError(f"expected an HNSW inner-product index, found {type(raw).__name__}")
        index = cls(raw.d)
        index._index = raw
        return index


class FaissIvfSq8Index:
    """Approximate inner-product search: inverted lists over 8-bit quantised vectors, with the
    best candidates re-scored on exact vectors.

    The rows are clustered into ``nlist`` lists (k-means); a search scans only the ``nprobe``
    lists nearest the query, on vectors stored in one byte per dimension, then re-scores the
    ``rerank * k`` best of those on the exact vectors, so the scores it returns are true inner
    products (thresholds on similarity mean the same as with exact search) and the order is
    exact among what the lists held. The exact vectors are kept as float16 in the same file
    and mapped from disk rather than read into memory; float16 holds a unit vector's
    components to about 0.0005, and converting again changes nothing, so vectors carried over
    by incremental updates never drift.

    The lists are trained when first needed (a search or :meth:`save` after :meth:`add`), on
    every row added so far.

    Args:
        dim: Vector dimension.
        nprobe: Lists scanned per query. 128 measured on a real 100,000-passage build
            (412,642 vectors of mixed news, press releases and the Brown corpus, 512 lists):
            recall@10 against exact on news questions 0.946 at 48, 0.987 at 96, 0.992 at
            128, at 2.0, 3.2 and 3.9 ms a search (exact: 23 ms). Vectors replayed with noise
            from fewer real ones, as first measured, cluster more tightly: there 16 lists
            already gave 0.998, which is why 48 was once enough.
        rerank: Candidates re-scored exactly, as a multiple of ``k``.
        nlist: Number of lists; None chooses from the row count (:func:`ivf_lists`).

    Example:
        >>> ix = FaissIvfSq8Index(2)
        >>> ix.add(np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> ix.search(np.array([[0.1, 0.9]], dtype=np.float32), 1)[1].tolist()
        [[1]]
    """

    # Float16 rows given to add() are kept as given (a build hands them mapped from disk).
    keeps_float16 = True
    _MAGIC = b"QAIVFSQ8"
    # The file's record: magic, format (u32), dim (u32), rows (u64), FAISS bytes (u64); at
    # the end of the file since format 2, at its start in format 1.
    _HEADER = 32

    def __init__(
        self, dim: int, *, nprobe: int = 128, rerank: int = 2, nlist: int | None = None
    ) -> None:
        self.dim = dim
        self.nprobe = nprobe
        self.rerank = rerank
        self._nlist = nlist
        self._exact: npt.NDArray[np.float16] = np.zeros((0, dim), dtype=np.float16)
        self._pending: list[npt.NDArray[np.float16]] = []
        self._index: Any = None

    def __len__(self) -> int:
        return int(self._exact.shape[0]) + sum(len(p) for p in self._pending)

    def add(self, vectors: Matrix | npt.NDArray[np.float16]) -> None:
        """Append rows (the lists are retrained on all rows before the next search).

        Float16 rows are kept as given, so a caller holding millions of vectors in half
        precision never needs them in float32.
        """
        if vectors.dtype == np.float16 and vectors.ndim == 2 and vectors.shape[1] == self.dim:
            self._pending.append(vectors.astype(np.float16, copy=False))
        else:
            rows = checked(np.asarray(vectors, dtype=np.float32), self.dim)
            self._pending.append(rows.astype(np.float16))
        self._index = None

    def _merged(self) -> npt.NDArray[np.float16]:
        if self._pending:
            parts = [p for p in (self._exact, *self._pending) if len(p)]
            # One part is taken as it is: no second copy of a large array.
            self._exact = parts[0] if len(parts) == 1 else np.vstack(parts)
            self._pending = []
        return self._exact

    def _ready(self) -> Any:
        """The index with its lists filled in memory, as a search needs them."""
        rows = self._merged()
        if self._index is None:
            index = self._train(rows)
            if len(rows):
                _fill(index, rows)
            self._index = index
        return self._index

    def _train(self, rows: npt.NDArray[np.float16]) -> Any:
        """A trained index with empty lists."""
        faiss = faiss_module()
        nlist = self._nlist if self._nlist is not None else ivf_lists(len(rows))
        nlist = max(1, min(nlist, len(rows)))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        # Small indexes train on fewer rows than FAISS likes (39 per list); it copes, and its
        # warning would only be noise in a small corpus's build.
        index.cp.min_points_per_centroid = 1
        if not len(rows):
            return index
        # k-means on a sample of TRAIN_PER_LIST rows per list: as good for placing the lists
        # as all rows, and training time stays flat as the corpus grows. A fixed seed keeps
        # two builds of the same vectors equal.
        sample = None
        if len(rows) > TRAIN_PER_LIST * nlist:
            sample = np.sort(
                np.random.default_rng(0).choice(len(rows), TRAIN_PER_LIST * nlist, replace=False)
            )
        # The sample is gathered into one array rather than stacked from parts: stacking
        # would hold it twice (80 MB each at 512 lists).
        size = len(rows) if sample is None else len(sample)
        picked = np.empty((size, self.dim), dtype=np.float32)
        filled = 0
        # Read as float16 and converted as copied in: a float32 copy of each slice would be
        # one more 15 MB the process may not give back.
        for first, part in _slices(rows, np.float16):
            if sample is not None:
                lo, hi = np.searchsorted(sample, (first, first + len(part)))
                part = part[sample[lo:hi] - first]
            picked[filled : filled + len(part)] = part
            filled += len(part)
        _train_lists(index, picked)
        del picked
        return index

    def search(self, queries: Matrix, k: int) -> tuple[Matrix, Ids]:
        """Top ``k`` rows per query: approximate candidates, exact scores and order."""
        faiss = faiss_module()

        queries = checked(queries, self.dim)
        index = self._ready()
        n = len(self)
        out_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        out_rows = np.full((len(queries), k), -1, dtype=np.int64)
        if n == 0 or k <= 0:
            return out_scores, out_rows
        depth = min(n, max(k, self.rerank * k))
        params = faiss.SearchParametersIVF(nprobe=min(self.nprobe, index.nlist))
        _, candidates = index.search(queries, depth, params=params)
        for qi, found in enumerate(candidates):
            rows = np.unique(found[found >= 0])  # sorted: the mapped file is read in order
            exact = np.asarray(self._exact[rows], dtype=np.float32) @ queries[qi]
            order = np.argsort(-exact, kind="stable")[:k]
            out_scores[qi, : len(order)] = exact[order]
            out_rows[qi, : len(order)] = rows[order]
        return out_scores, out_rows

    def vectors(self) -> Matrix:
        """All rows, as float16 rounded them."""
        self._ready()
        return np.asarray(self._exact, dtype=np.float32)

    def rows(self, start: int, stop: int) -> Matrix:
        """Rows ``start`` to ``stop`` only, read from the float16 copies.

        Read from the file rather than through its mapping: an update reads every row of the
        previous generation once, and mapped pages read would stay resident (300 MB at
        100,000 passages) for as long as the generation is open.
        """
        if self._pending:
            self._ready()
        start, stop = max(0, start), min(stop, len(self._exact))
        if stop <= start:
            return np.zeros((0, self.dim), dtype=np.float32)
        if _whole_mapping(self._exact):
            return _read_mapped(self._exact, start, stop).astype(np.float32)
        return np.asarray(self._exact[start:stop], dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write the lists and the float16 vectors into one file.

        The FAISS index comes first and the file's own record (magic, format, dimension, rows,
        the FAISS part's size) last, so FAISS can map the lists straight from the file when
        it is opened (:meth:`load`).
        """
        faiss = faiss_module()
        # The rows as they are: a mapping stays one, so its slices are read with plain reads
        # (np.ascontiguousarray would make it a view whose pages stay resident once read).
        exact = self._merged()
        with open(path, "wb") as handle:
            if self._index is None and len(exact):
                # Lists not yet filled (a build: rows added, never searched) are encoded
                # straight into the file and never held: at 100,000 passages they are 150 MB,
                # the largest thing a build would otherwise hold at its end.
                _write_lists(handle, self._train(exact), exact)
            else:
                # Streamed into the file: serialising to bytes first would hold a second
                # copy of the lists (a gigabyte at a million passages) for the write.
                faiss.write_index(self._ready(), faiss.PyCallbackIOWriter(handle.write))
            blob_size = handle.tell()
            handle.write(b"\0" * (-blob_size % 64))
            for _, part in _slices(exact, np.float16):
                handle.write(part.tobytes())
            handle.write(self._MAGIC)
            handle.write(np.array([2, self.dim], dtype="<u4").tobytes())
            handle.write(np.array([len(exact), blob_size], dtype="<u8").tobytes())

    @classmethod
    def load(cls, path: Path) -> FaissIvfSq8Index:
        """Read an index written by :meth:`save`; the lists and the exact vectors stay on disk,
        mapped, so opening a large index costs almost no memory and a search reads the pages
        of the lists it scans.

        Files of the first format (the record first, the lists read into memory) still open.

        Raises:
            ValueError: When the file is not one :meth:`save` wrote, or is cut short.
        """
        faiss = faiss_module()
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as handle:
                head = handle.read(cls._HEADER)
                handle.seek(max(0, size - cls._HEADER))
                tail = handle.read(cls._HEADER)
        except OSError as exc:
            raise ValueError(f"unreadable vector file: {exc}") from None
        if len(head) == cls._HEADER and head[:8] == cls._MAGIC:
            return cls._load_first_format(path, head, size)
        if len(tail) < cls._HEADER or tail[:8] != cls._MAGIC:
            # The record is written last, so a file cut short has lost it.
            raise ValueError("not an IVF-SQ8 vector file, or one cut short")
        version, dim = (int(v) for v in np.frombuffer(tail[8:16], dtype="<u4"))
        rows, blob_size = (int(v) for v in np.frombuffer(tail[16:32], dtype="<u8"))
        start = blob_size + (-blob_size % 64)
        if version != 2 or size != start + rows * dim * 2 + cls._HEADER:
            raise ValueError(f"IVF-SQ8 vector file of {size} bytes does not match its record")
        try:
            raw = faiss.read_index(os.fspath(path), faiss.IO_FLAG_MMAP_IFC)
        except RuntimeError as exc:
            raise ValueError(f"unreadable FAISS index: {str(exc).splitlines()[0]}") from None
        return cls._opened(raw, path, dim, rows, start)

    @classmethod
    def _load_first_format(cls, path: Path, head: bytes, size: int) -> FaissIvfSq8Index:
        faiss = faiss_module()
        version, dim = (int(v) for v in np.frombuffer(head[8:16], dtype="<u4"))
        rows, blob_size = (int(v) for v in np.frombuffer(head[16:32], dtype="<u8"))
        start = cls._HEADER + blob_size + (-(cls._HEADER + blob_size) % 64)
        if version != 1 or size != start + rows * dim * 2:
            raise ValueError(f"IVF-SQ8 vector file of {size} bytes does not match its header")
        left = [blob_size]
        with open(path, "rb") as handle:
            handle.seek(cls._HEADER)

            def read(count: int) -> bytes:
                # FAISS asks for what it needs; never past the lists into the vectors.
                data = handle.read(max(0, min(count, left[0])))
                left[0] -= len(data)
                return data

            try:
                raw = faiss.read_index(faiss.PyCallbackIOReader(read))
            except RuntimeError as exc:
                raise ValueError(f"unreadable FAISS index: {str(exc).splitlines()[0]}") from None
        return cls._opened(raw, path, dim, rows, start)

    @classmethod
    def _opened(cls, raw: Any, path: Path, dim: int, rows: int, start: int) -> FaissIvfSq8Index:
        faiss = faiss_module()
        if not isinstance(raw, faiss.IndexIVFScalarQuantizer) or raw.ntotal != rows:
            raise ValueError(f"expected an IVF-SQ8 index of {rows} rows")
        if raw.d != dim:
            raise ValueError(f"IVF-SQ8 lists of dimension {raw.d} for vectors of {dim}")
        index = cls(dim)
        index._index = raw
        if rows:
            index._exact = np.memmap(
                path, dtype=np.float16, mode="r", offset=start, shape=(rows, dim)
            )
        return index


def ivf_lists(rows: int) -> int:
    """How many inverted lists an IVF index of ``rows`` vectors gets.

    About ``sqrt(rows)``, rounded down to a power of two, and never so many that a list gets
    fewer than 39 rows to train on (below that k-means has too little to place a centroid).
    FAISS suggests 4 to 16 times more lists, which makes each list shorter but training
    (k-means over every list) that much slower: at 450,000 vectors on 2 cores, 2,048 lists
    took minutes to train where 512 take seconds, and scanning ``nprobe`` lists of the
    longer kind still costs a millisecond or two.

    Example:
        >>> ivf_lists(450_000), ivf_lists(1000), ivf_lists(10)
        (512, 16, 1)
    """
    target = max(1, int(rows**0.5))
    nlist = 1 << (target.bit_length() - 1)
    while nlist > 1 and rows < 39 * nlist:
        nlist //= 2
    return nlist


# Rows per IVF list that k-means trains on (ivf_lists), and rows read and converted at a time
# while the lists are filled or the file is written (15 MB of float32 at 384 dimensions).
TRAIN_PER_LIST = 100
_ADD_SLICE = 10_000


def _train_lists(index: Any, sample: npt.NDArray[np.float32]) -> None:
    """Train ``index`` on ``sample`` as ``index.train`` does, holding little beyond the sample.

    FAISS trains the lists by k-means, then the 8-bit ranges on every sample row's residual
    (the row less its list's centroid): it holds all the residuals, and a transposed copy of
    them, beside the sample, three copies of 78 MB at 512 lists. The ranges it fits are each
    dimension's minimum and span over the residuals, so here they are gathered a slice at a
    time instead. The trained index is the same (a test compares the bytes). FAISS trains the
    ranges on a random 100,000 of the sample when given more (1,024 lists and up), and other
    quantiser settings fit ranges otherwise: those are left to FAISS.
    """
    faiss = faiss_module()
    limit = int(index.train_encoder_num_vectors())
    if (
        (0 < limit < len(sample))
        or not index.by_residual
        or index.sq.qtype != faiss.ScalarQuantizer.QT_8bit
        or index.sq.rangestat != faiss.ScalarQuantizer.RS_minmax
        or index.sq.rangestat_arg != 0
    ):
        index.train(sample)
        return
    clustering = faiss.Clustering(index.d, index.nlist, index.cp)
    clustering.train(sample, index.quantizer)
    index.quantizer.is_trained = True
    centroids = index.quantizer.reconstruct_n(0, index.nlist)
    low = np.full(index.d, np.inf, dtype=np.float32)
    high = np.full(index.d, -np.inf, dtype=np.float32)
    # FAISS keeps the first of equal values, so a bound of zero keeps the sign of the first
    # zero met in row order (-0.0 and 0.0 are equal, but not the same bytes).
    zero_sign = np.zeros(index.d, dtype=np.float32)
    # Small slices: each one's residuals are a temporary (1.5 MB at 384 dimensions).
    for first in range(0, len(sample), 1024):
        part = sample[first : first + 1024]
        _, found = index.quantizer.search(part, 1)
        residuals = part - centroids[found[:, 0]]
        low = np.minimum(low, residuals.min(axis=0))
        high = np.maximum(high, residuals.max(axis=0))
        zeros = residuals == 0
        new = (zero_sign == 0) & zeros.any(axis=0)
        if new.any():
            at = zeros.argmax(axis=0)[new]
            zero_sign[new] = np.where(np.signbit(residuals[at, np.flatnonzero(new)]), -1, 1)
    low = np.where(low == 0, np.copysign(np.float32(0), zero_sign), low).astype(np.float32)
    high = np.where(high == 0, np.copysign(np.float32(0), zero_sign), high).astype(np.float32)
    faiss.copy_array_to_vector(np.concatenate([low, high - low]), index.sq.trained)
    index.is_trained = True


def _assign(index: Any, rows: npt.NDArray[np.float16]) -> npt.NDArray[np.int64]:
    """Each row's list (8 bytes a row), a slice of rows at a time."""
    lists = np.empty(len(rows), dtype=np.int64)
    for first, part in _slices(rows):
        _, found = index.quantizer.search(part, 1)
        lists[first : first + len(part)] = found[:, 0]
    return lists


def _encoded(
    index: Any, rows: npt.NDArray[np.float16], lists: npt.NDArray[np.int64]
) -> Iterator[tuple[int, int, npt.NDArray[np.int64], npt.NDArray[np.uint8]]]:
    """The rows' codes a slice at a time, as ``(list, place in the list, ids, codes)`` runs.

    Rows keep their order within each list, as FAISS's own ``add`` leaves them, so a run's
    place is how many rows of its list earlier slices held.
    """
    faiss = faiss_module()
    places = np.zeros(index.nlist, dtype=np.int64)
    for first, part in _slices(rows):
        take = len(part)
        where = np.ascontiguousarray(lists[first : first + take])
        codes = np.empty((take, index.code_size), dtype=np.uint8)
        vectors = np.ascontiguousarray(part, dtype=np.float32)
        index.encode_vectors(
            take, faiss.swig_ptr(vectors), faiss.swig_ptr(where), faiss.swig_ptr(codes)
        )
        order = np.argsort(where, kind="stable")
        ids = np.ascontiguousarray(first + order, dtype=np.int64)
        codes = np.ascontiguousarray(codes[order])
        ordered = where[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        for begin, end in zip(starts, np.r_[starts[1:], take], strict=True):
            number = int(ordered[begin])
            yield number, int(places[number]), ids[begin:end], codes[begin:end]
            places[number] += end - begin


def _fill(index: Any, rows: npt.NDArray[np.float16]) -> None:
    """Put every row into its trained list, each list allocated once at its final size.

    FAISS's own ``add`` appends to growing lists, which reserve up to twice what they hold
    and copy themselves as they grow: filling 412,000 rows (150 MB of codes) peaked 570 MB
    above where it started. Here the rows are assigned to lists in a first pass (8 bytes a
    row), each list is sized once, and a second pass encodes each slice and writes its codes
    into their places. The lists come out as ``add`` makes them: the same codes, each list
    in row order (a test compares the files).
    """
    faiss = faiss_module()
    lists = _assign(index, rows)
    sizes = np.bincount(lists, minlength=index.nlist)
    invlists = faiss.downcast_InvertedLists(index.invlists)
    for used in np.flatnonzero(sizes):
        invlists.resize(int(used), int(sizes[used]))
    for number, place, ids, codes in _encoded(index, rows, lists):
        invlists.update_entries(number, place, len(ids), faiss.swig_ptr(ids), faiss.swig_ptr(codes))
    index.ntotal = len(rows)


def _write_lists(handle: BinaryIO, index: Any, rows: npt.NDArray[np.float16]) -> None:
    """Write ``index`` (trained, lists empty) filled with ``rows``, as FAISS would write it
    filled, without ever holding the lists: each slice's codes go straight to their places
    in the file.

    FAISS writes an index's parts in order and its array lists last: the fourcc ``ilar``,
    the list count and code size, the sizes (``full``: every list's; ``sprs``: list and size
    of the non-empty ones, when at most half are), then each non-empty list's codes and ids.
    So FAISS writes everything before the lists (told the row count), and the lists are
    written here in that layout. Should a FAISS release write empty lists differently, the
    lists are filled in memory and FAISS writes them all, as before. A test compares the
    bytes with FAISS's own.
    """
    faiss = faiss_module()
    head = _head_before_lists(index, len(rows))
    if head is None:
        _fill(index, rows)
        faiss.write_index(index, faiss.PyCallbackIOWriter(handle.write))
        return
    nlist, code_size, word = int(index.nlist), int(index.code_size), "<u8"
    lists = _assign(index, rows)
    sizes = np.bincount(lists, minlength=nlist).astype(np.int64)
    used = np.flatnonzero(sizes)
    handle.write(head)
    handle.write(b"ilar" + np.array([nlist, code_size], dtype=word).tobytes())
    if len(used) > nlist // 2:
        handle.write(b"full" + np.array([nlist, *sizes], dtype=word).tobytes())
    else:
        pairs = np.column_stack([used, sizes[used]]).ravel()
        handle.write(b"sprs" + np.array([len(pairs), *pairs], dtype=word).tobytes())
    handle.flush()
    # Each list's codes then its ids (8 bytes a row), the lists one after another.
    starts = handle.tell() + np.r_[0, np.cumsum(sizes * (code_size + 8))[:-1]]
    end = handle.tell() + int(np.sum(sizes * (code_size + 8)))
    fd = handle.fileno()
    # The ids of each list are its rows in order: one stable sort of the assignments.
    ids = np.argsort(lists, kind="stable").astype("<i8")
    bounds = np.r_[0, np.cumsum(sizes)]
    for one in used:
        os.pwrite(
            fd,
            ids[bounds[one] : bounds[one + 1]].tobytes(),
            int(starts[one] + sizes[one] * code_size),
        )
    del ids
    for number, place, _, codes in _encoded(index, rows, lists):
        os.pwrite(fd, codes.tobytes(), int(starts[number] + place * code_size))
    handle.seek(end)


def _head_before_lists(index: Any, count: int) -> bytes | None:
    """What FAISS writes before the lists of ``index`` holding ``count`` rows, or None when
    its empty lists are not written in the layout :func:`_write_lists` knows."""
    faiss = faiss_module()
    index.ntotal = count
    try:
        blob = bytes(faiss.serialize_index(index))
    finally:
        index.ntotal = 0
    empty = b"ilar" + np.array([index.nlist, index.code_size], dtype="<u8").tobytes()
    empty += b"sprs" + bytes(8)
    return blob[: -len(empty)] if blob.endswith(empty) else None


def _slices(
    rows: npt.NDArray[np.float16], dtype: type = np.float32
) -> Iterator[tuple[int, npt.NDArray[Any]]]:
    """``rows`` a slice at a time as ``(first row, rows as dtype)``.

    Rows mapped from a file are read from it with plain reads: a mapped page that is read
    counts as the process's own memory for as long as the mapping lives, so going through a
    build's 300 MB of float16 rows twice (train, fill) would leave them all resident.
    """
    count = len(rows)
    for first in range(0, count, _ADD_SLICE):
        stop = min(first + _ADD_SLICE, count)
        if _whole_mapping(rows):
            yield first, _read_mapped(rows, first, stop).astype(dtype, copy=False)
        else:
            yield first, np.asarray(rows[first:stop], dtype=dtype)


def _whole_mapping(rows: npt.NDArray[Any]) -> TypeGuard[np.memmap[Any, Any]]:
    """Whether ``rows`` is a whole mapping of float16 rows in a file (its base the mmap
    itself): only such a one starts at its recorded offset; a slice of one keeps the parent's
    offset, so it is read through the mapping instead."""
    return isinstance(rows, np.memmap) and isinstance(rows.base, mmap.mmap) and len(rows) > 0


def _read_mapped(rows: np.memmap[Any, Any], start: int, stop: int) -> npt.NDArray[np.float16]:
    """Rows ``start`` to ``stop`` of a whole mapping, read from its file with a plain read."""
    dim = rows.shape[1]
    assert rows.filename is not None  # a mapping whose base is an mmap has its file
    with open(rows.filename, "rb") as source:
        source.seek(rows.offset + start * dim * rows.itemsize)
        part = np.fromfile(source, dtype=np.float16, count=(stop - start) * dim)
    return part.reshape(stop - start, dim)
