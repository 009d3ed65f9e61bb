"""Builders shared by the results, e-mail, API and browser tests: assessments of CEFR-tagged questions,
answers that get a chosen number of each level's questions right, and results given with a wrong key."""
from __future__ import annotations

from collections import defaultdict
from itertools import count

from sqlalchemy import select

from tests.conftest import right_answer, wrong_answer
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db
from webapp.sittings.models import SittingItem

_numbers = count(1)


def tagged_assessment(admin, levels: list[str | None], *, kind: str = "placement", marks: float = 1.0,
                      negative_marks: float = 0.0, name: str | None = None, essay: bool = False, **settings):
    """An assessment of one MCQ per entry of `levels` (its CEFR tag, None for none), plus a 5-mark essay
    when asked, built through the bank and assessment services."""
    number = next(_numbers)
    skill = create_skill(admin, f"Tagged skill {number}")
    ids = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {position}</p>", cefr_level=level,
        options=[{"html": "right", "correct": True}, {"html": "wrong"}], marks=marks,
        negative_marks=negative_marks)).id for position, level in enumerate(levels)]
    if essay:
        ids.append(create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=skill.id, difficulty="EASY",
                                                        stem="<p>Write about your town.</p>", marks=5)).id)
    assessment = create_assessment(admin, AssessmentInput(
        name=name or f"{kind.title()} test {number}", duration=30, kind=kind,
        sections=[SectionInput(name="Section 1", question_ids=ids)], **settings))
    db.session.commit()
    return assessment


def answering(right: dict[str | None, int], essay: bool = False):
    """An `answer(item)` that answers the first `right[level]` items of each CEFR level right and the
    others wrong; the essay is written only when `essay` is set."""
    given: dict[str | None, int] = defaultdict(int)

    def answer(item):
        if item.question_type == "LONG_ANSWER":
            return right_answer(item) if essay else None
        if given[item.cefr_level] < right.get(item.cefr_level, 0):
            given[item.cefr_level] += 1
            return right_answer(item)
        return wrong_answer(item)
    return answer


def _choosing(*chosen: str):
    """Choose the option with this text at each position."""
    def answer(item):
        return {"option": next(option["id"] for option in item.options if option["html"] == chosen[item.position])}
    return answer


def sittings_with_a_wrong_key(admin, factory):
    """Three one-mark questions, pass at 60 %: Ann answers right, right, "wrong" (2 of 3, passed), Bob
    right, "wrong", "wrong" (1 of 3, not passed). The key of the third question is wrong ("wrong" is its
    answer): returns Ann's and Bob's sittings and that question's id."""
    assessment = factory.assessment(admin, questions=3, kind="certification", pass_mark_percent=60,
                                    target_level="B1")
    exam = factory.exam(admin, assessment)
    ann = factory.finished_sitting(admin, exam, "ann@example.com", answer=_choosing("right", "right", "wrong"))
    bob = factory.finished_sitting(admin, exam, "bob@example.com", first_name="Bob",
                                   answer=_choosing("right", "wrong", "wrong"))
    third = db.session.scalar(select(SittingItem.question_id).where(SittingItem.sitting_id == ann.id,
                                                                    SittingItem.position == 2))
    return ann, bob, third
