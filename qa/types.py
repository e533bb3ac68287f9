"""The typed data that flows through the pipeline: one frozen pydantic model per concept.

Every offset is a half-open ``[start, end)`` character offset into a piece of original text, and
the models that carry both the text and the offsets check on construction that they agree, so a
citation can never point somewhere other than where its words are.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ARTICLES = frozenset({"a", "an", "the"})


def answer_key(text: str) -> str:
    """Reduce an answer to the form under which two mentions count as the same answer.

    Case, punctuation at the edges of words, and leading articles do not change what an answer
    says, so they are dropped; everything else must agree.

    Example:
        >>> answer_key("The  Pentagon,") == answer_key("pentagon")
        True
    """
    words = [w.strip(".,;:!?\"'()[]“”‘’").casefold() for w in text.split()]
    words = [w for w in words if w]
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    """One article as read from the corpus.

    Attributes:
        id: Stable identifier (the path relative to the corpus, or the ``id`` of a JSONL record).
        title: Headline of the article.
        text: The article's original text; passage offsets point into it.
        source: Where it was read from, relative to the corpus folder.
        date: Publication date when the source gives one.
        url: Address of the original when the source gives one.
        author: Who wrote it, when the source names them (a page's byline metadata, a feed
            item's author).

    Example:
        >>> Document(id="a.txt", title="T", text="T\\nBody.", source="a.txt").title
        'T'
    """

    id: str = Field(min_length=1)
    title: str
    text: str
    source: str
    date: dt.date | None = None
    url: str | None = None
    author: str | None = None


class Passage(_Frozen):
    """A paragraph (or a window of a long paragraph) of a document.

    Attributes:
        id: Identifier unique within an index, ``"<document_id>#<ordinal>"``.
        document_id: The document it belongs to.
        title: The document's title, repeated so a passage can be shown on its own.
        text: Exactly ``document.text[start:end]``.
        start: Offset of the first character in the document text.
        end: Offset one past the last character in the document text.
        ordinal: Position of the passage within its document, from 0.
        date: The document's date, when known.

    Example:
        >>> Passage(id="a#0", document_id="a", title="T", text="Hi", start=2, end=4, ordinal=0).end
        4
    """

    id: str
    document_id: str
    title: str
    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    ordinal: int = Field(ge=0)
    date: dt.date | None = None

    @classmethod
    def of(cls, document: Document, ordinal: int, start: int, end: int) -> Passage:
        """The passage ``[start, end)`` of ``document``, numbered ``ordinal``.

        Example:
            >>> doc = Document(id="a", title="T", text="T\\nHello.", source="a")
            >>> Passage.of(doc, 0, 2, 8).text, Passage.of(doc, 0, 2, 8).id
            ('Hello.', 'a#0')
        """
        return cls(
            id=f"{document.id}#{ordinal}",
            document_id=document.id,
            title=document.title,
            text=document.text[start:end],
            start=start,
            end=end,
            ordinal=ordinal,
            date=document.date,
        )

    @model_validator(mode="after")
    def _length_matches_offsets(self) -> Passage:
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"passage {self.id!r}: offsets [{self.start}, {self.end}) span "
                f"{self.end - self.start} characters but the text has {len(self.text)}"
            )
        return self


class Span(_Frozen):
    """A candidate answer inside a passage, as a reader proposes it.

    Attributes:
        passage_id: The passage the span lies in.
        start: Offset of the first character in the passage text.
        end: Offset one past the last character in the passage text.
        text: Exactly ``passage.text[start:end]``.
        score: The reader's confidence in this span, in [0, 1].

    Example:
        >>> Span(passage_id="a#0", start=0, end=2, text="Hi", score=0.5).text
        'Hi'
    """

    passage_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(min_length=1)
    score: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _length_matches_offsets(self) -> Span:
        if self.end - self.start != len(self.text):
            raise ValueError(f"span [{self.start}, {self.end}) does not fit its text {self.text!r}")
        return self


class Citation(_Frozen):
    """A passage that supports an answer, with the answer located inside it.

    Attributes:
        document_id: The cited document.
        title: Its title.
        passage: The full passage text.
        start: Offset of the answer in ``passage`` (``passage[start:end]`` is the answer).
        end: Offset one past the answer in ``passage``.
        passage_id: The cited passage.
        passage_start: Offset of the passage in the document text.
        score: Confidence that this passage gives the answer, in [0, 1].
        date: The document's date, when known.
        url: The document's address, when known.
        author: The document's author, when known.
        also_in: Other documents that carry this passage word for word (the same wire story
            in several outlets); they are one source, so they add no evidence.
        source: The file the document was read from, relative to the corpus folder
            (``Document.source``): for a JSONL record or a feed item it names the file where
            ``document_id`` names the record. None when not known.

    Example:
        >>> Citation(document_id="a", title="T", passage="It ends Monday.", start=8, end=14,
        ...          passage_id="a#0", passage_start=0, score=0.9).text
        'Monday'
    """

    document_id: str
    title: str
    passage: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    passage_id: str
    passage_start: int = Field(ge=0)
    score: float = Field(ge=0.0, le=1.0)
    date: dt.date | None = None
    url: str | None = None
    author: str | None = None
    also_in: tuple[str, ...] = ()
    source: str | None = None

    @model_validator(mode="after")
    def _offsets_inside_passage(self) -> Citation:
        if not (0 <= self.start < self.end <= len(self.passage)):
            raise ValueError(
                f"citation offsets [{self.start}, {self.end}) fall outside a passage of "
                f"{len(self.passage)} characters"
            )
        return self

    @property
    def text(self) -> str:
        """The answer as it stands in the passage."""
        return self.passage[self.start : self.end]


class Hit(_Frozen):
    """A retrieved passage with its fused retrieval score.

    Attributes:
        passage: The retrieved passage.
        score: Fused relevance score; higher is better, comparable only within one query.
        dense_rank: 1-based rank in the dense (FAISS) results, None when not among them.
        lexical_rank: 1-based rank in the BM25 results, None when not among them.
        similarity: Cosine similarity of the question with the passage's best-matching vector
            (the passage or one of its sentences); unlike ``score`` it is comparable across
            questions. None when the passage was not among the dense results.
        copies: Ids of other passages with the same text (whitespace aside), folded into this
            hit so that a story printed twice is read once.

    Example:
        >>> p = Passage(id="a#0", document_id="a", title="T", text="Hi", start=0, end=2, ordinal=0)
        >>> Hit(passage=p, score=0.03).text
        'Hi'
    """

    passage: Passage
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = None
    copies: tuple[str, ...] = ()

    @property
    def document_id(self) -> str:
        """The document the passage belongs to."""
        return self.passage.document_id

    @property
    def title(self) -> str:
        """The document's title."""
        return self.passage.title

    @property
    def text(self) -> str:
        """The passage text."""
        return self.passage.text


class TimelineEntry(_Frozen):
    """One of the answers dated articles gave to a question whose answer changed over time.

    Attributes:
        text: The answer as that article gives it.
        date: The article's date.
        citation: Where it says so.

    Example:
        >>> c = Citation(document_id="a", title="T", passage="12 died.", start=0, end=2,
        ...              passage_id="a#0", passage_start=0, score=0.5)
        >>> TimelineEntry(text="12", date=dt.date(2024, 1, 1), citation=c).text
        '12'
    """

    text: str
    date: dt.date
    citation: Citation

    @model_validator(mode="after")
    def _text_matches_citation(self) -> TimelineEntry:
        if self.citation.text != self.text:
            raise ValueError(f"timeline entry {self.text!r} cites {self.citation.text!r}")
        return self


class Answer(_Frozen):
    """What the assistant says to a question.

    Attributes:
        question: The question exactly as asked.
        text: The answer span, copied from the first citation; None when the assistant abstains.
        score: Confidence in [0, 1] that ``text`` answers the question; None exactly when the
            assistant abstains, so that a decline never reads as a confident answer.
        best_candidate_score: When abstaining, the confidence of the best candidate it
            turned down (None when it found none); None when it answers.
        citations: Passages giving the answer, best first; ``citations[0].text == text``.
        resolved_question: The standalone question actually searched for, after filling in
            what a follow-up left out from the conversation history.
        passages: The passages that were read, best first, so an abstention can still show
            the closest text found.
        abstain_reason: Why there is no answer, when there is none.
        date: The calendar day the answer names, when it is a date expression that the answer
            itself or its article's publication date pins down ("this Saturday" in an article
            of Wednesday 20 November 2019 is 2019-11-23).
        kind: The kind of answer the question asks for ("year", "person", "amount of money",
            ... see :class:`qa.question.kinds.AnswerKind`), when the reader tells kinds apart; a
            candidate of another kind is never the answer.
        timeline: When dated articles give different answers (a death toll that rises, a date
            that moves), each distinct answer with its article's date and citation, oldest
            first; the answer is then the most recent article's. When the newest reports are of
            one day and disagree, the assistant declines, naming each value and its source in
            ``abstain_reason``, and the timeline lists them. Empty otherwise.

    Example:
        >>> Answer(question="Who?", text=None, abstain_reason="no candidate").abstained
        True
    """

    question: str
    text: str | None
    score: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Confidence in [0, 1] that text answers the question; null when declined.",
    )
    citations: tuple[Citation, ...] = ()
    resolved_question: str | None = None
    passages: tuple[Hit, ...] = ()
    abstain_reason: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    best_candidate_score: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "When declined: the confidence of the best candidate turned down (null if none). "
            "Null when answered."
        ),
    )

    @model_validator(mode="after")
    def _answer_matches_citation(self) -> Answer:
        if self.text is not None:
            if self.score is None:
                raise ValueError("an answer needs its confidence (score)")
            if self.best_candidate_score is not None:
                raise ValueError(
                    "best_candidate_score is for declines; an answer's confidence is its score"
                )
            if not self.citations:
                raise ValueError("an answer must cite at least one passage")
            first = self.citations[0]
            if first.text != self.text:
                raise ValueError(
                    f"citation of {first.passage_id!r} marks {first.text!r}, "
                    f"not the answer {self.text!r}"
                )
            # Other passages may word the same answer slightly differently ("the US" / "US").
            for citation in self.citations[1:]:
                if answer_key(citation.text) != answer_key(self.text):
                    raise ValueError(
                        f"citation of {citation.passage_id!r} marks {citation.text!r}, "
                        f"which is not the answer {self.text!r}"
                    )
        elif self.citations:
            raise ValueError("an abstention cannot cite passages for an answer")
        elif self.score is not None:
            raise ValueError(
                "a decline has no confidence (score must be null); the best turned-down "
                "candidate's confidence goes in best_candidate_score"
            )
        return self

    @property
    def abstained(self) -> bool:
        """True when the articles do not answer the question (as far as the reader can tell)."""
        return self.text is None
