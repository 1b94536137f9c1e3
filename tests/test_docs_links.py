"""Every relative link and image in README.md and docs/**/*.md points at a file that exists,
and an anchor (``file.md#heading``) at a heading of that file.

Links inside fenced code blocks and inline code are not links; http(s)/mailto links are not
checked (the documents must work offline, and CI has no network).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _prose_lines(text: str):
    """(line number, line with inline code removed, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, INLINE_CODE.sub("", line), line


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = INLINE_CODE.sub(lambda m: m.group(0).strip("`"), heading).strip().lower()
    kept = "".join(ch for ch in text
                   if ch in " -_" or unicodedata.category(ch)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, _, line in _prose_lines(path.read_text(encoding="utf-8")):
        if m := HEADING.match(line):
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken_links(doc: Path) -> list[str]:
    """What is wrong with the links of ``doc``, one message per broken link."""
    problems = []
    for number, line, _ in _prose_lines(doc.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, mailto:, …
                continue
            path_part, _, anchor = target.partition("#")
            where = f"{doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc}:{number}"
            resolved = (doc.parent / unquote(path_part)).resolve() if path_part else doc
            if not resolved.exists():
                problems.append(f"{where}: {target} → {resolved} does not exist")
                continue
            if anchor and resolved.suffix == ".md" and unquote(anchor).lower() \
                    not in anchors(resolved):
                problems.append(f"{where}: {target} → no heading #{unquote(anchor)} "
                                f"in {resolved.name}")
    return problems


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(doc):
    assert broken_links(doc) == []


def test_the_documents_have_links_to_check():
    links = sum(len(LINK.findall(line)) for doc in documents()
                for _, line, _ in _prose_lines(doc.read_text(encoding="utf-8")))
    assert len(documents()) >= 20
    assert links >= 50, links


def test_a_broken_link_image_or_anchor_is_reported(tmp_path):
    (tmp_path / "图片.png").write_bytes(b"\x89PNG")
    (tmp_path / "其他.md").write_text("# 处置时限与红绿灯\n## Working time (`core/worktime.py`)\n",
                                     encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "![ok](图片.png) [ok](其他.md#处置时限与红绿灯) [ok](其他.md#working-time-coreworktimepy)\n"
        "[ok](%E5%85%B6%E4%BB%96.md) [web](https://example.org/x) [self](#doc)\n"
        "# doc\n"
        "![missing](images/没有.png) [missing](没有.md) [anchor](其他.md#没有这一节)\n"
        "```\n[in code](not-checked.md)\n```\n`[inline](not-checked.md)`\n",
        encoding="utf-8")
    problems = broken_links(doc)
    assert len(problems) == 3, problems
    assert any("没有.png" in p for p in problems)
    assert any("没有.md" in p for p in problems)
    assert any("#没有这一节" in p for p in problems)
