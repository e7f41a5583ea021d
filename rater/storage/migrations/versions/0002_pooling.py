"""pooling: rating conflicts and mark ownership

Revision ID: 0002_pooling
Revises: 0001_initial
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_pooling"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("study_id", sa.String(length=36), nullable=False),
        sa.Column("assignment_id", sa.String(length=36), nullable=False),
        sa.Column("stored_rating_id", sa.String(length=36), nullable=False),
        sa.Column("incoming_rating_id", sa.String(length=36), nullable=False),
        sa.Column("incoming", sa.JSON(), nullable=False),
        sa.Column("replaced", sa.JSON(), nullable=True),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("package_file", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rating_conflict", schema=None) as batch_op:
        batch_op.create_index("ix_rating_conflict_assignment", ["assignment_id"], unique=False)

    op.create_table(
        "mark_link",
        sa.Column("mark_id", sa.String(length=36), nullable=False),
        sa.Column("rating_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("mark_id"),
    )
    with op.batch_alter_table("mark_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mark_link_rating_id"), ["rating_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mark_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mark_link_rating_id"))
    op.drop_table("mark_link")
    with op.batch_alter_table("rating_conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_conflict_assignment")
    op.drop_table("rating_conflict")
