"""Web pages are read for the article alone, with the page's own title and date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qa import Assistant, Settings
from qa.ingest import load_corpus

PAGE = """<!doctype html>
<html><head>
<title>Floods | Valley Herald | Breaking news, sport and weather</title>
<meta property="og:title" content="Flood death toll rises to 45 in the valley">
<meta property="article:published_time" content="2024-06-05T09:30:00+00:00">
<meta name="author" content="Ana Ruiz">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Flood death toll
 rises to 45 in the valley", "datePublished": "2024-06-05"}</script>
<script>window.ads = {slot: "Subscribe now for only $1"};</script>
<style>.promo { color: red }</style>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World news</a> <a href="/sport">Sport</a></nav>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<p class="updated">Page updated 1 January 2023</p>
<article>
<h1>Flood death toll rises to 45 in the valley</h1>
<time datetime="2024-06-05">5 June 2024</time>
<p>The death toll from the floods in the river valley rose to 45 on Wednesday, officials
said, as rescue teams reached villages cut off since the weekend.</p>
<!-- editor: check the figure with the ministry -->
<p>Many villages remain without power, and the army is using boats to bring in food and
drinking water to families stranded on rooftops.</p>
<div class="promo">Subscribe to our newsletter for the latest headlines.</div>
</article>
<aside><h2>Related stories</h2><ul><li><a href="/1">Election results announced</a></li>
<li><a href="/2">Stock markets fall in early trading</a></li></ul></aside>
<footer>Copyright 2023 Valley Herald. All rights reserved. Contact us.</footer>
</body></html>
"""


def test_a_page_is_read_for_its_article_alone(tmp_path: Path) -> None:
    (tmp_path / "floods.html").write_text(PAGE, encoding="utf-8")
    report = load_corpus(tmp_path)
    assert report.skipped == []
    (doc,) = report.documents
    assert doc.title == "Flood death toll rises to 45 in the valley"
    assert doc.date == dt.date(2024, 6, 5)  # the article's date, not "updated 2023"
    assert doc.author == "Ana Ruiz"
    assert doc.text.startswith(doc.title + "\n")
    assert "rose to 45 on Wednesday" in doc.text and "drinking water" in doc.text
    for debris in (
        "World news",
        "cookies",
        "Subscribe",
        "color: red",
        "editor: check",
        "Related stories",
        "Election results",
        "All rights reserved",
    ):
        assert debris not in doc.text, debris


def test_a_page_without_an_article_is_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Title\nBody text.\n")
    (tmp_path / "menu.htm").write_text(
        "<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8"
    )
    assert dict(load_corpus(tmp_path).skipped) == {
        "menu.htm": "no article text found in the web page"
    }


def test_answers_from_a_page_cite_the_text_the_user_sees(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "floods.html").write_text(PAGE, encoding="utf-8")
    assistant = Assistant.from_corpus(
        corpus, Settings(encoder="hashing", index_dir=tmp_path / "ix", show_progress=False)
    )
    answer = assistant.ask("How many people have died in the valley floods?")
    assert answer.text == "45"
    cited = answer.citations[0]
    assert cited.date == dt.date(2024, 6, 5)
    assert cited.passage[cited.start : cited.end] == "45"
