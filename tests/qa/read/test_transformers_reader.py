"""Plumbing of the transformers reader with a tiny, randomly initialised BERT built here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa import Assistant, Settings, UsageError

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-qa")
    words = sorted({w.lower() for w in re.findall(r"\w+", next(SEEDS.glob("*.txt")).read_text())})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, *".,?!'\"“”-"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertForQuestionAnswering(config).save_pretrained(str(folder))
    return folder


def test_reader_plumbing_gives_valid_cited_spans(tiny_model: Path, tmp_path: Path) -> None:
    settings = Settings(
        encoder="hashing",
        reader="transformers",
        reader_model=tiny_model,
        abstain_threshold=0.0,
        index_dir=tmp_path / "ix",
        show_progress=False,
    )
    assistant = Assistant.from_corpus(SEEDS, settings)
    answer = assistant.ask("When does GSOMIA expire?")
    # A random model answers at random; what matters is a real span with exact offsets.
    assert answer.text is not None
    first = answer.citations[0]
    assert first.passage[first.start : first.end] == answer.text
    assert answer.text == answer.text.strip()
    assert 0.0 <= answer.score <= 1.0
    assert assistant.info().reader == f"transformers:{tiny_model.name}"


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(
        encoder="hashing",
        reader="transformers",
        reader_model=tmp_path / "no-model",
        index_dir=tmp_path / "ix",
        show_progress=False,
    )
    assistant = Assistant.from_corpus(SEEDS, settings)
    with pytest.raises(UsageError, match=r"no config\.json"):
        assistant.ask("When does GSOMIA expire?")


def test_cli_flag_selects_the_reader(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.cli import main

    code = main(
        [
            "ask",
            "When does GSOMIA expire?",
            "--corpus",
            str(SEEDS),
            "--encoder",
            "hashing",
            "--reader-model",
            str(tiny_model),
            "--index-dir",
            str(tmp_path / "ix"),
            "--quiet",
            "--json",
        ]
    )
    assert code == 0
    assert '"question": "When does GSOMIA expire?"' in capsys.readouterr().out
