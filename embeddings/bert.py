"""A BERT encoder body in plain PyTorch, loaded straight from a model folder's safetensors.

``transformers`` spends about 2.5 s of a fresh process importing its model machinery
(``torch.distributed``, ``torch._dynamo``, ``sympy``) before it can build a ``BertModel``; a
question needs one small forward pass, so that import was most of the time ``qa ask`` took.
This module is the same arithmetic as ``transformers``' ``BertModel`` without the pooler:
embeddings, then layers of self-attention and a GELU feed-forward block, each followed by a
residual LayerNorm. Parameter names are those of ``BertModel``, so its checkpoints load
strictly, with no renaming, and a missing or extra weight is an error rather than a guess.

Only what the packaged MiniLM uses is supported: absolute positions, exact GELU, no decoder
parts. :func:`bert_config` refuses any other configuration, so a caller can fall back to a
general loader instead of computing something else.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class BertConfig:
    """The shape of a BERT encoder (the fields of a ``config.json`` this module reads)."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float


def bert_config(folder: Path) -> BertConfig | None:
    """The folder's BERT configuration, or None when its model is not one this module runs.

    Example:
        >>> from embeddings.minilm import packaged_model_path
        >>> bert_config(packaged_model_path()).hidden_size
        384
    """
    path = Path(folder) / "config.json"
    if not path.is_file():
        return None
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # Anything else (relative positions, another activation, a decoder) is other arithmetic.
    if (
        raw.get("model_type") != "bert"
        or raw.get("hidden_act", "gelu") != "gelu"
        or raw.get("position_embedding_type", "absolute") != "absolute"
        or raw.get("is_decoder", False)
        or raw.get("add_cross_attention", False)
    ):
        return None
    try:
        return BertConfig(
            vocab_size=int(raw["vocab_size"]),
            hidden_size=int(raw["hidden_size"]),
            num_hidden_layers=int(raw["num_hidden_layers"]),
            num_attention_heads=int(raw["num_attention_heads"]),
            intermediate_size=int(raw["intermediate_size"]),
            max_position_embeddings=int(raw["max_position_embeddings"]),
            type_vocab_size=int(raw.get("type_vocab_size", 2)),
            layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        )
    except (KeyError, TypeError, ValueError):
        return None


# Parameters are made on the meta device (no memory, no random initialisation) and replaced
# by the checkpoint's tensors when it loads (``load_state_dict(assign=True)``): initialising
# 22M numbers only to overwrite them would cost a fresh process a tenth of a second.
_META = "meta"


def _linear(inputs: int, outputs: int) -> nn.Linear:
    return nn.Linear(inputs, outputs, device=_META)


def _embedding(rows: int, width: int) -> nn.Embedding:
    # Not nn.Embedding(..., device="meta"): its random init on the meta device imports
    # torch._dynamo, about a second. A given (empty) table skips the init altogether.
    empty = torch.empty(rows, width, device=_META)
    table: nn.Embedding = nn.Embedding.from_pretrained(empty)  # type: ignore[no-untyped-call]
    return table


def _norm(config: BertConfig) -> nn.LayerNorm:
    return nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps, device=_META)


# The submodules below exist to give each parameter BertModel's name.


class _Embeddings(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        hidden = config.hidden_size
        self.word_embeddings = _embedding(config.vocab_size, hidden)
        self.position_embeddings = _embedding(config.max_position_embeddings, hidden)
        self.token_type_embeddings = _embedding(config.type_vocab_size, hidden)
        self.LayerNorm = _norm(config)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        # Summed in BertEmbeddings' order, so float rounding is the same as there.
        x: torch.Tensor = self.word_embeddings(input_ids)
        x = x + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(positions)
        out: torch.Tensor = self.LayerNorm(x)
        return out


class _DenseNorm(nn.Module):
    """A projection, added to the residual, then LayerNorm."""

    def __init__(self, inputs: int, config: BertConfig) -> None:
        super().__init__()
        self.dense = _linear(inputs, config.hidden_size)
        self.LayerNorm = _norm(config)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.LayerNorm(self.dense(x) + residual)
        return out


class _SelfAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        hidden = config.hidden_size
        self.heads = config.num_attention_heads
        self.query = _linear(hidden, hidden)
        self.key = _linear(hidden, hidden)
        self.value = _linear(hidden, hidden)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        size = hidden // self.heads

        def split(h: torch.Tensor) -> torch.Tensor:
            return h.view(batch, length, self.heads, size).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=size**-0.5)
        return mixed.transpose(1, 2).reshape(batch, length, hidden)


class _Attention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(config)
        self.output = _DenseNorm(config.hidden_size, config)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.output(self.self(x, keep), x)
        return out


class _Intermediate(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = _linear(config.hidden_size, config.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))  # the exact (erf) GELU, BERT's "gelu"


