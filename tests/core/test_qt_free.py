"""The core and the data commands work on a machine without PySide6 (the office server)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, json, pkgutil, sys

    BLOCKED = ("PySide6", "shiboken6")

    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not installed on this machine")
            return None

    sys.meta_path.insert(0, NoQt())
    try:
        import PySide6  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker did not work")

    import xjwc_desktop.core
    imported = []
    for info in pkgutil.walk_packages(xjwc_desktop.core.__path__, "xjwc_desktop.core."):
        # Alembic's env.py is a script Alembic runs, not a module to import.
        if info.name.endswith(".migrations.env"):
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
    import xjwc_desktop.cli
    import xjwc_desktop.cli.data_commands
    import xjwc_desktop.cli.gui_commands  # imports Qt lazily, inside its functions

    print(json.dumps({"imported": imported}))
    rc = xjwc_desktop.cli.main(["stats", "--db", sys.argv[1], "--json"])
    qt = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(json.dumps({"rc": rc, "qt_modules": qt}))
    """
)


def test_core_and_data_cli_need_no_qt(demo_db_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(demo_db_path)],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # First line: the modules imported; then the stats JSON (indented); last line: the end.
    first, rest = out.split("\n", 1)
    imported = json.loads(first)["imported"]
    for name in ("xjwc_desktop.core.stats", "xjwc_desktop.core.storage.database",
                 "xjwc_desktop.core.demo.generate", "xjwc_desktop.core.queries.map_layers",
                 "xjwc_desktop.core.geo.mapdata", "xjwc_desktop.core.worktime"):
        assert name in imported
    body, last = rest.rstrip("\n").rsplit("\n", 1)
    assert json.loads(last) == {"rc": 0, "qt_modules": []}
    figures = json.loads(body)
    by_source = {k: v["count"] for k, v in figures["cases"]["by_source"].items()}
    assert by_source["hotline"] == 125
    assert by_source["daliandong"] == 1910
    assert figures["illegal_structures"]["demolished"]["area_m2"] == 6054.14
    assert figures["census"]["total"] == {"count": 1586, "area_m2": 364419.87}
    assert figures["bike_stations"]["bikes"] == 300


def test_gui_command_fails_cleanly_without_qt_only_when_used(demo_db_path, tmp_path) -> None:
    """The screenshot command checks its arguments before it needs Qt."""
    script = SCRIPT.split("import xjwc_desktop.core\n")[0] + textwrap.dedent(
        """
        import xjwc_desktop.cli
        sys.exit(xjwc_desktop.cli.main(
            ["screenshot", "--db", sys.argv[1], "--out", sys.argv[2]]))
        """
    )
    out = tmp_path / "shot.jpg"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(demo_db_path), str(out)],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert ".png" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
