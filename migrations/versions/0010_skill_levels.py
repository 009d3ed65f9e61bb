"""skill levels: a placement keeps its evidence, the level of each skill and the share right at each level
(webapp/results/placement.py). Sittings placed before keep none and show "not recorded".

Revision ID: 0010_skill_levels
Revises: 0008_time_spent
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_skill_levels'
down_revision = '0008_time_spent'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placement', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('placement')
