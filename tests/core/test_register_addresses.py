"""登记册 · 地址: the register's own address, else its compound, else the nearest road."""

from __future__ import annotations

from xjwc_desktop.core.queries.registers import REGISTERS, register_rows


def _rows(db, key):
    register = next(r for r in REGISTERS if r.key == key)
    with db.reading() as conn:
        rows = register_rows(conn, register)
    return rows.rows, register.columns.index("地址")


def test_every_row_has_an_address(demo_db):
    for key in ("illegal_structures", "census_records"):
        rows, column = _rows(demo_db, key)
        assert rows
        assert all(row[column] for row in rows), key


def test_own_address_then_compound_then_road(demo_db):
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE illegal_structures SET address = NULL, compound_id = NULL")
        conn.exec_driver_sql("UPDATE illegal_structures SET address = '国权北路1566弄12号' "
                             "WHERE code = (SELECT min(code) FROM illegal_structures)")
        conn.exec_driver_sql("UPDATE illegal_structures SET compound_id = "
                             "(SELECT id FROM compounds ORDER BY name LIMIT 1) "
                             "WHERE code = (SELECT max(code) FROM illegal_structures)")
        first, last, compound = conn.exec_driver_sql(
            "SELECT (SELECT min(code) FROM illegal_structures), "
            "(SELECT max(code) FROM illegal_structures), "
            "(SELECT name FROM compounds ORDER BY name LIMIT 1)").one()
    rows, column = _rows(demo_db, "illegal_structures")
    by_code = {row[0]: row[column] for row in rows}
    assert by_code[first] == "国权北路1566弄12号"
    assert by_code[last] == compound
    others = [a for code, a in by_code.items() if code not in (first, last)]
    assert others
    assert all(a.endswith("沿线") and len(a) > 2 for a in others)
