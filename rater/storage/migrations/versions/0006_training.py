"""training: gold ratings, practice, certification, drift checks, calibration, consensus

Revision ID: 0006_training
Revises: 0005_player
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_training"
down_revision = "0005_player"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
