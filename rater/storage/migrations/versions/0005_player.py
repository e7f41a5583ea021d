"""player: segments, evidence marks, no-anchor ticks, rater preferences

Revision ID: 0005_player
Revises: 0004_quality
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_player"
down_revision = "0004_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
