"""rating workflow: durations, quality confirmations

Revision ID: 0004_quality
Revises: 0003_safety
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_quality"
down_revision = "0003_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN on both backends (SQLite >= 3.35 has both). Not batch mode:
    # on SQLite it copies and drops the rating table, and with foreign keys on, dropping
    # it would cascade to every item score.
    op.add_column("rating", sa.Column("duration_ms", sa.Integer(), nullable=True))
    op.add_column("rating", sa.Column("submit_notice", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("rating", "submit_notice")
    op.drop_column("rating", "duration_ms")
