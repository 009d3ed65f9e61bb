"""Mettl's dialect with the newer item types (additive to the spec's list, 4.1): a skill rule may ask for
TRUE_FALSE, MATCHING or ORDERING items by their questionType, and the assessment reads back with it."""
import json

import pytest

from tests.api.test_mettl_endpoints import _definition, ok, refused
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db


@pytest.fixture
def choice_bank(admin):
    skill = create_skill(admin, "Grammar")
    create_question(admin, QuestionInput(type="TRUE_FALSE", skill_id=skill.id, difficulty="EASY", stem="<p>Yes?</p>",
                                         options=[{"html": "True", "correct": True}, {"html": "False"}]))
    create_question(admin, QuestionInput(type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Pairs</p>",
                                         options=[{"html": "a", "match": 0}, {"html": "b", "match": 1}],
                                         targets=[{"html": "A"}, {"html": "B"}]))
    db.session.commit()


@pytest.mark.parametrize("qtype", ["TRUE_FALSE", "MATCHING"])
def test_a_rule_asks_for_a_newer_type(mettl, choice_bank, qtype):
    definition = _definition(sections=[{"name": "Grammar", "skills": [
        {"name": "Grammar", "level": "easy", "questionCount": 1, "questionType": qtype, "correctGrade": 2}]}])
    created = ok(mettl.post("/v1/assessments", {"assessments": json.dumps([definition])}))
    shown = ok(mettl.get(f"/v1/assessments/{created['assessmentId']}"))["assessment"]
    assert [skill["questionType"] for skill in shown["sections"][0]["skills"]] == [qtype]


def test_a_rule_for_a_type_without_items_is_e706(mettl, choice_bank):
    definition = _definition(sections=[{"name": "Grammar", "skills": [
        {"name": "Grammar", "level": "easy", "questionCount": 1, "questionType": "ORDERING", "correctGrade": 2}]}])
    refused(mettl.post("/v1/assessments", {"assessments": json.dumps([definition])}), "E706")
