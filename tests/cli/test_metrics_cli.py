"""``xjwc metrics`` and ``xjwc inspectors`` on the demo database, in real processes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys


def xjwc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xjwc_desktop", *args], capture_output=True,
                          text=True, timeout=120)


def test_metrics_by_zone_add_up_to_the_total(demo_db_path):
    total = json.loads(xjwc("metrics", "--db", str(demo_db_path), "--json").stdout)
    zones = json.loads(xjwc("metrics", "--db", str(demo_db_path), "--by", "zone",
                            "--json").stdout)
    assert len(total) == 1
    assert [z["label"] for z in zones] == ["殷行路以北", "殷行路以南"]
    for field in ("registered", "to_close", "closed", "closed_on_time", "handled", "reworked"):
        assert sum(z[field] for z in zones) == total[0][field], field
    assert total[0]["closure_rate"] == total[0]["closed"] / total[0]["to_close"]


def test_metrics_text_and_bad_period(demo_db_path):
    out = xjwc("metrics", "--db", str(demo_db_path), "--from", "2015-03-01", "--to", "2015-03-31")
    assert out.returncode == 0
    assert "结案率" in out.stdout
    assert "按期结案率" in out.stdout
    bad = xjwc("metrics", "--db", str(demo_db_path), "--from", "2015-04-01", "--to", "2015-03-01")
    assert bad.returncode != 0
    assert "晚于" in bad.stderr


def test_inspectors_meet_the_daily_target_in_the_demo(demo_db_path):
    rows = json.loads(xjwc("inspectors", "--db", str(demo_db_path), "--from", "2015-01-01",
                           "--to", "2015-10-31", "--json").stdout)
    assert len(rows) == 6
    assert {r["zone"] for r in rows} == {"north", "south"}
    assert all(r["days_below_target"] == 0 and r["per_day"] >= 6 for r in rows)
    with sqlite3.connect(demo_db_path) as con:
        patrol = con.execute("SELECT count(*) FROM cases WHERE source = 'patrol'").fetchone()[0]
    assert sum(r["found"] for r in rows) == patrol
