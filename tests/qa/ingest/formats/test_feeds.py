"""News feeds: one article per item, read through the same loader as every other file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from qa.ingest.files import CorpusFile, LoadReport
from qa.ingest.formats.feeds import looks_like_feed, read_feed
from qa.ingest.loader import load_corpus, read_document_file

DAM = (
    "The regional council opened the Karoo dam on Tuesday after six years of building. "
    "It holds 120 million cubic metres of water."
)
BRIDGE = (
    "Engineers closed the old river bridge to lorries on Monday after inspectors found cracks "
    "in two of its piers."
)

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Valley Wire</title>
    <link>https://wire.example/</link>
    <description>Local news</description>
    <item>
      <title>Karoo dam opens</title>
      <link>https://wire.example/dam</link>
      <guid isPermaLink="false">wire-0001</guid>
      <author>desk@wire.example (Lena Okafor)</author>
      <pubDate>Tue, 05 Mar 2024 21:30:00 -0500</pubDate>
      <description>Short teaser.</description>
      <content:encoded><![CDATA[
        <p>{DAM}</p>
        <script>track("dam")</script>
        <p>The <b>council</b> said the &amp; water would reach 40,000 homes.</p>
      ]]></content:encoded>
    </item>
    <item>
      <title>Bridge closed to lorries</title>
      <link>https://wire.example/bridge</link>
      <pubDate>Mon, 04 Mar 2024 08:00:00 GMT</pubDate>
      <description>&lt;p&gt;{BRIDGE}&lt;/p&gt;</description>
    </item>
    <item>
      <title>Only a headline</title>
      <guid>wire-0003</guid>
      <description>Read more</description>
    </item>
  </channel>
</rss>
"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Valley Wire (Atom)</title>
  <id>urn:wire</id>
  <updated>2024-03-06T10:00:00Z</updated>
  <entry>
    <title type="html">Karoo dam opens</title>
    <id>urn:wire:dam</id>
    <link href="https://wire.example/dam"/>
    <published>2024-03-05T09:00:00+02:00</published>
    <updated>2024-03-06T10:00:00Z</updated>
    <content type="html">&lt;p&gt;{DAM}&lt;/p&gt;</content>
  </entry>
</feed>
"""


def _file(path: Path, relative: str) -> CorpusFile:
    data = path.read_bytes()
    return CorpusFile(path, relative, hashlib.sha256(data).hexdigest(), len(data))


def test_rss_items_become_articles_with_title_link_date_and_plain_text() -> None:
    report = LoadReport()
    docs = list(read_feed("wire.rss", RSS.encode(), report))
    assert [d.id for d in docs] == ["wire.rss#wire-0001", "wire.rss#https://wire.example/bridge"]
    dam, bridge = docs
    assert dam.title == "Karoo dam opens"
    assert dam.url == "https://wire.example/dam"
    assert dam.author == "desk@wire.example (Lena Okafor)"
    assert bridge.author is None
    # The publisher's own day, not the UTC day (21:30 in New York is already the 6th in UTC).
    assert dam.date == dt.date(2024, 3, 5)
    # The full content wins over the teaser; markup, scripts and entities are gone.
    assert dam.text.startswith("Karoo dam opens\n")
    assert DAM in dam.text
    assert "water would reach 40,000 homes" in dam.text
    assert "<" not in dam.text and "track(" not in dam.text and "&amp;" not in dam.text
    # Paragraphs stay on their own lines, so passages split where the article does.
    assert "\n" in dam.text.split("\n", 1)[1]
    assert bridge.date == dt.date(2024, 3, 4)
    assert BRIDGE in bridge.text
    assert report.skipped == [
        ("wire.rss item 3", "item has no article text (only a title or a short teaser)")
    ]


