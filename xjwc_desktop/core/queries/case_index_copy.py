"""The case index kept in the cache folder between starts: a start reads 40 MB of arrays
and the cases written since, instead of every case.

Reading a million cases' coded columns takes SQLite one to three seconds, most of a start
at that size. After a load, the window saves the index's columns (``save``, on a reader
in the background) with the number of the last entry of the log of written cases
(``core.storage.case_touches``) read *before* those columns were. The next load
(:func:`load`) takes the copy when it belongs to this database and schema, its reference
lists are today's, and the log still holds everything written since that entry; it then
re-reads just those cases, in the same read transaction as the log, and merges them in.

Why that is exact: every case the copy holds was read after its entry was numbered; a
case written after that has a later entry (the triggers log every write, by any program,
while the log is on), so it is re-read; a case without one is as the copy has it. A copy
that does not fit — another database at the same path, a backup restored, an upgrade,
changed categories or departments, a log pruned past it, a damaged or foreign file — is
not used, and the index is read whole as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.queries.case_columns import (
    CORE_FIELDS,
    Reference,
    load_reference,
    read_columns,
)
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.storage import case_touches, migrate
from xjwc_desktop.core.storage.database import Database
from xjwc_desktop.core.storage.locations import cache_dir

log = logging.getLogger(__name__)

FORMAT = 1
#: Above this many cases written since the copy, the whole index is read again (re-reading
#: them by rowid costs about as much) and a new copy saved.
REREAD_AT_MOST = 200_000
#: A copy is saved again after a load that re-read this many cases, so the next start
#: re-reads few (and the log is pruned).
RESAVE_FROM = 20_000


@dataclass(frozen=True)
class Loaded:
    """How :func:`load` made the index and what the window should save afterwards."""

    index: CaseIndex
    from_copy: bool
    reread: int  # cases re-read into the copy (0 for a whole read)
    save_at: int | None  # the log entry to save the index's copy at; None: do not save

    @property
    def describe(self) -> str:
        if self.from_copy:
            return f"copy + {self.reread} cases re-read"
        return "read whole"


def copy_path(db: Database) -> Path:
    name = hashlib.sha256(str(db.path.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / "case-index" / f"{name}.npz"


def _header(db: Database, ref: Reference, seq: int, count: int) -> dict:
    return {"format": FORMAT, "workstation": db.workstation_id, "schema": migrate.HEAD,
            "categories": [list(c) for c in ref.categories],
            "departments": [list(d) for d in ref.departments], "seq": seq, "count": count}


def load(db: Database) -> Loaded:
    """The case index of ``db``: from its copy when that fits (see the module), else read
    whole. Safe in a worker thread."""
    with db.reading() as conn:
        ref = load_reference(conn)
        log_state = case_touches.state(conn)
        copied = _from_copy(db, conn, ref, log_state)
    if copied is not None:
        return copied
    # Whole: the log's last entry is read before the columns (a case written in between
    # is re-read next time, never missed).
    index = CaseIndex.load(db.engine)
    save_at = log_state.top if log_state.watching else None
    return Loaded(index, from_copy=False, reread=0, save_at=save_at)


def _from_copy(db: Database, conn: Connection, ref: Reference,
               log_state: case_touches.LogState) -> Loaded | None:
    cols = _read_copy(copy_path(db), db, ref, log_state, read_columns(conn, ref, np.zeros(0)))
    if cols is None:
        return None
    seq = cols.pop("__seq__")
    touched = case_touches.since(conn, int(seq))
    if touched.size > REREAD_AT_MOST:
        return None
    fresh = read_columns(conn, ref, touched) if touched.size else None
    merged = _merge(cols, touched, fresh)
    save_at = log_state.top if touched.size >= RESAVE_FROM else None
    return Loaded(CaseIndex(db.engine, ref, merged), from_copy=True, reread=int(touched.size),
                  save_at=save_at)


def _read_copy(path: Path, db: Database, ref: Reference, log_state: case_touches.LogState,
               template: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The copy's columns (and its entry as ``__seq__``) if it fits this database."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            header = json.loads(str(saved["header"]))
            seq = header.get("seq")
            expected = _header(db, ref, seq, header.get("count"))
            if header != expected or not isinstance(seq, int) \
                    or not log_state.covers_since(seq):
                return None
            cols = {name: saved[name] for name in CORE_FIELDS}
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged, cut short, not ours: read the cases instead
        log.warning("case index copy %s not used: %s", path, exc)
        return None
    count = header["count"]
    for name, column in cols.items():
        if column.dtype != template[name].dtype or column.shape != (count,):
            log.warning("case index copy %s not used: column %s does not fit", path, name)
            return None
    rowid = cols["rowid"]
    if rowid.size > 1 and not np.all(rowid[1:] > rowid[:-1]):
        log.warning("case index copy %s not used: rowids out of order", path)
        return None
    cols["__seq__"] = seq
    return cols


def _merge(cols: dict[str, np.ndarray], touched: np.ndarray,
           fresh: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """The copy's columns with the ``touched`` cases replaced by their ``fresh`` rows (a
    touched case missing from them was deleted), in rowid order."""
    if touched.size == 0:
        return cols
    keep = ~np.isin(cols["rowid"], touched, assume_unique=True)
    kept = {name: column[keep] for name, column in cols.items()}
    if fresh is None or fresh["rowid"].size == 0:
        return kept
    at = np.searchsorted(kept["rowid"], fresh["rowid"])
    return {name: np.insert(column, at, fresh[name]) for name, column in kept.items()}


def save(db: Database, index: CaseIndex, seq: int) -> Path | None:
    """Write ``index``'s columns as the copy at log entry ``seq`` (all or nothing: a file
    written aside and renamed). Best effort: without room the next start reads whole."""
    path = copy_path(db)
    cols = {name: np.ascontiguousarray(index.cols[name]) for name in CORE_FIELDS}
    header = _header(db, index.reference, seq, int(cols["rowid"].size))
    part = path.with_suffix(f".{os.getpid()}.part.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as fh:
            np.savez(fh, header=np.array(json.dumps(header, ensure_ascii=False)), **cols)
        os.replace(part, path)
    except OSError as exc:
        log.warning("case index copy %s not saved: %s", path, exc)
        with contextlib.suppress(OSError):
            part.unlink()
        return None
    return path


def prune_log(db: Database, seq: int) -> None:
    """After a copy was saved at entry ``seq``: drop the log's entries it holds (a write)."""
    with db.write() as s:
        case_touches.prune(s.connection(), seq)


def forget(db: Database) -> None:
    """Remove the copy (tests, and a database replaced under the same path)."""
    with contextlib.suppress(FileNotFoundError):
        copy_path(db).unlink()
