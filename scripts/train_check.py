"""Train the answer check (:mod:`qa.read.check`): a MiniLM cross-encoder that reads a question
beside the sentence an answer comes from, the answer marked, and says whether the sentence
answers it.

Pairs are made from data prepared by ``scripts/prepare_real.py`` (its answerable questions, the
look-alikes made of them, and the same questions asked of their passage without the answer's
sentence) and from SQuAD 2.0's own unanswerable questions:

- **answers** (label 1): the question beside its gold answer's sentence, the answer marked;
- **look-alikes** (0): the look-alike question beside the original's sentence and answer;
- **no sentence** (0): the question beside the sentence of its passage-without-the-answer's-
  sentence that shares most words with it, an entity of the gold answer's label marked;
- **rivals** (0): for half the answers, another entity of the same label in the same sentence;
- **SQuAD 2.0 unanswerables** (0): the question beside its "plausible answer", marked.

Training starts from the shipped span model's encoder (it reads questions against passages
already), keeps the word embeddings frozen as the span model does, and fits a linear head on
the mean of the last hidden states, one pass by default.

Usage:
    python scripts/train_check.py --prepared DIR --squad FILE@ARTICLES --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from qa.ingest.passages import sentence_spans
from qa.question.parser import Parser
from qa.read.check import MAX_TOKENS, marked_sentence
from qa.read.span.model import SPAN_MODEL_DIR
from qa.training.articles import article_positions

_WORD = re.compile(r"\w+")


def _sentence_of(text: str, start: int, end: int) -> tuple[int, int] | None:
    spans = [(a, b) for a, b in sentence_spans(text) if a < end and start < b]
    return (min(spans[0][0], start), max(spans[-1][1], end)) if spans else None


def make_pairs(
    prepared: Path, squad: Path, articles: set[int], nlp: Any, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The labelled (question, marked sentence) pairs, shuffled, and how many of each kind."""
    items: list[tuple[str, dict[str, Any]]] = []
    original: dict[str, tuple[str, int, int]] = {}
    # In the order prepare_real.py wrote them, which its manifest keeps.
    manifest = json.loads((prepared / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["files"]:
        path = prepared / name
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for para in article["paragraphs"]:
                for q in para["qas"]:
                    items.append((para["context"], q))
                    if q["answers"]:
                        a = q["answers"][0]
                        start = a["answer_start"]
                        original[q["id"]] = (para["context"], start, start + len(a["text"]))
    needed = sorted({c for c, q in items if q["answers"] or q["id"].endswith("-nosentence")})
    ents: dict[str, list[tuple[int, int, str]]] = {}
    off = ["parser", "lemmatizer", "tagger", "attribute_ruler"]
    for text, doc in zip(needed, nlp.pipe(needed, batch_size=64, disable=off), strict=True):
        ents[text] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def label_of(text: str, start: int, end: int) -> str | None:
        for a, b, label in ents.get(text, ()):
            if (a <= start and end <= b) or (start <= a and b <= end):
                return label
        return None

    pairs: list[dict[str, Any]] = []
    counts: dict[str, int] = defaultdict(int)

    def add(question: str, sentence: str, label: int, kind: str) -> None:
        pairs.append({"q": question, "x": sentence, "y": label, "t": kind})
        counts[kind] += 1

    for context, q in items:
        qid = q["id"]
        if q["answers"]:
            a = q["answers"][0]
            start, end = a["answer_start"], a["answer_start"] + len(a["text"])
            sent = _sentence_of(context, start, end)
            if sent is None:
                continue
            add(q["question"], marked_sentence(context, start, end), 1, "answer")
            label = label_of(context, start, end)
            if label is not None and rng.random() < 0.5:
                gold = context[start:end].lower()
                rivals = [
                    (x, y)
                    for x, y, other in ents[context]
                    if other == label
                    and sent[0] <= x
                    and y <= sent[1]
                    and (y <= start or x >= end)
                    and context[x:y].lower() not in gold
                    and gold not in context[x:y].lower()
                ]
                if rivals:
                    x, y = rng.choice(rivals)
                    add(q["question"], marked_sentence(context, x, y), 0, "rival")
        elif qid.endswith("-lookalike"):
            base = original.get(qid.removesuffix("-lookalike"))
            if base is not None and _sentence_of(*base) is not None:
                add(q["question"], marked_sentence(*base), 0, "lookalike")
        elif qid.endswith("-nosentence"):
            base = original.get(qid.removesuffix("-nosentence"))
            if base is None:
                continue
            label = label_of(*base)
            asked = {w.lower() for w in _WORD.findall(q["question"])} - nlp.Defaults.stop_words
            best: tuple[int, int, int, tuple[int, int]] | None = None
            for a, b in sentence_spans(context):
                candidates = [
                    (x, y)
                    for x, y, other in ents.get(context, ())
                    if a <= x
                    and y <= b
                    and (label is None or other == label)
                    and context[x:y].lower() not in q["question"].lower()
                ]
                if not candidates:
                    continue
                shared = len(asked & {w.lower() for w in _WORD.findall(context[a:b])})
                if best is None or shared > best[0]:
                    best = (shared, a, b, rng.choice(candidates))
            if best is not None:
                _, a, b, (x, y) = best
                add(q["question"], marked_sentence(context, x, y), 0, "nosentence")
    data = json.loads(squad.read_text(encoding="utf-8"))["data"]
    for k, article in enumerate(data):
        if k not in articles:
            continue
        for para in article["paragraphs"]:
            for q in para["qas"]:
                plausible = q.get("plausible_answers") or []
                if q.get("is_impossible") and plausible:
                    start = plausible[0]["answer_start"]
                    end = start + len(plausible[0]["text"])
                    sent = _sentence_of(para["context"], start, end)
                    if sent is not None:
                        text = marked_sentence(para["context"], start, end)
                        add(q["question"], text, 0, "unanswerable")
    rng.shuffle(pairs)
    return pairs, dict(counts)


def train(pairs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from embeddings.bert import load_bert, load_tokenizer
    from embeddings.minilm import packaged_model_path

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    base = packaged_model_path()
    tokenizer = load_tokenizer(base, MAX_TOKENS, 0, "longest_first")
    encoder = load_bert(base)
    state: dict[str, Any] = {}
    for path in sorted(Path(args.init).glob("*.safetensors")):
        state.update(load_file(str(path)))
    own = {
        k.removeprefix("encoder."): v.float()
        for k, v in state.items()
        if k.startswith("encoder.") and "pooler" not in k
    }
    encoder.load_state_dict(own, strict=False)
    encoder.requires_grad_(True)
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    encoder.train()
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    if "head.weight" in state:
        # Started from a check's own weights (a further pass): its head goes on too.
        head.weight.data = state["head.weight"].float()
        head.bias.data = state["head.bias"].float()
    held, rest = pairs[: args.held_out], pairs[args.held_out :]

    def batch(rows: list[dict[str, Any]]) -> tuple[Any, Any, Any, Any]:
        encoded = tokenizer.encode_batch([(r["q"], r["x"]) for r in rows])
        width = max(len(e.ids) for e in encoded)
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros_like(ids)
        types = torch.zeros_like(ids)
        for i, e in enumerate(encoded):
            ids[i, : len(e.ids)] = torch.tensor(e.ids)
            mask[i, : len(e.ids)] = 1
            types[i, : len(e.ids)] = torch.tensor(e.type_ids)
        return ids, mask, types, torch.tensor([float(r["y"]) for r in rows])

    def logits(ids: Any, mask: Any, types: Any) -> Any:
        hidden = encoder(ids, mask, types)
        weights = mask.unsqueeze(-1).float()
        return head((hidden * weights).sum(1) / weights.sum(1)).squeeze(-1)

    def held_out_auc() -> float:
        encoder.eval()
        scores: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(held), 64):
                ids, mask, types, _ = batch(held[i : i + 64])
                scores += logits(ids, mask, types).tolist()
        encoder.train()
        pos = [s for s, r in zip(scores, held, strict=True) if r["y"] == 1]
        neg = [s for s, r in zip(scores, held, strict=True) if r["y"] == 0]
        wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
        return wins / max(1, len(pos) * len(neg))

    # Pairs of like length in one batch: less padding, the same examples.
    rest.sort(key=lambda r: len(r["q"]) + len(r["x"]))
    batches = [rest[i : i + args.batch] for i in range(0, len(rest), args.batch)] * args.epochs
    random.Random(args.seed).shuffle(batches)
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    total, warm = len(batches), max(1, int(0.06 * len(batches)))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
    )
    loss_of = torch.nn.BCEWithLogitsLoss()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    for step, rows in enumerate(batches):
        ids, mask, types, labels = batch(rows)
        loss = loss_of(logits(ids, mask, types), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if (step and step % args.save_every == 0) or step == total - 1:
            weights = {
                f"encoder.{k}": v.detach().half()
                for k, v in encoder.state_dict().items()
                if k != "embeddings.word_embeddings.weight"
            }
            weights["head.weight"] = head.weight.detach().half()
            weights["head.bias"] = head.bias.detach().half()
            # Two shards, as the span model's: each file stays small enough to move around.
            first = {
                k: v for k, v in weights.items() if not any(f"layer.{i}." in k for i in (3, 4, 5))
            }
            save_file(first, str(out / "check-1.safetensors"))
            save_file(
                {k: v for k, v in weights.items() if k not in first},
                str(out / "check-2.safetensors"),
            )
            rate = (step + 1) * args.batch / (time.time() - began)
            print(f"step {step + 1}/{total}: held-out AUC {held_out_auc():.4f}, {rate:.1f} pairs/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepared", type=Path, help="prepare_real.py output")
    parser.add_argument("--squad", metavar="FILE@ARTICLES")
    parser.add_argument(
        "--pairs", type=Path, help="JSON lines of the pairs: read if it exists, else written"
    )
    parser.add_argument(
        "--init", type=Path, default=SPAN_MODEL_DIR, help="span-model or answer-check weights"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--held-out", type=int, default=1500)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if (args.pairs is None or not args.pairs.exists()) and (not args.prepared or not args.squad):
        parser.error("--prepared and --squad are needed unless --pairs names a file of pairs")
    if args.pairs is not None and args.pairs.exists():
        lines = args.pairs.read_text(encoding="utf-8").splitlines()
        pairs = [json.loads(line) for line in lines if line.strip()]
    else:
        squad, _, spec = args.squad.partition("@")
        pairs, counts = make_pairs(
            args.prepared, Path(squad), article_positions(spec), Parser().nlp, random.Random(11)
        )
        print(f"{len(pairs)} pairs: {counts}")
        if args.pairs is not None:
            args.pairs.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    train(pairs, args)


if __name__ == "__main__":
    main()
