"""item types: the columns of the newer question types (matching's targets, partial credit, a numeric
answer's units, what a file-upload answer may be).

Revision ID: 0015_item_types
Revises: 0014_accommodations
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_item_types'
down_revision = '0014_accommodations'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: SQLite would copy the questions table, and dropping the old one cascades to the
    # rows that point at it.
    op.add_column('questions', sa.Column('targets', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('questions', sa.Column('partial_credit', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('questions', sa.Column('units', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('questions', sa.Column('answer_file', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    op.drop_column('questions', 'answer_file')
    op.drop_column('questions', 'units')
    op.drop_column('questions', 'partial_credit')
    op.drop_column('questions', 'targets')
