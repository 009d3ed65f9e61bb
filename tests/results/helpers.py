"""Builders shared by the results, e-mail and API tests: assessments of CEFR-tagged questions and
answers that get a chosen number of each level's questions right."""
from __future__ import annotations

from collections import defaultdict
from itertools import count

from tests.conftest import right_answer, wrong_answer
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db

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
