"""item parameters: each question's calibration on the ability scale (difficulty, discrimination, their
standard errors, the answers they rest on, fit) and each institute's CEFR cut scores on that scale.

Revision ID: 0021_item_parameters
Revises: 0020_lti
Create Date: 2026-12-05 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0021_item_parameters'
down_revision = '0020_lti'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'item_calibrations',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('model', sa.String(length=10), nullable=False),
        sa.Column('difficulty', sa.Double(), nullable=False),
        sa.Column('difficulty_se', sa.Double(), nullable=True),
        sa.Column('discrimination', sa.Double(), nullable=False),
        sa.Column('discrimination_se', sa.Double(), nullable=True),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.Column('infit', sa.Double(), nullable=True),
        sa.Column('outfit', sa.Double(), nullable=True),
        sa.Column('misfit', sa.Boolean(), nullable=False),
        sa.Column('calibrated_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], ),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id'),
    )
    op.create_index('ix_item_calibrations_institute_id', 'item_calibrations', ['institute_id'], unique=False)
    op.create_table(
        'cefr_cut_scores',
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Enum('Pre-A1', 'A1', 'A2', 'B1', 'B2', 'C1', 'C2', name='cefrlevel',
                                   native_enum=False, length=30), nullable=False),
        sa.Column('lowest_ability', sa.Double(), nullable=False),
        sa.Column('updated_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], ),
        sa.PrimaryKeyConstraint('institute_id', 'level'),
    )


def downgrade():
    op.drop_table('cefr_cut_scores')
    op.drop_index('ix_item_calibrations_institute_id', table_name='item_calibrations')
    op.drop_table('item_calibrations')
