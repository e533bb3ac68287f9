"""Citations: where an answer span sits, in which article and which files."""

from __future__ import annotations

from qa.index.generation import LoadedIndex
from qa.types import Citation, Hit, Span

__all__ = ["citation_for"]


def citation_for(span: Span, by_id: dict[str, Hit], index: LoadedIndex) -> Citation:
    """The citation of one answer span: its passage, the answer's offsets in it, the article's
    date, address, byline and file, and the other files that hold the same passage.

    Example:
        >>> hit = assistant.search("GSOMIA expire")[0]
        >>> at = hit.passage.text.index("this Saturday")
        >>> span = Span(passage_id=hit.passage.id, start=at, end=at + 13, text="this Saturday",
        ...             score=0.8)
        >>> c = citation_for(span, {hit.passage.id: hit}, index)
        >>> c.passage[c.start:c.end], c.source
        ('this Saturday', '000_3d563be10761cfd0.txt')
    """
    hit = by_id[span.passage_id]
    passage = hit.passage
    document = index.documents.get(passage.document_id)
    others = (index.passages.document_id(index.row_of[c]) for c in hit.copies)
    also_in = tuple(dict.fromkeys(d for d in others if d != passage.document_id))
    return Citation(
        document_id=passage.document_id,
        title=passage.title,
        passage=passage.text,
        start=span.start,
        end=span.end,
        passage_id=passage.id,
        passage_start=passage.start,
        score=span.score,
        date=passage.date,
        url=document.url if document is not None else None,
        author=document.author if document is not None else None,
        also_in=also_in,
        source=document.source if document is not None else None,
    )
