"""lti grades and rosters: the sittings launched from a course's link (whose grades go back to the platform),
the line item asked for a link, and the course rosters imported as an exam's candidates.

Revision ID: 0022_lti_grades
Revises: 0023_lti_proctoring
Create Date: 2026-12-05 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0022_lti_grades'
down_revision = '0023_lti_proctoring'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_item_requested_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'lti_sitting_links',
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('resource_link_id', sa.Integer(), nullable=False),
        sa.Column('platform_user_id', sa.String(length=255), nullable=False),
        sa.Column('grade_sent', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'],
                                name=op.f('fk_lti_sitting_links_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_lti_sitting_links_sitting_id_sittings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sitting_id', name=op.f('pk_lti_sitting_links')),
    )
    op.create_index(op.f('ix_lti_sitting_links_resource_link_id'), 'lti_sitting_links', ['resource_link_id'],
                    unique=False)
    op.create_table(
        'lti_roster_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('exam_id', sa.Integer(), nullable=False),
        sa.Column('resource_link_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('send_invitations', sa.Boolean(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='rosterimportstatus', native_enum=False,
                                    length=30), nullable=False),
        sa.Column('added', sa.Integer(), nullable=False),
        sa.Column('existing', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_lti_roster_imports_exam_id_exams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'],
                                name=op.f('fk_lti_roster_imports_institute_id_institutes')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_lti_roster_imports_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'],
                                name=op.f('fk_lti_roster_imports_resource_link_id_lti_resource_links'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_roster_imports')),
    )
    for column in ('institute_id', 'exam_id', 'resource_link_id', 'status'):
        op.create_index(op.f(f'ix_lti_roster_imports_{column}'), 'lti_roster_imports', [column], unique=False)


def downgrade():
    for column in ('institute_id', 'exam_id', 'resource_link_id', 'status'):
        op.drop_index(op.f(f'ix_lti_roster_imports_{column}'), table_name='lti_roster_imports')
    op.drop_table('lti_roster_imports')
    op.drop_index(op.f('ix_lti_sitting_links_resource_link_id'), table_name='lti_sitting_links')
    op.drop_table('lti_sitting_links')
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_column('line_item_requested_at')