def test_atom_entries_are_read_with_their_published_day() -> None:
    docs = list(read_feed("wire.atom", ATOM.encode(), LoadReport()))
    assert len(docs) == 1
    assert docs[0].id == "wire.atom#urn:wire:dam"
    assert docs[0].date == dt.date(2024, 3, 5)
    assert docs[0].url == "https://wire.example/dam"
    assert DAM in docs[0].text


def test_feed_in_a_declared_legacy_encoding_is_read() -> None:
    latin = RSS.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "Karoo dam opens", "Karoo dam opens in Zuñiga"
    )
    docs = list(read_feed("wire.rss", latin.encode("iso-8859-1"), LoadReport()))
    assert docs[0].title == "Karoo dam opens in Zuñiga"


def test_items_without_guid_or_link_get_a_stable_id() -> None:
    rss = RSS.replace('<guid isPermaLink="false">wire-0001</guid>', "").replace(
        "<link>https://wire.example/dam</link>", ""
    )
    first = next(iter(read_feed("w.rss", rss.encode(), LoadReport())))
    again = next(iter(read_feed("w.rss", rss.encode(), LoadReport())))
    assert first.id == again.id and first.id.startswith("w.rss#")
    assert first.url is None


def test_not_a_feed_is_skipped_with_a_reason(tmp_path: Path) -> None:
    report = LoadReport()
    assert list(read_feed("x.rss", b"<html><body>hello</body></html>", report)) == []
    assert report.skipped[0][0] == "x.rss"
    assert report.skipped[0][1].startswith("not an RSS or Atom feed")

    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text("<?xml version='1.0'?><urlset><url>a</url></urlset>", encoding="utf-8")
    report = LoadReport()
    assert list(read_document_file(_file(sitemap, "sitemap.xml"), report)) == []
    assert report.skipped == [("sitemap.xml", "XML that is not an RSS or Atom feed")]


def test_entity_expansion_and_external_entities_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET VALUE", encoding="utf-8")
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">\n'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + f'<!ENTITY x SYSTEM "file://{secret}">\n]>\n'
        + "<rss version='2.0'><channel><title>t</title><item><title>Bomb &i;</title>"
        + f"<description>{BRIDGE} &x;</description></item></channel></rss>"
    )
    docs = list(read_feed("bomb.rss", bomb.encode(), LoadReport()))
    assert docs  # the item is still read, its entities left unexpanded
    for doc in docs:
        assert "TOP SECRET" not in doc.text
        assert len(doc.text) < 10_000


def test_looks_like_feed_checks_the_root_element() -> None:
    assert looks_like_feed(ATOM.encode())
    assert looks_like_feed(b"<rdf:RDF xmlns='http://purl.org/rss/1.0/'></rdf:RDF>")
    assert not looks_like_feed(b"<?xml version='1.0'?><svg></svg>")


def test_corpus_folder_reads_feeds_beside_other_articles(tmp_path: Path) -> None:
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "wire.atom").write_text(ATOM, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Notes\nThe mayor spoke on Friday.", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert sorted(d.source for d in report.documents) == [
        "notes.txt",
        "wire.atom",
        "wire.rss",
        "wire.rss",
    ]


def test_the_example_newsroom_corpus_reads_as_its_page_says() -> None:
    folder = Path(__file__).resolve().parents[4] / "docs" / "examples" / "newsroom"
    report = load_corpus(folder)
    assert report.skipped == []
    by_id = {d.id: d for d in report.documents}
    assert sorted(by_id) == [
        "aid-pledge.html",
        "gazette.rss#gazette-2024-0412",
        "gazette.rss#gazette-2024-0415",
        "gazette.rss#gazette-2024-0419",
    ]
    page = by_id["aid-pledge.html"]
    assert page.title == "Government pledges 20 million euros for earthquake-hit Lessia"
    assert page.date == dt.date(2024, 9, 5)
    for chrome in ("cookies", "Politics", "greener garden", "Privacy", "analytics", "editor:"):
        assert chrome not in page.text
    assert by_id["gazette.rss#gazette-2024-0419"].date == dt.date(2024, 9, 4)
