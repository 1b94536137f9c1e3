"""``xjwc export`` and ``xjwc import`` as a user runs them: files, exit codes, messages."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from tests.cli.test_cli import sha256, xjwc

HEADER = "工单编号,来电时间,诉求内容,地址,经度,纬度,诉求类别\n"
GOOD = "C1,2016-01-04 09:05,垃圾,国权北路,121.5046,31.3268,暴露垃圾\n"
BAD = "C2,2016-01-04 25:99,时间错,国权北路,121.5046,31.3268,暴露垃圾\n"


def test_export_formats_by_extension_with_filters(demo_db_path, tmp_path):
    digest = sha256(demo_db_path)
    csv_out = tmp_path / "热线.csv"
    done = xjwc("export", "--db", str(demo_db_path), "--out", str(csv_out),
                "--source", "12345热线", "--status", "结案", "--from", "2015-03-01",
                "--to", "2015-03-31")
    assert done.returncode == 0, done.stderr
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert {r["来源"] for r in rows} == {"12345热线"}
    assert all("2015-03-01" <= r["上报时间"] < "2015-04-01" for r in rows)
    assert f"已导出 {len(rows)} 件案件（CSV）" in done.stdout
    xlsx_out = tmp_path / "北区.xlsx"
    done = xjwc("--db", str(demo_db_path), "export", "--out", str(xlsx_out), "--zone", "北",
                "--category", "暴露垃圾", "--gcj02")
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(xlsx_out).active
    assert ws["M1"].value == "经度(GCJ-02)"
    assert {c.value for c in ws["H"][1:]} == {"殷行路以北"}
    assert sha256(demo_db_path) == digest  # an export never writes the database


def test_case_sheet_and_bad_arguments(demo_db_path, tmp_path):
    out = tmp_path / "案卷.pdf"
    case_no = "XJW2015010400041"
    done = xjwc("export", "--db", str(demo_db_path), "--sheet", case_no, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    for args, words in ((["--out", str(tmp_path / "x.doc")], "无法从文件名"),
                        (["--out", str(tmp_path / "x.csv"), "--status", "完成"], "未知的"),
                        (["--out", str(tmp_path / "x.csv"), "--dept", "消防队"], "未知的处置部门"),
                        (["--out", str(tmp_path / "x.csv"), "--format", "docx"], "未知的导出格式"),
                        (["--sheet", "XJW0", "--out", str(tmp_path / "y.pdf")], "找不到案件")):
        bad = xjwc("export", "--db", str(demo_db_path), *args)
        assert bad.returncode == 2, bad.stderr
        assert words in bad.stderr
        assert "Traceback" not in bad.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite", "案卷.pdf"]


def test_import_refused_then_skip_bad_then_again(demo_db_path, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="gbk")
    digest = sha256(demo_db_path)
    refused = xjwc("import", "12345", str(path), "--db", str(demo_db_path))
    assert refused.returncode == 1
    assert "导入被拒绝" in refused.stdout
    assert "第 3 行" in refused.stdout
    assert sha256(demo_db_path) == digest
    dry = xjwc("import", "12345", str(path), "--db", str(demo_db_path), "--dry-run",
               "--skip-bad")
    assert dry.returncode == 0
    assert "试运行" in dry.stdout
    assert sha256(demo_db_path) == digest
    done = xjwc("import", "12345", str(path), "--db", str(demo_db_path), "--skip-bad", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], [b["row"] for b in report["bad"]]) == (1, [3])
    again = xjwc("import", "12345", str(path), "--db", str(demo_db_path), "--skip-bad",
                 "--json")
    assert json.loads(again.stdout)["already"] == [{"row": 2, "key": "C1", "reason": "已在库中"}]
    shown = xjwc("case", "show", "XJW2016010400001", "--db", str(demo_db_path))
    assert "受理" in shown.stdout
    assert "orders.csv 第 2 行" in shown.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["12345", "missing.csv"], "不存在"),
    (["census", "orders.csv"], "缺少必需的列"),
    (["12345", "orders.csv", "--crs", "mars"], "未知的坐标系"),
    (["12345", "orders.csv", "--mapping", "工单编号"], "应写成 列名=字段"),
])
def test_import_file_problems_are_one_message_and_exit_2(demo_db_path, tmp_path, args, words):
    (tmp_path / "orders.csv").write_text(HEADER + GOOD, encoding="utf-8")
    digest = sha256(demo_db_path)
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    done = xjwc("import", *args, "--db", str(demo_db_path))
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert sha256(demo_db_path) == digest


def test_import_reads_gcj02_when_told(demo_db_path, tmp_path):
    from xjwc_desktop.core.geo.chinese_crs import wgs84_to_gcj02
    from xjwc_desktop.core.workflow.duplicates import distance_m

    gx, gy = wgs84_to_gcj02(121.5046, 31.3268)
    path = tmp_path / "amap.csv"
    path.write_text(HEADER + f"A1,2016-01-04 09:05,垃圾,,{float(gx):.7f},{float(gy):.7f},"
                    "暴露垃圾\n", encoding="utf-8")
    done = xjwc("import", "12345", str(path), "--db", str(demo_db_path), "--crs", "gcj02")
    assert done.returncode == 0, done.stderr
    shown = xjwc("case", "show", "XJW2016010400001", "--db", str(demo_db_path), "--json")
    case = json.loads(shown.stdout)
    assert distance_m(121.5046, 31.3268, case["lon"], case["lat"]) < 1.0
