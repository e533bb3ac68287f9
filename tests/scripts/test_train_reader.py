"""Window labels, answer scoring and source mixing of ``scripts/train_reader.py``."""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="module", autouse=True)
def _make_questions(load_script: Callable[[str], ModuleType]) -> None:
    # The question folders of these tests are written by make_questions.py's own writer.
    _WRITER.append(load_script("make_questions").write_folder)


_WRITER: list[Callable[..., Path]] = []


@pytest.fixture(scope="module")
def train_reader(load_script: Callable[[str], ModuleType]) -> ModuleType:
    return load_script("train_reader")


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    from embeddings.minilm import packaged_model_path

    return AutoTokenizer.from_pretrained(str(packaged_model_path()))


def _span(context: str, answer: str) -> tuple[int, int]:
    start = context.index(answer)
    return start, start + len(answer)


def _context_range(enc: Any, i: int) -> tuple[int, int]:
    """Characters of the context that window ``i`` holds."""
    offsets = enc["offset_mapping"][i]
    ctx = [k for k, sid in enumerate(enc.sequence_ids(i)) if sid == 1]
    return offsets[ctx[0]][0], offsets[ctx[-1]][1]


def test_labels_map_back_to_answer_characters(train_reader: ModuleType, tokenizer: Any) -> None:
    contexts = [
        "The agreement between the two unions expires this Saturday, officials in Boston said.",
        "Obama signed the bill in Washington on Tuesday.",
        "Unemployment fell to 3.5 percent, the lowest rate since 1969.",
        # The answer is part of a word that the tokenizer splits into pieces.
        "Prices of the sub-prime mortgages collapsed.",
        "Nothing in this paragraph answers the question.",
    ]
    questions = [
        "When does the agreement expire?",
        "Who signed the bill?",
        "What did unemployment fall to?",
        "What kind of mortgages collapsed?",
        "Who won the match?",
    ]
    answer_texts = ["this Saturday", "Obama", "3.5 percent", "sub-prime", None]
    answers = [
        _span(c, a) if a is not None else None for c, a in zip(contexts, answer_texts, strict=True)
    ]

    enc, starts, ends = train_reader.featurize(tokenizer, questions, contexts, answers, 64, 16)

    # Short contexts: one window each, in order.
    assert list(enc["overflow_to_sample_mapping"]) == [0, 1, 2, 3, 4]
    assert len(starts) == len(ends) == 5
    for i, text in enumerate(answer_texts):
        s, e = starts[i], ends[i]
        if text is None:
            assert (s, e) == (0, 0)
            continue
        seq = enc.sequence_ids(i)
        assert 0 < s <= e
        assert seq[s] == seq[e] == 1  # inside the context, not the question
        offsets = enc["offset_mapping"][i]
        assert contexts[i][offsets[s][0] : offsets[e][1]] == text
    # Every window is padded to the same length.
    assert {len(ids) for ids in enc["input_ids"]} == {64}


def test_answer_inside_a_word_piece_run(train_reader: ModuleType, tokenizer: Any) -> None:
    context = "The agreement between the unions expires this Saturday."
    start = context.index("expire")
    enc, starts, ends = train_reader.featurize(
        tokenizer, ["What does it do?"], [context], [(start, start + 6)], 64, 16
    )
    offsets = enc["offset_mapping"][0]
    # "expires" is "ex ##pire ##s": the label covers "ex ##pire" and nothing more.
    assert context[offsets[starts[0]][0] : offsets[ends[0]][1]] == "expire"


def test_long_context_windows(train_reader: ModuleType, tokenizer: Any) -> None:
    filler = [f"Sentence number {k} talks about the weather in town." for k in range(30)]
    answer = "Marguerite Okonkwo-Delacroix"
    sentences = [*filler[:15], f"The prize went to {answer} last year.", *filler[15:]]
    context = " ".join(sentences)
    a_start, a_end = _span(context, answer)
    questions = ["Who won the prize?", "Who won the prize?"]

    enc, starts, ends = train_reader.featurize(
        tokenizer, questions, [context, context], [(a_start, a_end), None], 48, 16
    )

    samples = list(enc["overflow_to_sample_mapping"])
    assert samples.count(0) > 3  # the context really was split into several windows
    assert samples.count(0) == samples.count(1)
    labelled = partial = 0
    for i, sample in enumerate(samples):
        s, e = starts[i], ends[i]
        lo, hi = _context_range(enc, i)
        holds_all = lo <= a_start and a_end <= hi
        partial += sample == 0 and lo < a_end and a_start < hi and not holds_all
        if sample == 1 or not holds_all:
            # No answer, or only part of it (or none of it) in this window.
            assert (s, e) == (0, 0), (i, lo, hi)
            continue
        labelled += 1
        offsets = enc["offset_mapping"][i]
        assert enc.sequence_ids(i)[s] == 1
        assert context[offsets[s][0] : offsets[e][1]] == answer
    assert labelled >= 1
    assert partial >= 1  # a window cuts the answer; it must not be labelled with a piece of it
    assert labelled < samples.count(0)  # most windows of the answered example miss the answer


