"""hotspot places get their own dirty months

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Until now one list of dirty months served every dashboard cache, so a workflow step (a
status, a department, a date) recounted the hotspot places of its month too, the most costly
of the caches (about 0.1 s a month at a million cases) though no step moves a case's cell.
``dashboard_dirty_place_months`` is the places' own list, kept by triggers that watch only
what the places read (``place_cache.expressions``: the 受理 date, position, category, grid
and deletion); the update trigger of 0005 stops watching ``lon`` and ``lat`` again, which only
the places read. Months dirty at the upgrade are dirty for both.

On SQLite, a database coming from before 0007 (cases, but no places counted) then has every
cache counted in full (one GROUP BY per figure, seconds at a million cases), so the first
dashboard after the upgrade does not wait.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MONTH = "CAST(substr({0}, 1, 4) AS INTEGER) * 100 + CAST(substr({0}, 6, 2) AS INTEGER)"
# Every column a hotspot place reads (a test compares this with place_cache.expressions).
WATCHED = ("reported_at", "deleted_at", "category_code", "grid_code", "lon", "lat")
TRIGGERS = ("cases_places_ai", "cases_places_au", "cases_places_ad")


def _mark(date: str, unless: str | None = None) -> str:
    skip = f" AND {date} IS NOT {unless}" if unless else ""
    return (f"INSERT OR IGNORE INTO dashboard_dirty_place_months (month) "
            f"SELECT {MONTH.format(date)} WHERE {date} IS NOT NULL{skip};")


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER cases_places_ai AFTER INSERT ON cases BEGIN
        {_mark("NEW.reported_at")}
    END""",
    f"""CREATE TRIGGER cases_places_au AFTER UPDATE OF {", ".join(WATCHED)} ON cases BEGIN
        {_mark("OLD.reported_at")}
        {_mark("NEW.reported_at", "OLD.reported_at")}
    END""",
    f"""CREATE TRIGGER cases_places_ad AFTER DELETE ON cases BEGIN
        {_mark("OLD.reported_at")}
    END""",
]


def upgrade() -> None:
    op.create_table(
        "dashboard_dirty_place_months",
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_dashboard_dirty_place_months")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        _watch(bind, "AFTER UPDATE OF lon, lat, ", "AFTER UPDATE OF ")
        op.execute("INSERT INTO dashboard_dirty_place_months (month) "
                   "SELECT month FROM dashboard_dirty_months")
        counted = bind.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM dashboard_month_places) "
                                       "OR NOT EXISTS (SELECT 1 FROM cases)").scalar()
        if not counted:
            from xjwc_desktop.core.reporting import month_cache

            month_cache.rebuild(bind)


def _watch(bind, old: str, new: str) -> None:
    """Recreate the update trigger of 0005 with its column list changed (as 0007 did)."""
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND name = 'cases_dashboard_au'").scalar_one()
    op.execute("DROP TRIGGER cases_dashboard_au")
    op.execute(sql.replace(old, new, 1))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        _watch(bind, "AFTER UPDATE OF ", "AFTER UPDATE OF lon, lat, ")
        op.execute("INSERT OR IGNORE INTO dashboard_dirty_months (month) "
                   "SELECT month FROM dashboard_dirty_place_months")
    op.drop_table("dashboard_dirty_place_months")
