"""Stage 4: understand the question before reading: its frame (wh-word, head noun, verb), the
kind of answer it asks for, the names and numbers it specifies, and, for a follow-up, the
standalone question it stands for.

Entry point: :class:`QuestionAnalyzer` (``analyse_batch``), giving one frozen
:class:`QuestionAnalysis` per question that the reader and the decision receive.
"""

from __future__ import annotations

from qa.question.analysis import QuestionAnalysis, QuestionAnalyzer
from qa.question.followup import resolve_followup
from qa.question.frame import QuestionFrame, analyse_question, unmentioned_specifics
from qa.question.kinds import AnswerKind, expected_kind
from qa.question.parser import Parser

__all__ = [
    "AnswerKind",
    "Parser",
    "QuestionAnalysis",
    "QuestionAnalyzer",
    "QuestionFrame",
    "analyse_question",
    "expected_kind",
    "resolve_followup",
    "unmentioned_specifics",
]
