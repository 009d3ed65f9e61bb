"""retakes: an exam allows a number of attempts with a waiting period; a retake is a new sitting of the same
exam, so a sitting carries its attempt number and one candidate may have several sittings in one exam.
Existing sittings are attempt 1 and existing exams allow one attempt, as before.

Revision ID: 0011_retakes
Revises: 0010_skill_levels
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_retakes'
down_revision = '0010_skill_levels'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_attempts', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('retake_wait_hours', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint('uq_sittings_exam_id_candidate_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sittings_exam_id_candidate_id_attempt'),
                                          ['exam_id', 'candidate_id', 'attempt'])


def downgrade():
    # Only first attempts fit one sitting per candidate and exam; retakes are results nobody may lose here.
    sittings = sa.table('sittings', sa.column('attempt', sa.Integer()))
    if op.get_bind().execute(sa.select(sa.func.count()).where(sittings.c.attempt > 1)).scalar():
        raise RuntimeError("Sittings of a retake exist: delete them before downgrading below 0011_retakes.")
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sittings_exam_id_candidate_id_attempt', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sittings_exam_id_candidate_id'), ['exam_id', 'candidate_id'])
        batch_op.drop_column('attempt')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later too): a batch would copy the exams table,
    # which SQLite's foreign keys refuse while sittings refer to it.
    op.drop_column('exams', 'retake_wait_hours')
    op.drop_column('exams', 'max_attempts')
