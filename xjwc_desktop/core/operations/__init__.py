"""Operations: the writes an operator makes, each in its own write transaction, each
returning what it changed (``result.changes``, a :class:`~xjwc_desktop.core.changes.Changes`).

The window's task manager runs them on its one writer thread and announces their changes;
the CLI calls the same functions. They take the open :class:`Database` and plain values,
never widgets.
"""

from xjwc_desktop.core.operations.cases import (
    BulkResult,
    NoteAdded,
    PhotoAdded,
    add_case_note,
    attach_case_photo,
    link_as_duplicate,
    take_in,
    take_step,
    take_steps,
)
from xjwc_desktop.core.operations.reference import (
    CategoryEdited,
    edit_categories,
    edit_category,
)
from xjwc_desktop.core.operations.sync import (
    Resolved,
    ServerSaved,
    ServerSettings,
    resolve,
    save_server_settings,
    server_settings,
)

__all__ = [
    "BulkResult", "CategoryEdited", "NoteAdded", "PhotoAdded", "Resolved", "ServerSaved",
    "ServerSettings", "add_case_note", "attach_case_photo", "edit_categories", "edit_category",
    "link_as_duplicate", "resolve", "save_server_settings", "server_settings", "take_in",
    "take_step", "take_steps",
]
