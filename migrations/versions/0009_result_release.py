"""result release: an institute's default release policy and an exam's own; when a sitting's result was
released, by whom, what the candidate was told and the candidate's level before it. Every result graded
before this revision counts as released when it was graded, with the outcome it has, so nothing changes
for results already given.

Revision ID: 0009_result_release
Revises: 0011_retakes
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0009_result_release'
down_revision = '0011_retakes'
branch_labels = None
depends_on = None

POLICY = sa.Enum('at_once', 'after_review', 'by_hand', name='releasepolicy', native_enum=False, length=30)
LEVEL = sa.Enum('Pre-A1', 'A1', 'A2', 'B1', 'B2', 'C1', 'C2', name='cefrlevel', native_enum=False, length=30)


def upgrade():
    with op.batch_alter_table('institutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_release_policy', POLICY, server_default='at_once', nullable=False))
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_policy', POLICY, nullable=True))
    # Columns added in place, never by copying the table: on SQLite, dropping the old copy of `sittings`
    # would delete the rows that refer to it (responses, certificates, ...) by their ON DELETE CASCADE.
    op.add_column('sittings', sa.Column('released_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
    op.add_column('sittings', sa.Column('released_by_id', sa.Integer(), nullable=True))
    op.add_column('sittings', sa.Column('released_outcome', sa.JSON(), nullable=True))
    op.add_column('sittings', sa.Column('level_before_release', LEVEL, nullable=True))
    _release_what_was_graded()


def _release_what_was_graded():
    """Graded sittings: released at their grading, the candidate told what the result says now."""
    connection = op.get_bind()
    sittings = sa.table('sittings', sa.column('id', sa.Integer()),
                        sa.column('graded_at', webapp.database.UTCDateTime(timezone=True)),
                        sa.column('released_at', webapp.database.UTCDateTime(timezone=True)),
                        sa.column('total_marks', sa.Double()), sa.column('max_marks', sa.Double()),
                        sa.column('level', sa.String()), sa.column('passed', sa.Boolean()),
                        sa.column('released_outcome', sa.JSON()))
    certificates = sa.table('certificates', sa.column('sitting_id', sa.Integer()), sa.column('code', sa.String()),
                            sa.column('revoked_at', webapp.database.UTCDateTime(timezone=True)))
    reviews = sa.table('proctor_reviews', sa.column('sitting_id', sa.Integer()), sa.column('outcome', sa.String()),
                       sa.column('overridden_at', webapp.database.UTCDateTime(timezone=True)))
    codes = dict(connection.execute(sa.select(certificates.c.sitting_id, certificates.c.code)
                                    .where(certificates.c.revoked_at.is_(None))).all())
    withheld = set(connection.execute(sa.select(reviews.c.sitting_id).where(
        reviews.c.outcome == 'violation', reviews.c.overridden_at.is_(None))).scalars())
    graded = connection.execute(sa.select(sittings.c.id, sittings.c.graded_at, sittings.c.total_marks,
                                          sittings.c.max_marks, sittings.c.level, sittings.c.passed)
                                .where(sittings.c.graded_at.is_not(None))).all()
    for row in graded:
        percent = round(100 * row.total_marks / row.max_marks, 1) if row.max_marks and row.total_marks is not None \
            else None
        told = {"total": row.total_marks, "max": row.max_marks, "percent": percent, "level": row.level,
                "passed": row.passed, "certificate": codes.get(row.id), "withheld": row.id in withheld}
        connection.execute(sittings.update().where(sittings.c.id == row.id).values(
            released_at=row.graded_at, released_outcome=told))


def downgrade():
    # Not in batch mode: SQLite drops a column in place, where copying a table would break the foreign
    # keys of the rows that refer to it (or delete them by their ON DELETE CASCADE).
    for column in ('level_before_release', 'released_outcome', 'released_by_id', 'released_at'):
        op.drop_column('sittings', column)
    op.drop_column('exams', 'release_policy')
    op.drop_column('institutes', 'default_release_policy')
