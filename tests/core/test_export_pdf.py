"""PDF case lists and case sheets: Chinese text extractable (so it was drawn with a real
font), the font embedded, the map drawn, the timeline complete."""

from __future__ import annotations

import pypdf
import pypdfium2
import pytest

from tests.core.exchange_helpers import NOW
from xjwc_desktop.core.exchange import pdf_list
from xjwc_desktop.core.exchange.export import export_cases
from xjwc_desktop.core.exchange.pdf_case import write_case_sheet
from xjwc_desktop.core.exchange.pdf_map import ZONE_FILL
from xjwc_desktop.core.exchange.selection import CaseSelection
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.workflow import WorkflowError


def page_texts(path) -> list[str]:
    doc = pypdfium2.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def embedded_fonts(path) -> list[str]:
    """Base names of the fonts whose program is inside the file."""
    names = []
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in [font, *(f.get_object() for f in font.get("/DescendantFonts", []))]:
                fd = desc.get("/FontDescriptor")
                if fd and any(k in fd.get_object() for k in ("/FontFile", "/FontFile2",
                                                             "/FontFile3")):
                    names.append(str(desc["/BaseFont"]))
    return names


def test_case_list_pdf_has_every_case_in_chinese(demo_db_path, tmp_path):
    out = tmp_path / "清单.pdf"
    with read_only(demo_db_path) as conn:
        result = export_cases(conn, "pdf", out, CaseSelection(sources=("district_grid",)),
                              now=NOW, title="区网格工单清单")
        numbers = [r[0] for r in conn.exec_driver_sql(
            "SELECT case_no FROM cases WHERE source = 'district_grid'")]
    assert result.cases == len(numbers) == 49
    text = "\n".join(page_texts(out))
    assert "区网格工单清单" in text
    assert "共 49 件" in text
    assert "新江湾城街道网格化管理中心" in text
    assert all(no in text for no in numbers)
    assert "区网格" in text
    assert "殷行路以" in text
    assert any("NotoSansCJK" in name for name in embedded_fonts(out))


def test_case_sheet_shows_fields_deadline_map_and_history(demo_db_path, tmp_path):
    with read_only(demo_db_path) as conn:
        case_no, steps = conn.exec_driver_sql(
            "SELECT c.case_no, count(*) FROM cases c JOIN case_events e ON e.case_id = c.id "
            "WHERE c.source = 'hotline' AND c.status = 'closed' GROUP BY c.id "
            "ORDER BY count(*) DESC LIMIT 1").one()
        out = tmp_path / "案卷.pdf"
        assert write_case_sheet(conn, case_no, out, now=NOW) == case_no
    text = "\n".join(page_texts(out))
    assert f"案卷 {case_no}" in text
    for label in ("来源", "12345热线", "处置部门", "单元网格", "经纬度(GCJ-02)", "办理经过",
                  "受理", "立案", "派遣", "结案", "处置时限", "OpenStreetMap"):
        assert label in text, label
    assert text.count("→") >= steps - 1  # one state change per step after 受理
    assert any("NotoSansCJK" in name for name in embedded_fonts(out))
    # The map is drawn: a good part of the page is a patrol zone's tint.
    doc = pypdfium2.PdfDocument(str(out))
    image = doc[0].render(scale=0.5).to_pil().convert("RGB").resize((100, 141))
    doc.close()
    tints = {ZONE_FILL["north"], ZONE_FILL["south"]}
    tinted = sum(1 for y in range(141) for x in range(100)
                 if min(sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), t, strict=True))
                        for t in tints) < 12)
    assert tinted > 1000


def test_unknown_case_and_too_long_lists_are_refused(demo_db_path, tmp_path, monkeypatch):
    from xjwc_desktop.core.errors import InputError

    with read_only(demo_db_path) as conn:
        with pytest.raises(WorkflowError, match="找不到案件"):
            write_case_sheet(conn, "XJW0000", tmp_path / "x.pdf", now=NOW)
        monkeypatch.setattr(pdf_list, "MAX_CASES", 10)
        with pytest.raises(InputError, match="XLSX"):
            export_cases(conn, "pdf", tmp_path / "y.pdf", now=NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite"]
