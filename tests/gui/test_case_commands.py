"""The commands of the menus: export with an explicit scope, print a case's 案卷."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QFileDialog

from tests.gui.test_workspace_changes import settle, show
from xjwc_desktop.gui.exchange import qt_exchange


def test_the_extension_follows_the_format_and_the_scope_is_a_choice(qtbot, make_window,
                                                                    tmp_path):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    ws.view.select([ws.case_list.model.rowid_at(0)])  # one clicked row
    dialog = ws.cases.export()
    dialog.path.setText(str(tmp_path / "清单.csv"))
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    assert dialog.path.text().endswith("清单.xlsx")
    # One clicked row does not silently narrow the export: the whole result is the default.
    assert dialog.scope_all.isChecked()
    assert "15,789" in dialog.scope_all.text()
    assert dialog.scope_selected.text() == "所选 1 件"
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as done:
        dialog.run()
    assert done.args[0].endswith("清单.xlsx")
    assert (tmp_path / "清单.xlsx").read_bytes()[:2] == b"PK"  # a real workbook
    assert "15,789" in dialog.status.text()


def test_the_selected_scope_exports_just_those(qtbot, make_window, tmp_path):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    rows = [ws.case_list.model.rowid_at(i) for i in range(3)]
    ws.view.select(rows)
    dialog = ws.cases.export()
    assert dialog.scope_selected.isChecked()  # several selected: that is what is meant
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    dialog.path.setText(str(tmp_path / "所选.csv"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.run()
    lines = (tmp_path / "所选.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 3


def test_closing_the_dialog_cancels_and_leaves_no_file(qtbot, make_window, tmp_path,
                                                       monkeypatch):
    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    started, go_on = threading.Event(), threading.Event()
    real = qt_exchange.export_cases

    def held(*args, **kwargs):  # the export is certainly running when the dialog closes
        started.set()
        go_on.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(qt_exchange, "export_cases", held)
    dialog = ws.cases.export()
    dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
    folder = tmp_path / "exports"
    folder.mkdir()
    dialog.path.setText(str(folder / "半途.xlsx"))
    dialog.run()
    qtbot.waitUntil(started.is_set)
    dialog.reject()
    go_on.set()
    qtbot.waitUntil(lambda: ws.tasks.idle, timeout=30_000)
    assert list(folder.iterdir()) == []


def test_print_the_case_on_show(qtbot, make_window, tmp_path, monkeypatch):
    from pypdf import PdfReader

    window = make_window()
    ws = window.workspace
    settle(qtbot, window)
    assert not ws.cases.print_action.isEnabled()  # nothing on show yet
    snap = show(qtbot, window, ws.case_list.model.rowid_at(0))
    assert ws.cases.print_action.isEnabled()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "案卷"), "PDF (*.pdf)"))
    ws.cases.open_files = False
    ws.cases.print_action.trigger()
    qtbot.waitUntil(lambda: ws.cases.last_sheet is not None, timeout=30_000)
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "案卷.pdf").pages)
    assert snap.case_no in text.replace(" ", "").replace("\x00", "")
