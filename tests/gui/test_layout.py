"""The workspace on the office's screens: the map owns the middle, nothing is cut, the
window fits, and what the operator arranged comes back after a restart.

The screen tests run the real application under Xvfb with a window manager (openbox), as
on a workstation, at the two common office sizes; ``scripts/dev.sh`` installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xjwc_desktop.core.workflow.rules import Role

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(1366, 768), (1920, 1080)]
MAP_SHARE = 0.55


class Screen:
    """Xvfb on a display it picks itself, with openbox managing its windows."""

    def __init__(self, width: int, height: int) -> None:
        for tool in ("Xvfb", "openbox"):
            assert shutil.which(tool), f"{tool} is missing: bash scripts/dev.sh installs it"
        # -displayfd: Xvfb chooses a free display and writes its number once it accepts
        # connections, so reading it is the wait (no polling for its socket).
        ready, told = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(told), "-screen", "0",
                                      f"{width}x{height}x24", "-nolisten", "tcp"],
                                     pass_fds=(told,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(told)
        with os.fdopen(ready) as answer:
            number = answer.readline().strip()
        assert number, "Xvfb did not start"
        self.display = f":{number}"
        self.wm = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": self.display},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self) -> None:
        for proc in (self.wm, self.xvfb):
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def layouts(demo_template, tmp_path_factory):
    """The probe's report and screenshot at each size (one application start each)."""
    folder = tmp_path_factory.mktemp("layout")
    db = folder / "demo.sqlite"
    shutil.copyfile(demo_template, db)
    db.chmod(0o644)
    reports = {}
    for width, height in SIZES:
        screen = Screen(width, height)
        try:
            out, shot = folder / f"{width}.json", folder / f"{width}.png"
            env = {**os.environ, "DISPLAY": screen.display, "QT_QPA_PLATFORM": "xcb",
                   "XDG_CONFIG_HOME": str(folder / f"config-{width}")}
            proc = subprocess.run([sys.executable, "-m", "tests.gui.layout_probe", str(db),
                                   str(out), str(shot)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stderr[-3000:]
            reports[(width, height)] = json.loads(out.read_text(encoding="utf-8"))
            reports[(width, height)]["shot"] = shot
        finally:
            screen.close()
    return reports


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_map_owns_the_middle_and_the_window_fits(layouts, size):
    report = layouts[size]
    assert report["ready"]
    x, y, w, h = report["frame"]
    assert min(x, y) >= 0, report["frame"]
    assert x + w <= size[0], report["frame"]
    assert y + h <= size[1], report["frame"]  # the status bar on screen
    assert report["map_share"] >= MAP_SHARE, report
    assert report["shot"].stat().st_size > 50_000  # a real picture of a real window


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_is_cut(layouts, size):
    assert layouts[size]["cut"] == {"filter dock": [], "case panel": [], "case list": []}


def test_geometry_docks_role_and_view_come_back(qtbot, make_window, settings_store):
    from PySide6.QtCore import Qt

    window = make_window()
    ws = window.workspace
    ws.role_box.setCurrentIndex(ws.role_box.findData(Role.DISPATCHER.value))
    window.docks["panels"].hide()
    window.resizeDocks([window.docks["case_list"]], [333], Qt.Orientation.Vertical)
    window.show_view(2)
    height = window.docks["case_list"].height()
    window.close()
    again = make_window(settings_store, wait_for_map=False)
    assert again.workspace.view.role is Role.DISPATCHER
    assert again.workspace.role_box.currentData() == Role.DISPATCHER.value
    assert not again.docks["panels"].isVisible()
    assert again.centre.currentIndex() == 2
    assert again.view_actions.actions()[2].isChecked()
    assert abs(again.docks["case_list"].height() - height) <= 2
    again.reset_layout_action.trigger()
    assert again.docks["panels"].isVisible()
    again.show_view(0)  # the map draws once it is looked at
    qtbot.waitUntil(lambda: again.workspace.map.is_ready)
