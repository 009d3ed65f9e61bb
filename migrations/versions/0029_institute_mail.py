"""institute mail: an institute's own wording of candidates' e-mails per kind and language, when its
candidates are reminded of an exam's window, and the reminders each sitting was sent.

Revision ID: 0029_institute_mail
Revises: 0021_item_parameters
Create Date: 2026-12-05 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0029_institute_mail'
down_revision = '0021_item_parameters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('invitation', 'reminder', 'results', 'certificate', name='mailkind',
                                  native_enum=False, length=30), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('institute_id', 'kind', 'language'),
    )
    op.create_table(
        'mail_settings',
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('hours_before_opening', sa.Integer(), nullable=False),
        sa.Column('hours_before_closing', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], ),
        sa.PrimaryKeyConstraint('institute_id'),
    )
    op.create_table(
        'sitting_reminders',
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('opening', 'closing', name='reminderkind', native_enum=False, length=30),
                  nullable=False),
        sa.Column('queued_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sitting_id', 'kind'),
    )


def downgrade():
    op.drop_table('sitting_reminders')
    op.drop_table('mail_settings')
    op.drop_table('mail_templates')
