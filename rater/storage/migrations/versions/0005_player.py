"""player: evidence marks, no-anchor ticks, rater preferences, segments

Revision ID: 0005_player
Revises: 0004_quality
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_player"
down_revision = "0004_quality"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN on both backends (SQLite 3.35+ drops columns in place). A batch
# operation would rebuild the table on SQLite, and dropping the old copy of ``session``
# would cascade-delete every assignment and rating under it.


def upgrade() -> None:
    # A mark may be evidence for one item, for (+) or against (-) a high score.
    op.add_column("mark", sa.Column("item_id", sa.String(length=64), nullable=True))
    op.add_column("mark", sa.Column("polarity", sa.String(length=1), nullable=False, server_default=""))
    # "No anchor fits" per item, with the rater's note on why.
    op.add_column("item_score", sa.Column("no_anchor", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("item_score", sa.Column("no_anchor_note", sa.Text(), nullable=False, server_default=""))
    # The stretch of the recording a session or an assignment covers (the study's default is in its settings).
    for table in ("session", "assignment"):
        op.add_column(table, sa.Column("segment_start_ms", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("segment_end_ms", sa.Integer(), nullable=True))
    op.create_table(
        "rater_preference",
        sa.Column("rater_id", sa.String(length=36), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["rater_id"], ["rater.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rater_id"),
    )


def downgrade() -> None:
    op.drop_table("rater_preference")
    for table in ("assignment", "session"):
        op.drop_column(table, "segment_end_ms")
        op.drop_column(table, "segment_start_ms")
    op.drop_column("item_score", "no_anchor_note")
    op.drop_column("item_score", "no_anchor")
    op.drop_column("mark", "polarity")
    op.drop_column("mark", "item_id")
