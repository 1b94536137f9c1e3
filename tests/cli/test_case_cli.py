"""``xjwc case …`` as a script runs it: real processes on a copy of the demo database."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SPOT = ("--lon", "121.5100", "--lat", "31.3370")  # north of 殷行路, near 尚景园
SANITATION = "作业队/保洁服务社"


def xjwc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XJWC_LANG": "zh", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "xjwc_desktop", "case", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=600)


def ok(*args: str) -> subprocess.CompletedProcess:
    proc = xjwc(*args)
    assert proc.returncode == 0, proc.stderr
    return proc


def new(db: Path, *extra: str) -> dict:
    proc = ok("new", "--db", str(db), "--source", "网格巡查", "--category", "暴露垃圾", *SPOT,
              "--json", *extra)
    return json.loads(proc.stdout)


def show(db: Path, ref: str) -> dict:
    return json.loads(ok("show", ref, "--db", str(db), "--json").stdout)


def act(db: Path, ref: str, action: str, role: str, *extra: str) -> subprocess.CompletedProcess:
    return xjwc("act", ref, action, "--as", role, "--db", str(db), *extra)


def test_new_prints_the_case_with_its_id_deadline_and_first_history_entry(
        demo_db_path) -> None:
    made = new(demo_db_path, "--address", "尚景园南门", "--description", "绿化带内堆放垃圾")
    assert len(made["id"]) == 32
    assert made["case_no"].startswith("XJW")
    assert (made["status"], made["status_label"], made["source_label"]) == (
        "reported", "受理", "网格巡查")
    assert (made["category_name"], made["zone_code"]) == ("暴露垃圾", "north")
    assert made["grid_code"].startswith("310110020")
    assert made["description"] == "绿化带内堆放垃圾"
    assert (made["deadline"]["deadline_at"], made["deadline"]["light"]) == (None, "none")
    assert [(h["seq"], h["action"], h["to"], h["role"]) for h in made["history"]] == [
        (1, "report", "reported", "巡查员")]
    assert made["possible_duplicates"] == []
    assert show(demo_db_path, made["case_no"]) == show(demo_db_path, made["id"])


def test_walk_the_closed_loop_with_chinese_roles(demo_db_path) -> None:
    made = new(demo_db_path)
    cid, cno = made["id"], made["case_no"]
    steps = [(cid, "register", "受理员", ()),
             (cno, "dispatch", "派遣员", ("--dept", SANITATION)),
             (cid, "handle", "处置部门", ("--note", "已清运")),
             (cno, "verify", "监督员", ()),  # 监督员 is another name for 巡查员
             (cid, "close", "值班长", ())]
    outputs = [ok("act", ref, action, "--as", role, "--db", str(demo_db_path), *extra).stdout
               for ref, action, role, extra in steps]
    assert outputs[0].strip() == f"{cno}：立案，受理 → 立案"
    assert outputs[-1].strip() == f"{cno}：结案，核查 → 结案"
    final = show(demo_db_path, cid)
    assert (final["status"], final["department_name"]) == ("closed", SANITATION)
    assert final["deadline"]["deadline_at"] is not None
    assert final["deadline"]["light"] == "green"  # handled within minutes of registering
    assert [(h["seq"], h["action"], h["role"]) for h in final["history"]] == [
        (1, "report", "巡查员"), (2, "register", "受理员"), (3, "dispatch", "派遣员"),
        (4, "handle", "处置部门"), (5, "verify", "巡查员"), (6, "close", "值班长")]
    assert final["history"][3]["note"] == "已清运"
    text = ok("show", cno, "--db", str(demo_db_path)).stdout
    assert cno in text
    assert "结案（值班长）" in text


def test_side_flows_from_the_command_line(demo_db_path) -> None:
    from xjwc_desktop.core.worktime import default_calendar

    db, cid = demo_db_path, new(demo_db_path)["id"]
    ok("act", cid, "register", "--as", "受理员", "--db", str(db))
    ok("act", cid, "dispatch", "--as", "派遣员", "--dept", "城管", "--db", str(db))
    ok("act", cid, "request_extension", "--as", "处置部门", "--hours", "4", "--note", "需协调",
       "--db", str(db))
    before = show(db, cid)["deadline_at"]
    ok("act", cid, "extend", "--as", "值班长", "--note", "同意", "--db", str(db))
    ok("act", cid, "extend", "--as", "值班长", "--days", "1", "--note", "再延", "--db", str(db))
    extended = show(db, cid)
    ok("act", cid, "suspend", "--as", "值班长", "--note", "待协调", "--db", str(db))
    assert show(db, cid)["status"] == "suspended"
    ok("act", cid, "resume", "--as", "值班长", "--db", str(db))
    ok("act", cid, "escalate", "--as", "值班长", "--note", "督办", "--db", str(db))
    ok("act", cid, "reassign", "--as", "派遣员", "--dept", SANITATION, "--note", "职责",
       "--db", str(db))
    ok("act", cid, "handle", "--as", "处置部门", "--db", str(db))
    ok("act", cid, "rework", "--as", "巡查员", "--note", "未清理干净", "--db", str(db))
    final = show(db, cid)
    # 4 h approved + 1 working day (8 h) = 12 working hours added to the deadline.
    assert extended["extension_hours"] == 12.0
    assert default_calendar().working_minutes_between(
        dt.datetime.fromisoformat(before), dt.datetime.fromisoformat(extended["deadline_at"])
    ) == 720
    assert (final["status"], final["escalated"], final["rework_count"]) == (
        "dispatched", True, 1)
    assert final["department_name"] == SANITATION
    assert [h["action"] for h in final["history"]] == [
        "report", "register", "dispatch", "request_extension", "extend", "extend", "suspend",
        "resume", "escalate", "reassign", "handle", "rework"]
    voided = new(db)["case_no"]
    ok("act", voided, "void", "--as", "受理员", "--note", "信息不实", "--db", str(db))
    assert show(db, voided)["status_label"] == "作废"


def _a_demo_case(db: Path, status: str) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT case_no FROM cases WHERE status = ? ORDER BY case_no"
                           " LIMIT 1", (status,)).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize(("state", "action", "role", "extra", "says"), [
    ("reported", "dispatch", "派遣员", ("--dept", SANITATION),
     ["当前状态为“受理”", "不能执行“派遣”", "立案"]),
    ("reported", "register", "处置部门", (), ["处置部门不能", "（受理）", "受理员"]),
    ("reported", "void", "受理员", (), ["必须填写说明"]),
    ("reported", "register", "保安", (), ["未知的角色“保安”", "受理员"]),
    ("closed", "close", "值班长", (), ["当前状态为“结案”", "无（已办结）"]),
    ("closed", "handle", "处置部门", (), ["当前状态为“结案”"]),
])
def test_refused_steps_exit_nonzero_say_why_and_change_nothing(demo_db_path, state, action,
                                                               role, extra, says) -> None:
    ref = new(demo_db_path)["case_no"] if state == "reported" else _a_demo_case(
        demo_db_path, state)
    before = show(demo_db_path, ref)
    proc = act(demo_db_path, ref, action, role, *extra)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    if "未知的角色" not in proc.stderr:
        assert ref in proc.stderr
    for part in says:
        assert part in proc.stderr
    assert show(demo_db_path, ref) == before


def test_an_unknown_case_is_refused(demo_db_path) -> None:
    proc = act(demo_db_path, "XJW2099010100001", "register", "受理员")
    assert proc.returncode != 0
    assert "找不到案件“XJW2099010100001”" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_due_lists_red_then_yellow_cases(demo_db_path) -> None:
    from xjwc_desktop.core import clock
    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.core.workflow import Action, Actor, Role, act, create_case
    from xjwc_desktop.core.worktime import default_calendar

    cal, now = default_calendar(), clock.now()
    clock = int(cal.to_working_minutes(np.datetime64(now, "m")))
    db = open_database(demo_db_path)
    made = {}
    try:  # 暴露垃圾 (480 working minutes) registered 60, 432 and 960 working minutes ago
        with db.write() as s:
            for name, ago in (("green", 60), ("yellow", 432), ("red", 960)):
                at = cal.from_working_minutes(clock - ago).astype(object)
                case = create_case(s, source="12345热线", category="暴露垃圾", lon=121.51,
                                   lat=31.337, workstation_id="ws", at=at)
                act(s, case.case_id, Action.REGISTER, Actor(Role.INTAKE), workstation_id="ws",
                    at=at)
                made[name] = case.case_id
    finally:
        db.close()
    listed = json.loads(ok("due", "--db", str(demo_db_path), "--json", "--limit", "1000").stdout)
    by_id = {d["case_id"]: d for d in listed}
    assert (by_id[made["yellow"]]["light"], by_id[made["red"]]["light"]) == ("yellow", "red")
    assert 200.0 <= by_id[made["red"]]["used_percent"] < 201.0  # a minute may pass meanwhile
    assert 90.0 <= by_id[made["yellow"]]["used_percent"] < 100.0
    assert made["green"] not in by_id
    lights = [d["light"] for d in listed]
    assert lights == ["red"] * lights.count("red") + ["yellow"] * lights.count("yellow")
    assert {d["status"] for d in listed} <= {"registered", "dispatched"}
    closed = _a_demo_case(demo_db_path, "closed")
    assert closed not in {d["case_no"] for d in listed}


def test_duplicate_links_a_new_case_to_the_original(demo_db_path) -> None:
    original = new(demo_db_path)
    proc = ok("new", "--db", str(demo_db_path), "--source", "微信", "--category", "暴露垃圾",
              *SPOT, "--json")
    second = json.loads(proc.stdout)
    assert [(d["case_id"], d["distance_m"]) for d in second["possible_duplicates"]] == [
        (original["id"], 0.0)]
    assert original["case_no"] in proc.stderr
    assert "可能重复" in proc.stderr
    before = show(demo_db_path, original["id"])
    linked = ok("duplicate", second["id"], "--of", original["case_no"], "--as", "受理员",
                "--db", str(demo_db_path))
    assert second["case_no"] in linked.stdout
    after = show(demo_db_path, second["case_no"])
    assert (after["status"], after["duplicate_of_id"]) == ("voided", original["id"])
    assert original["case_no"] in after["history"][-1]["note"]
    assert show(demo_db_path, original["id"]) == before
    again = xjwc("duplicate", second["id"], "--of", second["id"], "--as", "受理员",
                 "--db", str(demo_db_path))
    assert again.returncode != 0
    assert "不能与自身重复" in again.stderr


def test_a_work_order_entered_twice_is_refused_without_a_traceback(demo_db_path) -> None:
    order = ("--source", "12345热线", "--category", "暴露垃圾", *SPOT, "--external-no", "GD1")
    first = ok("new", "--db", str(demo_db_path), *order, "--json")
    again = xjwc("new", "--db", str(demo_db_path), *order)
    assert again.returncode == 2
    assert "Traceback" not in again.stderr
    assert "GD1" in again.stderr
    assert json.loads(first.stdout)["case_no"] in again.stderr
