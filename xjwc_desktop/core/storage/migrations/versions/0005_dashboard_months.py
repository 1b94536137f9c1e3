"""dashboard per-month totals and the triggers that mark the months a write touches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

A local cache (never synced) of the dashboard's aggregates per month, so that a dashboard
period of any length reads a few thousand rows instead of every case. On SQLite, triggers on
``cases`` put the months each insert, update or delete touches (old and new 受理 month, old
and new 立案 month) into ``dashboard_dirty_months``; the dashboard recomputes those months
before it reads (``core/reporting/month_cache.py``). Every month with cases starts dirty, so
an existing database gets its cache on the first dashboard refresh.
"""

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# year * 100 + month of a stored date ('YYYY-MM-DD HH:MM:SS.ffffff', SQLAlchemy's SQLite
# format): substr, not strftime, as the triggers run for every row written (measured at
# about half the cost per inserted row).
MONTH = "CAST(substr({0}, 1, 4) AS INTEGER) * 100 + CAST(substr({0}, 6, 2) AS INTEGER)"
# Every column a cached figure reads (a test compares this with the aggregates' SQL).
WATCHED = ("reported_at", "registered_at", "deleted_at", "source", "zone_code", "status",
           "category_code", "grid_code", "inspector_id", "department_id", "dispatched_at",
           "handled_at", "deadline_at", "rework_count")
TRIGGERS = ("cases_dashboard_ai", "cases_dashboard_au", "cases_dashboard_ad")


def _mark(date: str, unless: str | None = None) -> str:
    """Mark the month of ``date`` dirty (one statement per date: cheaper than a UNION)."""
    skip = f" AND {date} IS NOT {unless}" if unless else ""
    return (f"INSERT OR IGNORE INTO dashboard_dirty_months (month) "
            f"SELECT {MONTH.format(date)} WHERE {date} IS NOT NULL{skip};")


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER cases_dashboard_ai AFTER INSERT ON cases BEGIN
        {_mark("NEW.reported_at")}
        {_mark("NEW.registered_at")}
    END""",
    # The new dates only where they changed: the old ones are marked already.
    f"""CREATE TRIGGER cases_dashboard_au AFTER UPDATE OF {", ".join(WATCHED)} ON cases BEGIN
        {_mark("OLD.reported_at")}
        {_mark("OLD.registered_at")}
        {_mark("NEW.reported_at", "OLD.reported_at")}
        {_mark("NEW.registered_at", "OLD.registered_at")}
    END""",
    f"""CREATE TRIGGER cases_dashboard_ad AFTER DELETE ON cases BEGIN
        {_mark("OLD.reported_at")}
        {_mark("OLD.registered_at")}
    END""",
]


def _month_table(name: str, keys: list[sa.Column], counts: list[str]) -> None:
    op.create_table(
        name,
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        *keys,
        *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
        sa.PrimaryKeyConstraint("month", *(k.name for k in keys), name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "dashboard_dirty_months",
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_dashboard_dirty_months")),
    )
    text = lambda name, n: sa.Column(name, sa.String(length=n), nullable=False)  # noqa: E731
    _month_table("dashboard_month_cube",
                 [text("source", 24), text("zone", 24), text("status", 24)], ["cases"])
    _month_table("dashboard_month_categories", [text("category_code", 12)], ["cases", "open"])
    _month_table("dashboard_month_grids", [text("grid_code", 15)], ["cases"])
    _month_table("dashboard_month_inspector_days",
                 [text("inspector_id", 32), text("day", 10)], ["cases"])
    _month_table("dashboard_month_departments", [text("department_id", 32)],
                 ["registered", "suspended", "to_close", "closed", "closed_on_time",
                  "dispatched", "handled", "handled_on_time", "reworked"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT OR IGNORE INTO dashboard_dirty_months (month) SELECT month FROM ("
                   f"SELECT DISTINCT {MONTH.format('reported_at')} AS month FROM cases UNION "
                   f"SELECT DISTINCT {MONTH.format('registered_at')} FROM cases) "
                   "WHERE month IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in ("dashboard_month_departments", "dashboard_month_inspector_days",
                 "dashboard_month_grids", "dashboard_month_categories", "dashboard_month_cube",
                 "dashboard_dirty_months"):
        op.drop_table(name)
