"""scale indexes: on PostgreSQL, the results page's default order (an exam's finished sittings by score) read
a page at a time, with the columns its counts, distribution and percentiles read; Mettl's candidates of a
schedule by start; candidates by name; and trigram indexes (pg_trgm) for searches of a fragment of a candidate's e-mail,
username or names. SQLite, the small embedded default, gets none of them.

Revision ID: 0019_scale_indexes
Revises: 0017_answer_files
Create Date: 2026-12-05 04:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_scale_indexes'
down_revision = '0017_answer_files'
branch_labels = None
depends_on = None

SEARCHED = {"email": "lower(email)", "username": "lower(username)", "first_name": "lower(first_name)",
            "last_name": "lower(last_name)", "full_name": "lower(first_name || ' ' || last_name)"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_sittings_exam_score ON sittings "
               "(exam_id, status, (total_marks / NULLIF(max_marks, 0)) DESC NULLS LAST, id DESC) "
               "INCLUDE (institute_id, graded_at, total_marks, max_marks, released_at)")
    op.execute("CREATE INDEX ix_sittings_exam_started ON sittings (exam_id, started_at DESC NULLS LAST, id DESC)")
    for name, expression in SEARCHED.items():
        op.execute(f"CREATE INDEX ix_candidates_{name}_trigrams ON candidates USING gin ({expression} gin_trgm_ops)")
    op.execute("CREATE INDEX ix_candidates_institute_last_first ON candidates "
               "(institute_id, lower(last_name), lower(first_name), id)")
    op.execute("CREATE INDEX ix_candidates_first_last ON candidates (lower(first_name), lower(last_name), id)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("ix_candidates_first_last", "ix_candidates_institute_last_first",
                 *(f"ix_candidates_{name}_trigrams" for name in SEARCHED), "ix_sittings_exam_started",
                 "ix_sittings_exam_score"):
        op.execute(f"DROP INDEX {name}")
    # pg_trgm stays: other databases' objects of this cluster may use it, and it costs nothing unused.