class _Layer(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(config)
        self.intermediate = _Intermediate(config)
        self.output = _DenseNorm(config.intermediate_size, config)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        attended = self.attention(x, keep)
        out: torch.Tensor = self.output(self.intermediate(attended), attended)
        return out


class _Encoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(config) for _ in range(config.num_hidden_layers))


class BertBody(nn.Module):
    """BERT's embeddings and encoder layers: token ids in, last hidden states out.

    Its parameters are empty (on the meta device) until a checkpoint is loaded into it with
    ``load_state_dict(..., assign=True)``; :func:`load_bert` does both.

    Args:
        config: The encoder's shape.

    Example:
        >>> from embeddings.minilm import packaged_model_path
        >>> body = load_bert(packaged_model_path())
        >>> ids = torch.tensor([[101, 2043, 102]])
        >>> body(ids, torch.ones_like(ids), torch.zeros_like(ids)).shape
        torch.Size([1, 3, 384])
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        """Hidden states ``(batch, length, hidden)`` for ``(batch, length)`` inputs."""
        x: torch.Tensor = self.embeddings(input_ids, token_type_ids)
        # True where a key may be attended to: padding is never looked at.
        keep = attention_mask.bool()[:, None, None, :]
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return x


def load_bert(folder: Path) -> BertBody:
    """The BERT body of a model folder (``config.json`` and ``model.safetensors``), in eval mode.

    Raises:
        ValueError: When the folder's model is not a BERT this module runs, or its weights
            do not fit it exactly.

    Example:
        >>> from embeddings.minilm import packaged_model_path
        >>> load_bert(packaged_model_path()).config.num_hidden_layers
        6
    """
    from safetensors.torch import load_file

    config = bert_config(folder)
    if config is None:
        raise ValueError(f"{str(folder)!r} holds no BERT model this loader supports")
    state = load_file(str(Path(folder) / "model.safetensors"))
    # Older checkpoints store the position-id buffer, and the pooler is never used here.
    weights = {
        name: tensor.float()
        for name, tensor in state.items()
        if not name.endswith("position_ids") and "pooler." not in name
    }
    body = BertBody(config)
    body.load_state_dict(weights, strict=True, assign=True)
    return body.eval().requires_grad_(False)


def load_fine_tuned(
    folder: Path, weights: dict[str, torch.Tensor], *, quantize: bool, name: str
) -> BertBody | nn.Module:
    """The BERT body of ``folder`` with fine-tuned ``weights`` put in, ready to run.

    Fine-tuned weights are stored without the word-embedding matrix, which stays frozen in
    training and comes from ``folder``; every other weight must be there, named as the model
    that was fine-tuned names it: ``encoder.`` and then its ``BertModel`` name (a pooler is
    ignored).

    Args:
        folder: The base model folder (``config.json``, ``model.safetensors``).
        weights: The fine-tuned body's weights, the head's taken out.
        quantize: Run the linear layers in int8 on the CPU (about twice as fast).
        name: What the weights are, for the error message.

    Raises:
        ValueError: When the weights do not fit the base model.

    Example:
        >>> from embeddings.minilm import packaged_model_path
        >>> body = load_bert(packaged_model_path())
        >>> own = {f"encoder.{k}": v for k, v in body.state_dict().items() if "word_emb" not in k}
        >>> load_fine_tuned(packaged_model_path(), own, quantize=False, name="x").training
        False
    """
    import warnings

    body = load_bert(folder)
    own = {
        k.removeprefix("encoder."): v.float()
        for k, v in weights.items()
        if not k.startswith("encoder.pooler.")
    }
    missing, unexpected = body.load_state_dict(own, strict=False, assign=True)
    if unexpected or any(k != "embeddings.word_embeddings.weight" for k in missing):
        raise ValueError(f"{name} weights do not fit the base model: {unexpected or missing}")
    body.eval()
    if not quantize:
        return body
    with warnings.catch_warnings():
        # The eager int8 API is marked deprecated but is the one that runs everywhere.
        warnings.simplefilter("ignore")
        quantized: nn.Module = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            body, {nn.Linear}, dtype=torch.qint8
        )
    return quantized


@functools.lru_cache(maxsize=8)
def load_tokenizer(
    folder: Path, max_length: int | None = None, stride: int = 0, strategy: str = "longest_first"
) -> Any:
    """The ``tokenizer.json`` of a model folder (a ``tokenizers.Tokenizer``), never padding.

    With ``max_length`` it truncates as ``Tokenizer.enable_truncation`` does with these
    arguments; without, it keeps every token. One tokenizer per setting is made and shared:
    the question encoder and the span model read the same file, and neither changes its
    tokenizer after this.

    Example:
        >>> from embeddings.minilm import packaged_model_path
        >>> len(load_tokenizer(packaged_model_path()).encode("GSOMIA expires").ids) > 2
        True
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tokenizer.no_padding()
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length, stride=stride, strategy=strategy)
    return tokenizer
