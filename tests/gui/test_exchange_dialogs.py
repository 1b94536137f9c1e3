"""Export and import from the window: progress, preview, refusal, and the list refreshed."""

from __future__ import annotations

import csv

from tests.gui.conftest import settle
from xjwc_desktop.core.queries.case_list import CaseFilter


def test_export_the_filtered_cases_as_csv(qtbot, make_window, demo_db, tmp_path):
    window = make_window()
    hooks = window.workspace.cases
    settle(qtbot, window)
    # The window's own filter panel: narrow to 12345 hotline cases.
    window.workspace.filters.set_filter(CaseFilter(sources=("hotline",)))
    qtbot.waitUntil(lambda: window.workspace.case_list.model.rowCount() == 125)
    dialog = hooks.export()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    out = tmp_path / "导出.csv"
    dialog.path.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.run()
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + 125
    assert rows[0][:3] == ["案卷号", "外部工单号", "来源"]
    assert {r[2] for r in rows[1:]} == {"12345热线"}
    assert dialog.bar.value() == dialog.bar.maximum()


def test_import_preview_then_import_then_refresh(qtbot, make_window, tmp_path):
    window = make_window()
    hooks = window.workspace.cases
    settle(qtbot, window)
    source = tmp_path / "12345.csv"
    source.write_text("工单编号,来电时间,诉求内容,地址,经度,纬度,类别\n"
                      "GD-001,2026-11-20 09:30,楼道堆物 =1+1,尚景园,121.5108,31.3362,安全隐患\n"
                      "GD-002,不是日期,噪声,尚景园,121.5108,31.3362,噪声扰民\n",
                      encoding="gbk")
    before = window.workspace.case_list.model.rowCount()
    dialog = hooks.import_file()
    dialog.kind.setCurrentIndex(dialog.kind.findData("12345"))
    dialog.path.setText(str(source))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=30_000)
    assert dialog.last_report.dry_run
    assert "第 3 行" in dialog.report.toPlainText()  # the unparseable date, by row number
    dialog.run()  # refused whole: one bad row
    qtbot.waitUntil(lambda: not dialog.last_report.dry_run, timeout=30_000)
    assert dialog.last_report.refused
    assert window.workspace.case_list.model.rowCount() == before
    dialog.skip_bad.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.run()
    qtbot.waitUntil(lambda: window.workspace.case_list.model.rowCount() == before + 1)


def test_import_with_a_column_mapping_the_user_adjusts(qtbot, make_window, tmp_path):
    window = make_window()
    hooks = window.workspace.cases
    settle(qtbot, window)
    source = tmp_path / "orders.csv"
    source.write_text("派单号,来电时间,诉求内容,地址,经度,纬度,类别\n"
                      "PD-9,2026-11-20 09:30,井盖缺失,雍景苑,121.5079,31.3398,井盖缺损\n",
                      encoding="utf-8")
    dialog = hooks.import_file()
    dialog.kind.setCurrentIndex(dialog.kind.findData("12345"))
    dialog.path.setText(str(source))
    dialog.preview()  # 派单号 is no known name for the order number: refused, says which
    qtbot.waitUntil(lambda: "工单编号" in dialog.status.text(), timeout=30_000)
    assert dialog.last_report is None
    dialog.mapping.setText("派单号=工单编号")
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=30_000)
    assert "工单编号←派单号" in dialog.report.toPlainText()
    assert dialog.last_report.importable == 1


def test_a_hostile_file_in_the_preview_gives_a_message_and_the_window_stays(
        qtbot, make_window, tmp_path):
    from tests.security.hostile import NS, write_xlsx

    window = make_window()
    settle(qtbot, window)
    # One cell at the sheet's last column and row: read whole, a grid of 17 billion cells.
    hostile = write_xlsx(tmp_path / "远端.xlsx", NS + '<sheetData><row r="1048576">'
                         '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                         "</sheetData></worksheet>")
    dialog = window.workspace.cases.import_file()
    dialog.kind.setCurrentIndex(dialog.kind.findData("bikes"))
    dialog.path.setText(str(hostile))
    dialog.preview()
    qtbot.waitUntil(lambda: "超过 500 列的上限" in dialog.status.text(), timeout=60_000)
    assert "远端.xlsx" in dialog.status.text()
    assert dialog.isVisible()
    assert window.isVisible()
    # The same dialog goes on working with the next file.
    good = tmp_path / "站点.csv"
    good.write_text("站点编号,站点名称,地址,经度,纬度,车桩数,自行车数\n"
                    "B1,江湾站,国权北路,121.5046,31.3268,20,10\n", encoding="utf-8")
    dialog.path.setText(str(good))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=60_000)
    assert "可导入 1 行" in dialog.report.toPlainText()
