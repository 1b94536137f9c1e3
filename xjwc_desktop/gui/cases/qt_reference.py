"""The reference lists every form offers, kept current (see core/queries/reference_lists)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from xjwc_desktop.core.changes import Changes
from xjwc_desktop.core.queries.reference_lists import ReferenceLists, load_reference_lists
from xjwc_desktop.gui.shell.qt_tasks import QtTaskManager


class QtReference(QObject):
    """``lists`` (empty until read); ``changed`` after each (re)read."""

    changed = Signal(object)  # ReferenceLists

    def __init__(self, tasks: QtTaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.lists = ReferenceLists()
        self.loaded = False
        tasks.operation_did_execute.connect(self._on_changes)

    def load(self) -> None:
        def read(db):
            with db.read() as s:
                return load_reference_lists(s)

        self.tasks.read(read, self._loaded, key="reference")

    def _loaded(self, lists: ReferenceLists) -> None:
        self.lists, self.loaded = lists, True
        self.changed.emit(lists)

    def _on_changes(self, changes: Changes, _initiator) -> None:
        if changes.reference:
            self.load()

    def departments(self) -> list[tuple[str, str]]:
        return self.lists.active_departments()
