"""The work report as a document model: sections of paragraphs, tables and charts.

One model, three writers (PDF, XLSX, DOCX), so the three files say the same thing. Table
cells keep their values (numbers stay numbers in the spreadsheet) with a format per column
that the writers share: :func:`cell_text` writes them the way the report writes numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from xjwc_desktop.core.reporting import numbers
from xjwc_desktop.core.reporting.charts import ChartSpec

# Column formats: how a value is written and which spreadsheet number format it gets.
TEXT, COUNT, AREA, RATE, DECIMAL = "text", "count", "area", "rate", "decimal"
XLSX_FORMATS = {COUNT: "0", AREA: "0.00", RATE: "0.00%", DECIMAL: "0.00"}


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    formats: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    spec: ChartSpec
    png: bytes


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[str | Table | Chart, ...]  # a str is a paragraph

    def paragraphs(self) -> list[str]:
        return [b for b in self.blocks if isinstance(b, str)]


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    period_label: str
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    figures: dict[str, Any] = field(repr=False, default_factory=dict)

    def all_text(self) -> str:
        """Every string the report prints (the PDF font is cut down to these glyphs)."""
        parts = [self.title, self.subtitle]
        for section in self.sections:
            parts.append(section.title)
            for block in section.blocks:
                if isinstance(block, str):
                    parts.append(block)
                elif isinstance(block, Table):
                    parts += [block.title, block.note, *block.header]
                    parts += [cell_text(v, f) for row in block.rows
                              for v, f in zip(row, block.formats, strict=True)]
        return "".join(parts)


def cell_text(value: Any, fmt: str) -> str:
    """A table cell as printed in the PDF and the DOCX."""
    if value is None:
        return "—"
    if fmt == COUNT:
        return numbers.count(value)
    if fmt == AREA:
        return numbers.area(value)
    if fmt == RATE:
        return numbers.percent(value)
    if fmt == DECIMAL:
        return numbers.per_day(value)
    return str(value)
