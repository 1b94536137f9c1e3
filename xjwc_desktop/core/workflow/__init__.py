"""The case closed loop: intake, the workflow steps, deadlines, duplicates."""

from xjwc_desktop.core.workflow.deadlines import DeadlineState, Light, deadline_state
from xjwc_desktop.core.workflow.duplicates import Duplicate, find_duplicates, link_duplicate
from xjwc_desktop.core.workflow.engine import (
    Actor,
    StepResult,
    WorkflowError,
    act,
    act_many,
    find_case,
    find_department,
)
from xjwc_desktop.core.workflow.intake import NewCase, create_case, locate_address
from xjwc_desktop.core.workflow.rules import RULES, Action, Role, allowed_actions
from xjwc_desktop.core.workflow.show import case_as_dict

__all__ = [
    "RULES", "Action", "Actor", "DeadlineState", "Duplicate", "Light", "NewCase", "Role",
    "StepResult", "WorkflowError", "act", "act_many", "allowed_actions", "case_as_dict",
    "create_case", "deadline_state", "find_case", "find_department", "find_duplicates",
    "link_duplicate", "locate_address",
]
