"""办理: the steps the operator's role may take on the case on show.

The role lives in the case view (我的角色, chosen on the toolbar), so every view that
depends on it (these buttons, the conflict panel's 重新办理, 批量办理) follows one choice.
The buttons show the steps possible in the case's state; those this role may take are
enabled.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_snapshot import CaseSnapshot
from xjwc_desktop.core.workflow import Action, Role
from xjwc_desktop.core.workspace.case_view import CaseView
from xjwc_desktop.gui.shell.qt_flow_layout import flow_box

BUTTON_ORDER = list(Action)


class QtRoleBox(QComboBox):
    """我的角色, bound both ways to the case view's role."""

    def __init__(self, view: CaseView, parent=None) -> None:
        super().__init__(parent)
        self.view = view
        for role in Role:
            self.addItem(tr(role.label), role.value)
        self.setCurrentIndex(self.findData(view.role.value))
        self.currentIndexChanged.connect(lambda _i: view.set_role(self.role))
        view.events.role.connect(self._on_role)

    @property
    def role(self) -> Role:
        return Role(self.currentData())

    def _on_role(self, role: Role) -> None:
        if role is not self.role:
            self.setCurrentIndex(self.findData(role.value))


class QtCaseActions(QWidget):
    """The step buttons; ``step_requested(action)`` when one is pressed."""

    step_requested = Signal(object)  # Action

    def __init__(self, view: CaseView, parent=None) -> None:
        super().__init__(parent)
        self.view = view
        self.snapshot: CaseSnapshot | None = None
        self.buttons: dict[Action, QPushButton] = {}
        for action in BUTTON_ORDER:
            button = QPushButton(tr(action.label, "action"), self)
            button.clicked.connect(lambda _=False, a=action: self.step_requested.emit(a))
            self.buttons[action] = button
        # The steps of the case's state side by side, wrapping as the panel's width allows.
        self.grid = grid = flow_box(list(self.buttons.values()), self)
        # Compact buttons: two rows of steps fit the short dock under the map.
        grid.setStyleSheet("QPushButton, QToolButton { padding: 2px 10px; }")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(grid)
        layout.addWidget(self.hint)
        view.events.role.connect(self._on_role)
        self._update()

    def add_command(self, widget: QWidget) -> None:
        """A case command (打印案卷) after the steps, flowing with them."""
        self.grid.layout().addWidget(widget)

    def set_role(self, role: Role) -> None:
        self.view.set_role(role)

    def show_snapshot(self, snap: CaseSnapshot | None) -> None:
        self.snapshot = snap
        self._update()

    def _on_role(self, _role: Role) -> None:
        self._update()

    def set_busy(self, busy: bool) -> None:
        """While a step is being written, no other step starts."""
        if busy:
            for button in self.buttons.values():
                button.setEnabled(False)
        else:
            self._update()

    def _update(self) -> None:
        snap = self.snapshot
        possible = set(snap.allowed()) if snap else set()
        mine = set(snap.allowed(self.view.role)) if snap else set()
        for action, button in self.buttons.items():
            button.setVisible(action in possible)  # no case: no buttons, just the hint
            button.setEnabled(action in mine)
        self._hint_text(snap, possible, mine)
        self.hint.setVisible(bool(self.hint.text()))  # no empty line in a short panel

    def _hint_text(self, snap, possible, mine) -> None:
        if snap is None:
            self.hint.setText(tr("在地图上点击案件或在列表中选择一件案件。"))
        elif not possible:
            self.hint.setText(tr("案件已办结，没有可办理的环节。"))
        elif not mine:
            self.hint.setText(tr("{role}在此状态下没有可办理的环节，可由：").format(
                role=tr(self.view.role.label)) + "、".join(
                    sorted({tr(r.label) for a in possible for r in _roles(a, snap)})))
        else:
            self.hint.setText("")


def _roles(action: Action, snap: CaseSnapshot):
    from xjwc_desktop.core.workflow.rules import roles_for

    return roles_for(action, snap.status)
