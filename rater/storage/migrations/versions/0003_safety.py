"""data safety: which database role belongs to which rater

Revision ID: 0003_safety
Revises: 0002_pooling
Create Date: 2026-12-01 22:00:00

``db_role`` maps a PostgreSQL login role to the rater it belongs to (or to the
coordinators); the row-level security policies that ``rater db roles``
creates read it. The policies themselves are made by that command, not here,
because they name roles that exist only once a lab has created them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_safety"
down_revision = "0002_pooling"
branch_labels = None
depends_on = None

# Kept equal to rater.storage.roles.POLICY_NAMES (a migration must not import the live code).
POLICY_NAMES = ("rater_own_rows", "coordinator_all_rows")


def upgrade() -> None:
    op.create_table(
        "db_role",
        sa.Column("role_name", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rater_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["rater_id"], ["rater.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("role_name"),
    )
    with op.batch_alter_table("db_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_db_role_rater_id"), ["rater_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The policies read db_role: drop them (and switch row-level security off) before the table.
        rows = bind.execute(sa.text(
            "SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema() "
            "AND policyname = ANY(:names)"), {"names": list(POLICY_NAMES)}).all()
        for table, policy in rows:
            op.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        for table in sorted({table for table, _ in rows}):
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    with op.batch_alter_table("db_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_db_role_rater_id"))
    op.drop_table("db_role")