def test_normalize(train_reader: ModuleType) -> None:
    normalize = train_reader._normalize
    assert normalize("The Cat, sat!") == "cat sat"
    assert normalize("  An apple a   day. ") == "apple day"
    assert normalize("A Tale of Two Cities") == "tale of two cities"
    # Articles only as whole words.
    assert normalize("Theater and anthem") == "theater and anthem"
    assert normalize("$5.5 billion") == "55 billion"
    assert normalize("") == ""


def test_f1(train_reader: ModuleType) -> None:
    f1 = train_reader._f1
    assert f1("the cat sat", "cat sat down") == pytest.approx(0.8)
    assert f1("Cat sat down.", "the cat sat down") == pytest.approx(1.0)
    assert f1("dog", "cat") == 0.0
    # Repeated words count once per match: precision 1/2, recall 1.
    assert f1("cat cat", "cat") == pytest.approx(2 / 3)
    # Both repeat it: two matches, precision 1, recall 2/3.
    assert f1("cat cat", "cat cat dog") == pytest.approx(0.8)
    # precision 1/3, recall 1/2 -> 2 * (1/6) / (5/6) = 0.4
    assert f1("red big cat", "cat nap") == pytest.approx(0.4)
    # Nothing left after normalising: only a match with another empty answer scores.
    assert f1("the", "a") == 1.0
    assert f1("", "cat") == 0.0
    assert f1("cat", "") == 0.0


# Mixing training sources: generated folders and real SQuAD files, each with a weight.


def _write_generated(folder: Path, questions: list[dict[str, Any]], contexts: list[str]) -> Path:
    """A folder in the format ``scripts/make_questions.py`` writes, written by it."""
    return _WRITER[-1](folder, contexts, questions)


def _generated_question(k: int) -> str:
    return f"Which council of town {k} approved the new budget after a long and heated debate?"


def _generated(folder: Path, n: int = 40) -> Path:
    """``n`` long generated questions (most answered, every fourth a look-alike)."""
    contexts = [
        f"Report {k}: the council of town {k} approved the new budget on Monday." for k in range(n)
    ]
    rows: list[dict[str, Any]] = []
    for k, text in enumerate(contexts):
        lookalike = k % 4 == 3
        answer = None if lookalike else f"town {k}"
        rows.append(
            {
                "context": k,
                "question": _generated_question(k),
                "answer": answer,
                "start": text.index(answer) if answer else None,
                "kind": "lookalike" if lookalike else "subject",
                "source": f"doc{k}",
            }
        )
    return _write_generated(folder, rows, contexts)


def _squad(path: Path, titles: list[str], version: str = "v2.0") -> Path:
    """A SQuAD-format file: per article one paragraph, one answerable question and (in v2.0)
    one unanswerable question that carries a plausible answer, as SQuAD 2.0 train does."""
    articles = []
    for title in titles:
        context = f"{title} was founded in 1850 by the river, and its mayor is Ann {title}."
        qas: list[dict[str, Any]] = [
            {
                "id": f"{title}-1",
                "question": f"When was {title} founded by the people living near the river?",
                "answers": [{"text": "1850", "answer_start": context.index("1850")}],
            }
        ]
        if version == "v2.0":
            qas[0]["is_impossible"] = False
            qas.append(
                {
                    "id": f"{title}-2",
                    "question": f"Who was the first governor of {title} before the river flooded?",
                    "answers": [],
                    "plausible_answers": [
                        {"text": f"Ann {title}", "answer_start": context.index("Ann")}
                    ],
                    "is_impossible": True,
                }
            )
        articles.append({"title": title, "paragraphs": [{"context": context, "qas": qas}]})
    path.write_text(json.dumps({"version": version, "data": articles}), encoding="utf-8")
    return path


def _parse(train_reader: ModuleType, *argv: str) -> argparse.Namespace:
    args: argparse.Namespace = train_reader.build_parser().parse_args(
        ["--base", "BASE", "--out", "OUT", *argv]
    )
    return args


def _rows(train_reader: ModuleType, *argv: str) -> tuple[list[str], list[dict[str, Any]], Any]:
    contexts, rows, sources = train_reader.training_rows(_parse(train_reader, *argv))
    return contexts, rows, sources


