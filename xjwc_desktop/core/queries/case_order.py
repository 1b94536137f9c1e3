"""Sort orders of the case index, one permutation per column, computed on first use.

A sorted, filtered list is then ``perm[mask[perm]]``: one pass over a million positions,
where sorting the filtered cases each time would cost a sort per click. Coded columns sort
in memory; the free-text columns (case number, address, description) are sorted by SQLite
once and kept, since holding their text in Python would cost more memory than the index.
Every order matches ``ORDER BY <column>, rowid`` in SQL: NULL first, ties by rowid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from xjwc_desktop.core.queries.case_index import CaseIndex

SQL_SORTED = {"case_no": "case_no", "address": "address", "description": "description"}
#: The index column each in-memory order is computed from (the SQL-sorted ones have none).
INDEX_COLUMN = {"status": "status", "source": "source", "zone": "zone", "category": "category",
                "grid": "grid", "reported_at": "reported", "deadline_at": "deadline"}


def _rank_of_text(labels: list[str]) -> np.ndarray:
    """For codes 0..k-1 with these texts: each code's rank in text order."""
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(np.array(labels, dtype=object), kind="stable")] = np.arange(len(labels))
    return rank


class SortOrders:
    """Ascending permutations of the index's positions, keyed by table column."""

    def __init__(self, index: CaseIndex) -> None:
        self._index = index
        self._cache: dict[str, np.ndarray] = {}

    def clear(self) -> None:
        self._cache.clear()

    def forget(self, columns: set[str]) -> None:
        """Cases changed in place (no position moved) and these index columns with them:
        drop the orders those columns sort by, and the SQL-sorted ones (their text is not
        in the index to compare). The others stay valid: a step changes a case's status,
        not its report time, so the list's default order survives it without a new sort
        of a million positions."""
        for key in list(self._cache):
            if INDEX_COLUMN.get(key) in columns or key not in INDEX_COLUMN:
                del self._cache[key]

    def cached(self, key: str) -> bool:
        """Whether ``key``'s order is ready (else :meth:`get` may take a second of SQL)."""
        return key in self._cache

    def get(self, key: str) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = self._compute(key)
        return self._cache[key]

    def _compute(self, key: str) -> np.ndarray:
        from xjwc_desktop.core.queries.case_columns import (
            SOURCE_CODES,
            STATUS_CODES,
            UNKNOWN,
            ZONE_CODES,
        )

        index = self._index
        if key in SQL_SORTED:
            return self._sql_order(SQL_SORTED[key])
        if key not in INDEX_COLUMN:
            raise KeyError(f"no sort order for column {key!r}")
        if key == "deadline_at":
            index.ensure_timing()
        values = index.cols[INDEX_COLUMN[key]]
        # Coded columns sort by their text; "" (no zone) first, like NULL.
        if key == "status":
            values = _rank_of_text(STATUS_CODES)[values]
        elif key == "source":
            values = _rank_of_text(SOURCE_CODES)[values]
        elif key == "zone":
            values = _rank_of_text(ZONE_CODES)[values]
        elif key == "category":
            names = [name for _code, name, _major in index.reference.categories]
            rank = np.full(UNKNOWN + 1, -1, dtype=np.int64)
            rank[: len(names)] = _rank_of_text(names)
            values = rank[values]
        return np.argsort(values, kind="stable")

    def _sql_order(self, column: str) -> np.ndarray:
        index = self._index
        with index.engine.connect() as conn:
            hexed = conn.exec_driver_sql(
                "SELECT group_concat(printf('%08x', rowid), '') FROM (SELECT rowid FROM cases "
                f"WHERE deleted_at IS NULL ORDER BY {column}, rowid)").scalar()
        rowids = np.frombuffer(bytes.fromhex(hexed or ""), ">u4").astype(np.int64)
        pos = index.positions_of(rowids)
        pos = pos[pos >= 0]
        if pos.size != len(index):  # the table changed under us: fall back to rowid order
            return np.arange(len(index))
        return pos
