"""Pushes from different devices run side by side on PostgreSQL, and the change feed
still never lets a pull skip a sequence number (server/sequencer.py).

Push A is held inside its transaction (rows written, feed numbers not yet final) until
push B has committed: under the old global push lock B could not even start, so the test
would fail on B's timeout. A pull made meanwhile must not move its cursor past A's rows.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from xjwc_desktop.core.sync.codec import loads
from xjwc_desktop.server import sequencer

WAIT_S = 60  # generous: the machine is shared; nothing waits this long when all is well


def _feed_seq(server, case_id: str) -> int:
    with server.db.engine.connect() as conn:
        return conn.execute(text("SELECT seq FROM sync_rows WHERE tbl = 'cases' AND "
                                 "row_id = :r"), {"r": case_id}).scalar_one()


def _last_result(server, device_name: str) -> tuple[int, dict]:
    with server.db.engine.connect() as conn:
        seq, result = conn.execute(text(
            "SELECT c.seq, c.result FROM sync_changes c JOIN sync_devices d "
            "ON d.id = c.device_id WHERE d.name = :n ORDER BY c.device_seq DESC LIMIT 1"),
            {"n": device_name}).one()
    return seq, loads(result)


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_two_devices_push_side_by_side_and_a_pull_meanwhile_skips_nothing(
        server_url, make_server, make_workstation, monkeypatch):
    server = make_server(server_url)
    a = make_workstation(server, "值班台A")
    b = make_workstation(server, "值班台B")
    case_a, case_b = a.new_case(description="甲处"), b.new_case(description="乙处")
    a.sync()
    b.sync()
    a.sync()
    a.edit(case_a, description="甲处已清理")
    b.edit(case_b, description="乙处已清理")
    id_a, id_b = a.case(case_a).id, b.case(case_b).id

    a_inside, b_done = threading.Event(), threading.Event()

    def hold_a(device) -> None:
        if device.name == "值班台A":
            a_inside.set()
            if not b_done.wait(WAIT_S):
                raise RuntimeError("push B never committed while push A was open")

    monkeypatch.setattr(sequencer, "before_ordering", hold_a)
    with ThreadPoolExecutor(2) as pool:
        a_sync = pool.submit(a.sync)
        try:
            assert a_inside.wait(WAIT_S), "push A never reached its ordered section"
            # B pushes, pulls and checks while A's transaction is open.
            b_report = pool.submit(b.sync).result(WAIT_S)
        finally:
            b_done.set()
        a_report = a_sync.result(WAIT_S)

    assert b_report.pushed == 1
    assert a_report.pushed == 1
    # B's pull came before A committed: A's edit is not there yet ...
    assert b.case(case_a).description == "甲处"
    # ... and A's row was numbered after B's, at its commit, so B's next pull gets it.
    assert _feed_seq(server, id_a) > _feed_seq(server, id_b)
    assert b.sync().pulled >= 1
    assert b.case(case_a).description == "甲处已清理"
    assert a.case(case_b).description == "乙处已清理"
    # The numbers stored with the applied change (replayed to a device that retries) are
    # the final ones.
    seq, result = _last_result(server, "值班台A")
    assert seq == result["seq"] == _feed_seq(server, id_a)
    seq, result = _last_result(server, "值班台B")
    assert seq == result["seq"] == _feed_seq(server, id_b)


def test_a_push_locks_its_device_rows_cases_and_claimed_unique_values():
    from xjwc_desktop.server.devices import Device

    device = Device("dev-1", "甲", "operator", None, 1, None, 0)
    other_device = Device("dev-2", "乙", "operator", None, 2, None, 0)
    event = {"tbl": "case_events", "row_id": "e1", "op": "insert",
             "row": {"id": "e1", "case_id": "c1"}}
    edit = {"tbl": "cases", "row_id": "c1", "op": "update", "base": {"id": "c1"},
            "new": {"description": "x"}}
    # The event locks its case: it meets a push that edits that case.
    assert sequencer.rows_to_lock([event]) == {"case_events": {"e1"}, "cases": {"c1"}}
    assert sequencer.rows_to_lock([edit]) == {"cases": {"c1"}}
    assert sequencer.rows_to_lock([{**edit, "tbl": "not_a_table"}]) == {}
    # Devices each have their own lock; two taking in the same work order meet on it.
    order = {"tbl": "cases", "op": "insert"}
    first = sequencer.lock_ids(device, [{**order, "row_id": "c8", "row": {
        "id": "c8", "source": "12345热线", "external_no": "0001", "case_no": "X1"}}])
    second = sequencer.lock_ids(other_device, [{**order, "row_id": "c9", "row": {
        "id": "c9", "source": "12345热线", "external_no": "0001", "case_no": "X2"}}])
    assert first == sorted(first)
    assert len(set(first) & set(second)) == 1
    assert not set(sequencer.lock_ids(device, [])) & set(sequencer.lock_ids(other_device, []))


@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_a_push_claiming_many_unique_values_runs_alone_and_lands(server_url, make_server,
                                                                  make_workstation):
    """More new cases than the advisory-lock budget: the push takes the exclusive lock
    instead (PostgreSQL's shared lock table is small) and lands like any other."""
    server = make_server(server_url)
    a = make_workstation(server, "值班台A")
    b = make_workstation(server, "值班台B")
    numbers = [a.new_case(description=f"批量 {n}") for n in range(sequencer.ADVISORY_BUDGET)]
    changes = [{"tbl": "cases", "op": "insert", "row_id": str(n),
                "row": {"id": str(n), "case_no": no}} for n, no in enumerate(numbers)]
    assert len(sequencer.lock_ids(_device(), changes)) > \
        sequencer.ADVISORY_BUDGET
    assert a.sync().pushed >= len(numbers)
    b.sync()
    assert all(b.case(no) is not None for no in numbers)


def _device():
    from xjwc_desktop.server.devices import Device

    return Device("dev-1", "甲", "operator", None, 1, None, 0)


@pytest.mark.slow
@pytest.mark.parametrize("server_url", ["postgresql"], indirect=True)
def test_three_workstations_syncing_at_once_converge_and_lose_nothing(
        server_url, make_server, tmp_path):
    """The randomised office of test_sync_random, but the workstations of a round sync at
    the same moment (through proxies that drop and repeat requests): their pushes overlap
    on the server, on the same cases. Whatever the interleaving, everyone ends with the
    server's rows and every edit that did not survive is in a conflict record."""
    from tests.server.test_sync_random import Office, settle_and_check

    rng = random.Random(5)
    office = Office(make_server(server_url), tmp_path, rng)
    try:
        for i in range(10):
            office.stations[0].new_case(description=f"共享案件 {i}", lon=121.5046 + i * 1e-4)
        office.faulty(False)
        for ws in office.stations:
            ws.sync()
        office.faulty(True)
        with ThreadPoolExecutor(len(office.stations)) as pool:
            for round_no in range(14):
                syncing = []
                for n, ws in enumerate(office.stations):
                    for _ in range(rng.randint(1, 4)):
                        office.work(n, ws, round_no)
                    if rng.random() < 0.7:
                        syncing.append(ws)
                for done in [pool.submit(office.sync, ws) for ws in syncing]:
                    done.result(WAIT_S)
        settle_and_check(office, office.server)
    finally:
        office.close()
