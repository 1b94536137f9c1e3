"""the cases written since the case index's copy was saved

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

A start of the window at a million cases spent one to three seconds reading every case
into the case index. The window now keeps a copy of the index in its cache folder and
re-reads only the cases written since (``core.queries.case_index_copy``). Which ones those
are, SQLite itself notes: triggers on ``cases`` append each written case's rowid to
``case_touches`` while ``local_meta`` has the key ``case_touches`` (set here; the office
server removes it, having no window to start). A log rather than a counter, so a write by
any program (an import, a sync, another window, the sqlite3 shell) is re-read, never
trusted to have reached the copy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WATCHING = "WHEN EXISTS (SELECT 1 FROM local_meta WHERE key = 'case_touches')"
TRIGGERS = ("cases_touched_ai", "cases_touched_au", "cases_touched_ad")

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER cases_touched_ai AFTER INSERT ON cases {WATCHING} BEGIN
        INSERT INTO case_touches (case_rowid) VALUES (NEW.rowid);
    END""",
    f"""CREATE TRIGGER cases_touched_au AFTER UPDATE ON cases {WATCHING} BEGIN
        INSERT INTO case_touches (case_rowid) VALUES (NEW.rowid);
        INSERT INTO case_touches (case_rowid) SELECT OLD.rowid WHERE OLD.rowid <> NEW.rowid;
    END""",
    f"""CREATE TRIGGER cases_touched_ad AFTER DELETE ON cases {WATCHING} BEGIN
        INSERT INTO case_touches (case_rowid) VALUES (OLD.rowid);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "case_touches",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_case_touches")),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT OR IGNORE INTO local_meta (key, value) VALUES ('case_touches', 'on')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DELETE FROM local_meta WHERE key = 'case_touches'")
    op.drop_table("case_touches")
