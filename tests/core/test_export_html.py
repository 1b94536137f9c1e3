"""The offline web map: no network reference to load, Leaflet inside, every text escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from tests.core.exchange_helpers import NOW, XSS, add_hostile_cases
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.storage.database import open_database


class Page(HTMLParser):
    """Collects what a browser would fetch (src/href of scripts, links, images, iframes)
    and the inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if tag in ("script", "link", "img", "iframe", "embed", "object") and attrs.get(name):
                self.fetched.append(attrs[name])
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "title":
            self.title += data


def test_the_map_opens_offline_and_never_runs_a_citizens_text(demo_db_path, tmp_path):
    db = open_database(demo_db_path)
    made = add_hostile_cases(db)
    db.close()
    out = tmp_path / "地图.html"
    with read_only(demo_db_path) as conn:
        result = export_cases(conn, "html", out, CaseSelection(sources=("hotline",)), now=NOW,
                              title="热线<案件>地图")
    page_text = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(page_text)
    assert result.cases == 125 + len(made)
    # Nothing to fetch from anywhere: no CDN, no file next to it.
    assert page.fetched == []
    assert not re.search(r"<(script|link)[^>]+(src|href)\s*=", page_text, re.I)
    # Leaflet itself is inside the page.
    assert any("L.Map" in s or "L.map" in s for s in page.scripts)
    assert "leaflet-container" in page_text
    assert page.title == "热线<案件>地图"
    # The citizen's markup appears only escaped, never as a tag.
    assert XSS not in page_text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page_text.replace("\\u0026", "&")
    # Every hotline case is a feature with its case number.
    data = [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);", page_text, re.S)]
    features = [f for d in data for f in d.get("features", []) if "案卷号" in f["properties"]]
    assert {f["properties"]["案卷号"] for f in features} >= set(made.values())
    assert len(features) == result.cases
