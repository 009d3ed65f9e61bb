"""languages and time zones: the language an institute, a staff member, an exam and a candidate read
in (empty: the one above them, then the browser's), the institute's default time zone, and an exam's
zone widened to hold a named IANA zone (`Europe/Berlin`) beside Mettl's fixed `UTC+05:30`.

Revision ID: 0013_languages_time_zones
Revises: 0012_certificates_rescore_runs
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_languages_time_zones'
down_revision = '0012_certificates_rescore_runs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institutes') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default=''))
    with op.batch_alter_table('exams') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default=''))
    with op.batch_alter_table('candidates') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default=''))
    # SQLite keeps any length in a VARCHAR; copying the exams table to widen it would break the
    # foreign keys that point at it.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('exams', 'time_zone', existing_type=sa.String(length=10), type_=sa.String(length=64))


def downgrade():
    # Not in batch mode: SQLite drops a column in place, where copying a table would break the foreign
    # keys that point at it.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('exams', 'time_zone', existing_type=sa.String(length=64), type_=sa.String(length=10))
    op.drop_column('candidates', 'language')
    op.drop_column('exams', 'language')
    op.drop_column('users', 'language')
    op.drop_column('institutes', 'time_zone')
    op.drop_column('institutes', 'language')
