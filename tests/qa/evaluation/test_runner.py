"""End-to-end tests of the evaluation runner on tiny question files.

The hashing encoder keeps these fast; the figures themselves are checked against answers
obtained directly through the public API, not against hand-worked numbers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from qa import Answer, Assistant, Settings, UsageError
from qa.evaluation.data import classify_question, load_questions, write_squad_corpus
from qa.evaluation.metrics import exact_match, f1_score
from qa.evaluation.runner import answer_from_passages, run_evaluation

DATA = Path(__file__).parent / "data"
SQUAD = DATA / "tiny_squad.json"
JSONL = DATA / "tiny_questions.jsonl"
SETTINGS = Settings(encoder="hashing", show_progress=False)
OUTPUTS = ("report.json", "report.md", "reliability.png", "risk_coverage.png", "predictions.jsonl")
REQUIRED_KEYS = (
    "has_ans_em",
    "has_ans_f1",
    "no_ans_abstained",
    "wrongly_abstained",
    "recall_at_1",
    "recall_at_3",
    "recall_at_5",
    "mrr",
    "p50_ms",
    "p95_ms",
    "ece",
    "risk_coverage",
    "by_type",
    "gold_reader",
    "latency",
    "settings",
    "data",
)
FRACTIONS = (
    "has_ans_em",
    "has_ans_f1",
    "no_ans_abstained",
    "wrongly_abstained",
    "recall_at_1",
    "recall_at_3",
    "recall_at_5",
    "mrr",
    "ece",
    "gold_has_ans_em",
    "gold_has_ans_f1",
)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Indexes and the corpus derived from a SQuAD file must land in the test's own folder.
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(DATA / "tiny_corpus", folder)
    return folder


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_report(report: dict[str, Any], out: Path, questions: int) -> list[dict[str, Any]]:
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert (out / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    for key in REQUIRED_KEYS:
        assert key in report, key
    for key in FRACTIONS:
        assert 0.0 <= report[key] <= 1.0, key
    assert report["recall_at_1"] <= report["recall_at_3"] <= report["recall_at_5"]
    assert 0.0 < report["p50_ms"] <= report["p95_ms"]
    assert report["n_questions"] == questions
    assert report["n_has_ans"] + report["n_no_ans"] == questions
    coverages = [p["coverage"] for p in report["risk_coverage"]]
    assert coverages == sorted(coverages, reverse=True)
    assert sum(t["n"] for t in report["by_type"].values()) == questions
    predictions = _lines(out / "predictions.jsonl")
    assert len(predictions) == questions
    for row in predictions:
        for key in (
            "id",
            "question",
            "resolved_question",
            "prediction",
            "answers",
            "score",
            "em",
            "f1",
            "abstained",
            "rank",
            "type",
        ):
            assert key in row, key
        assert row["abstained"] == (row["prediction"] is None)
    # Reading the retrieved passages: each ask's time less a search of the same question.
    reading = [max(0.0, row["end_to_end_ms"] - row["retrieve_ms"]) for row in predictions]
    assert report["latency"]["read_retrieved"]["n"] == questions
    assert report["latency"]["read_retrieved"]["mean_ms"] == pytest.approx(
        sum(reading) / len(reading)
    )
    return predictions


def _ask_all(assistant: Assistant, path: Path) -> dict[str, Answer]:
    """Each question's answer through the public API, conversations replayed in order."""
    answers = {}
    for item in load_questions(path).questions:
        history: list[Answer] = []
        for earlier in item.history:
            history.append(assistant.ask(earlier, history=history))
        answers[item.id] = assistant.ask(item.question, history=history)
    return answers


def _check_agreement(
    report: dict[str, Any], predictions: list[dict[str, Any]], direct: dict[str, Answer]
) -> None:
    f1s = []
    for row in predictions:
        answer = direct[row["id"]]
        assert row["prediction"] == answer.text, row["id"]
        # A decline's row keeps the turned-down candidate's confidence for the report's
        # threshold sweep; the Answer itself has no score then.
        expected = answer.score if answer.score is not None else answer.best_candidate_score
        assert row["score"] == pytest.approx(expected or 0.0), row["id"]
        assert row["f1"] == pytest.approx(f1_score(answer.text, row["answers"])), row["id"]
        assert row["em"] == exact_match(answer.text, row["answers"]), row["id"]
        if row["answers"]:
            f1s.append(f1_score(answer.text, row["answers"]))
    assert report["has_ans_f1"] == pytest.approx(sum(f1s) / len(f1s))


