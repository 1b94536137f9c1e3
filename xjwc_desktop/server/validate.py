"""Is a pushed change well formed? Checked against the schema before anything is read or
written: known table and columns, values of the column's kind (finite numbers, real dates,
texts within the column's length, codes of the column's vocabulary), ids that agree.

A change that fails is refused with the reason (the device gets a conflict record), never
stored: whatever the server stores must serve and apply on every workstation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from operator import itemgetter
from typing import Any

from xjwc_desktop.core.sync.schema import (
    BLOB,
    BOOL,
    DATE,
    DATETIME,
    INT,
    REAL,
    TEXT,
    SyncedTable,
    is_synced,
    synced_table,
)

MAX_BLOB_HEX = 2 * 1024 * 1024  # hex digits of a geometry (1 MB)
INT_RANGE = (-(2**63), 2**63 - 1)
STAMP_FIELDS = frozenset({"updated_at", "written_by"})
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ID = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
#: The wire form of a date-time (codec.DATETIME_FORMAT); whether it is a real one is then
#: asked of ``fromisoformat``, ten times quicker than ``strptime`` with the same answer.
WIRE_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")


class Malformed(ValueError):
    """Why a change cannot be taken (in Chinese, for the conflict record)."""


def problem(change: dict[str, Any]) -> str | None:
    """Why ``change`` is malformed, or None if it is well formed."""
    try:
        _check(change)
    except Malformed as exc:
        return str(exc)
    return None


def _check(change: dict[str, Any]) -> None:
    tbl, op, row_id = change["tbl"], change["op"], change["row_id"]
    if not is_synced(tbl):
        raise Malformed(f"未知的表“{tbl[:40]}”")
    if not ID.match(row_id):
        raise Malformed("记录编号格式不对")
    table = synced_table(tbl)
    if op == "insert":
        row = _mapping(change, "row")
        if row.get("id") != row_id:
            raise Malformed("新记录的编号与变更所指的记录不一致")
        missing = sorted(c for c in table.required if row.get(c) is None)
        if missing:
            raise Malformed(f"新记录缺少必填字段：{'、'.join(missing)}")
        _values(table, row, "row")
    else:
        base = _mapping(change, "base")
        if base.get("id") not in (None, row_id):
            raise Malformed("修改前的记录编号与变更所指的记录不一致")
        _values(table, base, "base", lengths=False)
        if op == "update":
            new = _mapping(change, "new")
            if "id" in new:
                raise Malformed("不能修改记录编号")
            _values(table, new, "new")
            stamp = change.get("stamp") or {}
            if not isinstance(stamp, dict) or set(stamp) - STAMP_FIELDS:
                raise Malformed("修改的时间戳只能有 updated_at 与 written_by")
            _values(table, stamp, "stamp")
    if tbl == "case_attachments":
        sha = (change.get("row") or change.get("new") or {}).get("sha256")
        if sha is not None and not SHA256.match(str(sha)):
            raise Malformed("照片的校验值格式不对")


def _mapping(change: dict, key: str) -> dict:
    value = change.get(key)
    if not isinstance(value, dict):
        raise Malformed(f"{change['op']} 变更缺少 {key}")
    return value


def _values(table: SyncedTable, values: dict, where: str, *, lengths: bool = True) -> None:
    kinds, limits, choices = table.kind_of, table.lengths, table.choices
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise Malformed(f"{table.name} 没有字段 {'、'.join(u[:40] for u in unknown[:5])}")
    for column, value in values.items():
        if value is None:
            if where != "base" and column in table.required:
                raise Malformed(f"{table.name}.{column} 不能为空")
            continue
        reason = _bad_value(kinds[column], value)
        if reason:
            raise Malformed(f"{table.name}.{column}：{reason}")
        if column in choices and value not in choices[column]:
            raise Malformed(f"{table.name}.{column}：“{str(value)[:40]}”不是可用的值")
        limit = limits.get(column)
        if lengths and limit is not None and len(value) > limit:
            raise Malformed(f"{table.name}.{column} 过长：{len(value):,} 个字符，"
                            f"最多 {limit:,} 个")


def _bad_value(kind: str, value: Any) -> str | None:
    """Why ``value`` is not a wire value of ``kind`` (see core/sync/codec.py)."""
    if kind == TEXT:
        if not isinstance(value, str):
            return "应为文字"
        if "\x00" in value:
            return "文字中有 NUL 字符"
    elif kind == REAL:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "应为数值"
        if not math.isfinite(value):
            return "应为有限的数值"
    elif kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return "应为整数"
        if not INT_RANGE[0] <= value <= INT_RANGE[1]:
            return "整数超出范围"
    elif kind == BOOL:
        if not isinstance(value, bool):
            return "应为是/否"
    elif kind == DATETIME:
        if not isinstance(value, str) or not WIRE_DATETIME.fullmatch(value):
            return "应为日期时间（YYYY-MM-DD HH:MM:SS.ffffff）"
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            return "不是真实的日期时间"
    elif kind == DATE:
        if not isinstance(value, str) or len(value) != 10:
            return "应为日期（YYYY-MM-DD）"
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "不是真实的日期"
    elif kind == BLOB:
        if not isinstance(value, str) or len(value) % 2 or len(value) > MAX_BLOB_HEX:
            return "应为十六进制数据"
        try:
            bytes.fromhex(value)
        except ValueError:
            return "应为十六进制数据"
    return None


# -- many new rows at once (the bulk path of a push, new_rows.py) ----------------------
def suspects(table: SyncedTable, rows: list[dict[str, Any]]) -> set[int]:
    """Positions of the rows among ``rows`` (new rows of ``table``, whole: every column)
    that :func:`problem` might refuse, found a column at a time with C-speed tests.

    Never fewer than :func:`problem` refuses (each test is as strict or stricter), so a
    row not named here is well formed; a row named here is judged by :func:`problem`
    itself, which gives the reason. Rows not holding exactly the table's columns are
    named too (a missing column would take the database's default instead)."""
    width = len(table.columns)
    bad = {n for n, row in enumerate(rows) if len(row) != width}
    keys = set().union(*rows) if rows else set()
    if keys - set(table.columns):
        bad |= {n for n, row in enumerate(rows) if not row.keys() <= table.kind_of.keys()}
    good = [n for n in range(len(rows)) if n not in bad] if bad else range(len(rows))
    ids = [rows[n].get("id") for n in good]
    bad |= {n for n, v in zip(good, ids, strict=True)
            if type(v) is not str or not ID.match(v)}
    # every column in every one of these
    whole = rows if len(good) == len(rows) else [rows[n] for n in good]
    for column, kind in table.kind_of.items():
        values = list(map(itemgetter(column), whole))
        bad |= {good[i] for i in _column_suspects(table, column, kind, values)}
    if table.name == "case_attachments":
        bad |= {n for n in good if (sha := rows[n].get("sha256")) is not None
                and not SHA256.match(str(sha))}
    return bad


_NONE = type(None)
_KIND_TYPES = {TEXT: {str}, REAL: {float}, INT: {int}, BOOL: {bool}, DATETIME: {str},
               DATE: {str}, BLOB: {str}}


def _column_suspects(table: SyncedTable, column: str, kind: str,
                     values: list) -> list[int]:
    """Positions among ``values`` (one column) that :func:`_bad_value` and the length,
    choice and required checks might refuse."""
    allowed = _KIND_TYPES[kind]
    required = column in table.required
    types = set(map(type, values))
    if types <= allowed and not (_NONE in types and required):  # the usual column
        odd: list[int] = []
        present = range(len(values))
        plain = values
    else:
        odd = [i for i, v in enumerate(values)
               if type(v) not in allowed and (v is not None or required)]
        present = [i for i, v in enumerate(values) if type(v) in allowed]
        plain = [values[i] for i in present]
    if plain and not _column_ok(table, column, kind, plain):
        odd += [present[n] for n, v in enumerate(plain)
                if not _column_ok(table, column, kind, [v])]
    return odd


def _column_ok(table: SyncedTable, column: str, kind: str, values: list) -> bool:
    """Whether every value (none None, each of the kind's type) passes (whole column)."""
    texts = kind in (TEXT, DATETIME, DATE, BLOB)
    try:
        if texts:
            joined = "\x01".join(values)
            if "\x00" in joined:
                return False
            joined.encode()  # a lone surrogate cannot be stored: judged row by row
        if kind == REAL and not all(map(math.isfinite, values)):
            return False
        if kind == INT and not INT_RANGE[0] <= min(values) <= max(values) <= INT_RANGE[1]:
            return False
        if kind == DATETIME:
            if not all(map(WIRE_DATETIME.fullmatch, values)):
                return False
            list(map(dt.datetime.fromisoformat, values))
        if kind == DATE:
            if set(map(len, values)) != {10}:
                return False
            list(map(dt.date.fromisoformat, values))
        if kind == BLOB:
            if max(map(len, values)) > MAX_BLOB_HEX or any(len(v) % 2 for v in values):
                return False
            list(map(bytes.fromhex, values))
    except (ValueError, UnicodeEncodeError):
        return False
    choices = table.choices.get(column)
    if choices is not None and not set(values) <= choices:
        return False
    limit = table.lengths.get(column)
    return limit is None or (texts and max(map(len, values)) <= limit)
