"""The closed loop as data: who may do what, from which state, to which state.

受理 → 立案 → 派遣 → 处置 → 核查 → 结案, with the side flows 不予立案/作废, 回退, 返工, 延期
(requested by the department, approved by the shift supervisor), 挂账/恢复 and 督办.
"""

from __future__ import annotations

from dataclasses import dataclass

from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.model.enums import LabelledEnum

S = CaseStatus


class Role(LabelledEnum):
    """角色: who is acting."""

    INTAKE = "intake", "受理员"
    SUPERVISOR = "supervisor", "值班长"
    DISPATCHER = "dispatcher", "派遣员"
    DEPARTMENT = "department", "处置部门"
    INSPECTOR = "inspector", "巡查员"
    ADMIN = "admin", "管理员"

    @classmethod
    def from_text(cls, text: str) -> Role:
        return super().from_text({"监督员": "巡查员", "巡查员/监督员": "巡查员"}.get(text, text))


class Action(LabelledEnum):
    """办理环节: one step a person takes on a case."""

    REGISTER = "register", "立案"
    VOID = "void", "不予立案/作废"
    DISPATCH = "dispatch", "派遣"
    REASSIGN = "reassign", "改派"
    HANDLE = "handle", "处置反馈"
    VERIFY = "verify", "核查通过"
    REWORK = "rework", "返工"
    CLOSE = "close", "结案"
    RETURN = "return", "回退"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    EXTEND = "extend", "批准延期"
    SUSPEND = "suspend", "挂账"
    RESUME = "resume", "恢复"
    ESCALATE = "escalate", "督办"


OPEN = frozenset({S.REPORTED, S.REGISTERED, S.DISPATCHED, S.HANDLED, S.VERIFIED})
# 回退 sends a case back one step.
RETURN_TO = {S.REGISTERED: S.REPORTED, S.DISPATCHED: S.REGISTERED, S.HANDLED: S.DISPATCHED,
             S.VERIFIED: S.HANDLED}


@dataclass(frozen=True)
class Rule:
    """What an action requires and does. ``to is None`` keeps the state."""

    action: Action
    sources: frozenset[CaseStatus]
    to: CaseStatus | None
    roles: frozenset[Role]
    needs_department: bool = False
    needs_note: bool = False
    needs_amount: bool = False


R = Role
EVERYONE_IN_CHARGE = frozenset({R.SUPERVISOR, R.ADMIN})
RULES: dict[Action, Rule] = {r.action: r for r in [
    Rule(Action.REGISTER, frozenset({S.REPORTED}), S.REGISTERED,
         frozenset({R.INTAKE, R.SUPERVISOR, R.ADMIN})),
    Rule(Action.VOID, frozenset({S.REPORTED}), S.VOIDED,
         frozenset({R.INTAKE, R.SUPERVISOR, R.ADMIN}), needs_note=True),
    Rule(Action.DISPATCH, frozenset({S.REGISTERED}), S.DISPATCHED,
         frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN}), needs_department=True),
    Rule(Action.REASSIGN, frozenset({S.DISPATCHED}), None,
         frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN}), needs_department=True,
         needs_note=True),
    Rule(Action.HANDLE, frozenset({S.DISPATCHED}), S.HANDLED,
         frozenset({R.DEPARTMENT, R.ADMIN})),
    Rule(Action.VERIFY, frozenset({S.HANDLED}), S.VERIFIED,
         frozenset({R.INSPECTOR, R.ADMIN})),
    Rule(Action.REWORK, frozenset({S.HANDLED}), S.DISPATCHED,
         frozenset({R.INSPECTOR, R.SUPERVISOR, R.ADMIN}), needs_note=True),
    Rule(Action.CLOSE, frozenset({S.VERIFIED}), S.CLOSED, EVERYONE_IN_CHARGE),
    # A department may send back a case it should not have been given (退单).
    Rule(Action.RETURN, frozenset(RETURN_TO), None,
         frozenset({R.SUPERVISOR, R.ADMIN, R.DEPARTMENT, R.DISPATCHER}), needs_note=True),
    Rule(Action.REQUEST_EXTENSION, frozenset({S.DISPATCHED}), None,
         frozenset({R.DEPARTMENT, R.ADMIN}), needs_note=True, needs_amount=True),
    Rule(Action.EXTEND, frozenset({S.REGISTERED, S.DISPATCHED}), None, EVERYONE_IN_CHARGE,
         needs_note=True),
    Rule(Action.SUSPEND, frozenset({S.REGISTERED, S.DISPATCHED, S.HANDLED}), S.SUSPENDED,
         EVERYONE_IN_CHARGE, needs_note=True),
    Rule(Action.RESUME, frozenset({S.SUSPENDED}), None, EVERYONE_IN_CHARGE),
    Rule(Action.ESCALATE, OPEN, None, EVERYONE_IN_CHARGE, needs_note=True),
]}

# Who may take a RETURN from which state: a department only from 派遣, a dispatcher only
# from 派遣 as well (they take back what they sent); supervisors and admins from any step.
RETURN_ROLES = {
    S.REGISTERED: EVERYONE_IN_CHARGE,
    S.DISPATCHED: frozenset({R.SUPERVISOR, R.ADMIN, R.DEPARTMENT, R.DISPATCHER}),
    S.HANDLED: EVERYONE_IN_CHARGE,
    S.VERIFIED: EVERYONE_IN_CHARGE,
}


def allowed_actions(status: CaseStatus, role: Role | None = None) -> list[Action]:
    """The actions possible on a case in ``status`` (for ``role``, if given), in loop order."""
    out = []
    for action, rule in RULES.items():
        if status not in rule.sources:
            continue
        roles = RETURN_ROLES[status] if action is Action.RETURN else rule.roles
        if role is None or role in roles:
            out.append(action)
    return out


def roles_for(action: Action, status: CaseStatus) -> frozenset[Role]:
    if action is Action.RETURN and status in RETURN_ROLES:
        return RETURN_ROLES[status]
    return RULES[action].roles
