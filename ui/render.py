"""Turning answers into the chat's HTML-in-Markdown and the API's JSON.

Everything here is pure (no Gradio, no model), so the look of a reply can be tested on hand-made
:class:`~qa.types.Answer` objects.

Article text is untrusted: it is HTML-escaped, and the characters Markdown or LaTeX would act on
are turned into numeric character references, so a passage always shows exactly as written.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from typing import Any

from qa.text.display import printable, source_label
from qa.types import Answer, Citation, Hit


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an "s" unless there is one.

    Example:
        >>> plural(1, "article"), plural(3, "more passage")
        ('1 article', '3 more passages')
    """
    return f"{n} {word}{'' if n == 1 else 's'}"


NOT_FOUND = "Not found in these articles"

# Characters that Markdown (emphasis, links, images, tables, headings, code) or the chat's math
# rendering would otherwise interpret; as character references they display literally.
_MARKUP_CHARS = "\\`*_[]()!#|~${}"
# Quotes become references in the same single pass: html.escape's own "&#x27;" would have its
# "#" neutralised again and show as "&#x27;" in the chat.
_NEUTRALISE = str.maketrans({ch: f"&#{ord(ch)};" for ch in _MARKUP_CHARS + "\"'"})
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")


def escape_text(text: str) -> str:
    """Make arbitrary text safe to show inside the chat's Markdown/HTML.

    HTML is escaped, Markdown and math markup is neutralised, and line breaks become ``<br>`` so
    that a blank line can never end the HTML block a passage sits in.

    Example:
        >>> escape_text("<b>5 * $3</b>")
        '&lt;b&gt;5 &#42; &#36;3&lt;/b&gt;'
    """
    escaped = html.escape(text, quote=False).translate(_NEUTRALISE)
    return _LINE_BREAK.sub("<br>", escaped)


def mark_passage(passage: str, start: int, end: int) -> str:
    """The escaped passage with ``passage[start:end]`` wrapped in ``<mark>``.

    Each piece is escaped on its own, so the offsets keep pointing at the original characters.

    Example:
        >>> mark_passage("Ends <soon> Saturday.", 12, 20)
        'Ends &lt;soon&gt; <mark>Saturday</mark>.'
    """
    return (
        escape_text(passage[:start])
        + "<mark>"
        + escape_text(passage[start:end])
        + "</mark>"
        + escape_text(passage[end:])
    )


def _source_line(
    title: str,
    date: dt.date | None,
    url: str | None,
    author: str | None = None,
    where: str | None = None,
) -> str:
    shown = escape_text(title.strip() or "Untitled article")
    # Only web links: a javascript: or file: address from an article must not become clickable.
    if url and url.lower().startswith(("http://", "https://")):
        link = html.escape(url, quote=True)
        shown = f'<a href="{link}" target="_blank" rel="noopener noreferrer">{shown}</a>'
    when = f' <span class="qa-date">· {date.isoformat()}</span>' if date else ""
    byline = f' <span class="qa-author">· {escape_text(author)}</span>' if author else ""
    # The file (and record or feed item) the passage is from, so it can be opened and checked.
    found = f' <span class="qa-file">· {escape_text(where)}</span>' if where else ""
    return f'<div class="qa-source">{shown}{byline}{when}{found}</div>'


def _card(source: str, body: str) -> str:
    # One line on purpose: Markdown ends an HTML block at the first blank line.
    return f'<div class="qa-card">{source}<div class="qa-passage">{body}</div></div>'


def citation_card(citation: Citation) -> str:
    """A cited passage: its article's title (date, author, and the file it is in when known),
    and the passage with the answer marked.

    Example:
        >>> c = Citation(document_id="m1", title="T", passage="It ends Monday.", start=8, end=14,
        ...              passage_id="m1#0", passage_start=0, score=0.9, source="wire.jsonl")
        >>> "<mark>Monday</mark>" in citation_card(c)
        True
        >>> "· wire.jsonl, record m1</span>" in citation_card(c)
        True
    """
    # Only a citation that knows its file names it; one made without (by hand, or by an older
    # version) shows as before rather than repeat an id.
    where = (
        source_label(citation.document_id, citation.source, citation.title)
        if citation.source is not None
        else None
    )
    source = _source_line(citation.title, citation.date, citation.url, citation.author, where=where)
    if citation.also_in:
        others = plural(len(citation.also_in), "other article")
        source += (
            f'<div class="qa-copies">also word for word in {others}: '
            f"{escape_text(', '.join(printable(name) for name in citation.also_in))}</div>"
        )
    return _card(source, mark_passage(citation.passage, citation.start, citation.end))


