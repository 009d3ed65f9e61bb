"""The exam page's questions are rendered once and kept (webapp/candidate/questions.py): what a page gets from
what was kept must be what rendering its own item gives, for every type of question, in every language, for a
sitting other than the one it was first rendered for."""
from __future__ import annotations

import pytest
from flask import get_template_attribute
from flask_babel import force_locale
from sqlalchemy import select

from tests.candidate.helpers import QUESTIONS, register, start
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.candidate import questions
from webapp.core.extensions import db
from webapp.sittings.models import SittingItem

OTHER_TYPES = [
    dict(type="TRUE_FALSE", stem="<p>Water boils at 100 °C at sea level.</p>",
         options=[{"html": "True", "correct": True}, {"html": "False"}]),
    dict(type="MATCHING", stem="<p>Match each place with its capital.</p>",
         options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1}],
         targets=[{"html": "Paris"}, {"html": "Madrid"}, {"html": "\\(x^2\\)"}]),
    dict(type="ORDERING", stem="<p>Smallest first.</p>", options=[{"html": "one"}, {"html": "two"}]),
    dict(type="NUMERIC", stem="<p>g?</p>", accepted_answers=["9.81"], matching={"tolerance": "0,05"},
         units=[{"unit": "m/s2"}, {"unit": "cm/s2", "factor": "0.01"}]),
    dict(type="FITB", stem="<p>I [[1]] home.</p>", blanks=[{"accepted": ["went"], "choices": ["go", "went"]}]),
    dict(type="FU", stem="<p>Send your essay.</p>", answer_file={"kinds": ["pdf"], "max_mb": 1}),
]


@pytest.fixture
def every_type(factory, admin):
    """An exam of every type of question in two sections (shown together, each with its name)."""
    skill_id = create_skill(admin, "Mixed").id
    ids = [create_question(admin, QuestionInput(**{"skill_id": skill_id, "difficulty": "EASY", "marks": 2.5,
                                                   "negative_marks": -0.5, **spec})).id
           for spec in [*({"type": qtype, **spec} for qtype, spec in QUESTIONS.items()), *OTHER_TYPES]]
    assessment = create_assessment(admin, AssessmentInput(name="Every type", duration=30, sections=[
        SectionInput(name="Reading", question_ids=ids[:6]), SectionInput(name="Writing", question_ids=ids[6:])]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment, access_type="ByInvitation")


def _items(sitting) -> list[SittingItem]:
    return list(db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                                   .order_by(SittingItem.position)))


def _rendered_alone(sitting, item, total: int) -> str:
    """The item rendered by itself, with its own id and position."""
    body = get_template_attribute("candidate/_question.html", "question_body")
    return str(body(item, item.position + 1, total, None, sitting.sections[item.section_index]["name"]))


@pytest.mark.parametrize("language", ["en", "de", "ar"])
def test_a_kept_question_is_the_question_rendered_for_its_own_sitting(app, admin, every_type, language):
    sittings = [start(register(admin, every_type, email)) for email in ("ann@example.com", "bob@example.com")]
    questions._rendered.cache_clear()
    with app.test_request_context(), force_locale(language):
        for sitting in sittings:   # the second sitting's page is served from what the first one's kept
            items = _items(sitting)
            assert len(items) == 11
            bodies = questions.question_bodies(sitting, items, len(items))
            for item in items:
                assert str(bodies[item.id]) == _rendered_alone(sitting, item, len(items)), item.question_type
    # Only matching and ordering are shown in an order (and under ids) of each sitting's own.
    info = questions._rendered.cache_info()
    assert info.misses + info.hits == 22 and info.hits >= 9


def test_a_question_is_kept_apart_by_language_and_by_what_it_shows(app, admin, every_type):
    sitting = start(register(admin, every_type))
    item = _items(sitting)[0]
    with app.test_request_context():
        with force_locale("de"):
            german = str(questions.question_bodies(sitting, [item], 11)[item.id])
        english = str(questions.question_bodies(sitting, [item], 11)[item.id])
        db.session.expunge(item)
        item.stem = "<p>What is 3 + 3?</p>"   # a question changed since (a key correction shows nothing new)
        changed = str(questions.question_bodies(sitting, [item], 11)[item.id])
    assert "Frage 1" in german and "Question 1" in english
    assert "What is 2 + 2?" in english and "What is 3 + 3?" in changed and "2 + 2" not in changed
