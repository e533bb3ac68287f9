"""Running the assistant over a question set and writing the evaluation report.

Each question is put to the whole pipeline (``assistant.ask``), to retrieval alone
(``assistant.search``, to find the rank of the gold passage) and to the reader alone on the gold
passage(s), so a miss can be pinned on retrieval or on reading. Questions are taken in file order
and nothing is sampled, so two runs give the same answers (only the timings differ).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa.evaluation.data import EvalQuestion, EvalSet, load_questions, write_squad_corpus
from qa.evaluation.metrics import exact_match, f1_score, normalize_answer
from qa.evaluation.report import QuestionRecord, summarize, write_outputs
from qa.pipeline import Assistant, clean_question
from qa.question.kinds import AnswerKind, answer_kind, fits
from qa.read.combiner import COMBINER_FILE
from qa.read.neural import NeuralReader
from qa.read.span.baseline import SpanBaselineReader, load_null_thresholds
from qa.settings import Settings
from qa.types import Answer, Hit, Passage

__all__ = [
    "answer_from_passages",
    "contains_answer",
    "context_passages",
    "run_evaluation",
]

# Ranks are looked for this deep (at least), so recall@5 is defined and MRR is MRR@10.
RETRIEVAL_DEPTH = 10
DEFAULT_JSONL_CORPUS = Path("seeds")


def _squash(text: str) -> str:
    return " ".join(text.split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``answers`` as whole words, after SQuAD normalisation.

    Example:
        >>> contains_answer("It expires this Saturday.", ["this saturday"])
        True
        >>> contains_answer("The bus left.", ["US"])
        False
    """
    haystack = f" {normalize_answer(text)} "
    for answer in answers:
        needle = normalize_answer(answer)
        if needle and f" {needle} " in haystack:
            return True
    return False


def context_passages(passages: Sequence[Passage], context: str) -> list[Passage]:
    """The passages that make up a gold paragraph: each lies inside it, or holds all of it.

    Whitespace is compared collapsed, since a corpus file may wrap lines differently from the
    question file.

    Example:
        >>> p = Passage(id="d#0", document_id="d", title="T", text="Two.", start=5, end=9,
        ...             ordinal=0)
        >>> [x.id for x in context_passages([p], "One. Two.")]
        ['d#0']
    """
    gold = _squash(context)
    found = []
    for passage in passages:
        text = _squash(passage.text)
        if text and (text in gold or gold in text):
            found.append(passage)
    return found


def answer_from_passages(
    assistant: Assistant,
    question: str,
    passages: Sequence[Passage],
    *,
    resolved: str | None = None,
) -> Answer:
    """The reader on its own: :meth:`Assistant.read_passages` on the gold passages.

    Example:
        >>> gold = [h.passage for h in assistant.search("GSOMIA expiry", top_k=1)]
        >>> answer_from_passages(assistant, "When does GSOMIA expire?", gold).text
        'this Saturday'
    """
    return assistant.read_passages(question, passages, resolved=resolved)


