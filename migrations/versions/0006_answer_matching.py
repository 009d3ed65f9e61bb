"""answer matching: each fill-in blank and short answer says how typed answers are matched with its accepted
answers (webapp/bank/matching.py).

Existing questions get the documented defaults of a new question (README, "Typed answers"): they keep their
case-sensitivity, and extra spaces, curly or straight quotes, look-alike characters and punctuation at the
end are ignored, numbers read with either decimal separator and no tolerance. Only where an accepted
answer is written like "1,000" (a thousand or one?) numbers stay compared as text, as before. Sittings
that froze their keys earlier are scored as before (no options in a frozen key means the old matching).

Revision ID: 0006_answer_matching
Revises: 0007_item_remarks (re-chained after 0007 landed on main)
Create Date: 2026-12-04 17:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_answer_matching'
down_revision = '0007_item_remarks'
branch_labels = None
depends_on = None

DEFAULTS = {"exact_spaces": False, "exact_quotes": False, "exact_unicode": False, "exact_end_punctuation": False,
            "exact_numbers": False, "tolerance": 0}
GROUPED_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:[.,][0-9]{3})+")

questions = sa.table("questions", sa.column("id", sa.Integer), sa.column("type", sa.String),
                     sa.column("blanks", sa.JSON), sa.column("accepted_answers", sa.JSON),
                     sa.column("matching", sa.JSON))


def _options(accepted: list) -> dict:
    return {**DEFAULTS, "exact_numbers": any(GROUPED_THOUSANDS.fullmatch(str(answer).strip()) for answer in accepted)}


def _typed_answer_questions(connection):
    return connection.execute(sa.select(questions.c.id, questions.c.type, questions.c.blanks,
                                        questions.c.accepted_answers)
                              .where(questions.c.type.in_(("FITB", "SHORT_ANSWER")))).all()


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matching', sa.JSON(), server_default='{}', nullable=False))
    connection = op.get_bind()
    for question_id, question_type, blanks, accepted in _typed_answer_questions(connection):
        if question_type == "FITB":
            values = {"blanks": [{**blank, **_options(blank.get("accepted") or [])} for blank in blanks or []]}
        else:
            values = {"matching": _options(accepted or [])}
        connection.execute(questions.update().where(questions.c.id == question_id).values(**values))


def downgrade():
    connection = op.get_bind()
    for question_id, question_type, blanks, _accepted in _typed_answer_questions(connection):
        if question_type == "FITB":
            kept = [{name: value for name, value in blank.items() if name not in DEFAULTS} for blank in blanks or []]
            connection.execute(questions.update().where(questions.c.id == question_id).values(blanks=kept))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('matching')
