"""The catalogue's placement test holds a true-or-false, a matching and an ordering item: adding it copies
them whole (targets, each premise's match, the order, partial credit)."""
from sqlalchemy import select

from webapp.assessments import catalogue
from webapp.bank.models import Question, QuestionType
from webapp.core.extensions import db


def test_the_newer_item_types_are_copied_whole(admin):
    catalogue.add_to_institute(admin, "english-placement")
    db.session.commit()
    copied = {question.type: question for question in db.session.scalars(
        select(Question).where(Question.institute_id == admin.institute_id))}
    matching = copied[QuestionType.MATCHING]
    targets = {target["id"]: target["html"] for target in matching.targets}
    assert [(premise["html"], targets[premise["match"]]) for premise in matching.options] == \
        [("hot", "cold"), ("early", "late"), ("cheap", "expensive"), ("empty", "full")]
    assert len(targets) == 5 and matching.partial_credit
    ordering = copied[QuestionType.ORDERING]
    assert ordering.options[0]["html"] == "Dear Mr Brown," and ordering.partial_credit
    assert [option["correct"] for option in copied[QuestionType.TRUE_FALSE].options] == [False, True]
