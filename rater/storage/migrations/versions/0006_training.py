"""training: gold ratings, practice, certification, drift checks, calibration, consensus

Revision ID: 0006_training
Revises: 0005_player
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_training"
down_revision = "0005_player"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certification_criterion',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('study_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_key', sa.String(length=64), nullable=False),
    sa.Column('min_within1', sa.Float(), nullable=False),
    sa.Column('max_mad', sa.Float(), nullable=False),
    sa.Column('last_n', sa.Integer(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('study_id', 'instrument_key')
    )
    op.create_table('drift_schedule',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('study_id', sa.String(length=36), nullable=False),
    sa.Column('rater_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('every_sessions', sa.Integer(), nullable=True),
    sa.Column('every_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ),
    sa.ForeignKeyConstraint(['rater_id'], ['rater.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calibration_meeting',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('study_id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('consensus_score',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('is_na', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'instrument_id', 'item_id')
    )
    op.create_table('gold_rating',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_rating_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'instrument_id')
    )
    op.create_table('training_material',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('study_id', sa.String(length=36), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_index(op.f('ix_training_material_study_id'), 'training_material', ['study_id'], unique=False)
    op.create_table('gold_mark',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('gold_rating_id', sa.String(length=36), nullable=False),
    sa.Column('position_ms', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['gold_rating_id'], ['gold_rating.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('gold_score',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('gold_rating_id', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('is_na', sa.Boolean(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['gold_rating_id'], ['gold_rating.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gold_rating_id', 'item_id')
    )
    op.create_table('training_assignment',
    sa.Column('assignment_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['calibration_meeting.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('assignment_id')
    )


# Kept equal to rater.storage.rater_view and rater.storage.roles.LOCK_POLICIES (a migration must not import
# the live code): what `rater db roles` builds on these tables and on db_role.
VIEW_SCHEMA = "rater_view"
REVEALED_FUNCTION = "rater_calibration_revealed"
LOCK_POLICIES = ("rater_locked_insert", "rater_locked_update", "rater_locked_delete")
TRAINING_TABLES = ("training_assignment", "gold_score", "gold_mark", "training_material", "gold_rating",
                   "consensus_score", "calibration_meeting", "drift_schedule", "certification_criterion")


def _drop_role_objects() -> None:
    bind = op.get_bind()
    op.execute(f'DROP SCHEMA IF EXISTS "{VIEW_SCHEMA}" CASCADE')
    rows = bind.execute(sa.text(
        "SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema() "
        "AND (tablename = ANY(:tables) OR policyname = ANY(:locks))"),
        {"tables": list(TRAINING_TABLES), "locks": list(LOCK_POLICIES)}).all()
    for table, policy in rows:
        op.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
    op.execute(f"DROP FUNCTION IF EXISTS {REVEALED_FUNCTION}(text)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_role_objects()
    op.drop_table('training_assignment')
    op.drop_table('gold_score')
    op.drop_table('gold_mark')
    op.drop_index(op.f('ix_training_material_study_id'), table_name='training_material')
    op.drop_table('training_material')
    op.drop_table('gold_rating')
    op.drop_table('consensus_score')
    op.drop_table('calibration_meeting')
    op.drop_table('drift_schedule')
    op.drop_table('certification_criterion')
