"""End to end with the real MiniLM encoder and spaCy model over the seed article."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa import Answer, Assistant
from qa.evaluation.metrics import exact_match

pytestmark = pytest.mark.integration
EVAL = Path(__file__).resolve().parents[2] / "eval"


def _ask_all(assistant: Assistant, path: Path) -> list[tuple[dict, Answer]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    asked: dict[str, Answer] = {}
    out = []
    for row in rows:
        history: list[Answer] = []
        for earlier in row.get("history", []):
            history.append(asked.get(earlier) or assistant.ask(earlier, history=history))
        answer = assistant.ask(row["question"], history=history)
        asked[row["question"]] = answer
        out.append((row, answer))
    return out


def test_real_model_reproduces_published_similarities(real_assistant: Assistant) -> None:
    from embeddings.minilm import SentenceTransformerEncoder

    texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    published = [0.6660, 0.1046, 0.1411]
    # In float32 the model card's figures to four places; the assistant's own encoder may
    # compute in bfloat16 (Settings.encoder_precision), which moves them by under 0.002.
    for vectors, tolerance in (
        (SentenceTransformerEncoder(precision="float32").encode(texts), 5e-5),
        (real_assistant.encoder.encode(texts), 2e-3),
    ):
        sims = vectors @ vectors.T
        assert [sims[0, 1], sims[0, 2], sims[1, 2]] == pytest.approx(published, abs=tolerance)


def test_gsomia_question(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("When does GSOMIA expire?")
    assert answer.text == "this Saturday"
    assert "GSOMIA agreement is set to expire" in answer.citations[0].passage


def test_seed_question_set(real_assistant: Assistant) -> None:
    results = _ask_all(real_assistant, EVAL / "seed_questions.jsonl")
    answerable = [(r, a) for r, a in results if r["answers"]]
    assert len(answerable) >= 30
    assert sum(1 for r, _ in results if not r["answers"]) >= 5
    assert sum(1 for r, _ in results if r.get("history")) >= 3
    for _, answer in results:
        for citation in answer.citations:
            assert citation.passage[citation.start : citation.end] == citation.text
        if answer.text is not None:
            assert answer.citations[0].text == answer.text
    em = np.mean([exact_match(a.text, r["answers"]) for r, a in answerable])
    unanswerable = [a for r, a in results if not r["answers"]]
    abstained = np.mean([a.text is None for a in unanswerable])
    answered = [a for _, a in answerable if a.text is not None]
    # Measured 0.69, 0.15 and 1.0 with the neural reader; the core issue's goal is 0.8 for
    # the first two. The floors guard against regressions until the reader reaches it. Few
    # look-alikes are turned away because the confidence floor is set to keep 95% of the
    # answerable questions (reader-quality issue).
    assert em >= 0.65
    assert abstained >= 0.1
    assert len(answered) / len(answerable) >= 0.95


def test_off_topic_questions_are_abstained(real_assistant: Assistant) -> None:
    results = _ask_all(real_assistant, EVAL / "seed_offtopic.jsonl")
    abstained = np.mean([a.text is None for _, a in results])
    assert abstained >= 0.9
    reasons = [a.abstain_reason or "" for _, a in results if a.text is None]
    assert any(r.startswith("No passage is about this question") for r in reasons)
