"""Progress of long imports and exports, as core state that any front end can draw.

A job reports ``progress(done, total, message)``: the CLI prints a line on stderr, the GUI
moves a progress bar. A callback that raises :class:`Cancelled` stops the job; an export
then leaves no file behind and an import rolls back, exactly as if it had never started.
"""

from __future__ import annotations

import time
from typing import Protocol

from xjwc_desktop.core.errors import XjwcError


class Progress(Protocol):
    """Called with the units done so far, the units in all (0 if unknown) and what is
    being done, in Chinese ("写入第 3/5 批")."""

    def __call__(self, done: int, total: int, message: str) -> None: ...


class Cancelled(XjwcError):
    """The user stopped the job; nothing was written."""

    exit_code = 130


def no_progress(done: int, total: int, message: str) -> None:
    """The default: report nothing."""


class Throttle:
    """Pass on at most one report per ``interval`` seconds (always the first and the last).

    Jobs report per batch; a progress bar needs no more than a few updates a second, and
    redrawing a terminal line a thousand times would cost more than the work itself.
    """

    def __init__(self, progress: Progress | None, interval: float = 0.1) -> None:
        self._progress = progress or no_progress
        self._interval = interval
        self._last = float("-inf")

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if done == 0 or (total and done >= total) or now - self._last >= self._interval:
            self._last = now
            self._progress(done, total, message)
