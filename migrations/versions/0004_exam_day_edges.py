"""exam day edges: when a sitting's check photos were stored, for the retention job.

Revision ID: 0004_exam_day_edges
Revises: 0003_commit_and_limits
Create Date: 2026-12-04 13:40:00.000000

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0004_exam_day_edges'
down_revision = '0003_commit_and_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_photos_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_sittings_institute_check_photos', ['institute_id', 'check_photos_at'], unique=False)
    # Photos stored before this revision are dated by the check that took them, so retention reaches them.
    sittings = sa.table('sittings', sa.column('id', sa.Integer), sa.column('check', sa.JSON),
                        sa.column('check_photos_at', webapp.database.UTCDateTime(timezone=True)))
    connection = op.get_bind()
    for sitting_id, check in connection.execute(sa.select(sittings.c.id, sittings.c.check)).all():
        check = check or {}
        if (check.get('reference_photo') or check.get('id_photo')) and check.get('completed_at'):
            connection.execute(sittings.update().where(sittings.c.id == sitting_id).values(
                check_photos_at=datetime.fromisoformat(check['completed_at'])))


def downgrade():
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_index('ix_sittings_institute_check_photos')
        batch_op.drop_column('check_photos_at')
