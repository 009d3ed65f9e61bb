"""question imports: the runs of files of questions imported through the console, the worker or the CLI.

Revision ID: 0018_question_imports
Revises: 0016_media
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0018_question_imports'
down_revision = '0016_media'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('format', sa.String(length=20), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('checked', 'queued', 'running', 'done', 'failed', name='importstatus',
                                    native_enum=False, length=30), nullable=False),
        sa.Column('upload_key', sa.String(length=200), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('tests', sa.JSON(), nullable=False),
        sa.Column('positions', sa.JSON(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('imported', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('question_ids', sa.JSON(), nullable=False),
        sa.Column('media_urls', sa.JSON(), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_import_runs_institute_id_institutes')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_runs_created_by_id_users')),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_import_runs_skill_id_skills'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs')),
    )
    op.create_index(op.f('ix_import_runs_institute_id'), 'import_runs', ['institute_id'], unique=False)
    op.create_index(op.f('ix_import_runs_status'), 'import_runs', ['status'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_import_runs_status'), table_name='import_runs')
    op.drop_index(op.f('ix_import_runs_institute_id'), table_name='import_runs')
    op.drop_table('import_runs')
