"""data safety: database roles and package checks

Revision ID: 0003_safety
Revises: 0002_pooling
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_safety"
down_revision = "0002_pooling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
