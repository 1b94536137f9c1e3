"""A category chooser: all, a 大类 (every 小类 in it), or one 小类; its data is the codes."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from xjwc_desktop.core.i18n import tr
from xjwc_desktop.core.queries.case_index import Reference


def category_box(reference: Reference, parent: QWidget | None = None) -> QComboBox:
    """A combo box listing 全部, then each 大类 followed by its 小类, indented.

    ``currentData()`` is the tuple of category codes chosen (empty for 全部).
    """
    box = QComboBox(parent)
    box.addItem(tr("全部"), ())
    for major in reference.majors:
        codes = tuple(c for c, _n, m in reference.categories if m == major)
        box.addItem(f"{tr(major)}（{tr('大类')}）", codes)
        for code, name, m in reference.categories:
            if m == major:
                box.addItem(f"　{tr(name)}", (code,))
    return box
