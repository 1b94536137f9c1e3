"""Guards against the PySide6 release that breaks this application on Python 3.11."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_leak_references_to_none():
    # PySide6 6.12.0 on Python 3.11 decrements None's refcount on every Qt call that returns
    # nothing; after a few thousand calls the process aborts in none_dealloc. On 3.12+ None
    # is immortal and the count stays fixed, so the check still holds there.
    obj = QObject()
    before = sys.getrefcount(None)
    for i in range(20_000):
        obj.setObjectName(f"n{i % 7}")
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None lost {before - after} references: bad PySide6 build"
