from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.training.articles import article_positions, write_articles


def test_positions() -> None:
    assert sorted(article_positions("0-2, 5")) == [0, 1, 2, 5]
    assert article_positions("") == set()
    with pytest.raises(ValueError, match="'x-2'"):
        article_positions("x-2")


def test_write_articles_keeps_or_leaves_out(tmp_path: Path) -> None:
    data = tmp_path / "all.json"
    articles = [{"title": f"A{k}", "paragraphs": []} for k in range(4)]
    data.write_text(json.dumps({"version": "v2.0", "data": articles}), encoding="utf-8")
    kept = json.loads(write_articles(data, {0, 2}, tmp_path / "k.json").read_text())
    left = json.loads(write_articles(data, {0, 2}, tmp_path / "l.json", keep=False).read_text())
    assert [a["title"] for a in kept["data"]] == ["A0", "A2"]
    assert [a["title"] for a in left["data"]] == ["A1", "A3"]
