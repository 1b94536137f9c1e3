"""sync: outbox, conflict records, and the office server's books

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Workstations record every local write in ``sync_outbox`` by triggers (SQLite only; the
office server writes through its own code). ``case_events`` stays append-only except while
the sync engine applies changes from the server. See xjwc_desktop/core/model/sync.py.
"""

import sqlalchemy as sa
from alembic import op

from xjwc_desktop.core.sync.triggers import APPEND_ONLY_TRIGGERS, install_outbox_triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _synced_columns():
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("written_by", sa.String(length=32), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("base", sa.Text(), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=True),
        sa.Column("change_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("change_id", name=op.f("uq_sync_outbox_change_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ux_sync_outbox_open", "sync_outbox", ["tbl", "row_id"], unique=True,
                    sqlite_where=sa.text("change_id IS NULL"),
                    postgresql_where=sa.text("change_id IS NULL"))
    op.create_table(
        "sync_applying",
        sa.Column("flag", sa.Integer(), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("flag", name=op.f("pk_sync_applying")),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.Text(), nullable=True),
        sa.Column("base", sa.Text(), nullable=True),
        sa.Column("kept", sa.Text(), nullable=True),
        sa.Column("lost", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("change_id", sa.String(length=32), nullable=True),
        sa.Column("lost_device", sa.String(length=60), nullable=True),
        sa.Column("kept_by", sa.String(length=32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=60), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_index(op.f("ix_sync_conflicts_row_id"), "sync_conflicts", ["row_id"])
    op.create_table(
        "sync_devices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("zone", sa.String(length=10), nullable=True),
        sa.Column("device_no", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("workstation_id", sa.String(length=32), nullable=True),
        sa.Column("pushed_through", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_devices")),
        sa.UniqueConstraint("name", name=op.f("uq_sync_devices_name")),
        sa.UniqueConstraint("device_no", name=op.f("uq_sync_devices_device_no")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sync_devices_token_hash")),
    )
    op.create_table(
        "sync_rows",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=True),
        sa.Column("verbatim", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "row_id", name=op.f("pk_sync_rows")),
        sa.UniqueConstraint("seq", name=op.f("uq_sync_rows_seq")),
    )
    op.create_table(
        "sync_changes",
        sa.Column("change_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_sync_changes")),
    )
    op.create_table(
        "sync_table_counts",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", name=op.f("pk_sync_table_counts")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("case_events_no_update", "case_events_no_delete", "cases_rtree_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in APPEND_ONLY_TRIGGERS:
            op.execute(statement)
        # Pulled rows are upserts that name every column: move the R*Tree entry only when
        # the position really changed.
        op.execute("""CREATE TRIGGER cases_rtree_au AFTER UPDATE OF lon, lat ON cases
            WHEN OLD.lon IS NOT NEW.lon OR OLD.lat IS NOT NEW.lat BEGIN
            UPDATE case_rtree SET min_lon = NEW.lon, max_lon = NEW.lon,
                                  min_lat = NEW.lat, max_lat = NEW.lat
            WHERE id = NEW.rowid;
        END""")
        install_outbox_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        from xjwc_desktop.core.sync.triggers import drop_outbox_triggers

        drop_outbox_triggers(bind)
        op.execute("DROP TRIGGER IF EXISTS cases_rtree_au")
        op.execute("""CREATE TRIGGER cases_rtree_au AFTER UPDATE OF lon, lat ON cases BEGIN
            UPDATE case_rtree SET min_lon = NEW.lon, max_lon = NEW.lon,
                                  min_lat = NEW.lat, max_lat = NEW.lat
            WHERE id = NEW.rowid;
        END""")
    for table in ("sync_table_counts", "sync_changes", "sync_rows", "sync_devices"):
        op.drop_table(table)
    op.drop_index(op.f("ix_sync_conflicts_row_id"), table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_table("sync_applying")
    op.drop_index("ux_sync_outbox_open", table_name="sync_outbox")
    op.drop_table("sync_outbox")
