"""lti_proctoring: the attempts of a platform's assessments that Proctora proctors (LTI Proctoring Services
1.0), each with the sitting that carries its check, what LtiStartAssessment echoes, the platform's
Assessment Control Service and its last answer.

Revision ID: 0023_lti_proctoring
Revises: 0028_sign_in_security
Create Date: 2026-12-05 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0023_lti_proctoring'
down_revision = '0028_sign_in_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lti_proctoring_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('resource_link_id', sa.String(length=255), nullable=False),
        sa.Column('user_sub', sa.String(length=255), nullable=False),
        sa.Column('attempt_number', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('checking', 'assessment_started', 'ended', name='proctoringstate',
                                   native_enum=False, length=30), nullable=False),
        sa.Column('deployment_id', sa.String(length=255), nullable=False),
        sa.Column('resource_link', sa.JSON(), nullable=False),
        sa.Column('start_assessment_url', sa.String(length=1000), nullable=False),
        sa.Column('session_data', sa.Text(), nullable=False),
        sa.Column('acs_url', sa.String(length=1000), nullable=False),
        sa.Column('acs_actions', sa.JSON(), nullable=False),
        sa.Column('assessment_started_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('end_error', sa.Text(), nullable=False),
        sa.Column('platform_status', sa.String(length=30), nullable=False),
        sa.Column('platform_extra_time', sa.Integer(), nullable=True),
        sa.Column('platform_answered_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'],
                                name=op.f('fk_lti_proctoring_sessions_institute_id_institutes')),
        sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'],
                                name=op.f('fk_lti_proctoring_sessions_platform_id_lti_platforms'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'],
                                name=op.f('fk_lti_proctoring_sessions_sitting_id_sittings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_proctoring_sessions')),
        sa.UniqueConstraint('platform_id', 'resource_link_id', 'user_sub', 'attempt_number',
                            name='uq_lti_proctoring_sessions_attempt'),
        sa.UniqueConstraint('sitting_id', name=op.f('uq_lti_proctoring_sessions_sitting_id')),
    )
    for column in ('institute_id', 'platform_id'):
        op.create_index(op.f(f'ix_lti_proctoring_sessions_{column}'), 'lti_proctoring_sessions', [column], unique=False)


def downgrade():
    op.drop_table('lti_proctoring_sessions')