def test_squad_run_writes_report_agreeing_with_the_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    report = run_evaluation(SQUAD, out=out, settings=SETTINGS)

    predictions = _check_report(report, out, questions=5)
    assert (report["n_has_ans"], report["n_no_ans"]) == (4, 1)
    assert report["data"] == "tiny_squad.json"
    assert report["corpus_documents"] == 2
    # Each SQuAD question has its paragraph to read, the unanswerable one included.
    assert report["gold_reader"]["n"] == 5
    assert "## Retrieval" in capsys.readouterr().out
    # The report names the corpus by its source, not by a cache folder of this machine.
    assert report["corpus"] == "articles of tiny_squad.json"

    corpus = write_squad_corpus(load_questions(SQUAD))
    direct = _ask_all(Assistant.from_corpus(corpus, SETTINGS), SQUAD)
    _check_agreement(report, predictions, direct)


def test_jsonl_run_with_follow_ups_agrees_with_the_api(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = run_evaluation(JSONL, corpus=corpus, out=out, settings=SETTINGS)

    predictions = _check_report(report, out, questions=5)
    assert (report["n_has_ans"], report["n_no_ans"]) == (4, 1)
    follow_up = next(row for row in predictions if row["id"] == "t-4")
    assert follow_up["type"] == "how many/much"

    direct = _ask_all(Assistant.from_corpus(corpus, SETTINGS), JSONL)
    _check_agreement(report, predictions, direct)


def test_runs_are_deterministic_and_limit_keeps_the_first_questions(
    corpus: Path, tmp_path: Path
) -> None:
    def answers(out: Path, limit: int | None) -> list[tuple[Any, ...]]:
        run_evaluation(JSONL, corpus=corpus, out=out, limit=limit, settings=SETTINGS)
        return [
            (r["id"], r["prediction"], r["score"], r["rank"], r["gold_prediction"])
            for r in _lines(out / "predictions.jsonl")
        ]

    first = answers(tmp_path / "a", None)
    assert answers(tmp_path / "b", None) == first
    assert answers(tmp_path / "c", 2) == first[:2]


def test_reading_the_passages_ask_read_gives_the_same_answer(corpus: Path) -> None:
    assistant = Assistant.from_corpus(corpus, SETTINGS)
    for item in load_questions(JSONL).questions:
        asked = assistant.ask(item.question)
        read = [hit.passage for hit in asked.passages[: SETTINGS.read_k]]
        again = answer_from_passages(assistant, item.question, read)
        assert again.text == asked.text
        assert again.score == pytest.approx(asked.score)


def test_squad_corpus_has_one_article_per_title_and_one_paragraph_per_line(
    tmp_path: Path,
) -> None:
    eval_set = load_questions(SQUAD)
    folder = write_squad_corpus(eval_set, tmp_path / "articles")
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["Glenmoor_observatory.txt", "Riverton_ferry.txt"]
    lines = (folder / "Riverton_ferry.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Riverton ferry"
    assert lines[1:] == [eval_set.questions[0].context]


def test_unanswerable_squad_question_has_no_gold_answer() -> None:
    by_id = {q.id: q for q in load_questions(SQUAD).questions}
    assert by_id["tiny-3"].answers == ()
    assert by_id["tiny-1"].answers == ("Alma Ostrova",)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who designed the terminal?", "who"),
        ("Whose idea was it?", "who"),
        ("When did it open?", "when"),
        ("In what year was it built?", "when"),
        ("Where was it built?", "where"),
        ("Which country hosted it?", "where"),
        ("How many jobs will it create?", "how many/much"),
        ("How long did the strike last?", "how many/much"),
        ("What did the minister say?", "what/which"),
        ("Why do they oppose it?", "why/how"),
        ("How did the talks end?", "why/how"),
        ("Name the minister.", "other"),
    ],
)
def test_question_types(question: str, kind: str) -> None:
    assert classify_question(question) == kind


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "Who?"}', "'answers' is missing"),
        ('{"question": "", "answers": []}', "'question'"),
        ('{"question": "Who?", "answers": "Ada"}', "list of strings"),
        ("not json", "not valid JSON"),
    ],
)
def test_malformed_jsonl_is_refused_with_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Who won?", "answers": ["Ada"]}\n' + line + "\n")
    with pytest.raises(UsageError, match="line 2") as caught:
        load_questions(path)
    assert message in str(caught.value)
