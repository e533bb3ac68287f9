"""Index build throughput against sentence-transformers alone, with where the time goes.

Baseline: sentence-transformers' own ``encode`` (float32, every core, batch 32) on the same
passages, each with its title as the index embeds it. Then a cold build of the same corpus
with the models already loaded, with the time spent encoding (every vector the build asks for,
retrieval units and the reader's sentence vectors) and in the reader's parse. The parse of one
batch runs on its own thread while the next is encoded, so the two overlap: the third row is how
much (negative: how much else the build did, reading, splitting and writing). Both run in this
process, one after the other, so they see the same machine. A folder of CSV files is read as
the HHS press releases (one article per release).

Usage:
    python benchmarks/bench_build.py [--corpus FOLDER] [--limit 400]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa import Settings
from qa.components import make_encoder, make_reader
from qa.index import IndexStore
from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.loader import load_corpus, read_document_file
from qa.ingest.passages import Chunker
from qa.threads import cores, use_threads

ROOT = Path(__file__).resolve().parent.parent


class _Clock:
    """Seconds spent inside wrapped calls (the benchmark's own instrumentation).

    Encoding that happens inside the reader's analysis is counted as encoding, so "the
    reader's parse" is the analysis time without it.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        # Per thread: the parse runs on a thread of its own beside the encoding.
        self._local = threading.local()
        self._lock = threading.Lock()

    def wrap(self, label: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            outer: list[str] = self._local.__dict__.setdefault("outer", [])
            started = time.perf_counter()
            outer.append(label)
            try:
                return call(*args, **kwargs)
            finally:
                outer.pop()
                spent = time.perf_counter() - started
                with self._lock:
                    self.seconds[label] = self.seconds.get(label, 0.0) + spent
                    for name in set(outer):
                        self.seconds[name] = self.seconds.get(name, 0.0) - spent

        return timed


@contextmanager
def _patched(target: Any, name: str, replacement: Callable[..., Any]) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, replacement)
    try:
        yield
    finally:
        setattr(target, name, original)


def _subset(corpus: Path, limit: int, folder: Path) -> Path:
    """The first articles of ``corpus`` up to about ``limit`` passages, as .txt files.

    A folder of the HHS press releases' CSV files is read as its releases (one article each,
    dated from its URL), as :mod:`bench_scale` reads them.
    """
    settings = Settings()
    encoder = make_encoder(settings)
    chunker = Chunker(encoder.token_offsets, 254, 64)
    folder.mkdir()
    count = 0
    if any(corpus.glob("*.csv")):
        from bench_scale import hhs_articles

        for n, (title, date, paragraphs) in enumerate(hhs_articles(corpus)):
            if count >= limit:
                break
            text = f"{title}\n{date or ''}\n" + "\n\n".join(paragraphs)
            path = folder / f"{n:05d}.txt"
            path.write_text(text, encoding="utf-8")
            file = CorpusFile(path, path.name, "0" * 64, path.stat().st_size)
            count += sum(len(chunker.passages(d)) for d in read_document_file(file, LoadReport()))
        return folder
    for n, doc in enumerate(load_corpus(corpus).documents):
        if count >= limit:
            break
        count += len(chunker.passages(doc))
        when = f"\n{doc.date:%A, %B %d, %Y}" if doc.date else ""
        body = doc.text.split("\n", 1)[1] if doc.text.startswith(doc.title) else doc.text
        (folder / f"{n:05d}.txt").write_text(f"{doc.title}{when}\n{body}", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--limit", type=int, default=400, help="about this many passages")
    parser.add_argument("--threads", type=int, default=cores(), help="torch threads")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    use_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        corpus = _subset(args.corpus, args.limit, Path(tmp) / "corpus")
        settings = Settings(index_dir=Path(tmp) / "ix", show_progress=False)
        encoder = make_encoder(settings)
        reader = make_reader(settings, encoder)
        chunker = Chunker(encoder.token_offsets, settings.window_tokens, settings.window_overlap)
        passages = [p for d in load_corpus(corpus).documents for p in chunker.passages(d)]
        texts = [f"{p.title}. {p.text}" for p in passages]

        # Baseline: sentence-transformers alone, as its users call it.
        from sentence_transformers import SentenceTransformer

        from embeddings.minilm import packaged_model_path

        alone = SentenceTransformer(str(packaged_model_path()), device="cpu")
        alone.encode(texts[:8])
        started = time.perf_counter()
        alone.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        baseline = time.perf_counter() - started

        # Warm the build's own models on other text, then build cold with a clock on them.
        reader.analyze(["Warm-up sentence. Another one."])
        encoder.encode(["warm-up"])
        clock = _Clock()
        inner = getattr(encoder, "inner", encoder)
        store = IndexStore(Path(tmp) / "ix", encoder, reader, show_progress=False)
        with (
            _patched(inner, "encode", clock.wrap("encode", inner.encode)),
            _patched(reader, "analyze", clock.wrap("analyze", reader.analyze)),
        ):
            started = time.perf_counter()
            index, stats = store.open(corpus)
            build = time.perf_counter() - started
        index.close()

    encode = clock.seconds.get("encode", 0.0)
    analyze = clock.seconds.get("analyze", 0.0)
    hits, misses = getattr(encoder, "hits", 0), getattr(encoder, "misses", 0)
    memo = f"{hits} of {hits + misses}"
    n = stats.new_passages
    print(f"{n} passages from {args.corpus.name}/, {args.threads} torch threads, {cores()} cores\n")
    print("| | seconds | passages/s | × baseline |")
    print("|---|---:|---:|---:|")
    print(
        f"| sentence-transformers alone (baseline) | {baseline:.2f} | {n / baseline:.1f} | 1.00 |"
    )
    print(f"| index build | {build:.2f} | {n / build:.1f} | {build / baseline:.2f} |")
    print(f"| encoding, on every thread | {encode:.2f} | | {encode / baseline:.2f} |")
    print(f"| the reader's parse, on its own thread | {analyze:.2f} | | |")
    print(f"| overlap of the two, or other work if negative | {encode + analyze - build:.2f} | | |")
    print(f"\nrepeated encodings served by the memo: {memo}")


if __name__ == "__main__":
    main()
