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


def upgrade() -> None:
    # A mark may be evidence for one item, for (+) or against (-) a high score.
    with op.batch_alter_table("mark", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("polarity", sa.String(length=1), nullable=False, server_default=""))
    # "No anchor fits" per item, with the rater's note on why.
    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_anchor", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("no_anchor_note", sa.Text(), nullable=False, server_default=""))
    # The stretch of the recording a session or an assignment covers (the study's default is in its settings).
    for table in ("session", "assignment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("segment_start_ms", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("segment_end_ms", sa.Integer(), nullable=True))
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
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("segment_end_ms")
            batch_op.drop_column("segment_start_ms")
    with op.batch_alter_table("item_score", schema=None) as batch_op:
        batch_op.drop_column("no_anchor_note")
        batch_op.drop_column("no_anchor")
    with op.batch_alter_table("mark", schema=None) as batch_op:
        batch_op.drop_column("polarity")
        batch_op.drop_column("item_id")