@pytest.mark.parametrize(
    ("spec", "path", "weight"),
    [("qs", "qs", 1.0), ("qs:2", "qs", 2.0), ("qs:0.5", "qs", 0.5), ("a:b/qs:3", "a:b/qs", 3.0)],
)
def test_source_weight_parsing(
    train_reader: ModuleType, spec: str, path: str, weight: float
) -> None:
    args = _parse(train_reader, "--data", spec, "--real", f"real.json:{weight}")
    [source] = args.data
    assert source.path == Path(path)
    assert source.weight == weight
    assert source.spec == spec
    assert args.real[0].path == Path("real.json")


@pytest.mark.parametrize(
    ("option", "spec", "bad"),
    [
        ("--data", "qs:abc", "'abc'"),
        ("--data", "qs:0", "'0'"),
        ("--data", "qs:-1", "'-1'"),
        ("--data", "qs:", "''"),
        ("--data", "qs:nan", "'nan'"),
        ("--real", "train.json:x2", "'x2'"),
    ],
)
def test_bad_weight_is_an_argparse_error(
    train_reader: ModuleType, capsys: pytest.CaptureFixture[str], option: str, spec: str, bad: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        _parse(train_reader, option, spec)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err
    assert f"bad weight {bad}" in err


def test_article_selection(
    train_reader: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train_reader.parse_articles("0-9,12") == [*range(10), 12]
    assert train_reader.parse_articles("4, 1-2,2") == [1, 2, 4]
    for bad, named in [("9-0", "'9-0'"), ("1,x", "'x'"), ("1,,2", "''"), ("-3", "'-3'")]:
        with pytest.raises(SystemExit):
            _parse(train_reader, "--real", "r.json", "--real-articles", bad)
        err = capsys.readouterr().err
        assert "argument --real-articles" in err and named in err, (bad, err)

    titles = [f"Town{k}" for k in range(14)]
    real = _squad(tmp_path / "train.json", titles)
    _, rows, sources = _rows(train_reader, "--real", str(real), "--real-articles", "0-9,12")
    used = {re.search(r"Town\d+", row["question"]).group() for row in rows}  # type: ignore[union-attr]
    assert used == {f"Town{k}" for k in [*range(10), 12]}
    assert sources[0]["articles"] == "0-9,12"
    for positions in ([0, 1, 2, 5], [3], [1, 3, 4, 5, 9, 10], []):
        spec = train_reader.format_articles(positions)
        assert (train_reader.parse_articles(spec) if spec else []) == positions
    assert sources[0]["questions"] == 2 * 11
    # Without a selection every article trains.
    _, rows, _ = _rows(train_reader, "--real", str(real))
    assert len(rows) == 2 * 14
    # A position past the file's end is an error, not a silently smaller training set.
    with pytest.raises(ValueError, match=r"14 articles.*\[14, 15\]"):
        _rows(train_reader, "--real", str(real), "--real-articles", "10-15")


def test_word_dropout_leaves_real_questions_and_lookalikes_whole(
    train_reader: ModuleType, tmp_path: Path
) -> None:
    generated = _generated(tmp_path / "questions")
    real = _squad(tmp_path / "train.json", [f"Town{k}" for k in range(20)])
    originals = {
        q["question"]
        for a in json.loads(real.read_text())["data"]
        for p in a["paragraphs"]
        for q in p["qas"]
    }
    _, rows, _ = _rows(
        train_reader, "--data", str(generated), "--real", f"{real}:2", "--word-dropout", "0.5"
    )
    real_rows = [r for r in rows if r["origin"] == "real"]
    generated_rows = [r for r in rows if r["origin"] == "generated"]
    assert len(real_rows) == 80 and len(generated_rows) == 40
    assert all(r["question"] in originals for r in real_rows)
    lookalikes = [r for r in generated_rows if r["kind"] == "lookalike"]
    assert len(lookalikes) == 10
    assert all(r["question"] == _generated_question(r["context"]) for r in lookalikes)
    dropped = [r for r in generated_rows if r["question"] != _generated_question(r["context"])]
    # 30 answered generated questions of 15 words at p = 0.5: all but a freak few lose words.
    assert len(dropped) >= 25
    assert all(r["question"].startswith("Which") for r in dropped)  # the first word stays


def test_unanswerable_real_questions_become_no_answer_rows(
    train_reader: ModuleType, tmp_path: Path
) -> None:
    v2 = _squad(tmp_path / "v2.json", ["Alpha", "Beta"])
    v1 = _squad(tmp_path / "v1.json", ["Gamma"], version="v1.1")
    contexts, rows, sources = _rows(train_reader, "--real", str(v2), "--real", str(v1))
    assert len(rows) == 5
    for row in rows:
        if "governor" in row["question"]:
            # is_impossible: the plausible answer beside it must not become a label.
            assert row["answer"] is None and row["start"] is None
        else:
            assert row["answer"] == "1850"
            text = contexts[row["context"]]
            assert text[row["start"] : row["start"] + 4] == "1850"
            title = re.search(r"When was (\w+)", row["question"]).group(1)  # type: ignore[union-attr]
            assert text.startswith(title)  # the context is the question's own
    assert sum(r["answer"] is None for r in rows) == 2
    assert [s["without_answer"] for s in sources] == [2, 0]

    # The same holds when answers still lists an answer but the flag says impossible.
    data = json.loads(v2.read_text())
    paragraph = data["data"][0]["paragraphs"][0]
    paragraph["qas"][1]["answers"] = paragraph["qas"][1]["plausible_answers"]
    v2.write_text(json.dumps(data))
    _, rows, _ = _rows(train_reader, "--real", str(v2))
    assert sum(r["answer"] is None for r in rows) == 2


def test_repeating_sources(train_reader: ModuleType, tmp_path: Path) -> None:
    generated = _generated(tmp_path / "questions", n=40)
    real = _squad(tmp_path / "train.json", [f"Town{k}" for k in range(5)])
    contexts, rows, sources = _rows(
        train_reader, "--data", f"{generated}:2", "--real", f"{real}:3", "--word-dropout", "0.5"
    )
    assert [(s["kind"], s["questions"], s["weight"], s["rows"]) for s in sources] == [
        ("generated", 40, 2.0, 80),
        ("real", 10, 3.0, 30),
    ]
    assert len(rows) == 110
    counts = collections.Counter((r["origin"], r["context"], r["answer"]) for r in rows)
    assert set(counts.values()) == {2, 3}
    # Every row still points at its own context after the sources' contexts were joined.
    for row in rows:
        if row["answer"] is not None:
            assert contexts[row["context"]][row["start"] :].startswith(row["answer"])
    # Each copy is its own row: word dropout leaves different words out of the two copies.
    copies = collections.defaultdict(set)
    for row in rows:
        if row["origin"] == "generated" and row["kind"] != "lookalike":
            copies[row["context"]].add(row["question"])
    assert sum(len(questions) == 2 for questions in copies.values()) >= 20

    # A fraction takes that share of the questions, each at most once, the same for one seed.
    def half(seed: str) -> list[str]:
        _, rows, sources = _rows(train_reader, "--data", f"{generated}:0.5", "--seed", seed)
        assert sources[0]["rows"] == len(rows) == 20
        assert len({r["context"] for r in rows}) == 20
        return sorted(r["source"] for r in rows)

    assert half("7") == half("7")
    assert half("7") != half("8")
    _, rows, _ = _rows(train_reader, "--data", f"{generated}:1.5")
    assert len(rows) == 60
    assert set(collections.Counter(r["context"] for r in rows).values()) == {1, 2}
    # --limit cuts the mixed, shuffled rows.
    _, rows, _ = _rows(
        train_reader, "--data", f"{generated}:2", "--real", str(real), "--limit", "25"
    )
    assert len(rows) == 25


def test_one_data_folder_trains_as_before(train_reader: ModuleType, tmp_path: Path) -> None:
    """A single ``--data DIR`` gives the rows the script gave before sources could be mixed:
    the file's rows shuffled by the seed, cut to --limit, then word-dropped from the same
    random stream."""
    generated = _generated(tmp_path / "questions", n=60)
    with gzip.open(generated / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        expected = [json.loads(line) for line in handle]
    rng = random.Random(11)
    rng.shuffle(expected)
    expected = expected[:50]
    for row in expected:
        if row["kind"] == "lookalike":
            continue
        words = row["question"].split()
        kept = [w for k, w in enumerate(words) if k == 0 or rng.random() >= 0.3]
        if len(kept) >= 3:
            row["question"] = " ".join(kept)

    _, rows, _ = _rows(
        train_reader,
        "--data",
        str(generated),
        "--seed",
        "11",
        "--limit",
        "50",
        "--word-dropout",
        "0.3",
    )
    assert [{k: v for k, v in r.items() if k != "origin"} for r in rows] == expected


def test_training_record_names_sources_as_written(train_reader: ModuleType) -> None:
    args = _parse(
        train_reader,
        "--data",
        "qs",
        "--data",
        "more:0.5",
        "--real",
        "t.json:4",
        "--real-articles",
        "0-9",
    )
    record = train_reader._record(args)
    assert record["data"] == ["qs", "more:0.5"]
    assert record["real"] == ["t.json:4"]
    assert record["real_articles"] == "0-9"
    json.dumps(record)  # the record goes into training.json
