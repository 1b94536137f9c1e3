"""``demo.bulk``: rows inserted 100 per statement run land exactly as one by one."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine

from xjwc_desktop.core.demo.bulk import (
    ROWS_PER_STATEMENT,
    Rows,
    insert_columns,
    insert_rows,
    sqlite_datetimes,
    to_rows,
)

TABLE = "CREATE TABLE {} (k INTEGER, x REAL, s TEXT, at DATETIME, b BLOB, n INTEGER)"


def columns(n: int) -> dict[str, object]:
    rng = np.random.default_rng(n)
    minutes = rng.integers(0, 10 * 525_600, n).astype("timedelta64[m]")
    at = np.datetime64("2016-01-01T00:00", "m") + minutes
    at[::7] = np.datetime64("NaT")
    return {"k": np.arange(n) * 3, "x": rng.random(n),
            "s": [f"街道{i}" if i % 5 else None for i in range(n)],
            "at": sqlite_datetimes(at), "b": [bytes([i % 256]) * 3 for i in range(n)],
            "n": np.full(n, None, dtype=object)}


@pytest.mark.parametrize("n", [0, 1, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT,
                               ROWS_PER_STATEMENT + 1, 2 * ROWS_PER_STATEMENT + 50])
def test_blocks_and_tail_insert_what_one_by_one_does(n) -> None:
    cols = columns(n)
    rows = to_rows(cols)
    assert len(rows) == n
    assert len(rows.tail) == n % ROWS_PER_STATEMENT
    tuples = list(zip(*(c.tolist() if isinstance(c, np.ndarray) else c
                        for c in cols.values()), strict=True))
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        for name in ("ours", "tuples", "ref"):
            conn.exec_driver_sql(TABLE.format(name))
        assert insert_columns(conn, "ours", cols) == n
        assert insert_rows(conn, "tuples", list(cols), tuples) == n
        if tuples:
            conn.exec_driver_sql("INSERT INTO ref VALUES (?, ?, ?, ?, ?, ?)", tuples)
        read = "SELECT rowid, k, typeof(k), x, typeof(x), s, at, b, typeof(b), n FROM {} " \
               "ORDER BY rowid"
        ref = conn.exec_driver_sql(read.format("ref")).fetchall()
        assert len(ref) == n
        assert conn.exec_driver_sql(read.format("ours")).fetchall() == ref
        assert conn.exec_driver_sql(read.format("tuples")).fetchall() == ref


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        to_rows({"a": [1, 2], "b": np.arange(3)})


def test_rows_of_tuples_keep_their_order_across_blocks() -> None:
    tuples = [(i, str(i)) for i in range(ROWS_PER_STATEMENT + 3)]
    rows = Rows.of_tuples(["a", "b"], tuples)
    assert rows.blocks[0][:4] == (0, "0", 1, "1")
    assert rows.tail == tuples[ROWS_PER_STATEMENT:]
