"""answer files: the files candidates send as the answers of file-upload items.

Revision ID: 0017_answer_files
Revises: 0018_question_imports
Create Date: 2026-12-05 01:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0017_answer_files'
down_revision = '0018_question_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'answer_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id']),
        sa.ForeignKeyConstraint(['item_id'], ['sitting_items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_answer_files_institute_id', 'answer_files', ['institute_id'])
    op.create_index('ix_answer_files_sitting_id', 'answer_files', ['sitting_id'])
    op.create_index('ix_answer_files_item_id', 'answer_files', ['item_id'])


def downgrade():
    op.drop_table('answer_files')
