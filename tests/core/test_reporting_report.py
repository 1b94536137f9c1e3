"""The work report: the three files, read back, show every seed figure and the metrics."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from xjwc_desktop.core.metrics import RATE_FIELDS, compute_metrics, percent
from xjwc_desktop.core.reporting.periods import parse_month_period
from xjwc_desktop.core.reporting.report import build_report, write_report

SEED = parse_month_period("2015-01..2015-10")
# The work report's sentences, as the seed writes them (without its spaces).
SEED_FIGURES = [
    "12345工单125起", "区网格工单49起", "大联动信息平台问题1910件", "微信平台案件49起",
    "拆除违法建筑103处", "面积共计6054.14㎡",
    "住宅区域共认定无证建筑1540处，总面积37777.87㎡",
    "非住宅区域共认定无证建筑46处，总面积326642㎡", "共计1586处，面积364419.87㎡",
    "公益自行车站点10处", "公益自行车300辆",
]
SECTIONS = ["一、网格中心工单受理与派发", "二、违法搭建整治", "三、无证建筑普查", "四、公益自行车",
            "五、案件办理绩效"]


def flat(text: str) -> str:
    """Text without the line breaks and spaces a layout puts in."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def report_files(demo_template, tmp_path_factory):
    from xjwc_desktop.core.storage.database import open_database

    folder = tmp_path_factory.mktemp("report")
    path = folder / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    db = open_database(path)
    try:
        with db.write() as s:
            report = build_report(s, SEED, now=dt.datetime(2015, 11, 2, 9))
            metrics = compute_metrics(s, SEED)[0]
        files = {fmt: write_report(report, fmt, folder / f"报告.{fmt}")
                 for fmt in ("pdf", "xlsx", "docx")}
    finally:
        db.close()
    return report, metrics, files


def expected_rates(metrics) -> list[str]:
    return [f"{label}{percent(getattr(metrics, name))}" for name, label in RATE_FIELDS]


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_shows_every_seed_figure_and_rate(report_files) -> None:
    _report, metrics, files = report_files
    text = flat(pdf_text(files["pdf"]))
    for figure in [*SEED_FIGURES, *expected_rates(metrics), *SECTIONS]:
        assert figure in text, figure
    assert text.index(SECTIONS[0]) < text.index(SECTIONS[1]) < text.index(SECTIONS[4])
    assert "2015年1月至10月" in text


def test_pdf_embeds_its_chinese_font_and_the_charts(report_files) -> None:
    from pypdf import PdfReader

    reader = PdfReader(report_files[2]["pdf"])
    fonts, images = set(), 0
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    fonts.add(str(font["/BaseFont"]))
        images += len(page.images)
    assert fonts, "no embedded TrueType font"
    assert images == 7


def test_xlsx_shows_every_seed_figure_with_numbers_as_numbers(report_files) -> None:
    import openpyxl

    _report, metrics, files = report_files
    book = openpyxl.load_workbook(files["xlsx"])
    sheet = book.active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    text = flat("".join(str(c.value) for c in cells))
    for figure in [*SEED_FIGURES, *expected_rates(metrics), *SECTIONS]:
        assert figure in text, figure
    # The channel table keeps numbers: 1910 beside 大联动, as a number.
    row = next(c.row for c in cells if c.value == "大联动")
    assert sheet.cell(row, 2).value == 1910
    rate_row = next(c.row for c in cells if c.value == "结案率" and c.column == 1)
    assert sheet.cell(rate_row, 2).value == pytest.approx(metrics.closure_rate)
    assert sheet.cell(rate_row, 2).number_format == "0.00%"
    assert len(sheet._images) == 7


def test_docx_shows_every_seed_figure(report_files) -> None:
    import docx
    from docx.oxml.ns import qn

    _report, metrics, files = report_files
    document = docx.Document(files["docx"])
    text = flat("".join(p.text for p in document.paragraphs)
                + "".join(c.text for t in document.tables for r in t.rows for c in r.cells))
    for figure in [*SEED_FIGURES, *expected_rates(metrics), *SECTIONS]:
        assert figure in text, figure
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == SECTIONS
    assert len(document.inline_shapes) == 7
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"


def test_report_model_and_refusals(report_files, tmp_path) -> None:
    from xjwc_desktop.core.errors import InputError

    report, _metrics, _files = report_files
    assert [s.title for s in report.sections] == SECTIONS
    with pytest.raises(InputError, match="格式"):
        write_report(report, "odt", tmp_path / "r.odt")
    with pytest.raises(InputError, match="不存在"):
        write_report(report, "pdf", tmp_path / "无此目录" / "r.pdf")
    assert list(tmp_path.iterdir()) == []
