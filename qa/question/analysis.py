"""A question analysed once, before retrieval: what every later stage needs to know about it.

The follow-up rewrite, the parse, the frame (wh-word, head noun, verbs, specifics) and the kind
of answer asked for are worked out here, once per question, and handed on as one frozen
:class:`QuestionAnalysis`: the reader reads with it, the decision names the kind it could not
find, and the specifics say what the articles never mention. A reader plugged in needs none of
this machinery of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.question.followup import resolve_followup
from qa.question.frame import QuestionFrame, analyse_question, unmentioned_specifics
from qa.question.kinds import AnswerKind, expected_kind
from qa.question.parser import Parser
from qa.types import Answer


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question as the pipeline understands it.

    Attributes:
        asked: The question as asked (cleaned of control characters and extra spaces).
        text: The standalone question: ``asked`` with what a follow-up left out filled in
            from the conversation (``asked`` itself otherwise). Retrieval searches for this.
        doc: The spaCy parse of ``text``.
        frame: What the question asks about (:class:`~qa.question.frame.QuestionFrame`).
        kind: The kind of answer it asks for.
    """

    asked: str
    text: str
    doc: Any
    frame: QuestionFrame
    kind: AnswerKind

    @property
    def wh(self) -> str:
        """The question's wh-word (``"what"`` when it has none)."""
        return self.frame.wh

    @property
    def rewritten(self) -> bool:
        """Whether the conversation changed the question (a follow-up was filled in)."""
        return self.text != self.asked

    def unmentioned(self, known: Sequence[frozenset[str]]) -> list[str]:
        """The question's names, numbers and ordinals that none of these articles mentions.

        Args:
            known: :func:`qa.text.words.article_words` of each article read for it.

        Example:
            >>> from qa.text.words import article_words
            >>> analysis = QuestionAnalyzer().analyse("Who spoke at the third summit?")
            >>> analysis.unmentioned([article_words("The second summit.")])
            ['third']
        """
        return unmentioned_specifics(self.doc, known)


class QuestionAnalyzer:
    """Analyses questions (and follow-ups) into :class:`QuestionAnalysis` objects.

    Args:
        parser: The spaCy pipeline to parse with; a new :class:`Parser` (which loads the
            model on first use, shared with every other parser of it) when None.

    Example:
        >>> analyzer = QuestionAnalyzer()                 # cheap: spaCy loads on first use
        >>> analyzer.analyse("In what year was GSOMIA signed?").kind.value
        'year'
    """

    def __init__(self, parser: Parser | None = None) -> None:
        self.parser = parser if parser is not None else Parser()

    def analyse(self, question: str, history: Sequence[Answer] = ()) -> QuestionAnalysis:
        """One question, after the conversation ``history`` (oldest first).

        Example:
            >>> first = Answer(question="When does GSOMIA expire?", text=None)
            >>> QuestionAnalyzer().analyse("Which countries are party to it?", [first]).text
            'Which countries are party to GSOMIA?'
        """
        return self.analyse_batch([question], [history])[0]

    def analyse_batch(
        self, questions: Sequence[str], histories: Sequence[Sequence[Answer]] | None = None
    ) -> list[QuestionAnalysis]:
        """Several questions; ``histories[i]`` is the conversation before question ``i``.

        Example:
            >>> [a.kind.value for a in QuestionAnalyzer().analyse_batch(["Who won?", "When?"])]
            ['person', 'date']
        """
        texts = [
            resolve_followup(q, histories[i], self.parser.nlp) if histories and histories[i] else q
            for i, q in enumerate(questions)
        ]
        docs = self.parser.parse_batch(texts)
        return [
            QuestionAnalysis(asked, text, doc, analyse_question(doc), expected_kind(doc))
            for asked, text, doc in zip(questions, texts, docs, strict=True)
        ]
