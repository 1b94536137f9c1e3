"""The HTTP API's message shapes and limits: the models live in core/sync/messages.py,
shared with the workstation's client."""

from __future__ import annotations

from xjwc_desktop.core.sync.messages import (
    MAX_BODY,
    MAX_CHANGES,
    MAX_FILE_QUERIES,
    MAX_ROW_IDS,
    Change,
    Check,
    FilesRequest,
    Hello,
    Push,
    RowsRequest,
    TableCheck,
)
from xjwc_desktop.core.sync.transport import PROTOCOL

__all__ = ["MAX_BODY", "MAX_CHANGES", "MAX_FILE_QUERIES", "MAX_ROW_IDS", "PROTOCOL",
           "Change", "Check", "FilesRequest", "Hello", "Push", "RowsRequest", "TableCheck"]
