"""adaptive sittings: an adaptive placement's settings on its assessment, and a sitting's frozen pool and
course (the items served, the estimate after each, why it stopped).

Revision ID: 0024_adaptive_sittings
Revises: 0025_calibration_runs
Create Date: 2026-12-05 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_adaptive_sittings'
down_revision = '0025_calibration_runs'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('assessments', sa.Column('adaptive', sa.JSON(), nullable=True))
    op.add_column('sittings', sa.Column('adaptive_pool', sa.JSON(), nullable=True))
    op.add_column('sittings', sa.Column('adaptive', sa.JSON(), nullable=True))


def downgrade():
    # Not in batch mode: SQLite drops a column in place, where copying a table would break the foreign keys
    # of the rows that refer to it (0009_result_release).
    op.drop_column('sittings', 'adaptive')
    op.drop_column('sittings', 'adaptive_pool')
    op.drop_column('assessments', 'adaptive')
