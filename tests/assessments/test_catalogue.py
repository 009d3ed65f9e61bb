"""Adding a pre-built test of the catalogue: its skills and questions are copied into the institute's
bank and the assessment is built from them, once per institute."""
import json
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.assessments.conftest import definition
from webapp.assessments import catalogue
from webapp.assessments.models import Assessment, AssessmentKind
from webapp.assessments.services import create_assessment
from webapp.bank.models import Question, Skill
from webapp.core.errors import Conflict, NotFound
from webapp.core.extensions import db

PLACEMENT = json.loads((catalogue.CATALOGUE_DIR / "english-placement.json").read_text(encoding="utf-8"))


def test_the_catalogue_lists_the_shipped_tests():
    tests = {test.slug: test for test in catalogue.catalogue()}
    assert set(tests) == {"english-placement", "english-adaptive-placement", "general-aptitude"}
    placement = tests["english-placement"]
    assert (placement.name, placement.kind, placement.duration, placement.question_count) == \
        (PLACEMENT["name"], "placement", 50, len(PLACEMENT["questions"]))
    assert placement.skills == ("Grammar", "Reading", "Vocabulary", "Writing")
    assert catalogue.catalogue_test(placement.id) is placement
    with pytest.raises(NotFound):
        catalogue.catalogue_test("no-such-test")


def test_adding_copies_skills_and_questions_with_levels_and_builds_the_assessment(admin):
    assessment = catalogue.add_to_institute(admin, "english-placement")
    db.session.commit()
    institute_id = admin.institute_id

    skills = db.session.scalars(select(Skill.name).where(Skill.institute_id == institute_id)).all()
    assert sorted(skills) == ["Grammar", "Reading", "Vocabulary", "Writing"]
    copied = db.session.scalars(select(Question).where(Question.institute_id == institute_id)
                                .order_by(Question.id)).all()
    assert len(copied) == len(PLACEMENT["questions"])
    assert [(q.skill.name, q.type.value, q.difficulty.value, q.cefr_level.value if q.cefr_level else None)
            for q in copied] == [(item["skill"], item["type"], item["difficulty"], item.get("level"))
                                 for item in PLACEMENT["questions"]]
    assert {q.source for q in copied} == {f"Catalogue: {PLACEMENT['name']}"}

    assert (assessment.name, assessment.kind, assessment.duration_minutes, assessment.catalogue_slug) == \
        (PLACEMENT["name"], AssessmentKind.PLACEMENT, 50, "english-placement")
    assert assessment.placement_bands == [{"level": b["level"], "min_percent": float(b["min_percent"])}
                                          for b in PLACEMENT["placement_bands"]]
    assert [(s.name, s.duration_minutes, len(s.picks)) for s in assessment.sections] == \
        [(s["name"], s["duration"], len(s["questions"])) for s in PLACEMENT["sections"]]
    assert catalogue.added_assessment_ids(admin) == {"english-placement": assessment.id}
    assert catalogue.added_slugs(admin) == {"english-placement"}


def test_a_test_is_added_once_per_institute(admin, factory):
    catalogue.add_to_institute(admin, "general-aptitude")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        catalogue.add_to_institute(admin, "general-aptitude")
    assert "already in your account" in caught.value.message

    other = factory.institute("Other School")[1]
    assert catalogue.added_slugs(other) == set()
    assert db.session.scalar(select(Question.id).where(Question.institute_id == other.institute_id)) is None
    added = catalogue.add_to_institute(other, "general-aptitude")
    assert added.institute_id == other.institute_id
    assert db.session.query(Assessment).count() == 2


def test_existing_skills_are_reused_and_a_taken_name_gets_a_number(admin, questions):
    # "grammar" exists in the bank already; an assessment has the test's name in other letters.
    create_assessment(admin, definition(name=PLACEMENT["name"].upper()))
    assessment = catalogue.add_to_institute(admin, "english-placement")
    assert assessment.name == f"{PLACEMENT['name']} (2)"
    grammar = select(Skill).where(Skill.institute_id == admin.institute_id, Skill.name == "Grammar")
    assert len(db.session.scalars(grammar).all()) == 1


def test_an_unknown_test_is_not_found(admin):
    with pytest.raises(NotFound):
        catalogue.add_to_institute(admin, "no-such-test")


@pytest.mark.parametrize("slug", ["english-placement", "general-aptitude"])
def test_the_advice_on_guessing_matches_the_penalties(slug):
    """A test that tells candidates to avoid guessing must make a blind guess lose on average; with a
    quarter of the marks off for a wrong answer to a four-option question, a guess gains (1/4 - 3/4 * 1/4)."""
    test = json.loads((catalogue.CATALOGUE_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    guesses = [question["marks"] / len(question["options"])
               + question["negative_marks"] * (1 - 1 / len(question["options"]))
               for question in test["questions"] if question["type"] == "MCQ"]
    tells_to_avoid = "avoid wild guesses" in test["instructions"] or "do not guess" in test["instructions"].lower()
    assert not (tells_to_avoid and any(gain > 0 for gain in guesses))


def test_the_builder_warns_of_placement_levels_too_thin_to_place(admin, admin_client, factory):
    """The catalogue's placement test has six items or more at every level: no warning. A placement test
    of three untagged questions tests no level with enough items: every level is named, with its count."""
    placement = catalogue.add_to_institute(admin, "english-placement")
    thin = factory.assessment(admin, kind="placement")
    db.session.commit()
    page = BeautifulSoup(admin_client.get(f"/assessments/{placement.id}").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-thin-bands]") is None
    page = BeautifulSoup(admin_client.get(f"/assessments/{thin.id}").get_data(as_text=True), "html.parser")
    warning = " ".join(page.select_one("[data-thin-bands]").get_text().split())
    assert all(f"{band['level']} has 0 items" in warning for band in thin.placement_bands)


def test_the_catalogue_placement_test_has_six_items_at_every_level():
    levels = Counter(question["level"] for question in PLACEMENT["questions"])
    assert {band["level"] for band in PLACEMENT["placement_bands"]} <= set(levels)
    assert min(levels[band["level"]] for band in PLACEMENT["placement_bands"]) >= 6
