"""How answers look in the chat and in the API, checked on hand-made answers."""

from __future__ import annotations

import datetime as dt
import html
import json

from qa.types import Answer, Citation, Hit, Passage
from ui.render import (
    NOT_FOUND,
    answer_to_json,
    escape_text,
    mark_passage,
    render_answer,
    render_error,
)

HOSTILE = '<script>alert("x")</script> Talks end *this* Saturday & cost $5 [link](http://e.x)'


def _citation(passage: str, answer: str, pid: str = "a#0", **extra: object) -> Citation:
    start = passage.index(answer)
    return Citation(
        document_id=pid.split("#")[0],
        title=str(extra.pop("title", "Talks <b>resume</b>")),
        passage=passage,
        start=start,
        end=start + len(answer),
        passage_id=pid,
        passage_start=0,
        score=0.9,
        **extra,  # type: ignore[arg-type]
    )


def _hit(text: str, pid: str, title: str = "Other story") -> Hit:
    doc = pid.split("#")[0]
    passage = Passage(
        id=pid,
        document_id=doc,
        title=title,
        text=text,
        start=0,
        end=len(text),
        ordinal=0,
        date=dt.date(2019, 8, 22),
    )
    return Hit(passage=passage, score=0.5)


def test_escape_text_neutralises_html_markdown_and_math() -> None:
    out = escape_text(HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out
    for raw in ("*", "[", "]", "(", "$"):
        assert raw not in out
    assert "&#42;this&#42;" in out and "&#36;5" in out


def test_escape_text_shows_every_character_as_written() -> None:
    # Whatever is escaped must decode back to the text: "Korea's" must not show "&#x27;".
    text = HOSTILE + ' Korea\'s "big" day #1 & more'
    out = escape_text(text)
    assert html.unescape(out) == text
    assert "Korea&#39;s" in out and "&#34;big&#34;" in out


def test_escape_text_never_leaves_a_blank_line() -> None:
    # A blank line would end the HTML block of a passage and let Markdown loose on the rest.
    assert escape_text("a\n\nb\r\nc") == "a<br><br>b<br>c"


def test_mark_passage_marks_exactly_the_span_and_escapes_around_it() -> None:
    passage = "<i>Expires</i> this Saturday & then?"
    start = passage.index("this Saturday")
    out = mark_passage(passage, start, start + len("this Saturday"))
    assert out == "&lt;i&gt;Expires&lt;/i&gt; <mark>this Saturday</mark> &amp; then?"


def test_answer_shows_bold_text_confidence_and_first_citation_marked() -> None:
    first = _citation(HOSTILE, "Saturday", date=dt.date(2019, 8, 22))
    answer = Answer(question="When?", text="Saturday", score=0.987, citations=(first,))
    out = render_answer(answer)
    head, _, body = out.partition("\n\n")
    assert head == "**Saturday** — confidence 0.99"
    assert "<mark>Saturday</mark>" in body
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "Talks &lt;b&gt;resume&lt;/b&gt;" in out
    assert "2019-08-22" in out
    assert "<details>" not in out


def test_other_passages_are_collapsed() -> None:
    first = _citation("Ends this Saturday.", "this Saturday", "a#0")
    second = _citation("Deadline this Saturday, officials said.", "this Saturday", "b#1")
    other = _hit("Unrelated paragraph.", "c#0")
    answer = Answer(
        question="When?",
        text="this Saturday",
        score=0.9,
        citations=(first, second),
        passages=(_hit("Ends this Saturday.", "a#0"), other),
    )
    visible, _, collapsed = render_answer(answer).partition("<details>")
    assert visible.count("<mark>") == 1
    assert "2 more passages" in collapsed
    assert collapsed.count("<mark>") == 1 and "Unrelated paragraph." in collapsed
    # The cited passage that was also retrieved is shown once, not twice.
    assert render_answer(answer).count("Ends this Saturday.") == 0
    assert render_answer(answer).count("Ends <mark>this Saturday</mark>.") == 1


def test_only_web_links_become_clickable() -> None:
    good = _citation("Ends Monday.", "Monday", url="https://example.org/a?x=1&y=2")
    bad = _citation("Ends Monday.", "Monday", url="javascript:alert(1)")
    assert 'href="https://example.org/a?x=1&amp;y=2"' in render_answer(
        Answer(question="When?", text="Monday", score=0.9, citations=(good,))
    )
    assert "href" not in render_answer(
        Answer(question="When?", text="Monday", score=0.9, citations=(bad,))
    )


def test_the_byline_is_shown_escaped() -> None:
    cited = _citation("Ends Monday.", "Monday", author="<i>Ana</i> Ruiz")
    html = render_answer(Answer(question="When?", text="Monday", score=0.9, citations=(cited,)))
    assert "· &lt;i&gt;Ana&lt;/i&gt; Ruiz" in html and "<i>" not in html


def test_copies_of_a_cited_passage_are_named_escaped() -> None:
    one = _citation("Ends Monday.", "Monday", also_in=("<b>paper</b>.txt",))
    two = _citation("Ends Monday.", "Monday", also_in=("b.txt", "c.txt"))
    alone = _citation("Ends Monday.", "Monday")
    html = {
        name: render_answer(Answer(question="When?", text="Monday", score=0.9, citations=(c,)))
        for name, c in (("one", one), ("two", two), ("alone", alone))
    }
    assert "in 1 other article: &lt;b&gt;paper&lt;/b&gt;.txt" in html["one"]
    assert "in 2 other articles: b.txt, c.txt" in html["two"]
    assert "qa-copies" not in html["alone"]


def test_abstention_says_so_and_shows_closest_passages() -> None:
    answer = Answer(
        question="Who won the World Cup?",
        text=None,
        best_candidate_score=0.12,
        passages=(_hit("First <close> one.", "a#0"), _hit("Second.", "b#0")),
        abstain_reason="The best candidate, '<Kim>', has confidence 0.12, and at least 0.2 is "
        "needed",
    )
    out = render_answer(answer)
    # The reason the API gives, escaped like any text from the articles.
    assert out.startswith(
        f"**{NOT_FOUND}.** The best candidate, &#39;&lt;Kim&gt;&#39;, has confidence 0.12, and at "
        "least 0.2 is needed."
    )
    assert "Closest passages" in out and "First &lt;close&gt; one." in out
    assert "<mark>" not in out
    assert "<details><summary>1 more passage</summary>" in out


def test_abstention_without_passages() -> None:
    out = render_answer(Answer(question="Who?", text=None))
    assert out.startswith(f"**{NOT_FOUND}.** The best guess had confidence 0.00")
    assert "No passage came close" in out


def test_followup_shows_the_question_understood() -> None:
    cite = _citation("Japan and South Korea signed it.", "Japan")
    answer = Answer(
        question="Which countries are party to it?",
        text="Japan",
        score=0.8,
        citations=(cite,),
        resolved_question="Which countries are party to GSOMIA?",
    )
    assert "Understood as: Which countries are party to GSOMIA?" in render_answer(answer)


def test_error_is_escaped() -> None:
    assert render_error("bad <input>") == "**Cannot ask that:** bad &lt;input&gt;"


def test_answer_to_json_is_plain_json() -> None:
    cite = _citation("It ends this Saturday.", "this Saturday", date=dt.date(2019, 8, 22))
    answer = Answer(
        question="When?",
        text="this Saturday",
        score=0.9,
        citations=(cite,),
        passages=(_hit("It ends this Saturday.", "a#0"),),
    )
    data = json.loads(json.dumps(answer_to_json(answer)))
    assert data["text"] == "this Saturday" and data["question"] == "When?"
    c = data["citations"][0]
    assert c["passage"][c["start"] : c["end"]] == "this Saturday"
    assert {"document_id", "title", "passage", "start", "end", "date"} <= set(c)
    assert data["passages"][0]["date"] == "2019-08-22"
    assert data["abstained"] is False and data["resolved_question"] is None


def test_a_cited_passage_names_its_file_and_the_record_or_item_in_it() -> None:
    def card(document_id: str = "a", **extra: object) -> str:
        cited = _citation("Ends Monday.", "Monday", f"{document_id}#0", **extra)
        cited = cited.model_copy(update={"document_id": document_id})
        out = render_answer(Answer(question="When?", text="Monday", score=0.9, citations=(cited,)))
        return out.split('<div class="qa-source">', 1)[1].split("</div>", 1)[0]

    record = card("m1", source="wire.jsonl")
    item = card("gazette.rss#g7", source="gazette.rss", title="Dam opens")
    plain = card("a.txt", source="a.txt")
    assert html.unescape(record).endswith('<span class="qa-file">· wire.jsonl, record m1</span>')
    assert html.unescape(item).endswith('· gazette.rss, item "Dam opens"</span>')
    assert html.unescape(plain).endswith("· a.txt</span>")
    # A citation that does not know its file (made by hand, or by an older version) shows as
    # it did.
    assert "qa-file" not in card()


def test_control_characters_in_file_names_show_as_escapes() -> None:
    cited = _citation(
        "Ends Monday.", "Monday", pid="bad\nname.txt#0", source="bad\nname.txt", also_in=("x\ty",)
    )
    out = render_answer(Answer(question="When?", text="Monday", score=0.9, citations=(cited,)))
    # The newline would have become a line break inside the title line.
    assert "<br>" not in out
    assert "· bad\\nname.txt</span>" in html.unescape(out)
    assert "other article: x\\ty</div>" in html.unescape(out)
