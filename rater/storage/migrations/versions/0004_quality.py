"""rating workflow: durations, quality confirmations

Revision ID: 0004_quality
Revises: 0003_safety
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_quality"
down_revision = "0003_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
