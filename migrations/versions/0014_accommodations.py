"""accommodations: the extra time in percent, larger text and high contrast staff grant a candidate's
sitting.

Revision ID: 0014_accommodations
Revises: 0013_languages_time_zones
Create Date: 2026-12-04 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_accommodations'
down_revision = '0013_languages_time_zones'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: SQLite would copy the sittings table, and dropping the old one cascades to the
    # rows that point at it (certificates, responses).
    op.add_column('sittings', sa.Column('extra_time_percent', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('sittings', sa.Column('large_text', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('sittings', sa.Column('high_contrast', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    # Not in batch mode: SQLite drops a column in place, where copying a table would break the foreign
    # keys that point at it.
    op.drop_column('sittings', 'high_contrast')
    op.drop_column('sittings', 'large_text')
    op.drop_column('sittings', 'extra_time_percent')
