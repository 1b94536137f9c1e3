"""Three workstations edit the same cases offline, sync in random order through proxies
that drop requests and answers, and must end with identical content — and every edit
that did not survive must be in a conflict record (or have been seen and changed). A
fourth, misbehaving device pushes hostile changes all along: each is refused, and it
stops no one."""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from tests.security.raw_device import RawDevice
from tests.server.fault_proxy import FaultProxy
from tests.server.sync_helpers import Workstation, server_digests
from xjwc_desktop.core import clock
from xjwc_desktop.core.model import Case, CaseNote
from xjwc_desktop.core.sync.transport import SyncError
from xjwc_desktop.core.workflow.engine import Actor, WorkflowError, act
from xjwc_desktop.core.workflow.rules import Action, Role, allowed_actions

pytestmark = pytest.mark.slow

TEXT_FIELDS = ("description", "address", "reporter_name")
STEP_INPUT = {Action.DISPATCH: {"department": "城管中队"},
              Action.REASSIGN: {"department": "房办", "note": "改派"},
              Action.VOID: {"note": "重复"}, Action.RETURN: {"note": "退回"},
              Action.REWORK: {"note": "未处理好"}, Action.SUSPEND: {"note": "暂缓"},
              Action.ESCALATE: {"note": "督办"}, Action.EXTEND: {"hours": 4, "note": "延期"},
              Action.REQUEST_EXTENSION: {"hours": 4, "note": "申请"}}


@dataclass
class Edit:
    ws: str
    case_id: str
    field: str
    base: object
    value: object


class Office:
    """Three workstations behind misbehaving proxies, and a log of what they changed."""

    def __init__(self, server, tmp_path, rng: random.Random) -> None:
        self.rng = rng
        self.server = server
        self.proxies, self.stations = [], []
        for n in range(3):
            proxy = FaultProxy(server.port)
            self.proxies.append(proxy)
            token = server.enroll(f"工作站{n}")
            self.stations.append(Workstation(tmp_path / f"ws{n}.sqlite", proxy.url, token,
                                             push_batch=7, pull_batch=9))
        self.edits: list[Edit] = []
        self.rogue = RawDevice(server, "失控的设备")
        self.faulty(True)

    def faulty(self, on: bool) -> None:
        for proxy in self.proxies:
            proxy.policy = (lambda m, p: self.rng.choices(
                ["forward", "drop_before", "drop_after", "duplicate"], [6, 1, 1, 1])[0]
            ) if on else (lambda m, p: "forward")

    def close(self) -> None:
        self.rogue.close()
        for ws in self.stations:
            ws.close()
        for proxy in self.proxies:
            proxy.close()

    def sync(self, ws) -> None:
        with contextlib.suppress(SyncError):  # the next sync picks up where this stopped
            ws.sync()

    # -- a misbehaving device ----------------------------------------------------------
    def hostile(self) -> None:
        """One hostile change from the rogue device, straight to the server: refused."""
        with self.server.db.engine.connect() as conn:
            case_ids = [r for (r,) in conn.execute(text("SELECT id FROM cases ORDER BY id"))]
            events = [r for (r,) in conn.execute(text("SELECT id FROM case_events"))]
        case_id = self.rng.choice(case_ids)
        attack = self.rng.choice([
            lambda: self.rogue.update("cases", case_id, {"lon": float("inf")}),
            lambda: self.rogue.update("cases", case_id, {"reported_at": "not-a-date"}),
            lambda: self.rogue.update("cases", case_id, {"address": "长" * 4000}),
            lambda: self.rogue.update("cases", case_id, {"lon": 116.397, "lat": 39.909}),
            lambda: self.rogue.update("cases", case_id, {"no_such_column": 1}),
            lambda: self.rogue.update("case_events", self.rng.choice(events), {"note": "改"}),
            lambda: self.rogue.delete("case_events", self.rng.choice(events)),
        ])
        response = attack()
        assert response.status_code == 200, response.text
        assert [r["outcome"] for r in response.json()["results"]] == ["refused"]

    # -- random work -----------------------------------------------------------------
    def work(self, n: int, ws: Workstation, round_no: int) -> None:
        with ws.db.write() as s:
            cases = s.scalars(select(Case).where(Case.deleted_at.is_(None))
                              .order_by(Case.case_no)).all()
            if not cases:
                return
            case = self.rng.choice(cases)
            roll = self.rng.random()
            if roll < 0.45:
                field = self.rng.choice(TEXT_FIELDS)
                value = f"ws{n}-r{round_no}-{self.rng.randrange(10**6)}"
                self.edits.append(Edit(f"ws{n}", case.id, field, getattr(case, field), value))
                setattr(case, field, value)
                case.written_by = ws.db.workstation_id
            elif roll < 0.8:
                self._step(n, s, ws, case)
            elif roll < 0.9:
                s.add(CaseNote(case_id=case.id, author=f"ws{n}", at=clock.now(),
                               text=f"备注 {round_no}", written_by=ws.db.workstation_id))
            elif roll < 0.95:
                for field in (*TEXT_FIELDS, "status"):
                    self.edits.append(Edit(f"ws{n}", case.id, f"seen:{field}",
                                           getattr(case, field), None))
                case.deleted_at = clock.now()
                case.written_by = ws.db.workstation_id
        if roll >= 0.95:
            ws.new_case(description=f"ws{n} 新案件 {round_no}")

    def _step(self, n: int, s, ws: Workstation, case: Case) -> None:
        actions = list(allowed_actions(case.status, Role.ADMIN))
        if not actions:
            return
        action = self.rng.choice(actions)
        before = case.status.value
        try:
            with s.begin_nested():
                act(s, case.id, action, Actor(Role.ADMIN, f"ws{n}"),
                    workstation_id=ws.db.workstation_id, **STEP_INPUT.get(action, {}))
        except WorkflowError:
            return
        s.expire_all()
        after = s.get(Case, case.id).status.value
        self.edits.append(Edit(f"ws{n}", case.id, "status", before, after))


