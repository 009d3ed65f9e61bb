"""item remarks: an assessment may show the answers part of the report to its candidates.

Revision ID: 0007_item_remarks
Revises: 0005_audit_package
Create Date: 2026-12-04 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_item_remarks'
down_revision = '0005_audit_package'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_answers_in_report', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('show_answers_in_report')
