"""The leaked-window check fails a GUI test that leaves a window behind, and names it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from tests.gui.leaks import check_no_leaked_windows, top_level_windows

pytest_plugins = ("pytester",)
REPO = Path(__file__).resolve().parents[2]


def test_a_window_left_open_fails_by_name(qtbot):
    before = top_level_windows()
    box = QMessageBox(QMessageBox.Icon.Warning, "未能办理", "当前状态为“派遣”")
    box.setObjectName("refusal")
    box.show()
    qtbot.waitUntil(box.isVisible)
    with pytest.raises(AssertionError, match="left 1 window.*: QMessageBox#refusal “未能办理” \\("):
        check_no_leaked_windows(before)
    assert not shiboken6.isValid(box)  # closed and deleted: the next test starts clean
    check_no_leaked_windows(before)


def test_a_hidden_window_still_alive_fails_too(qtbot):
    before = top_level_windows()
    window = QWidget()
    window.setWindowTitle("临时")
    window.show()
    qtbot.waitUntil(window.isVisible)
    window.close()  # hidden, but its timers and children live on
    with pytest.raises(AssertionError, match="QWidget “临时” \\(hidden\\)"):
        check_no_leaked_windows(before)


def test_a_window_disposed_of_passes(qtbot):
    before = top_level_windows()
    window = QWidget()
    window.show()
    qtbot.waitUntil(window.isVisible)
    window.close()
    window.deleteLater()
    check_no_leaked_windows(before)


def test_a_gui_test_that_leaks_a_window_errors_at_teardown(pytester, monkeypatch):
    """The fixture is wired in: a test file under a copy of tests/gui's conftest fails."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), str(REPO)]))
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n"
                          "from tests.gui.conftest import *  # noqa: F403\n")
    pytester.makepyfile(test_leaky=textwrap.dedent("""
        from PySide6.QtWidgets import QWidget

        def test_opens_a_window_and_forgets_it(qtbot):
            w = QWidget()
            w.setWindowTitle("忘了关的窗口")
            w.show()
            globals()["kept"] = w

        def test_runs_after(qtbot):
            pass
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_opens_a_window_and_forgets_it*",
                                 "*left 1 window(s) behind: QWidget “忘了关的窗口”*"])
