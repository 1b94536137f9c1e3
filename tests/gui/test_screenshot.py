"""``xjwc screenshot``: a real process renders the window and the street is on it."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QColor, QImage


def color_count(image: QImage, rgb: str, step: int = 2) -> int:
    """How many sampled pixels are within a small tolerance of ``rgb``."""
    want = QColor(rgb)
    hits = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width() * 3 // 4, step):  # the map is the left part
            c = image.pixelColor(x, y)
            if (abs(c.red() - want.red()) + abs(c.green() - want.green())
                    + abs(c.blue() - want.blue())) < 24:
                hits += 1
    return hits


def test_screenshot_shows_the_street(demo_db_path, tmp_path):
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "xjwc_desktop", "screenshot", "--db", str(demo_db_path),
         "--out", str(out), "--size", "1400x900"],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = QImage(str(out))
    # The window as it opens, maximised on a 1400×900 screen (less its frame).
    assert 1390 <= image.width() <= 1400
    assert 890 <= image.height() <= 900
    assert color_count(image, "#c0392b") > 150  # the street boundary
    assert color_count(image, "#d35400") > 50  # the 殷行路 dividing line
    assert color_count(image, "#27ae60") > 200  # closed cases
    assert not list(tmp_path.glob(".*partial"))


def test_screenshot_refuses_a_missing_database(tmp_path):
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "xjwc_desktop", "screenshot", "--db", str(tmp_path / "no.sqlite"),
         "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no.sqlite" in proc.stderr
    assert not out.exists()
    assert not (tmp_path / "no.sqlite").exists()