class _Conversations:
    """Answers to the earlier questions of conversations, asked once per distinct prefix."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant
        self._answers: dict[tuple[str, ...], Answer] = {}

    def history(self, questions: Sequence[str]) -> list[Answer]:
        answers: list[Answer] = []
        for end in range(1, len(questions) + 1):
            prefix = tuple(questions[:end])
            answer = self._answers.get(prefix)
            if answer is None:
                answer = self._assistant.ask(prefix[-1], history=answers)
                self._answers[prefix] = answer
            answers.append(answer)
        return answers


def _gold_rank(
    hits: Sequence[Hit], gold_ids: set[str] | None, answers: Sequence[str]
) -> int | None:
    for rank, hit in enumerate(hits, start=1):
        relevant = (
            hit.passage.id in gold_ids
            if gold_ids is not None
            else contains_answer(hit.passage.text, answers)
        )
        if relevant:
            return rank
    return None


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _baseline_answer(
    assistant: Assistant, baseline: SpanBaselineReader | None, question: str, hits: Sequence[Hit]
) -> tuple[str | None, float | None]:
    """The span model's best span in the passages the pipeline reads, and its margin over the
    no-answer logit; (None, None) without a baseline (it needs the neural reader's span
    model)."""
    if baseline is None:
        return None, None
    read = list(hits[: assistant.settings.read_k])
    found = baseline.best_spans(assistant.read_requests([question], [read]))[0]
    return (found[0].text, found[1]) if found is not None else (None, -1e9)


def _gold_kind(
    assistant: Assistant, item: EvalQuestion, gold: Sequence[Passage], expected: str | None
) -> tuple[str | None, bool | None]:
    """The kind of the gold answer where a gold passage holds it, and whether some gold answer
    passes the check for the kind the pipeline expected."""
    typed: Any = getattr(assistant.reader, "typed", assistant.reader)
    if expected is None or not item.answers or not hasattr(typed, "parsed"):
        return None, None
    for passage in gold:
        for answer in item.answers:
            at = passage.text.find(answer)
            if at < 0:
                continue
            doc = typed.parsed(assistant.analyses([passage])[0])
            span = doc.char_span(at, at + len(answer), alignment_mode="expand")
            if span is None:
                continue
            question = typed.nlp(item.question)
            kind = AnswerKind(expected)
            fitting = any(
                fits(kind, a, s, question)
                for a in item.answers
                if (i := passage.text.find(a)) >= 0
                and (s := doc.char_span(i, i + len(a), alignment_mode="expand")) is not None
            )
            return answer_kind(span).value, fitting
    return None, None


def _evaluate_one(
    assistant: Assistant,
    item: EvalQuestion,
    conversations: _Conversations,
    gold_by_context: dict[str, list[Passage]],
    all_passages: Sequence[Passage],
    depth: int,
    baseline: SpanBaselineReader | None = None,
) -> QuestionRecord:
    history = conversations.history(item.history)
    started = time.perf_counter()
    answer = assistant.ask(item.question, history=history)
    end_to_end_ms = _ms(started)
    resolved = answer.resolved_question or clean_question(
        item.question, assistant.settings.max_question_chars
    )

    started = time.perf_counter()
    hits = assistant.search(resolved, top_k=depth)
    retrieve_ms = _ms(started)

    gold: list[Passage]
    gold_ids: set[str] | None = None
    if item.context is not None:
        if item.context not in gold_by_context:
            gold_by_context[item.context] = context_passages(all_passages, item.context)
        gold = gold_by_context[item.context]
        gold_ids = {p.id for p in gold}
    else:
        first = next((h for h in hits if contains_answer(h.passage.text, item.answers)), None)
        gold = [first.passage] if first is not None else []
    rank = _gold_rank(hits, gold_ids, item.answers) if item.has_answer else None

    gold_answer: Answer | None = None
    read_ms: float | None = None
    if gold:
        started = time.perf_counter()
        gold_answer = answer_from_passages(
            assistant, item.question, gold, resolved=answer.resolved_question
        )
        read_ms = _ms(started)

    base_text, base_margin = _baseline_answer(assistant, baseline, resolved, hits)
    gold_kind, gold_fits = _gold_kind(assistant, item, gold, answer.kind)
    return QuestionRecord(
        id=item.id,
        question=item.question,
        resolved_question=resolved,
        prediction=answer.text,
        answers=item.answers,
        score=_confidence(answer),
        em=exact_match(answer.text, item.answers),
        f1=f1_score(answer.text, item.answers),
        abstained=answer.abstained,
        rank=rank,
        type=item.type,
        has_answer=item.has_answer,
        gold_available=gold_answer is not None,
        gold_prediction=gold_answer.text if gold_answer is not None else None,
        gold_score=_confidence(gold_answer) if gold_answer is not None else None,
        gold_em=exact_match(gold_answer.text, item.answers) if gold_answer is not None else None,
        gold_f1=f1_score(gold_answer.text, item.answers) if gold_answer is not None else None,
        gold_abstained=gold_answer.abstained if gold_answer is not None else None,
        end_to_end_ms=end_to_end_ms,
        retrieve_ms=retrieve_ms,
        read_ms=read_ms,
        baseline_prediction=base_text,
        baseline_margin=base_margin,
        expected_kind=answer.kind,
        gold_kind=gold_kind,
        gold_kind_fits=gold_fits,
    )


def _corpus_for(eval_set: EvalSet, corpus: str | Path | None) -> tuple[Path, str]:
    """The corpus folder to ask, and how the report names it.

    A corpus written from a SQuAD file lives in a cache folder of this machine, so the report
    names its source file instead.
    """
    if corpus is not None and Path(corpus).suffix.lower() == ".json":
        # Another question set's SQuAD file: its articles are the corpus (off-topic sets).
        return write_squad_corpus(load_questions(corpus)), f"articles of {Path(corpus).name}"
    if corpus is not None:
        return Path(corpus), Path(corpus).name  # reports are shared; the path is local
    if eval_set.kind == "squad":
        return write_squad_corpus(eval_set), f"articles of {eval_set.path.name}"
    return DEFAULT_JSONL_CORPUS, str(DEFAULT_JSONL_CORPUS)


def _warm_up(assistant: Assistant, item: EvalQuestion, depth: int) -> None:
    # Models and parsers load on first use; one untimed pass keeps that out of the latencies.
    answer = assistant.ask(item.question)
    hits = assistant.search(answer.resolved_question or item.question, top_k=depth)
    if hits:
        answer_from_passages(assistant, item.question, [hits[0].passage])


def fitted_on(assistant: Assistant) -> dict[str, str]:
    """What the reader's learned parts were fitted on, so a report says which data it may not
    be read as a test of (empty for readers without fitted parts).

    Example:
        >>> sorted(fitted_on(assistant))
        ['combiner_and_thresholds', 'span_model']
        >>> fitted_on(assistant)["combiner_and_thresholds"]
        'squad2-train-subset.json: the 33 articles the span model did not learn from, ...'
    """
    reader = assistant.reader
    if not isinstance(reader, NeuralReader):
        return {}
    out = {}
    record = reader.span_model.weights_dir / "training.json"
    if record.exists():
        data = json.loads(record.read_text(encoding="utf-8"))
        sources = "; ".join(
            f"{s.get('kind', '?')} questions ({s.get('questions', '?')}"
            + (f", articles {s['articles']}" if "articles" in s else "")
            + f", weight {s.get('weight', 1)})"
            for s in data.get("sources", [])
        )
        out["span_model"] = sources or "see qa/read/span/weights/README.md"
    if COMBINER_FILE.exists():
        data = json.loads(COMBINER_FILE.read_text(encoding="utf-8"))
        out["combiner_and_thresholds"] = str(data.get("fitted_on", "?"))
    return out


def run_evaluation(
    data: str | Path,
    *,
    corpus: str | Path | None = None,
    out: str | Path = Path("eval-out"),
    limit: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Evaluate the assistant on a question file, write the report to ``out`` and print it.

    Args:
        data: SQuAD v1.1/v2.0 JSON, or JSONL with ``question``, ``answers`` and optional
            ``history`` per line.
        corpus: Article folder to ask against, or a SQuAD JSON file whose articles are the
            corpus (to ask off-topic questions of it). Without it a SQuAD file's own
            paragraphs are written to a cache folder and used; a JSONL file is asked against
            ``seeds``.
        out: Folder for ``report.json``, ``report.md``, ``reliability.png``,
            ``risk_coverage.png`` and ``predictions.jsonl``.
        limit: Evaluate only the first ``limit`` questions.
        settings: Assistant settings (``show_progress`` also governs the progress bar).

    Returns:
        The report, as written to ``report.json``.

    Raises:
        UsageError: When the question file is missing or malformed.
        CorpusError: When the corpus cannot be indexed.

    Example:
        >>> report = run_evaluation("eval/seed_questions.jsonl", corpus="seeds", out=tmp_path,
        ...                         limit=3, settings=Settings(encoder="hashing"))
        # Evaluation: seed_questions.jsonl
        <BLANKLINE>
        3 questions (3 with an answer, 0 without) against seeds (1 article, 15 passages); ...
        >>> report["n_questions"], 0.0 <= report["has_ans_f1"] <= 1.0
        (3, True)
        >>> sorted(p.name for p in tmp_path.iterdir())
        ['predictions.jsonl', 'reliability.png', 'report.json', 'report.md', 'risk_coverage.png']
    """
    chosen = settings if settings is not None else Settings()
    eval_set = load_questions(data, limit=limit)
    corpus_path, corpus_label = _corpus_for(eval_set, corpus)
    assistant = Assistant.from_corpus(corpus_path, chosen)
    info = assistant.info()
    depth = max(RETRIEVAL_DEPTH, assistant.settings.top_k)

    _warm_up(assistant, eval_set.questions[0], depth)
    baseline = (
        SpanBaselineReader(assistant.reader.span_model)
        if isinstance(assistant.reader, NeuralReader)
        else None
    )
    conversations = _Conversations(assistant)
    gold_by_context: dict[str, list[Passage]] = {}
    records = [
        _evaluate_one(
            assistant, item, conversations, gold_by_context, assistant.passages, depth, baseline
        )
        for item in tqdm(
            eval_set.questions,
            desc=f"eval {eval_set.path.name}",
            unit="q",
            disable=not assistant.settings.show_progress,
        )
    ]

    meta: dict[str, Any] = {
        "data": eval_set.path.name,
        "data_kind": eval_set.kind,
        "squad_version": eval_set.version,
        "data_sha256": eval_set.digest,
        "corpus": corpus_label,
        "corpus_name": corpus_path.name,
        "corpus_documents": info.documents,
        "corpus_passages": info.passages,
        "encoder": info.encoder,
        "reader": info.reader,
        "limit": limit,
        "retrieval_depth": depth,
        "gold_passage": (
            "the passage(s) of the gold paragraph"
            if eval_set.kind == "squad"
            else "the first retrieved passage holding a gold answer"
        ),
        "settings": assistant.settings.model_dump(mode="json"),
        "fitted_on": fitted_on(assistant),
    }
    report = summarize(
        records,
        abstain_threshold=assistant.settings.abstain_threshold,
        meta=meta,
        null_thresholds=load_null_thresholds() if baseline is not None else None,
    )
    markdown = write_outputs(report, records, Path(out))
    print(markdown, end="")
    return report


def _confidence(answer: Answer) -> float:
    """The answer's confidence, or for a decline that of the candidate it turned down.

    The report's risk-coverage table and threshold sweep rank declines by this too, as they
    did when a decline's ``score`` carried it.
    """
    if answer.score is not None:
        return answer.score
    return answer.best_candidate_score or 0.0
