"""Stage 6: decide what to say: the answer with its citations and calendar date, the newest
report of a changing story, or a decline with its reason.

Entry point: :func:`decide`, given the :class:`Evidence` that retrieval and reading gathered.
"""

from __future__ import annotations

from qa.answer.dates import resolve_date_in
from qa.answer.decision import Evidence, clash_reason, decide

__all__ = ["Evidence", "clash_reason", "decide", "resolve_date_in"]
