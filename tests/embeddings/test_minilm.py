"""The MiniLM encoder run without sentence-transformers gives sentence-transformers' vectors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings.bert import bert_config
from embeddings.minilm import (
    MINILM_NAME,
    WIDTH_STEP,
    SentenceTransformerEncoder,
    _pooled_bert_length,
    _SentenceTransformers,
    packaged_model_path,
    plan_batches,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXT = next(p for p in sorted((ROOT / "seeds").iterdir()) if p.suffix == ".txt").read_text(
    encoding="utf-8"
)
TEXTS = [
    "When does GSOMIA expire?",
    "",
    "   spaces\taround\n and inside   ",
    "Café naïve résumé — “quotes”, 東京 and 😀 in one line",
    SEED_TEXT,  # hundreds of word pieces: cut at the model's 256-token window
    "a",
]


def _small_copy(tmp_path: Path, edits: dict[str, object]) -> Path:
    """The packaged model in a new folder (large files linked) with settings changed; each
    edit is ``"file:key": value`` (a list index for ``modules.json``)."""
    source = packaged_model_path()
    target = tmp_path / "model"
    target.mkdir()
    for name in ("modules.json", "config.json", "sentence_bert_config.json"):
        shutil.copy(source / name, target / name)
    (target / "1_Pooling").mkdir()
    shutil.copy(source / "1_Pooling" / "config.json", target / "1_Pooling" / "config.json")
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"):
        (target / name).symlink_to(source / name)
    for edit, value in edits.items():
        file, key = edit.split(":")
        data = json.loads((target / file).read_text(encoding="utf-8"))
        if isinstance(data, list):
            data[int(key)] = value
        else:
            data[key] = value
        (target / file).write_text(json.dumps(data), encoding="utf-8")
    return target


def test_the_packaged_folder_is_run_directly() -> None:
    assert _pooled_bert_length(packaged_model_path()) == 256
    assert SentenceTransformerEncoder().name == MINILM_NAME  # existing indexes stay valid


@pytest.mark.parametrize(
    ("edit", "value"),
    [
        ("1_Pooling/config.json:pooling_mode_cls_token", True),
        ("1_Pooling/config.json:pooling_mode_mean_tokens", False),
        ("config.json:model_type", "roberta"),
        ("config.json:hidden_act", "gelu_new"),
        ("sentence_bert_config.json:do_lower_case", True),
        ("modules.json:2", {"idx": 2, "name": "2", "path": "2_Dense", "type": "x.Dense"}),
    ],
)
def test_any_other_pipeline_is_left_to_sentence_transformers(
    tmp_path: Path, edit: str, value: object
) -> None:
    assert _pooled_bert_length(_small_copy(tmp_path, {edit: value})) is None


def test_bert_config_refuses_a_folder_without_one(tmp_path: Path) -> None:
    assert bert_config(tmp_path) is None


@pytest.mark.integration
def test_vectors_and_offsets_match_sentence_transformers() -> None:
    encoder = SentenceTransformerEncoder()
    reference = _SentenceTransformers(packaged_model_path())
    direct = encoder.encode(TEXTS, batch_size=4)  # two batches, each padded
    expected = reference.encode(TEXTS, 32)
    assert encoder.backend == "bert"
    assert direct.shape == expected.shape == (len(TEXTS), 384)
    assert np.abs(direct - expected).max() < 1e-5
    one_by_one = np.stack([encoder.encode([text])[0] for text in TEXTS])
    assert np.abs(one_by_one - expected).max() < 1e-5
    assert (encoder.dim, encoder.max_tokens) == (reference.dim, reference.max_seq_length - 2)
    for text in TEXTS:
        assert encoder.token_offsets(text) == reference.token_offsets(text)
    assert len(encoder.token_offsets(SEED_TEXT)) > 256


@pytest.mark.integration
def test_another_pipeline_goes_through_sentence_transformers(tmp_path: Path) -> None:
    pooling = "1_Pooling/config.json"
    folder = _small_copy(
        tmp_path,
        {f"{pooling}:pooling_mode_cls_token": True, f"{pooling}:pooling_mode_mean_tokens": False},
    )
    encoder = SentenceTransformerEncoder(folder)
    assert encoder.name == "local:model"
    assert encoder.encode(["GSOMIA"]).shape == (1, 384)
    assert encoder.backend == "sentence-transformers"


@pytest.mark.integration
def test_encoding_a_question_imports_neither_sentence_transformers_nor_transformers() -> None:
    # What a fresh `qa ask` pays for: these two imports took most of its time.
    code = (
        "import sys\n"
        "from embeddings.minilm import SentenceTransformerEncoder\n"
        "SentenceTransformerEncoder().encode(['When does GSOMIA expire?'])\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.integration
def test_bfloat16_vectors_stay_within_float_noise_of_float32() -> None:
    exact = SentenceTransformerEncoder(precision="float32").encode(TEXTS)
    fast = SentenceTransformerEncoder(precision="bfloat16").encode(TEXTS)
    assert fast.dtype == np.float32
    cosines = (exact * fast).sum(axis=1)
    assert cosines.min() > 0.9995
    assert not np.array_equal(exact, fast)  # it did compute in another precision


def test_precision_is_checked_and_auto_follows_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import embeddings.minilm as minilm

    with pytest.raises(ValueError, match="precision 'half' is not one of auto, float32"):
        SentenceTransformerEncoder(precision="half")
    for native, expected in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(minilm, "native_bfloat16", lambda native=native: native)
        assert SentenceTransformerEncoder(precision="auto").precision == expected


def test_batches_come_in_few_widths() -> None:
    # The math libraries keep something per input shape: passages of every length made a
    # long build's memory climb, so widths are rounded up to a multiple of WIDTH_STEP.
    encoder = SentenceTransformerEncoder(precision="float32")
    encoder.encode(["warm up"])
    runtime = encoder._runtime()
    widths: list[int] = []
    body = runtime._body

    def recording(ids: Any, *rest: Any) -> Any:
        widths.append(int(ids.shape[1]))
        return body(ids, *rest)

    runtime._body = recording
    try:
        texts = [" ".join(["word"] * n) for n in range(1, 120, 7)]
        vectors = encoder.encode(texts, batch_size=1)
    finally:
        runtime._body = body
    # 17 texts of 3 to 115 tokens, one batch each: 17 widths unpadded, 8 in steps of 16.
    assert len(widths) == len(texts) and len(set(widths)) <= 8
    assert all(w % WIDTH_STEP == 0 or w == runtime.max_seq_length for w in widths)
    # Padding changes nothing: each text alone, unpadded but for its own batch, agrees.
    alone = np.stack([encoder.encode([t])[0] for t in texts[:3]])
    assert np.abs(alone - vectors[:3]).max() < 1e-5


def _fixed_cuts(n: int, batch_size: int) -> list[tuple[int, int]]:
    return [(at, min(n, at + batch_size)) for at in range(0, n, batch_size)]


def _padded_tokens(widths: list[int], ranges: list[tuple[int, int]]) -> int:
    return sum((end - start) * widths[start] for start, end in ranges)


@pytest.mark.parametrize("seed", range(20))
def test_batch_plans_cover_every_text_once_within_the_batch_size(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, batch_size = int(rng.integers(0, 200)), int(rng.integers(1, 40))
    widths = sorted((int(w) for w in rng.choice([16, 32, 48, 64, 128, 256], n)), reverse=True)
    ranges = plan_batches(widths, batch_size)
    assert [i for start, end in ranges for i in range(start, end)] == list(range(n))
    assert all(0 < end - start <= batch_size for start, end in ranges)
    # Never more padding than cutting every batch_size texts, the plan it replaced.
    assert _padded_tokens(widths, ranges) <= _padded_tokens(widths, _fixed_cuts(n, batch_size))


def test_a_passage_and_its_short_sentences_are_not_padded_together() -> None:
    # One passage's units as the index encodes them: the passage, then its sentences.
    widths = [256, 48, 32, 32, 32, 16]
    assert plan_batches(widths, 32) == [(0, 1), (1, 6)]
    assert _padded_tokens(widths, plan_batches(widths, 32)) == 256 + 5 * 48
    assert plan_batches([], 32) == []
    # Texts of one width take as few batches as the batch size allows.
    assert len(plan_batches([64] * 70, 32)) == 3


def test_vectors_do_not_depend_on_how_texts_were_batched() -> None:
    encoder = SentenceTransformerEncoder(precision="float32")
    texts = [SEED_TEXT[:1500], "Short one.", "Another short sentence here.", SEED_TEXT[:300]]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-5
