"""Stage 6: decide what to say: the answer with its citations and calendar date, the newest
report of a changing story, or a decline with its reason.

Entry point: :func:`decide`, given the :class:`Evidence` that retrieval and reading gathered.
"""

from __future__ import annotations

from qa.answer.citations import citation_for
from qa.answer.dates import resolve_date_in
from qa.answer.decision import Evidence, clash_reason, decide
from qa.answer.stories import answer_value, story

__all__ = [
    "Evidence",
    "answer_value",
    "citation_for",
    "clash_reason",
    "decide",
    "resolve_date_in",
    "story",
]
