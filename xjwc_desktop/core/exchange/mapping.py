"""Which column of a file holds which field: header aliases, adjusted by the user.

Files often carry a title line or two above the header ("12345 工单导出 2015年1月"), so the
header is the first of the first rows that names at least two known fields. The user's
``--mapping 列名=字段`` (or the GUI preview's column choices) overrides the aliases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from xjwc_desktop.core.errors import InputError
from xjwc_desktop.core.exchange.kinds import Field, ImportKind
from xjwc_desktop.core.exchange.readers import FileRefused

HEADER_SEARCH_ROWS = 10
IGNORE = {"-", "忽略", "ignore"}


def normalise(header: object) -> str:
    """Spaces, case and full-width forms do not matter in a header."""
    text = unicodedata.normalize("NFKC", str(header or ""))
    return re.sub(r"\s+", "", text).lower()


def _without_unit(header: str) -> str:
    return re.sub(r"\([^)]*\)$", "", header)


@dataclass(frozen=True)
class ColumnMap:
    header_row: int  # index into the table's rows
    columns: dict[str, int]  # field key -> column index
    headers: list[str]
    ignored: list[str]  # headers no field took

    def describe(self, kind: ImportKind) -> str:
        return "，".join(f"{kind.field(k).label}←{self.headers[i]}"
                        for k, i in self.columns.items())


def parse_overrides(mapping: str | dict[str, str | None] | None,
                    kind: ImportKind) -> dict[str, str | None]:
    """The user's column choices as {normalised header: field key, or None to ignore it}.

    ``mapping`` is the command line's ``"诉求单号=工单编号,备注2=-"`` or, from the GUI's
    preview, a dict {header: field (key, label or alias), or None/"-" to ignore}.
    """
    if isinstance(mapping, dict):
        pairs = list(mapping.items())
    else:
        pairs = []
        for part in re.split(r"[,，;；]", mapping or ""):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(f"列对应“{part}”应写成 列名=字段，例如 诉求单号=工单编号。")
            header, target = (p.strip() for p in part.split("=", 1))
            pairs.append((header, target))
    return {normalise(header): None if target is None or target.strip() in IGNORE
            else _field_for(target, kind).key for header, target in pairs}


def _field_for(text: str, kind: ImportKind) -> Field:
    wanted = normalise(text)
    for f in kind.fields:
        if wanted in (normalise(f.key), normalise(f.label), *map(normalise, f.aliases)):
            return f
    names = "、".join(f"{f.label}({f.key})" for f in kind.fields)
    raise InputError(f"“{text}”不是{kind.label}的字段。可用的字段：{names}。")


def _match(header: str, kind: ImportKind, overrides: dict[str, str | None]) -> str | None:
    key = normalise(header)
    if key in overrides:
        return overrides[key]
    for candidate in (key, _without_unit(key)):
        for f in kind.fields:
            if candidate in (normalise(f.key), *map(normalise, f.aliases)):
                return f.key
    return None


def map_columns(rows: list[list[object]], kind: ImportKind,
                overrides: dict[str, str | None] | None = None) -> ColumnMap:
    """Find the header row and the column of each field; refuse the file, with one
    message listing what is missing, if a required field has no column."""
    overrides = overrides or {}
    best = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched = [h for h in row if _match(str(h or ""), kind, overrides)]
        if len(matched) >= 2 or (overrides and any(normalise(h) in overrides for h in row)):
            best = index
            break
    if best is None:
        known = "、".join(f.label for f in kind.fields if f.required)
        raise FileRefused(f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有可识别的列名"
                          f"（{kind.label}需要 {known} 等列）。可用 --mapping 列名=字段 指定。")
    headers = [str(h or "").strip() for h in rows[best]]
    present = {normalise(h) for h in headers}
    missing_columns = [h for h in overrides if h not in present]
    if missing_columns:
        raise InputError(f"列对应中的列“{'、'.join(missing_columns)}”不在文件的表头中。"
                         f"表头：{'、'.join(h for h in headers if h)}。")
    columns: dict[str, int] = {}
    ignored = []
    for i, header in enumerate(headers):
        key = _match(header, kind, overrides) if header else None
        if key is None:
            if header:
                ignored.append(header)
            continue
        if key in columns:
            raise FileRefused(
                f"列“{headers[columns[key]]}”和“{header}”都对应字段“{kind.field(key).label}”："
                f"请用 --mapping 指定用哪一列（另一列可写 列名=-）。")
        columns[key] = i
    missing = [f.label for f in kind.fields if f.required and f.key not in columns]
    if missing:
        raise FileRefused(
            f"缺少必需的列：{'、'.join(missing)}。"
            f"文件的表头：{'、'.join(h for h in headers if h)}。"
            "可用 --mapping 列名=字段 指定对应关系。")
    return ColumnMap(best, columns, headers, ignored)
