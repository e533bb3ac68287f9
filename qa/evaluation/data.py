"""Loading question sets for evaluation: SQuAD v1.1 / v2.0 JSON files and JSONL question lists.

A SQuAD file brings its own articles: :func:`write_squad_corpus` turns its contexts into a corpus
folder of plain-text articles, one paragraph per line, so that the assistant indexes exactly the
paragraphs the questions were written against. A JSONL file only holds questions; it is asked
against an existing corpus folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qa.errors import UsageError
from qa.settings import default_cache_dir
from qa.text.vocab import WH_WORDS

__all__ = [
    "QUESTION_TYPES",
    "EvalQuestion",
    "EvalSet",
    "classify_question",
    "load_questions",
    "squad_corpus_folder",
    "write_squad_corpus",
]

DataKind = Literal["squad", "jsonl"]

QUESTION_TYPES: tuple[str, ...] = (
    "when",
    "who",
    "where",
    "how many/much",
    "what/which",
    "why/how",
    "other",
)

_WH_WORDS = frozenset(WH_WORDS)
# "How long", "how old" and the like ask for an amount just as "how many" does.
_QUANTITY_AFTER_HOW = frozenset(
    {"many", "much", "long", "old", "far", "large", "big", "often", "tall", "high", "fast"}
)
# "In what year" asks for a time and "which country" for a place; the wh-word alone would file
# them under what/which and blur the split between answer types.
_TIME_NOUNS = frozenset(
    {"year", "years", "century", "centuries", "decade", "date", "month", "day", "time", "era"}
)
_PLACE_NOUNS = frozenset(
    {"country", "countries", "city", "cities", "place", "region", "location", "continent"}
)
_WORD_RE = re.compile(r"[a-z]+")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class EvalQuestion:
    """One question to evaluate.

    Attributes:
        id: Unique within the set.
        question: The question as asked.
        answers: Acceptable answers; empty when the articles do not answer it.
        history: Earlier questions of the same conversation, oldest first.
        context: The gold paragraph (SQuAD only): the text the question was written against.
        type: Question type from :func:`classify_question`.

    Example:
        >>> EvalQuestion(id="q1", question="Who won?", answers=("Ada",)).has_answer
        True
    """

    id: str
    question: str
    answers: tuple[str, ...]
    history: tuple[str, ...] = ()
    context: str | None = None
    type: str = "other"

    @property
    def has_answer(self) -> bool:
        """True when some gold answer exists."""
        return bool(self.answers)


@dataclass(frozen=True)
class EvalSet:
    """A loaded question file.

    Attributes:
        path: The file it was read from.
        kind: ``"squad"`` or ``"jsonl"``.
        questions: The questions, in file order.
        articles: For SQuAD, each article title with its paragraphs in order; empty for JSONL.
        version: The SQuAD ``version`` field, when there is one.
        digest: SHA-256 of the file's bytes, so a derived corpus can be tied to its source.
    """

    path: Path
    kind: DataKind
    questions: tuple[EvalQuestion, ...]
    articles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    version: str | None = None
    digest: str = ""


def classify_question(question: str) -> str:
    """The type of a question, from its first wh-word.

    Types are ``when``, ``who``, ``where``, ``how many/much``, ``what/which``, ``why/how``, and
    ``other`` when the question has no wh-word. "What year" / "which century" count as *when*
    and "what country" / "which city" as *where*, since that is the answer they ask for.

    Example:
        >>> classify_question("In what year did the Normans arrive?")
        'when'
        >>> classify_question("How many passengers were on board?")
        'how many/much'
    """
    words: list[str] = _WORD_RE.findall(question.lower())
    for i, word in enumerate(words):
        if word not in _WH_WORDS:
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in ("who", "whom", "whose"):
            return "who"
        if word in ("when", "where"):
            return word
        if word == "how":
            return "how many/much" if following in _QUANTITY_AFTER_HOW else "why/how"
        if word == "why":
            return "why/how"
        if following in _TIME_NOUNS:
            return "when"
        if following in _PLACE_NOUNS:
            return "where"
        return "what/which"
    return "other"


def load_questions(path: str | Path, limit: int | None = None) -> EvalSet:
    """Read a SQuAD JSON file or a JSONL question file.

    A file ending in ``.jsonl`` is read as one question per line
    (``{"id", "question", "answers", "history"?}``); anything else must be SQuAD JSON. SQuAD 2.0
    questions marked ``is_impossible`` get no gold answers (their "plausible" answers are
    ignored, as in the official evaluation).

    Args:
        path: The question file.
        limit: Keep only the first ``limit`` questions (earlier questions named in a history
            are still asked; they are not questions of the set).

    Raises:
        UsageError: When the file is missing or malformed; the message names the place.

    Example:
        >>> len(load_questions("eval/seed_questions.jsonl", limit=3).questions)
        3
    """
    file = Path(path)
    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit} keeps no question; give a whole number from 1 up")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read question file {str(file)!r} ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"question file {str(file)!r} is not UTF-8 text") from None
    if file.suffix.lower() == ".jsonl":
        questions = _read_jsonl(file, text)
        loaded = EvalSet(path=file, kind="jsonl", questions=questions, digest=digest)
    else:
        loaded = _read_squad(file, text, digest)
    if not loaded.questions:
        raise UsageError(f"question file {str(file)!r} holds no question")
    if limit is not None:
        loaded = EvalSet(
            path=loaded.path,
            kind=loaded.kind,
            questions=loaded.questions[:limit],
            articles=loaded.articles,
            version=loaded.version,
            digest=loaded.digest,
        )
    return loaded


def _string_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def _read_jsonl(file: Path, text: str) -> tuple[EvalQuestion, ...]:
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise UsageError(f"{where}: expected a JSON object")
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            raise UsageError(f"{where}: 'question' must be a non-empty string")
        if "answers" not in record:
            raise UsageError(f"{where}: 'answers' is missing (use [] for an unanswerable question)")
        answers = _string_list(record.get("answers"), where, "answers")
        history = _string_list(record.get("history"), where, "history")
        qid = str(record.get("id") or f"line-{number}")
        if qid in seen:
            raise UsageError(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        questions.append(
            EvalQuestion(
                id=qid,
                question=question,
                answers=_unique(answers),
                history=history,
                type=classify_question(question),
            )
        )
    return tuple(questions)


def _read_squad(file: Path, text: str, digest: str) -> EvalSet:
    try:
        root = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{file.name}: not valid JSON ({exc.msg} at line {exc.lineno}); question files are "
            "SQuAD JSON or .jsonl"
        ) from None
    if not isinstance(root, dict) or not isinstance(root.get("data"), list):
        raise UsageError(f"{file.name}: not a SQuAD file (no top-level 'data' list)")
    questions: list[EvalQuestion] = []
    articles: dict[str, list[str]] = {}
    seen: set[str] = set()
    try:
        for a, article in enumerate(root["data"]):
            title = str(article.get("title") or f"article-{a}")
            paragraphs = articles.setdefault(title, [])
            for paragraph in article["paragraphs"]:
                # Articles are written one paragraph per line, so a context must be one line.
                context = " ".join(str(paragraph["context"]).split())
                paragraphs.append(context)
                for qa in paragraph["qas"]:
                    qid = str(qa["id"])
                    if qid in seen:
                        raise UsageError(f"{file.name}: duplicate question id {qid!r}")
                    seen.add(qid)
                    impossible = bool(qa.get("is_impossible", False))
                    golds = () if impossible else tuple(str(x["text"]) for x in qa["answers"])
                    question = str(qa["question"])
                    questions.append(
                        EvalQuestion(
                            id=qid,
                            question=question,
                            answers=_unique(golds),
                            context=context,
                            type=classify_question(question),
                        )
                    )
    except (KeyError, TypeError, AttributeError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise UsageError(f"{file.name}: malformed SQuAD file ({detail})") from None
    version = root.get("version")
    return EvalSet(
        path=file,
        kind="squad",
        questions=tuple(q for q in questions if q.question.strip()),
        articles=tuple((t, tuple(p)) for t, p in articles.items()),
        version=str(version) if version is not None else None,
        digest=digest,
    )


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    # SQuAD repeats a gold answer once per annotator; scoring takes the best match anyway.
    return tuple(dict.fromkeys(values))


def squad_corpus_folder(eval_set: EvalSet) -> Path:
    """Where the corpus derived from a SQuAD file is written: a cache folder keyed by content.

    Keying by the file's hash keeps the folder (and so its index) stable across runs of the same
    file, while an edited file gets a fresh folder.

    Example:
        >>> squad_corpus_folder(load_questions("eval/squad2-dev-sample.json")).parent.name
        'eval-corpora'
    """
    stem = _UNSAFE_NAME.sub("_", eval_set.path.stem).strip("._") or "squad"
    return default_cache_dir() / "eval-corpora" / f"{stem}-{eval_set.digest[:16]}"


def article_file_name(title: str, taken: set[str]) -> str:
    """A safe, unused ``.txt`` file name for an article title.

    Example:
        >>> article_file_name("Normans", set())
        'Normans.txt'
    """
    base = _UNSAFE_NAME.sub("_", title).strip("._") or "article"
    name = f"{base}.txt"
    n = 2
    while name.lower() in taken:
        name = f"{base}-{n}.txt"
        n += 1
    taken.add(name.lower())
    return name


def write_squad_corpus(eval_set: EvalSet, folder: Path | None = None) -> Path:
    """Write the articles of a SQuAD set as ``<title>.txt`` files and return the folder.

    Each file holds the title (underscores read as spaces) on its first line and then one
    paragraph per line with no blank lines, which the assistant splits into one passage per
    paragraph. A file that already holds the same text is left alone, so the index built from
    it stays valid.

    Args:
        eval_set: A set loaded from a SQuAD file.
        folder: Where to write; defaults to :func:`squad_corpus_folder`.

    Raises:
        UsageError: When the set is not a SQuAD set.

    Example:
        >>> sample = load_questions("eval/squad2-dev-sample.json")
        >>> folder = write_squad_corpus(sample, tmp_path / "squad")
        >>> sorted(p.name for p in folder.iterdir())
        ['Computational_complexity_theory.txt', 'Normans.txt']
    """
    if eval_set.kind != "squad":
        raise UsageError("only a SQuAD file carries its own articles; give --corpus for JSONL")
    target = folder if folder is not None else squad_corpus_folder(eval_set)
    target.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for title, paragraphs in eval_set.articles:
        if not paragraphs:
            continue
        name = article_file_name(title, taken)
        body = "\n".join([title.replace("_", " "), *paragraphs]) + "\n"
        path = target / name
        if path.exists() and path.read_text(encoding="utf-8") == body:
            continue
        part = path.with_name(f".{name}.part")
        part.write_text(body, encoding="utf-8")
        part.replace(path)
    return target
