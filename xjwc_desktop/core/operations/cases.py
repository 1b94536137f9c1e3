"""Writes on cases: a step, a bulk step, an intake, a duplicate link, a note, a photo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.workflow import (
    Action,
    Actor,
    NewCase,
    StepResult,
    act,
    act_many,
    create_case,
    link_duplicate,
)
from xjwc_desktop.core.workflow.attachments import add_note, attach_photo, files_folder


def take_step(db: Database, case_id: str, action: Action, actor: Actor, *,
              department: str | None = None, note: str | None = None,
              hours: float | None = None) -> StepResult:
    """One workflow step on one case (refused with :class:`WorkflowError`, nothing changed)."""
    with db.write() as s:
        return act(s, case_id, action, actor, workstation_id=db.workstation_id,
                   department=department, note=note, hours=hours)


@dataclass(frozen=True)
class BulkResult:
    steps: tuple[StepResult, ...]

    @property
    def case_ids(self) -> list[str]:
        return [r.case_id for r in self.steps]

    @property
    def changes(self) -> Changes:
        return Changes.of_cases(changed=self.case_ids, tables=("cases", "case_events"))


def take_steps(db: Database, case_ids: Iterable[str], action: Action, actor: Actor, *,
               department: str | None = None, note: str | None = None) -> BulkResult:
    """The same step on many cases: all of them or none (批量办理)."""
    with db.write() as s:
        return BulkResult(tuple(act_many(s, list(case_ids), action, actor,
                                         workstation_id=db.workstation_id,
                                         department=department, note=note)))


def take_in(db: Database, **fields) -> NewCase:
    """受理: a new case (fields as :func:`~xjwc_desktop.core.workflow.create_case`)."""
    with db.write() as s:
        return create_case(s, workstation_id=db.workstation_id, **fields)


def link_as_duplicate(db: Database, case_id: str, original_id: str, actor: Actor) -> StepResult:
    """关联为重复: ``case_id`` is voided and linked to ``original_id``."""
    with db.write() as s:
        return link_duplicate(s, case_id, original_id, actor, workstation_id=db.workstation_id)


@dataclass(frozen=True)
class NoteAdded:
    case_id: str
    note_id: str

    @property
    def changes(self) -> Changes:
        return Changes.of_cases(changed=[self.case_id], tables=("case_notes",), hints=("note",))


def add_case_note(db: Database, case_id: str, text: str, *, author: str | None = None) -> NoteAdded:
    with db.write() as s:
        note = add_note(s, case_id, text, author=author, workstation_id=db.workstation_id)
        return NoteAdded(note.case_id, note.id)


@dataclass(frozen=True)
class PhotoAdded:
    case_id: str
    attachment_id: str

    @property
    def changes(self) -> Changes:
        return Changes.of_cases(changed=[self.case_id], tables=("case_attachments",),
                                hints=("photo",))


def attach_case_photo(db: Database, case_id: str, path: Path) -> PhotoAdded:
    with db.write() as s:
        row = attach_photo(s, case_id, Path(path), files_folder(db.path),
                           workstation_id=db.workstation_id)
        return PhotoAdded(row.case_id, row.id)
