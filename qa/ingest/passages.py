"""Splitting documents into passages whose offsets point back into the original text."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.ingest.articles import FRONT_MATTER
from qa.text.dates import resolve_date
from qa.types import Document, Passage

TokenOffsets = Callable[[str], list[tuple[int, int]]]

# Markdown images and links carry no prose of their own; a line made only of them, table pipes
# and punctuation is layout debris (the seed's "![]() |" line), not a paragraph.
# Brackets excluded inside the link text: "[^\]]*" alone backtracks quadratically over a
# line of "[[[[" (a 1 MB line took minutes).
_MARKUP = re.compile(r"!?\[[^\[\]]*\]\([^()]*\)")
_EDGE = " \t|"


def _is_debris(line: str) -> bool:
    return not any(ch.isalnum() for ch in _MARKUP.sub("", line))


def split_paragraphs(document: Document) -> list[tuple[int, int]]:
    """Offsets ``[start, end)`` of the paragraphs of a document's body.

    The title line and any front matter are left out. When the body separates paragraphs with
    blank lines, consecutive lines are one paragraph (hard-wrapped text); otherwise every line is
    a paragraph, as in the seed article. Layout debris lines are dropped, and table pipes at the
    edges of a line are trimmed, so ``"Photo: Sputnik |"`` keeps only its words.

    Example:
        >>> doc = Document(id="d", title="T", text="T\\nOne.\\n![]() |\\nTwo |", source="d")
        >>> [doc.text[s:e] for s, e in split_paragraphs(doc)]
        ['One.', 'Two']
    """
    text = document.text
    lines = _lines(text)
    body_from = 0
    front = FRONT_MATTER.match(text)
    if front:
        body_from = front.end()
    kinds: list[tuple[int, int, str]] = []
    title_skipped = False
    dateline_checked = False
    for start, end in lines:
        if start < body_from:
            continue
        line = text[start:end]
        if not line.strip():
            kinds.append((start, end, "blank"))
            continue
        if not title_skipped:
            title_skipped = True
            if line.strip().lstrip("#").strip() == document.title.strip():
                continue
        if not dateline_checked:
            dateline_checked = True
            # The dateline ("Friday, July 21, 2017") is the article's date, not its text.
            if (
                document.date is not None
                and len(line.strip()) <= 40
                and (resolve_date(line) == document.date)
            ):
                continue
        kinds.append((start, end, "debris" if _is_debris(line) else "text"))
    text_rows = [i for i, k in enumerate(kinds) if k[2] == "text"]
    blank_mode = bool(text_rows) and any(
        kinds[i][2] == "blank" for i in range(text_rows[0], text_rows[-1])
    )
    paragraphs: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for start, end, kind in kinds:
        if kind == "text" and not blank_mode:
            paragraphs.append((start, end))
        elif kind == "text":
            run.append((start, end))
        elif run:
            paragraphs.append((run[0][0], run[-1][1]))
            run = []
    if run:
        paragraphs.append((run[0][0], run[-1][1]))
    trimmed = []
    for start, end in paragraphs:
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and (text[end - 1] in _EDGE or text[end - 1] in "\r\n"):
            end -= 1
        if start < end:
            trimmed.append((start, end))
    return trimmed


# A sentence ends at . ! or ? (maybe followed by a closing quote or bracket) before a space
# and an upper-case letter, digit or opening quote. Good enough to embed sentences on their own;
# the reader uses spaCy's parse for anything finer.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split a passage into sentences for sentence-level dense retrieval.

    Example:
        >>> split_sentences("Kim met Biegun. “It went well,” he said. Talks resume in 2020.")
        ['Kim met Biegun.', '“It went well,” he said.', 'Talks resume in 2020.']
    """
    return [text[a:b] for a, b in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Half-open character offsets of each sentence of ``text``, as :func:`split_sentences`
    cuts it, without the spaces around it.

    Example:
        >>> sentence_spans("Kim met Biegun. Talks resume in 2020.")
        [(0, 15), (16, 37)]
    """
    spans: list[tuple[int, int]] = []
    begin = 0
    for cut in [*_SENTENCE_END.finditer(text), None]:
        stop = cut.start() if cut is not None else len(text)
        piece = text[begin:stop]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((begin + lead, begin + len(piece.rstrip())))
        if cut is not None:
            begin = cut.end()
    return spans


def _lines(text: str) -> list[tuple[int, int]]:
    """Offsets of each line without its line break."""
    return [
        (m.start(), m.start() + len(m.group(1)))
        for m in re.finditer(r"([^\n]*)(\n|$)", text)
        if m.start() < len(text) or m.group(1)
    ]


class Chunker:
    """Turns documents into passages that fit the encoder's window.

    Args:
        token_offsets: Tokenizer returning character offsets of each token of a text.
        window_tokens: Most tokens in one passage.
        overlap_tokens: Tokens repeated at the start of the next window of a long paragraph, so
            an answer near a cut is whole in at least one window.

    Example:
        >>> words = lambda t: [(m.start(), m.end()) for m in re.finditer(r"\\S+", t)]
        >>> chunker = Chunker(words, 4, 1)
        >>> doc = Document(id="d", title="T", text="T\\na b c d e f g", source="d")
        >>> [p.text for p in chunker.passages(doc)]
        ['a b c d', 'd e f g']
    """

    def __init__(
        self, token_offsets: TokenOffsets, window_tokens: int, overlap_tokens: int
    ) -> None:
        if overlap_tokens >= window_tokens:
            raise ValueError("overlap_tokens must be smaller than window_tokens")
        self._token_offsets = token_offsets
        self._window = window_tokens
        self._overlap = overlap_tokens

    def passages(self, document: Document) -> list[Passage]:
        """All passages of one document, in reading order."""
        return self.passages_batch([document])[0]

    def passages_batch(self, documents: Sequence[Document]) -> list[list[Passage]]:
        """Passages of each document."""
        out = []
        for document in documents:
            spans: list[tuple[int, int]] = []
            for start, end in split_paragraphs(document):
                spans.extend(self._windows(document.text, start, end))
            out.append(
                [
                    Passage.of(document, ordinal, start, end)
                    for ordinal, (start, end) in enumerate(spans)
                ]
            )
        return out

    def _windows(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        paragraph = text[start:end]
        tokens = self._token_offsets(paragraph)
        if len(tokens) <= self._window:
            return [(start, end)]
        # Group word pieces into whole words so no window starts or ends inside a word.
        words: list[tuple[int, int, int]] = []  # (char start, char end, token count)
        for tok_start, tok_end in tokens:
            if words and tok_start == words[-1][1]:
                w_start, _, count = words[-1]
                words[-1] = (w_start, tok_end, count + 1)
            else:
                words.append((tok_start, tok_end, 1))
        windows = []
        first = 0
        while first < len(words):
            last, budget = first, 0
            while last < len(words) and (budget + words[last][2] <= self._window or last == first):
                budget += words[last][2]
                last += 1
            windows.append((start + words[first][0], start + words[last - 1][1]))
            if last >= len(words):
                break
            back, shared = last, 0
            while back - 1 > first and shared + words[back - 1][2] <= self._overlap:
                back -= 1
                shared += words[back][2]
            first = back
        return windows
