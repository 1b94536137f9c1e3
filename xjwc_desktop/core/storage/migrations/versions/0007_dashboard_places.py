"""hotspot places per month, and every dashboard cache counted on upgrade

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

``dashboard_month_places`` holds, per month and category, the cases per hotspot cell and
per unit grid (``core/reporting/place_cache.py``), kept by the dirty months of 0005 like the
other month caches; its cells follow the cases' positions, so the update trigger of 0005 now
watches ``lon`` and ``lat`` too. The caches are counted in full by 0008, which gives the
places their own dirty months: counting here would run today's counting code against a
schema that lacks 0008's table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_month_places",
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_code", sa.String(length=12), nullable=False),
        sa.Column("raster", sa.String(length=120), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("grids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("month", "category_code",
                                name=op.f("pk_dashboard_month_places")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _watch(bind, "AFTER UPDATE OF ", "AFTER UPDATE OF lon, lat, ")


def _watch(bind, old: str, new: str) -> None:
    """Recreate the update trigger of 0005 with its column list changed."""
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND name = 'cases_dashboard_au'").scalar_one()
    op.execute("DROP TRIGGER cases_dashboard_au")
    op.execute(sql.replace(old, new, 1))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _watch(bind, "AFTER UPDATE OF lon, lat, ", "AFTER UPDATE OF ")
    op.drop_table("dashboard_month_places")
