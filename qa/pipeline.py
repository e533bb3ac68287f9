"""The assistant: index a corpus, then search it and answer questions with cited passages."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.base import Encoder, Vectors
from qa.answer.decision import Evidence, decide
from qa.answer.stories import joins_story
from qa.components import make_encoder, make_reader, make_store
from qa.errors import CorpusError, IndexError_, QAError, UsageError
from qa.index.generation import LoadedIndex
from qa.index.store import BuildStats, IndexStore
from qa.ingest.uploads import UPLOAD_PREFIX, UploadFolder
from qa.question.analysis import QuestionAnalysis, QuestionAnalyzer
from qa.read.base import AnswerGroup, Reader, ReadRequest
from qa.retrieve.hybrid import HybridRetriever
from qa.settings import Settings
from qa.text.words import mentions
from qa.threads import use_threads
from qa.types import Answer, Document, Hit, Passage
from qa.workers import WorkerPool

log = logging.getLogger(__name__)

# How many skipped files a build names one by one before it sums up the rest.
SKIPPED_SHOWN = 20


@dataclass(frozen=True)
class IndexInfo:
    """What an assistant has indexed, for status lines and the chat's corpus panel."""

    corpus: str
    documents: int
    passages: int
    encoder: str
    reader: str
    built_at: str
    # Passages whose text an earlier passage already has (a story in two files); each such
    # group is retrieved and read as one.
    copies: int = 0
    # Articles added by upload, kept beside the index rather than in the corpus folder.
    uploads: tuple[str, ...] = ()


# How deep a search looks for other dated reports of the story its best passage tells, and
# how many more articles' passages may be read for them.
STORY_DEPTH = 12
STORY_EXTRA = 3
# How many reports of the story may have a second passage read, for a figure their first
# does not give.
STORY_SECOND = 3


def _with_reports(
    hits: Sequence[Hit], read_k: int, analysis: QuestionAnalysis, index: LoadedIndex
) -> list[Hit]:
    """The passages to read: the best ``read_k``, and, when the best is a dated report, the
    best passage of up to :data:`STORY_EXTRA` other dated reports of the same story found
    deeper in the ranking.

    A story reported four times is often ranked by its oldest report's wording; reading only
    the best passages then gives a stale figure as the answer, with no timeline to show it.
    A deeper report must join the story (:func:`qa.answer.stories.joins_story`) and its
    article must mention every word of every name and number the question gives: two fires
    reported on the same days share headline words ("fire", "grows"), not the fire's name.
    Each report of the story other than the best's also has its next passage in the ranking
    read (up to :data:`STORY_SECOND` reports).
    """
    read = list(hits[:read_k])
    if not read or read[0].passage.date is None:
        return read
    seen = {h.passage.document_id for h in read}
    # The story's reports read so far; a deeper one joins through any of them: a trial's
    # opening day shares its headline with the day the prosecution rested, not the best.
    members = [read[0].passage]
    for hit in read[1:]:
        if joins_story(members, hit.passage):
            members.append(hit.passage)
    for hit in hits[read_k:]:
        if len(read) >= read_k + STORY_EXTRA:
            break
        passage = hit.passage
        if passage.document_id in seen or passage.date is None:
            continue
        if not joins_story(members, passage):
            continue
        known = index.document_words(passage.document_id)
        # Every word of every name: "Millbrook Fire" is not told by a report that says "fire".
        if not all(mentions(known, word) for group in analysis.frame.keys for word in group):
            continue
        read.append(hit)
        seen.add(passage.document_id)
        members.append(passage)
    # A report is read at its best-ranked passage, which is often its lead or a quote
    # ("Whitcombe said she did not expect..."), while its figure sits in the next one
    # ("Containment rose to 10 percent"): each other report of the story gets its next
    # passage read too, so its value can join the timeline.
    ids = {h.passage.id for h in read}
    story = {m.document_id for m in members[1:]} - {read[0].passage.document_id}
    twice: set[str] = set()
    for hit in hits[read_k:]:
        if len(twice) >= STORY_SECOND:
            break
        document = hit.passage.document_id
        if hit.passage.id not in ids and document in story - twice:
            read.append(hit)
            twice.add(document)
    return read


