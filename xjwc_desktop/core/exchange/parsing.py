"""Turning spreadsheet cells into typed values, or a reason in Chinese why not.

Cells arrive as text (CSV) or as whatever a spreadsheet stored (numbers, dates, Excel
serial days). Dates come in every form Chinese offices type: ``2015-01-04 17:58``,
``2015/1/4 17:58:00``, ``2015年1月4日 17时58分``, ``20150104175800``. Each parser raises
:class:`ValueError` with the reason the user will read next to the row number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from xjwc_desktop.core.exchange.sqltext import FORMULA_START

EARLIEST = dt.datetime(1990, 1, 1)
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$")
_TRUE = {"是", "y", "yes", "true", "1", "住宅", "√", "有"}
_FALSE = {"否", "n", "no", "false", "0", "非住宅", "×", "无"}
_FORMULA_CHARS = frozenset(FORMULA_START)


def is_blank(cell: object) -> bool:
    if type(cell) is str:  # the common case first: this runs for every cell of a file
        return not cell or cell.isspace()
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def text(cell: object) -> str:
    """A cell as text. Whole numbers lose their ``.0`` (an order number a spreadsheet
    stored as a number is still that number), and the apostrophe our CSV export puts
    before ``= + - @`` is taken off again, so an export imports back unchanged."""
    if type(cell) is str:
        value = cell.strip()
        if value[:1] == "'" and value[1:2] in _FORMULA_CHARS:
            return value[1:]
        return value
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e16:
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    value = str(cell).strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        value = value[1:]
    return value


def _normal(cell: object) -> str:
    return unicodedata.normalize("NFKC", str(cell)).strip()


def datetime_value(cell: object, now: dt.datetime) -> dt.datetime:
    """A date and time (a date alone means midnight), between 1990 and now."""
    if isinstance(cell, dt.datetime):
        value = cell.replace(tzinfo=None) if cell.tzinfo else cell
    elif isinstance(cell, dt.date):
        value = dt.datetime.combine(cell, dt.time())
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = _from_number(cell)
    else:
        value = _from_text(_normal(cell))
    if value.microsecond:  # replace() is slow enough to matter at 100,000 rows
        value = value.replace(microsecond=0)
    if value < EARLIEST:
        raise ValueError(f"时间“{value:%Y-%m-%d %H:%M}”早于 {EARLIEST.year} 年，不合理")
    if value > now + dt.timedelta(days=1):
        raise ValueError(f"时间“{value:%Y-%m-%d %H:%M}”在未来")
    return value


def date_value(cell: object, now: dt.datetime) -> dt.date:
    return datetime_value(cell, now).date()


def _from_number(number: float) -> dt.datetime:
    if 20_000 < number < 80_000:  # Excel serial days (1954-2119)
        return EXCEL_EPOCH + dt.timedelta(days=float(number))
    if float(number).is_integer():
        return _from_text(str(int(number)))
    raise ValueError(f"“{number}”无法识别为日期时间")


def _from_text(value: str) -> dt.datetime:
    match = _DATE.match(value) or _COMPACT.match(value)
    if not match:
        raise ValueError(f"“{value}”无法识别为日期时间（应如 2015-01-04 17:58）")
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        return dt.datetime(*parts)
    except ValueError:
        raise ValueError(f"“{value}”不是存在的日期时间") from None


def number(cell: object) -> float:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        value = float(cell)
    else:
        raw = _normal(cell).replace(",", "").replace("°", "").replace("㎡", "")
        raw = raw.removesuffix("平方米").removesuffix("m2").strip()
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"“{cell}”不是数字") from None
    if not math.isfinite(value):
        raise ValueError(f"“{cell}”不是数字")
    return value


def whole_number(cell: object) -> int:
    value = number(cell)
    if not value.is_integer() or value < 0:
        raise ValueError(f"“{cell}”应为非负整数")
    return int(value)


def yes_no(cell: object) -> bool:
    if isinstance(cell, bool):
        return cell
    value = _normal(cell).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"“{cell}”应为 是/否（或 住宅/非住宅）")
