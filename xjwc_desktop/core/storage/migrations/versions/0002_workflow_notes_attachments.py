"""case notes, attachments, suspension and extension requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

For the case workflow: internal notes, photos, the state a suspended case returns to, and
extension requests awaiting approval. Columns are added with plain ALTER TABLE (no batch
copy of ``cases``, which would drop its R*Tree triggers).
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_attachments',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('written_by', sa.String(length=32), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attachments_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachments'))
    )
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])

    op.create_table('case_notes',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('author', sa.String(length=60), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('written_by', sa.String(length=32), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"])

    op.add_column("cases", sa.Column("extension_requested_hours", sa.Float(),
                                     server_default="0", nullable=False))
    op.add_column("cases", sa.Column("suspended_from", sa.String(length=24), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "suspended_from")
    op.drop_column("cases", "extension_requested_hours")
    op.drop_index(op.f("ix_case_notes_case_id"), table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index(op.f("ix_case_attachments_case_id"), table_name="case_attachments")
    op.drop_table("case_attachments")
