"""cases.paused_minutes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Working minutes a case spent suspended (挂账). Resuming moves the deadline on by that much;
the traffic light must not count it as time used.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("paused_minutes", sa.Integer(), server_default="0",
                                     nullable=False))


def downgrade() -> None:
    op.drop_column("cases", "paused_minutes")