def clean_question(question: str, max_chars: int) -> str:
    """Validate a question and drop control characters and unpaired surrogates.

    Raises:
        UsageError: When the question is blank or longer than ``max_chars``.

    Example:
        >>> clean_question("  When\\x00 does it end? ", 100)
        'When does it end?'
    """
    if not isinstance(question, str):
        raise UsageError(
            f"the question must be text, not {type(question).__name__}", field="question"
        )
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in question
    )
    text = " ".join(text.split())
    if not text:
        raise UsageError(
            # No sample question: one about another corpus would only mislead.
            "the question is empty; type a whole question about the articles, starting with "
            "who, what, when, where, which, why or how",
            field="question",
        )
    if len(text) > max_chars:
        raise UsageError(
            f"the question is {len(text)} characters long; the limit is {max_chars} "
            "(ask one short question at a time)",
            field="question",
        )
    return text


class Assistant:
    """Question answering over one folder of news articles.

    Build it with :meth:`from_corpus`; the constructor only records its parts.

    Example:
        >>> assistant = Assistant.from_corpus("seeds", settings)  # settings: the hashing encoder
        >>> assistant.ask("When does GSOMIA expire?").text
        'this Saturday'
    """

    def __init__(
        self,
        corpus: Path,
        settings: Settings,
        encoder: Encoder,
        reader: Reader,
        store: IndexStore,
        questions: QuestionAnalyzer | None = None,
    ) -> None:
        self.corpus = corpus
        # The question stage: follow-ups, parse, frame and answer kind, once per question.
        self.questions = questions if questions is not None else QuestionAnalyzer()
        # Uploads live beside the index (see qa.ingest.uploads); a store without one gets one.
        if store.uploads is None:
            store.uploads = UploadFolder(
                store.folder / "uploads", max_file_bytes=settings.max_file_bytes
            )
        self._uploads = store.uploads
        self.settings = settings
        self.encoder = encoder
        self.reader = reader
        self._store = store
        self._index: LoadedIndex | None = None
        self._retriever: HybridRetriever | None = None
        self._state_lock = threading.Lock()
        # Torch and spaCy calls are CPU-bound under the GIL anyway; one at a time keeps their
        # shared state safe when a server calls from several threads.
        self._compute_lock = threading.RLock()
        self.last_build: BuildStats | None = None
        # Set by start_workers: questions are then answered in worker processes.
        self._workers: WorkerPool | None = None
        # Made by from_corpus from settings alone, so a worker process can make its twin;
        # parts handed in (a test's fake encoder) cannot cross to another process.
        self._replicable = False

    @classmethod
    def from_corpus(
        cls,
        corpus: str | Path = "seeds",
        settings: Settings | None = None,
        *,
        stale_ok: bool = True,
        **overrides: Any,
    ) -> Assistant:
        """Open (building or updating when needed) the index of ``corpus`` and return an assistant.

        Args:
            corpus: Folder of ``.txt``, ``.md`` and ``.jsonl`` articles.
            settings: Full settings; ``overrides`` are applied on top.
            stale_ok: When the index folder cannot be written and is out of date, answer
                from it as it is (with a warning); False raises instead (``qa index``).
            **overrides: Individual settings, e.g. ``top_k=3``.

        Raises:
            CorpusError: When the folder is missing or holds no readable article.
            UsageError: When a setting is invalid.

        Example:
            >>> Assistant.from_corpus("seeds", settings, top_k=3).info().documents
            1
        """
        base = settings if settings is not None else Settings()
        merged = Settings.make(**{**base.model_dump(exclude_unset=True), **overrides})
        path = Path(corpus)
        encoder = make_encoder(merged)
        reader = make_reader(merged, encoder)
        store = make_store(merged, path, encoder, reader)
        assistant = cls(path, merged, encoder, reader, store)
        assistant._replicable = True
        assistant.refresh(stale_ok=stale_ok)
        return assistant

    # -- index --------------------------------------------------------------------------------

    def refresh(self, *, stale_ok: bool = True) -> BuildStats:
        """Bring the index up to date with the corpus folder (only changed files are redone).

        Args:
            stale_ok: When the index folder cannot be written, answer from the index as it
                is (with a warning) instead of raising :class:`~qa.errors.IndexError_`.

        Example:
            >>> assistant.refresh().action
            'reused'
        """
        with self._computing(self.settings.index_threads):
            index, stats = self._store.open(self.corpus, stale_ok=stale_ok)
            self._install(index)
            if self._workers is not None:
                self._workers.reload()
            self.last_build = stats
            # One line per skipped file, up to a bound: a folder of 500 images is one
            # summary line more, not 500.
            for name, why in stats.skipped[:SKIPPED_SHOWN]:
                log.warning("skipped %s: %s", name, why)
            if len(stats.skipped) > SKIPPED_SHOWN:
                log.warning("and %d more skipped files", len(stats.skipped) - SKIPPED_SHOWN)
            if stats.note is not None:
                log.warning("%s", stats.note)
            return stats

    def reopen(self) -> None:
        """Open the live index as it is, without building or updating anything.

        A worker process answers from the index its parent built (:meth:`start_workers`);
        it must never start a build of its own beside the parent's.

        Raises:
            IndexError_: When the index folder holds no usable index.

        Example:
            >>> assistant.reopen()
        """
        index = self._store.current(wait=False)
        if index is None:
            raise IndexError_(f"no usable index in {self._store.folder}; run `qa index` first")
        self._install(index)

    def _install(self, index: LoadedIndex) -> None:
        with self._compute_lock:
            retriever = HybridRetriever(
                index.passages,
                index.vectors,
                # Read from the generation: re-tokenising every passage took 5.8 s of opening
                # an index of 100,000 passages.
                index.lexical(),
                self.encoder,
                fusion=self.settings.fusion,
                dense_weight=self.settings.dense_weight,
                rrf_k=self.settings.rrf_k,
                candidates_k=self.settings.candidates_k,
                unit_passage=index.unit_passage,
                copies=index.copies,
            )
            with self._state_lock:
                self._index, self._retriever = index, retriever
            # The previous generation is not closed here: a question on another thread may
            # still be reading it. Its database handle closes when the last reference goes.

    def close(self) -> None:
        """Release the open index (its database handle); the assistant cannot answer after.

        Example:
            >>> own = Assistant.from_corpus("seeds", settings)  # not the shared `assistant`
            >>> own.close()
            >>> own.ask("When does GSOMIA expire?")
            Traceback (most recent call last):
            qa.errors.CorpusError: the corpus has not been indexed yet; call refresh()
        """
        self.stop_workers()
        with self._compute_lock, self._state_lock:
            index, self._index, self._retriever = self._index, None, None
        if index is not None:
            index.close()

    def add_files(self, paths: Sequence[str | Path]) -> tuple[list[str], list[tuple[str, str]]]:
        """Keep article files as uploads of this corpus and index them incrementally.

        Uploads are stored in the assistant's data folder beside the index, never in the
        corpus folder (which may be a checkout or a read-only share). They stay indexed across
        restarts until removed with :meth:`remove_upload`.

        Returns:
            The stored names added, and ``(name, reason)`` for each file refused (wrong type,
            too large, not text, an unsafe or taken name, or no article in it). A refused file
            changes nothing.

        Example:
            >>> own = Assistant.from_corpus("seeds", settings, index_dir=tmp_path / "index")
            >>> article = tmp_path / "new-article.txt"
            >>> _ = article.write_text(
            ...     "Seoul opens a subway line\\nUpdated 2025-08-05\\n"
            ...     "Seoul opened its tenth subway line on Monday.\\n",
            ...     encoding="utf-8",
            ... )
            >>> added, refused = own.add_files([article])
            >>> added, refused
            (['new-article.txt'], [])
        """
        with self._compute_lock:
            problem = self._store.cannot_write()
            if problem is not None:
                raise IndexError_(problem)
            result = self._uploads.add(paths)
            added, refused = list(result.added), list(result.refused)
            if not added:
                return added, refused
            try:
                stats = self.refresh()
            except QAError as exc:
                # The new files broke the build (an id another article has, say): take them
                # out again so the index stays as it was.
                for name in added:
                    self._uploads.folder.joinpath(name).unlink(missing_ok=True)
                self.refresh()
                return [], refused + [(name, str(exc)) for name in added]
            skipped = {name: why for name, why in stats.skipped}
            for name in list(added):
                why = skipped.get(UPLOAD_PREFIX + name)
                if why is not None:
                    added.remove(name)
                    refused.append((name, why))
                    self._uploads.folder.joinpath(name).unlink(missing_ok=True)
        return added, refused

    def uploads(self) -> list[str]:
        """Names of the articles uploaded to this corpus, sorted.

        Example:
            >>> own = Assistant.from_corpus("seeds", settings, index_dir=tmp_path / "index")
            >>> article = tmp_path / "new-article.txt"
            >>> _ = article.write_text(
            ...     "Seoul opens a subway line\\nUpdated 2025-08-05\\n"
            ...     "Seoul opened its tenth subway line on Monday.\\n",
            ...     encoding="utf-8",
            ... )
            >>> own.uploads()
            []
            >>> added, refused = own.add_files([article])
            >>> own.uploads()
            ['new-article.txt']
        """
        return self._uploads.names()

    def remove_upload(self, name: str) -> BuildStats:
        """Remove an uploaded article and take it out of the index.

        Raises:
            UsageError: When no upload has that name (the message lists those there are).

        Example:
            >>> own = Assistant.from_corpus("seeds", settings, index_dir=tmp_path / "index")
            >>> article = tmp_path / "new-article.txt"
            >>> _ = article.write_text(
            ...     "Seoul opens a subway line\\nUpdated 2025-08-05\\n"
            ...     "Seoul opened its tenth subway line on Monday.\\n",
            ...     encoding="utf-8",
            ... )
            >>> added, refused = own.add_files([article])
            >>> own.remove_upload("new-article.txt").action
            'updated'
            >>> own.uploads()
            []
        """
        with self._computing(self.settings.answer_threads):
            problem = self._store.cannot_write()
            if problem is not None:
                raise IndexError_(problem)
            self._uploads.remove(name)
            return self.refresh()

    def info(self) -> IndexInfo:
        """What is indexed."""
        index, retriever = self._loaded()
        manifest = index.manifest
        return IndexInfo(
            corpus=str(self.corpus),
            documents=manifest.documents,
            passages=manifest.passages,
            encoder=manifest.encoder,
            reader=manifest.reader,
            built_at=manifest.built_at,
            copies=retriever.copies,
            uploads=tuple(self._uploads.names()),
        )

    def _loaded(self) -> tuple[LoadedIndex, HybridRetriever]:
        with self._state_lock:
            if self._index is None or self._retriever is None:
                raise CorpusError("the corpus has not been indexed yet; call refresh()")
            return self._index, self._retriever

    # -- search -------------------------------------------------------------------------------

    def search(self, query: str, top_k: int | None = None) -> list[Hit]:
        """Passages ranked by relevance to ``query``.

        Example:
            >>> [h.title for h in assistant.search("GSOMIA expiry", top_k=1)]
            ['New optimistic signal for US-North Korea dialogue']
        """
        return self.search_batch([query], top_k=top_k)[0]

    def search_batch(self, queries: Sequence[str], top_k: int | None = None) -> list[list[Hit]]:
        """Ranked passages for each query."""
        k = self._top_k(top_k)
        cleaned = [clean_question(q, self.settings.max_question_chars) for q in queries]
        _, retriever = self._loaded()
        with self._computing(self.settings.answer_threads):
            return retriever.search_batch(cleaned, top_k=k)

    # -- answer -------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Answer] | None = None,
        top_k: int | None = None,
    ) -> Answer:
        """Answer one question from the corpus, or abstain.

        Args:
            question: A question in plain English.
            history: Earlier answers of this conversation, oldest first, for follow-ups.
            top_k: Passages to return with the answer (default from settings).

        Raises:
            UsageError: When the question is blank or too long.

        Example:
            >>> answer = assistant.ask("When does GSOMIA expire?")
            >>> answer.citations[0].passage[answer.citations[0].start:answer.citations[0].end]
            'this Saturday'
        """
        return self.ask_batch([question], [history or []], top_k=top_k)[0]

    def ask_batch(
        self,
        questions: Sequence[str],
        histories: Sequence[Sequence[Answer]] | None = None,
        top_k: int | None = None,
    ) -> list[Answer]:
        """Answer several questions; ``histories[i]`` is the conversation before question i."""
        k = self._top_k(top_k)
        if histories is not None and len(histories) != len(questions):
            raise UsageError(
                f"got {len(histories)} histories for {len(questions)} questions; give one each",
                field="history",
            )
        cleaned = [clean_question(q, self.settings.max_question_chars) for q in questions]
        index, retriever = self._loaded()
        workers = self._workers
        if workers is not None:
            answers: list[Answer] = workers.call(
                _answer_in_worker, list(questions), [list(h) for h in histories or []] or None, k
            )
            return answers
        with self._computing(self.settings.answer_threads):
            analyses = self.questions.analyse_batch(cleaned, histories)
            resolved = [a.text for a in analyses]
            vectors = self.encoder.encode(resolved)
            depth = max(k, self.settings.read_k, STORY_DEPTH)
            all_hits = retriever.search_batch(resolved, top_k=depth, query_vectors=vectors)
            reads = [
                _with_reports(hits, self.settings.read_k, analysis, index)
                for hits, analysis in zip(all_hits, analyses, strict=True)
            ]
            spans = self._read(index, analyses, reads, vectors)
            kinds = [a.kind.value for a in analyses]
            # Said only when nothing could be read: why, in the question's own words.
            unmentioned = [
                self._unmentioned(index, analyses[i], reads[i]) if not spans[i] else []
                for i in range(len(questions))
            ]
            found = [
                self._nearest_of_other_kind(index, analyses[i], reads[i], vectors[i])
                if not spans[i] and not unmentioned[i] and kinds[i] != "other"
                else None
                for i in range(len(questions))
            ]
        return [
            self._decide(
                questions[i],
                resolved[i],
                all_hits[i],
                spans[i],
                k,
                index,
                unmentioned[i],
                kinds[i],
                found[i],
            )
            for i in range(len(questions))
        ]

    def _nearest_of_other_kind(
        self, index: LoadedIndex, analysis: QuestionAnalysis, hits: Sequence[Hit], vector: Any
    ) -> tuple[str, str] | None:
        """For a decline for want of the asked kind: what was found instead (read again with
        the kind set aside; only on such declines, so it costs nothing on answers)."""
        nearest = getattr(self.reader, "nearest_of_other_kind", None)
        if nearest is None or not hits:
            return None
        request = self._requests(index, [analysis], [hits], None)[0]
        request = dataclasses.replace(request, question_vector=vector)
        found: tuple[str, str] | None = nearest(request)
        return found

    def _unmentioned(
        self, index: LoadedIndex, analysis: QuestionAnalysis, hits: Sequence[Hit]
    ) -> list[str]:
        """The question's names, numbers and ordinals that none of the read articles
        mentions."""
        if not hits:
            return []
        return analysis.unmentioned([index.document_words(h.passage.document_id) for h in hits])

    def read_passages(
        self,
        question: str,
        passages: Sequence[Passage],
        *,
        resolved: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the given passages only, as if they had been retrieved.

        The same reader and the same merge-and-abstain decision as :meth:`ask` are used, so a
        difference between the two is down to which passages were read (this is how evaluation
        separates retrieval losses from reading losses).

        Args:
            question: The question as asked.
            passages: Passages of this assistant's index, most relevant first.
            resolved: The standalone form of a follow-up question, when it has one.

        Example:
            >>> gold = [h.passage for h in assistant.search("GSOMIA expiry")]
            >>> assistant.read_passages("When does GSOMIA expire?", gold).text
            'this Saturday'
        """
        cleaned = clean_question(question, self.settings.max_question_chars)
        standalone = cleaned if resolved is None else resolved
        index, retriever = self._loaded()
        with self._compute_lock:
            vectors = self.encoder.encode([standalone])
            rows = [index.row_of[p.id] for p in passages]
            similarity = retriever.similarities(vectors[0], rows)
            hits = [
                Hit(passage=p, score=1.0, similarity=s)
                for p, s in zip(passages, similarity, strict=True)
            ]
            analysis = dataclasses.replace(self.questions.analyse(standalone), asked=cleaned)
            spans = self._read(index, [analysis], [hits], vectors)[0]
            unmentioned = self._unmentioned(index, analysis, hits) if not spans else []
            kind = analysis.kind.value
        return self._decide(
            cleaned, standalone, hits, spans, self.settings.top_k, index, unmentioned, kind
        )

    def start_workers(self, count: int | None = None) -> float:
        """Answer questions in ``count`` worker processes from now on, side by side.

        One process answers one question at a time (the models are CPU-bound Python, under
        one lock); a server answering many clients starts one worker per core instead, each
        with the models loaded and the index opened read-only, on ``answer_threads`` threads.
        Uploads and refreshes still build here, in this process, and the workers reopen the
        new index before their next question. :meth:`close` stops them.

        Args:
            count: Worker processes; None starts one per core.

        Returns:
            Seconds taken to start them (they load the models before this returns).

        Raises:
            QAError: When a worker fails to start.

        Example:
            >>> own = Assistant.from_corpus("seeds", settings)
            >>> own.start_workers(2) < 60
            True
            >>> own.ask("When does GSOMIA expire?").text
            'this Saturday'
            >>> own.close()
        """
        from qa.threads import cores

        if not self._replicable:
            raise UsageError(
                "worker processes make their assistant from the corpus and settings alone; "
                "this one was assembled from parts, so open it with Assistant.from_corpus"
            )
        started = time.perf_counter()
        self._loaded()  # the index must exist before a worker opens it
        pool = WorkerPool(
            count if count is not None else cores(),
            _open_in_worker,
            (self.corpus, self.settings, self._store.folder),
            threads=self.settings.answer_threads,
        )
        pool.start()
        previous, self._workers = self._workers, pool
        if previous is not None:
            previous.close()
        return time.perf_counter() - started

    def stop_workers(self) -> None:
        """Answer questions in this process again, stopping the worker processes.

        Example:
            >>> assistant.stop_workers()
        """
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()

    @property
    def replicable(self) -> bool:
        """Whether worker processes can make this assistant's twin (it came from
        :meth:`from_corpus`, not from parts handed in).

        Example:
            >>> Assistant.from_corpus("seeds", settings).replicable
            True
        """
        return self._replicable

    @property
    def workers(self) -> int:
        """Worker processes answering questions (0: this process answers them).

        Example:
            >>> assistant.workers
            0
        """
        workers = self._workers
        return workers.count if workers is not None else 0

    def warm_up(self) -> float:
        """Load every model a question needs (encoder, parser, reader) by answering one.

        Models load lazily so that indexing and one-off commands stay quick; a server calls
        this before it announces its address, so its first user does not wait for them.

        Returns:
            Seconds taken.

        Example:
            >>> assistant.warm_up() < 30
            True
        """
        started = time.perf_counter()
        passages = self.passages[:1]
        if passages:
            # Read from a given passage rather than ask: a question declined before reading
            # would leave the reader's model unloaded.
            self.read_passages(f"What happened in {passages[0].title}?", passages)
        return time.perf_counter() - started

    def analyses(self, passages: Sequence[Passage]) -> list[bytes]:
        """The reader's index-time analyses of the given passages (for training and tools)."""
        index, _ = self._loaded()
        return index.analyses([index.row_of[p.id] for p in passages])

    @property
    def passages(self) -> Sequence[Passage]:
        """Every indexed passage, in index order."""
        return self._loaded()[0].passages

    def newest_documents(self, limit: int) -> list[Document]:
        """The ``limit`` most recent indexed articles (dated first, newest first).

        Example:
            >>> assistant.newest_documents(1)[0].title
            'New optimistic signal for US-North Korea dialogue'
        """
        return self._loaded()[0].documents.newest(limit)

    def parse(self, text: str) -> Any:
        """The spaCy parse of ``text`` (for tools that generate or check questions).

        Example:
            >>> [t.text for t in assistant.parse("Kim met Biegun.")]
            ['Kim', 'met', 'Biegun', '.']
        """
        return self._parse(text)

    def read_requests(
        self,
        questions: Sequence[str],
        hit_lists: Sequence[Sequence[Hit]],
        vectors: Vectors | None = None,
    ) -> list[ReadRequest]:
        """What the reader is given for each question: its hits with their index-time
        analyses and the words of each hit's whole article.

        ``ask`` reads exactly these; scripts that fit a reader's weights build their
        examples with it too, so a feature means the same thing when fitted as when used.

        Args:
            questions: Standalone questions.
            hit_lists: The passages to read for each, best first.
            vectors: The encoded questions, when already at hand.

        Example:
            >>> hits = assistant.search("When does GSOMIA expire?")
            >>> requests = assistant.read_requests(["When does GSOMIA expire?"], [hits])
            >>> len(requests[0].analyses) == len(hits), requests[0].analysis.kind
            (True, <AnswerKind.DATE: 'date'>)
        """
        index, _ = self._loaded()
        return self._requests(index, self.questions.analyse_batch(questions), hit_lists, vectors)

    def _requests(
        self,
        index: LoadedIndex,
        analyses: Sequence[QuestionAnalysis],
        hit_lists: Sequence[Sequence[Hit]],
        vectors: Vectors | None,
    ) -> list[ReadRequest]:
        return [
            ReadRequest(
                analysis.text,
                hits,
                index.analyses([index.row_of[h.passage.id] for h in hits]),
                vectors[i] if vectors is not None else None,
                [index.document_words(h.passage.document_id) for h in hits],
                analysis,
            )
            for i, (analysis, hits) in enumerate(zip(analyses, hit_lists, strict=True))
        ]

    def _read(
        self,
        index: LoadedIndex,
        analyses: Sequence[QuestionAnalysis],
        hit_lists: Sequence[Sequence[Hit]],
        vectors: Vectors,
    ) -> list[list[AnswerGroup]]:
        return self.reader.read(self._requests(index, analyses, hit_lists, vectors))

    def _decide(
        self,
        question: str,
        resolved: str,
        hits: list[Hit],
        merged: list[AnswerGroup],
        top_k: int,
        index: LoadedIndex,
        unmentioned: Sequence[str] = (),
        kind: str | None = None,
        found: tuple[str, str] | None = None,
    ) -> Answer:
        return decide(
            Evidence(question, resolved, hits, merged, unmentioned, kind, found),
            index,
            self.settings,
            top_k=top_k,
            parse=self._parse,
        )

    def _parse(self, text: str) -> Any:
        """The question stage's spaCy parse of ``text``, for reading the tense around a date
        answer.

        Called only for answers whose date depends on the tense ("on Tuesday"); the lock
        because the pipeline is shared with question parsing, which runs under it.
        """
        with self._compute_lock:
            return self.questions.parser.nlp(text)

    @contextlib.contextmanager
    def _computing(self, threads: int) -> Iterator[None]:
        """Hold the compute lock with torch and FAISS on ``threads`` threads (see qa.threads);
        questions are back on their own count afterwards."""
        with self._compute_lock:
            use_threads(threads)
            try:
                yield
            finally:
                use_threads(self.settings.answer_threads)

    def _top_k(self, top_k: int | None) -> int:
        k = top_k if top_k is not None else self.settings.top_k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 100:
            raise UsageError(
                f"top_k={k!r} is out of range; use a whole number from 1 to 100", field="top_k"
            )
        return k


def _open_in_worker(corpus: Path, settings: Settings, index_dir: Path) -> Assistant:
    """A worker process's assistant: the same corpus and settings, the index as built."""
    # The parent's index folder, whatever default it was derived from.
    settings = Settings.make(**{**settings.model_dump(exclude_unset=True), "index_dir": index_dir})
    encoder = make_encoder(settings)
    reader = make_reader(settings, encoder)
    store = make_store(settings, corpus, encoder, reader)
    assistant = Assistant(corpus, settings, encoder, reader, store)
    assistant.reopen()
    assistant.warm_up()
    return assistant


def _answer_in_worker(
    assistant: Assistant,
    questions: list[str],
    histories: list[list[Answer]] | None,
    top_k: int,
) -> list[Answer]:
    return assistant.ask_batch(questions, histories, top_k=top_k)
