"""Reading an untrusted file in a child process, so that a crash in a reader (a native
library aborting on a hostile file) ends the child, not the window that asked.

The child is started with ``spawn`` (a fresh interpreter: nothing of the GUI's threads or
Qt state is copied into it) and the table comes back pickled. A child that dies (a
signal, an abort, the system's out-of-memory killer) becomes one :class:`FileRefused`
naming the file.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from xjwc_desktop.core.exchange.readers import FileRefused, RawTable, read_table

T = TypeVar("T")


def call_in_child(path: str | os.PathLike[str], work: Callable[..., T], *args) -> T:
    """``work(*args)`` run in a child process; its result, or its exception re-raised
    here. ``path`` (the file being read) names the file if the child dies."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(work, *args).result()
        except BrokenProcessPool:
            raise FileRefused(
                f"读取文件“{Path(path)}”时，读取进程意外终止（文件可能已损坏或含有异常内容），"
                "未导入任何内容。请在 Excel/WPS 中打开检查，另存为新的 .xlsx 或 CSV 后再试。"
            ) from None


def read_table_in_child(path: str | os.PathLike[str]) -> RawTable:
    """:func:`.readers.read_table` in a child process (see the module docstring)."""
    return call_in_child(path, read_table, str(path))
