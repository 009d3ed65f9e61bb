"""calibration runs: the worker's calibration of an institute's items from its finished sittings, with its
progress (the sittings read) and the answers read so far.

Revision ID: 0025_calibration_runs
Revises: 0022_lti_grades
Create Date: 2026-12-05 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0025_calibration_runs'
down_revision = '0022_lti_grades'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calibration_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='rescorestate', native_enum=False,
                                   length=30), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sitting_ids', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('items_calibrated', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], ),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('calibration_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_runs_institute_id'), ['institute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibration_runs_state'), ['state'], unique=False)
        batch_op.create_index('uq_calibration_runs_active_institute', ['institute_id'], unique=True,
                              sqlite_where=sa.text("state IN ('queued', 'running')"),
                              postgresql_where=sa.text("state IN ('queued', 'running')"))


def downgrade():
    with op.batch_alter_table('calibration_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_calibration_runs_active_institute')
        batch_op.drop_index(batch_op.f('ix_calibration_runs_state'))
        batch_op.drop_index(batch_op.f('ix_calibration_runs_institute_id'))
    op.drop_table('calibration_runs')