def hit_card(hit: Hit) -> str:
    """A retrieved passage with nothing marked (used for passages that do not give the answer).

    Example:
        >>> from qa.types import Passage
        >>> p = Passage(id="a#0", document_id="a", title="T", text="A & B", start=0, end=5,
        ...             ordinal=0)
        >>> "A &amp; B" in hit_card(Hit(passage=p, score=1.0))
        True
    """
    return _card(_source_line(hit.title, hit.passage.date, None), escape_text(hit.text))


def _collapsed(cards: list[str], what: str) -> str:
    if not cards:
        return ""
    label = plural(len(cards), f"more {what}")
    return f"<details><summary>{label}</summary>{''.join(cards)}</details>"


def _uncited(answer: Answer, cited: Iterable[str]) -> list[Hit]:
    seen = set(cited)
    return [hit for hit in answer.passages if hit.passage.id not in seen]


def _sentence(text: str) -> str:
    # Reasons are written as sentences; one from an older index or another reader may not be.
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def render_answer(answer: Answer) -> str:
    """The chat reply for an answer: the answer and its confidence, then the passages.

    An answer shows in bold with its confidence, followed by the first citation with the answer
    marked; further citations and the other retrieved passages are collapsed. An abstention says
    so plainly and shows the closest passages instead.

    Example:
        >>> render_answer(Answer(question="Who?", text=None, best_candidate_score=0.12)
        ...               ).split("\\n")[0]
        '**Not found in these articles.** The best guess had confidence 0.12, too low to answer.'
        >>> render_answer(Answer(question="When?", text=None,
        ...               abstain_reason="The closest articles never mention “third”.")
        ...               ).split("\\n")[0]
        '**Not found in these articles.** The closest articles never mention “third”.'
    """
    blocks: list[str] = []
    if answer.text is None and answer.abstain_reason:
        blocks.append(f"**{NOT_FOUND}.** {escape_text(_sentence(answer.abstain_reason))}")
    elif answer.text is None:
        blocks.append(
            f"**{NOT_FOUND}.** The best guess had confidence "
            f"{answer.best_candidate_score or 0.0:.2f}, too low to answer."
        )
    else:
        when = f" ({answer.date:%A %d %B %Y})" if answer.date else ""
        blocks.append(f"**{escape_text(answer.text)}**{when} — confidence {answer.score:.2f}")
    if answer.timeline:
        # Dated reports gave different answers; the bold one is the most recent report's.
        steps = " → ".join(
            f"{escape_text(entry.text)} ({entry.date:%d %b %Y})" for entry in answer.timeline
        )
        blocks.append(f'<div class="qa-note qa-timeline">Changed over time: {steps}</div>')
    if answer.resolved_question:
        blocks.append(
            f'<div class="qa-note">Understood as: {escape_text(answer.resolved_question)}</div>'
        )

    if answer.text is not None:
        cited = [c.passage_id for c in answer.citations]
        blocks.append(citation_card(answer.citations[0]))
        more = [citation_card(c) for c in answer.citations[1:]]
        more += [hit_card(h) for h in _uncited(answer, cited)]
        blocks.append(_collapsed(more, "passage"))
    elif answer.passages:
        blocks.append('<div class="qa-note">Closest passages:</div>')
        blocks.append(hit_card(answer.passages[0]))
        blocks.append(_collapsed([hit_card(h) for h in answer.passages[1:]], "passage"))
    else:
        blocks.append('<div class="qa-note">No passage came close.</div>')
    return "\n\n".join(b for b in blocks if b)


def render_error(message: str) -> str:
    """The chat reply when a question cannot be asked (blank, too long, ...).

    Example:
        >>> render_error("the question is empty")
        '**Cannot ask that:** the question is empty'
    """
    return f"**Cannot ask that:** {escape_text(message)}"


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The answer as plain JSON-ready data, for the ``/ask`` API endpoint.

    Example:
        >>> answer_to_json(Answer(question="Who?", text=None))["abstained"]
        True
    """
    return {
        "question": answer.question,
        "resolved_question": answer.resolved_question,
        "text": answer.text,
        "score": answer.score,
        "best_candidate_score": answer.best_candidate_score,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "date": answer.date.isoformat() if answer.date else None,
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "passages": [
            {
                "document_id": h.document_id,
                "passage_id": h.passage.id,
                "title": h.title,
                "text": h.text,
                "score": h.score,
                "date": h.passage.date.isoformat() if h.passage.date else None,
            }
            for h in answer.passages
        ],
    }
