"""audit package: each audit entry keeps its target's name, readable once the target is renamed or deleted.

Revision ID: 0005_audit_package
Revises: 0004_exam_day_edges
Create Date: 2026-12-04 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_audit_package'
down_revision = '0004_exam_day_edges'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_label', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('target_label')