def _conflict_values(server) -> set[tuple[str, str, object]]:
    """(row id, field, value) of every value a conflict record holds on to."""
    found = set()
    with server.db.engine.connect() as conn:
        for row_id, kind, lost, detail in conn.execute(text(
                "SELECT row_id, kind, lost, detail FROM sync_conflicts")):
            for field, value in (json.loads(lost) if lost else {}).items():
                found.add((row_id, field, value))
            if kind == "delete_after_edit":
                for field, value in json.loads(detail)["unseen"].items():
                    found.add((row_id, field, value))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_workstations_converge_and_nothing_is_lost_silently(seed, sqlite_server_url,
                                                                    make_server, tmp_path):
    run_office(random.Random(seed), make_server(sqlite_server_url), tmp_path)


def test_the_same_on_postgresql(make_server, tmp_path):
    from tests.server.sync_helpers import postgres_database

    with postgres_database() as url:
        server = make_server(url)
        run_office(random.Random(4), server, tmp_path)
        server.__exit__(None, None, None)
        server.db.close()


def run_office(rng: random.Random, server, tmp_path) -> None:
    office = Office(server, tmp_path, rng)
    try:
        first = office.stations[0]
        for i in range(10):
            first.new_case(description=f"共享案件 {i}", lon=121.5046 + i * 1e-4)
        office.faulty(False)
        for ws in office.stations:
            ws.sync()
        office.faulty(True)
        for round_no in range(14):
            order = list(enumerate(office.stations))
            rng.shuffle(order)
            for n, ws in order:
                for _ in range(rng.randint(1, 4)):
                    office.work(n, ws, round_no)
                if rng.random() < 0.6:
                    office.sync(ws)
                if rng.random() < 0.3:
                    office.hostile()
        settle_and_check(office, server)
    finally:
        office.close()


def settle_and_check(office: Office, server) -> None:
    """Everyone syncs without faults; all hold the server's rows and nothing was lost."""
    office.faulty(False)
    for _ in range(2):
        for ws in office.stations:
            ws.sync()
    expected = server_digests(server.db)
    for ws in office.stations:
        assert ws.digests() == expected, ws.path.name
        assert ws.scalar("SELECT count(*) FROM sync_outbox") == 0

    # Nothing lost silently: each edited value is the final one, or someone saw it
    # (edited from it or deleted knowing it), or a conflict record keeps it.
    held = _conflict_values(server)
    seen = {(e.case_id, e.field.removeprefix("seen:"), e.base) for e in office.edits}
    with server.db.engine.connect() as conn:
        final = {r.id: r for r in conn.execute(text(
            "SELECT id, status, description, address, reporter_name FROM cases"))}
    lost = [e for e in office.edits if e.value is not None
            and getattr(final[e.case_id], e.field) != e.value
            and (e.case_id, e.field, e.value) not in seen
            and (e.case_id, e.field, e.value) not in held]
    assert lost == []
    assert len(office.edits) > 40
    assert held  # the office did run into conflicts
    assert any(a in ("drop_before", "drop_after", "duplicate")
               for p in office.proxies for a, _ in p.actions)
