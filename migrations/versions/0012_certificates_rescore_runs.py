"""certificates and re-score runs: an institute's certificate settings (wording, signatory, signature,
identifier), each certificate as issued with them and its expiry, the assessment's certificate validity,
and the runs of re-scores done by the worker.

Revision ID: 0012_certificates_rescore_runs
Revises: 0008_time_spent
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0012_certificates_rescore_runs'
down_revision = '0009_result_release'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_settings',
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('signatory_name', sa.String(length=200), nullable=False),
        sa.Column('signatory_title', sa.String(length=200), nullable=False),
        sa.Column('signature_key', sa.String(length=200), nullable=False),
        sa.Column('identifier', sa.Enum('none', 'username', 'email', 'registration_field',
                                        name='candidateidentifier', native_enum=False, length=30), nullable=False),
        sa.Column('identifier_field', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_certificate_settings_institute_id_institutes')),
        sa.PrimaryKeyConstraint('institute_id', name=op.f('pk_certificate_settings')),
    )
    op.create_table(
        'rescore_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='rescorestate', native_enum=False,
                                   length=30), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sitting_ids', sa.JSON(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('results_changed', sa.Integer(), nullable=False),
        sa.Column('outcomes_changed', sa.Integer(), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_rescore_runs_institute_id_institutes')),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_rescore_runs_question_id_questions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_rescore_runs_started_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rescore_runs')),
    )
    with op.batch_alter_table('rescore_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rescore_runs_institute_id'), ['institute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rescore_runs_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rescore_runs_state'), ['state'], unique=False)
        batch_op.create_index('uq_rescore_runs_active_question', ['question_id'], unique=True,
                              sqlite_where=sa.text("state IN ('queued', 'running')"),
                              postgresql_where=sa.text("state IN ('queued', 'running')"))
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_validity_months', sa.Integer(), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identifier_label', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('candidate_identifier', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='Certificate', nullable=False))
        batch_op.add_column(sa.Column('body', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signatory_title', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signature_key', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        for column in ('signature_key', 'signatory_title', 'signatory_name', 'body', 'title', 'candidate_identifier',
                       'identifier_label', 'expires_at'):
            batch_op.drop_column(column)
    # A plain ALTER TABLE (SQLite 3.35+ has DROP COLUMN): a batch would copy the table, which the exams
    # referring to it forbid on SQLite.
    op.drop_column('assessments', 'certificate_validity_months')
    with op.batch_alter_table('rescore_runs', schema=None) as batch_op:
        batch_op.drop_index('uq_rescore_runs_active_question')
        batch_op.drop_index(batch_op.f('ix_rescore_runs_state'))
        batch_op.drop_index(batch_op.f('ix_rescore_runs_question_id'))
        batch_op.drop_index(batch_op.f('ix_rescore_runs_institute_id'))
    op.drop_table('rescore_runs')
    op.drop_table('certificate_settings')
