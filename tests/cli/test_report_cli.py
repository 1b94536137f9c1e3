"""``xjwc report`` and ``xjwc stats --json``'s dashboard figures, as a user runs them."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.cli.test_cli import xjwc


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "docx"])
def test_report_writes_the_file_with_the_seed_figures(demo_db_path, tmp_path, fmt) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"新江湾城工作报告.{fmt}"
    proc = xjwc("report", "--db", str(demo_db_path), "--period", "2015-01..2015-10",
                "--format", fmt, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    assert "2015年1月至10月" in proc.stdout
    if fmt == "pdf":
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(out).pages)
    elif fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(out).active
        text = "".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    else:
        import docx

        text = "".join(p.text for p in docx.Document(out).paragraphs)
    text = flat(text)
    for figure in ("12345工单125起", "大联动信息平台问题1910件", "拆除违法建筑103处",
                   "364419.87㎡", "公益自行车站点10处"):
        assert figure in text, figure
    assert sorted(p.name for p in folder.iterdir()) == [out.name]


def test_report_format_from_the_file_name(demo_db_path, tmp_path) -> None:
    out = tmp_path / "report.xlsx"
    proc = xjwc("report", "--db", str(demo_db_path), "--period", "2015-03", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"PK"
    assert "2015年3月" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2015-13..2015-14", "--out", "r.pdf"], "YYYY-MM"),
    (["--period", "2015-10..2015-01", "--out", "r.pdf"], "晚于"),
    (["--period", "2015-01", "--out", "r.odt"], "--format"),
    (["--period", "2015-01", "--out", "无此目录/r.pdf"], "不存在"),
])
def test_report_refusals_write_nothing(demo_db_path, tmp_path, args, message) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    args = [a if not a.endswith((".pdf", ".odt")) else str(folder / a) for a in args]
    proc = xjwc("report", "--db", str(demo_db_path), *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(folder.iterdir()) == []


def test_stats_json_carries_the_dashboard_figures(demo_db_path) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path), "--json",
                "--from", "2015-03-01", "--to", "2015-05-31")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    # The keys scripts already read are still there.
    assert {"period", "cases", "patrol", "illegal_structures", "census",
            "bike_stations"} <= set(got)
    d = got["dashboard"]
    for key in ("kpis", "cases_by_month", "top_categories", "by_zone", "by_grid", "inspectors",
                "departments", "demolished_by_year", "census", "bikes"):
        assert d[key], key
    for key in ("open", "overdue", "closed", "closed_in_period", "closure_rate",
                "closure_on_time_rate",
                "rework_rate"):
        assert key in d["kpis"]
    con = sqlite3.connect(demo_db_path)
    live = ("deleted_at IS NULL AND reported_at >= '2015-03-01' "
            "AND reported_at < '2015-06-01'")
    (total,), = con.execute(f"SELECT count(*) FROM cases WHERE {live}")
    (open_,), = con.execute(f"SELECT count(*) FROM cases WHERE {live} "
                            "AND status NOT IN ('closed', 'voided')")
    months = dict(con.execute(f"SELECT substr(reported_at, 1, 7), count(*) FROM cases "
                              f"WHERE {live} GROUP BY 1"))
    grids = dict(con.execute(f"SELECT grid_code, count(*) FROM cases WHERE {live} GROUP BY 1"))
    con.close()
    assert d["kpis"]["reported"] == got["cases"]["total"] == total
    assert d["kpis"]["open"] == open_
    assert {m["month"]: m["total"] for m in d["cases_by_month"]} == months
    assert {g["code"]: g["count"] for g in d["by_grid"]} == grids
    assert got["hotspots"]["clusters"][0]["name"] == "国伟路"
    assert got["bike_coverage"]["radius_m"] == 500
    assert len(got["bike_coverage"]["compounds"]) == 12
