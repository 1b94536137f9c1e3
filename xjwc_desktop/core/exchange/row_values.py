"""One row of an import file, field by field: typed values, or every reason it is bad.

All problems of a row are collected (not just the first), so the user fixes a row once.
Coordinates are only parsed here; converting and placing them is done for all rows at
once in :mod:`.plan`.
"""

from __future__ import annotations

import datetime as dt

from xjwc_desktop.core.exchange import parsing
from xjwc_desktop.core.exchange.kinds import Field, ImportKind
from xjwc_desktop.core.model import CaseSource, StructureStatus

_STATUS_WORDS = {
    "已拆除": StructureStatus.DEMOLISHED, "已拆": StructureStatus.DEMOLISHED,
    "拆除": StructureStatus.DEMOLISHED, "整改中": StructureStatus.RECTIFYING,
    "整改": StructureStatus.RECTIFYING, "在建": StructureStatus.STANDING,
    "存量": StructureStatus.STANDING, "未拆除": StructureStatus.STANDING,
    "在建/存量": StructureStatus.STANDING,
}


class RowValues:
    """Parses cells of one kind of file; ``categories`` maps names and codes to codes."""

    def __init__(self, kind: ImportKind, columns: dict[str, int],
                 categories: dict[str, str], now: dt.datetime) -> None:
        self.kind = kind
        self.columns = columns
        self.categories = categories
        self._category_cache: dict[str, str | ValueError] = {}
        self.now = now
        # One parser per column, chosen once: this runs for every cell of the file.
        self.fields = [(kind.field(k), i, self._parser(kind.field(k)))
                       for k, i in columns.items()]

    def key(self, row: list[object]) -> str | None:
        """The row's key (order number or code), or None when its cell is empty."""
        index = self.columns[self.kind.key]
        cell = row[index] if index < len(row) else None
        return None if parsing.is_blank(cell) else parsing.text(cell)

    def parse(self, row: list[object]) -> tuple[dict, list[str]]:
        values: dict = {}
        errors: list[str] = []
        size = len(row)
        for field, index, parse in self.fields:
            cell = row[index] if index < size else None
            if parsing.is_blank(cell):
                if field.required:
                    errors.append(f"缺少{field.label}")
                continue
            try:
                values[field.key] = parse(cell)
            except ValueError as exc:
                errors.append(f"{field.label}：{exc}")
        self._cross_checks(values, errors)
        return values, errors

    def _parser(self, field: Field):
        if field.kind == "text":
            limit = field.max_length or 0

            def text(cell: object) -> str:
                value = parsing.text(cell)
                if limit and len(value) > limit:
                    raise ValueError(f"过长（{len(value)} 字，最多 {limit} 字）")
                return value

            if field.key == "category":
                return lambda cell: self._category(text(cell))
            return text
        now = self.now
        return {
            "datetime": lambda cell: parsing.datetime_value(cell, now),
            "date": lambda cell: parsing.date_value(cell, now),
            "number": parsing.number,
            "int": parsing.whole_number,
            "bool": parsing.yes_no,
            "status": lambda cell: self._status(parsing.text(cell)),
            "source": lambda cell: self._source(parsing.text(cell)),
        }[field.kind]

    def _category(self, text: str) -> str:
        found = self._category_cache.get(text)
        if found is None:
            found = self._category_cache[text] = self._find_category(text)
        if isinstance(found, ValueError):
            raise found
        return found

    def _find_category(self, text: str) -> str | ValueError:
        if text in self.categories:
            return self.categories[text]
        # "市容环境/暴露垃圾" (大类/小类) names the 小类 last.
        last = text.replace("／", "/").split("/")[-1].strip()
        if last in self.categories:
            return self.categories[last]
        return ValueError(f"未知的类别“{text}”（应为本系统的小类名称或代码，如 暴露垃圾）")

    def _status(self, text: str) -> StructureStatus:
        if text in _STATUS_WORDS:
            return _STATUS_WORDS[text]
        try:
            return StructureStatus.from_text(text)
        except ValueError:
            raise ValueError(f"未知的状态“{text}”（应为 在建/存量、整改中 或 已拆除）") from None

    def _source(self, text: str) -> CaseSource:
        try:
            source = CaseSource.from_text(text)
        except ValueError:
            raise ValueError(f"未知的来源“{text}”") from None
        if self.kind.source is not None and source is not self.kind.source:
            raise ValueError(f"为“{source.label}”，不是{self.kind.label}")
        return source

    def _cross_checks(self, values: dict, errors: list[str]) -> None:
        if ("lon" in values) != ("lat" in values):
            errors.append("经度和纬度须同时填写")
        if "area_m2" in values and values["area_m2"] <= 0:
            errors.append("面积应大于 0")
        if "bikes" in values and "capacity" in values and values["capacity"] == 0 \
                and values["bikes"] > 0:
            errors.append("车桩数为 0 却有自行车")
        found, gone = values.get("found_on"), values.get("demolished_on")
        if found and gone and gone < found:
            errors.append("拆除日期早于发现日期")
        if self.kind.table != "illegal_structures":
            return
        if "status" not in values:
            values["status"] = StructureStatus.DEMOLISHED if gone else StructureStatus.STANDING
        elif values["status"] is StructureStatus.DEMOLISHED and not gone:
            errors.append("状态为已拆除，但没有拆除日期")
