"""A category chooser: all, a 大类 (every 小类 in it), or one 小类; its data is the codes."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_columns import Reference


def fill_category_box(box: QComboBox, reference: Reference | None) -> None:
    """List 全部, then each 大类 followed by its 小类, indented; keep the choice if it is
    still offered. ``currentData()`` is the tuple of category codes chosen (empty: 全部)."""
    chosen = box.currentData()
    blocked = box.blockSignals(True)
    box.clear()
    box.addItem(tr("全部"), ())
    for major in reference.majors if reference else ():
        codes = tuple(c for c, _n, m in reference.categories if m == major)
        box.addItem(f"{tr(major)}（{tr('大类')}）", codes)
        for code, name, m in reference.categories:
            if m == major:
                box.addItem(f"　{tr(name)}", (code,))
    found = box.findData(chosen) if chosen is not None else -1
    box.setCurrentIndex(max(found, 0))
    box.blockSignals(blocked)


def category_box(reference: Reference | None, parent: QWidget | None = None) -> QComboBox:
    box = QComboBox(parent)
    fill_category_box(box, reference)
    return box
