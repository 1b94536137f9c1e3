"""SQL that renders export cells inside SQLite.

Exports of a million cases cannot afford Python work per cell (22 million of them): the
text of each row is assembled by SQLite in C and Python only writes it out. These helpers
build those expressions; every value that comes from us (labels, headers) is quoted here,
never pasted raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Connection

#: Characters a spreadsheet treats as the start of a formula (OWASP "CSV injection").
#: "-" comes last: inside a GLOB class it would otherwise make a range.
FORMULA_START = "=+@-"

#: Control characters XML 1.0 forbids (tab, LF and CR are allowed), as a GLOB class.
#: NUL is left out: SQLite's text functions stop at it anyway, and SQL text cannot hold it.
XML_FORBIDDEN = "".join(chr(i) for i in range(1, 32) if chr(i) not in "\t\n\r")

ORDER_BY = "ORDER BY c.reported_at, c.rowid"
STRIP_FUNCTION = "xjwc_strip_control"
VISIBLE_FUNCTION = "xjwc_visible_controls"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible_controls(text: str) -> str:
    """``text`` with each control character but tab and line breaks shown as its symbol
    from Unicode's Control Pictures (NUL → ␀ U+2400, VT → ␋, DEL → ␡): never dropped,
    and never cutting the text after it (C code, SQLite's and GDAL's, stops at a NUL)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: "\u2421" if m.group() == "\x7f"
                        else chr(0x2400 + ord(m.group())), text)


def visible_controls_sql(expr: str) -> str:
    """:func:`visible_controls` in SQL. SQLite's text functions (GLOB included) stop at a
    NUL, so it is looked for in the bytes; the Python function runs only for the rare text
    that has a control character."""
    return (f"CASE WHEN instr(CAST({expr} AS BLOB), x'00') OR {expr} GLOB "
            f"'*[{XML_FORBIDDEN}\x7f]*' THEN {VISIBLE_FUNCTION}({expr}) ELSE {expr} END")


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    if "\x00" in text:
        raise ValueError("NUL in SQL text")
    return "'" + text.replace("'", "''") + "'"


def neutralise(text: str) -> str:
    """A cell that would start a formula (or starts with a control character) gets a
    leading apostrophe, which spreadsheets show as text and never evaluate."""
    if text and (text[0] in FORMULA_START or ord(text[0]) < 32):
        return "'" + text
    return text


def neutralise_prefix_sql(expr: str) -> str:
    """SQL giving the apostrophe :func:`neutralise` puts before ``expr`` (or '').

    ``unicode()`` is the code point of the first character.
    """
    return (f"CASE WHEN {expr} GLOB '[{FORMULA_START}]*' OR unicode({expr}) < 32 "
            f"THEN {literal(chr(39))} ELSE '' END")


def neutralised_sql(expr: str) -> str:
    """:func:`neutralise` as SQL (NULL stays NULL)."""
    return f"{neutralise_prefix_sql(expr)} || {expr}"


def strip_control(text: str | None) -> str | None:
    """``text`` without the control characters XML cannot carry."""
    if text is None:
        return None
    return "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")


def strip_xml_forbidden_sql(expr: str) -> str:
    """``expr`` without the control characters XML cannot carry (a pasted vertical tab
    would make the whole workbook unreadable). The Python function only runs for the rare
    text that has one."""
    return (f"CASE WHEN {expr} GLOB '*[{XML_FORBIDDEN}]*' THEN {STRIP_FUNCTION}({expr}) "
            f"ELSE {expr} END")


def install_text_functions(conn: Connection) -> None:
    """Make the SQL functions used here available on ``conn``'s SQLite connection."""
    raw = conn.connection.driver_connection
    raw.create_function(STRIP_FUNCTION, 1, strip_control, deterministic=True)
    raw.create_function(VISIBLE_FUNCTION, 1,
                        lambda t: t if t is None else visible_controls(str(t)),
                        deterministic=True)


def label_sql(code_expr: str, labels: dict[str, str], render: Callable[[str], str],
              unknown_sql: str, missing: str | None) -> str:
    """A CASE mapping each code to ``render(label)`` (a finished cell), with
    ``unknown_sql`` for codes we have no name for and ``missing`` for NULL."""
    whens = " ".join(f"WHEN {literal(code)} THEN {literal(render(label))}"
                     for code, label in labels.items())
    null = "NULL" if missing is None else literal(missing)
    return (f"CASE {code_expr} {whens} ELSE CASE WHEN {code_expr} IS NULL "
            f"THEN {null} ELSE {unknown_sql} END END")


def printf_sql(cells: list[tuple[str, list[str]]], sep: str) -> str:
    """One ``printf`` building a row from ``(pattern piece, SQL arguments)`` per cell.

    A single ``printf`` writes the row in one pass; chaining ``||`` copies the growing
    text once per cell, which at a million rows costs seconds.
    """
    pattern = sep.replace("%", "%%").join(piece for piece, _ in cells)
    args = [a for _, cell_args in cells for a in cell_args]
    return f"printf({literal(pattern)}, {', '.join(args)})"
