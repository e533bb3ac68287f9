"""The combiner: one logistic model that turns both readers' views of an answer into the
probability that it is right.

It is fitted on SQuAD by ``scripts/fit_neural.py``, which writes its weights to
``qa/read/neural_weights.json`` beside the thresholds fitted with it; without that file the
hand-set :data:`HAND_COMBINER` is used. It is kept apart from the reader that computes its
features (:mod:`qa.read.neural`) because the fitting script, the evaluation and the span-only
baseline read the feature names or the weights file without running either model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COMBINER_FILE = Path(__file__).with_name("neural_weights.json")

# What the combiner sees of one distinct answer.
COMBINED_FEATURES = (
    "span_logit",
    "span_margin",
    "span_lead",
    "span_share",
    "span_proposed",
    "typed_logit",
    "typed_found",
    "typed_lead",
    "type_fit",
    "missing_key",
    "verb_missing",
    "sentence_similarity",
    "overlap",
    "extra_passages",
    "retrieval",
    "long",
    "typed_confidence",
    "sentence_keys_missing",
    "question_margin",
    "closest_similarity",
)


@dataclass(frozen=True)
class Combiner:
    """Logistic weights over :data:`COMBINED_FEATURES` (and ``bias``)."""

    weights: dict[str, float]

    def probability(self, features: Sequence[float]) -> float:
        z = self.weights.get("bias", 0.0) + sum(
            self.weights.get(name, 0.0) * value
            for name, value in zip(COMBINED_FEATURES, features, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


# Used when no fitted weights file is present: the span model's view leads, the typed
# reader's knowledge of missing question words and answer type adjusts it.
HAND_COMBINER = Combiner(
    {
        "bias": -3.0,
        "span_logit": 0.15,
        "span_margin": 0.15,
        "span_lead": 0.2,
        "span_proposed": 0.5,
        "typed_logit": 0.2,
        "typed_found": 0.3,
        "type_fit": 0.5,
        "missing_key": -2.0,
        "sentence_similarity": 1.0,
        "extra_passages": 0.3,
    }
)


def load_combiner(path: Path = COMBINER_FILE) -> Combiner:
    """Fitted combiner weights (``scripts/fit_neural.py``), or the hand-set ones."""
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return Combiner({k: float(v) for k, v in data["weights"].items()})
    return HAND_COMBINER
