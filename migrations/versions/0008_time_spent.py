"""time spent: each response keeps the seconds the candidate spent on its item; the sitting keeps their sum
and when the candidate arrived at the current item (the count that runs until they leave it). Finished
sittings of before keep their start-to-finish time, the best that is known of them.

Revision ID: 0008_time_spent
Revises: 0006_answer_matching
Create Date: 2026-12-04 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0008_time_spent'
down_revision = '0006_answer_matching'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds_spent', sa.Double(), server_default='0', nullable=False))
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_entered_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seconds_spent', sa.Double(), server_default='0', nullable=False))
    sittings = sa.table('sittings', sa.column('id', sa.Integer()), sa.column('seconds_spent', sa.Double()),
                        sa.column('started_at', webapp.database.UTCDateTime(timezone=True)),
                        sa.column('finished_at', webapp.database.UTCDateTime(timezone=True)))
    connection = op.get_bind()
    finished = connection.execute(sa.select(sittings.c.id, sittings.c.started_at, sittings.c.finished_at).where(
        sittings.c.started_at.is_not(None), sittings.c.finished_at.is_not(None))).all()
    for row in finished:
        connection.execute(sittings.update().where(sittings.c.id == row.id).values(
            seconds_spent=(row.finished_at - row.started_at).total_seconds()))


def downgrade():
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('seconds_spent')
        batch_op.drop_column('item_entered_at')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('seconds_spent')
