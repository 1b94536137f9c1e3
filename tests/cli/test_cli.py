"""The ``xjwc`` command as a user runs it: real processes, exit codes, stdout and stderr."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xjwc_desktop import __version__
from xjwc_desktop.core.resources import load_json

REPO = Path(__file__).resolve().parents[2]
MODULE = ("-m", "xjwc_desktop")
SCRIPT = (str(REPO / "main.py"),)


def xjwc(*args: str, entry: tuple[str, ...] = MODULE, lang: str = "zh"):
    env = {**os.environ, "XJWC_LANG": lang, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, *entry, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_creates_a_database_and_refuses_to_overwrite_it(tmp_path) -> None:
    path = tmp_path / "演示.sqlite"
    first = xjwc("demo", "--db", str(path), entry=SCRIPT)
    assert first.returncode == 0, first.stderr
    assert str(path) in first.stdout
    assert path.stat().st_size > 1_000_000
    before = sha256(path)
    second = xjwc("demo", "--db", str(path))
    assert second.returncode != 0
    assert str(path) in second.stderr
    assert "已存在" in second.stderr
    assert "Traceback" not in second.stderr
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["演示.sqlite"]
    stats = xjwc("stats", "--db", str(path), "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["cases"]["by_source"]["wechat"]["count"] == 49


@pytest.mark.parametrize("entry", [MODULE, SCRIPT], ids=["python -m", "main.py"])
def test_stats_json_has_the_seed_figures(demo_db_path, entry) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path), "--json", entry=entry)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    by_source = {k: v["count"] for k, v in figures["cases"]["by_source"].items()}
    assert {k: by_source[k] for k in ("hotline", "district_grid", "daliandong", "wechat")} == {
        "hotline": 125, "district_grid": 49, "daliandong": 1910, "wechat": 49}
    assert figures["patrol"]["lowest_inspector_day"] >= 6
    demolished = figures["illegal_structures"]["demolished"]
    assert (demolished["count"], demolished["area_m2"]) == (103, 6054.14)
    assert figures["census"]["residential"] == {"count": 1540, "area_m2": 37777.87}
    assert figures["census"]["total"] == {"count": 1586, "area_m2": 364419.87}
    assert figures["bike_stations"]["stations"] == 10
    assert figures["bike_stations"]["bikes"] == 300


def test_stats_text_reads_like_the_report(demo_db_path) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "  12345热线: 125" in lines
    assert "  大联动: 1,910" in lines
    assert "  微信: 49" in lines
    assert any("103 处" in line and "6,054.14" in line for line in lines)
    assert any("364,419.87" in line and "1586" in line for line in lines)
    assert any("300 辆" in line for line in lines)


def test_stats_for_a_period(demo_db_path) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path), "--json",
                "--from", "2015-03-01", "--to", "2015-03-31")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["period"] == {"from": "2015-03-01", "to": "2015-03-31"}
    whole = json.loads(xjwc("stats", "--db", str(demo_db_path), "--json").stdout)
    assert 0 < figures["cases"]["total"] < whole["cases"]["total"]
    assert figures["patrol"]["inspector_days"] == 6 * 31


def test_stats_with_reversed_period_is_refused(demo_db_path) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path), "--from", "2015-03-01",
                "--to", "2015-02-01")
    assert proc.returncode != 0
    assert "2015-03-01" in proc.stderr
    assert "2015-02-01" in proc.stderr
    assert "晚于" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_stats_with_a_malformed_date_is_refused(demo_db_path) -> None:
    proc = xjwc("stats", "--db", str(demo_db_path), "--from", "2015-13-01")
    assert proc.returncode == 2
    assert "YYYY-MM-DD" in proc.stderr


def test_stats_on_a_missing_database(tmp_path) -> None:
    path = tmp_path / "nonexistent.sqlite"
    proc = xjwc("stats", "--db", str(path))
    assert proc.returncode == 2
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_stats_on_a_text_file(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("网格巡查日志\n" * 200, encoding="utf-8")
    before = sha256(path)
    proc = xjwc("stats", "--db", str(path))
    assert proc.returncode == 2
    assert str(path) in proc.stderr
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("entry", [MODULE, SCRIPT], ids=["python -m", "main.py"])
def test_help_lists_the_subcommands(entry) -> None:
    proc = xjwc("--help", entry=entry)
    assert proc.returncode == 0
    for command in ("demo", "stats", "screenshot"):
        assert command in proc.stdout


@pytest.mark.parametrize("entry", [MODULE, SCRIPT], ids=["python -m", "main.py"])
def test_version(entry) -> None:
    proc = xjwc("--version", entry=entry)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"xjwc {__version__}"


def test_screenshot_to_a_non_png_file_is_refused_before_any_work(tmp_path) -> None:
    db = tmp_path / "never-created.sqlite"
    out = tmp_path / "x.jpg"
    proc = xjwc("screenshot", "--db", str(db), "--out", str(out))
    assert proc.returncode != 0
    assert ".png" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_negative_case_count_is_refused(tmp_path) -> None:
    proc = xjwc("demo", "--db", str(tmp_path / "d.sqlite"), "--cases", "-5")
    assert proc.returncode == 2
    assert "不能为负数" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_english_interface_json(demo_db_path) -> None:
    proc = xjwc("--lang", "en", "stats", "--db", str(demo_db_path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["cases"]["by_source"]["hotline"]["count"] == 125


def test_english_interface_text(demo_db_path) -> None:
    english = load_json("i18n/en.json")
    proc = xjwc("--lang", "en", "stats", "--db", str(demo_db_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith(f"{english['案件总数']}: ") for line in lines)
    assert any(line.startswith(f"{english['拆除违法建筑']}: 103") and "6,054.14" in line
               for line in lines)
    assert "案件总数" not in proc.stdout
    assert "  12345热线: 125" in lines


def test_unknown_language_is_refused(demo_db_path) -> None:
    proc = xjwc("--lang", "fr", "stats", "--db", str(demo_db_path))
    assert proc.returncode == 2
    assert "fr" in proc.stderr


def test_db_given_before_the_subcommand(demo_db_path) -> None:
    """``xjwc --db X stats``: the global --db reaches the subcommand (see cli/options.py)."""
    proc = xjwc("--db", str(demo_db_path), "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["census"]["total"]["count"] == 1586
