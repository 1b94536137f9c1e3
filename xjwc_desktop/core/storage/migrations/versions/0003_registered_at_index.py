"""index cases.registered_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The metrics take every case registered in a period; without this index each period query
scans the whole table (seconds at a million cases).
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_cases_registered_at"), "cases", ["registered_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_registered_at"), table_name="cases")
