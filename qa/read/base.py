"""The reader interface: any extractive reader plugs into the pipeline through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from qa.types import Hit, Span


@dataclass(frozen=True)
class ReadRequest:
    """One question and the passages to read for it.

    Attributes:
        question: The standalone question (follow-ups already resolved).
        hits: Retrieved passages, best first.
        analyses: For each hit, what :meth:`Reader.analyze` stored for its passage at index time.
        question_vector: The encoded question, when the pipeline has it (saves encoding twice).
    """

    question: str
    hits: Sequence[Hit]
    analyses: Sequence[bytes]
    question_vector: npt.NDArray[np.float32] | None = None


@runtime_checkable
class Reader(Protocol):
    """Finds answer spans in passages.

    Attributes:
        name: Identifies the reader and the version of its index-time analysis; an index whose
            analyses were made under another name is re-analysed.
    """

    name: str

    def analyze(self, texts: Sequence[str]) -> list[bytes]:
        """Index-time analysis of passage texts (parsing, sentence vectors...), one blob each.

        Done once per passage when it is indexed, so questions do not pay for it.
        """
        ...

    def read(self, requests: Sequence[ReadRequest]) -> list[list[Span]]:
        """Candidate spans for each request, best first, each scored in [0, 1].

        A span's score estimates the probability that it is a correct answer taken on its own;
        the pipeline merges equal answers from several passages and decides whether to abstain.
        """
        ...
