"""Who may do what with assessments, role by role, and that another institute's assessments are
simply not found."""
import pytest

from tests.assessments.conftest import definition, fill_bank, rule, section
from webapp.assessments import catalogue, services
from webapp.assessments.models import Assessment
from webapp.assessments.services import FieldInput, SectionInput
from webapp.core.errors import NotFound, PermissionDenied
from webapp.core.extensions import db


@pytest.fixture
def assessment(admin, questions):
    created = services.create_assessment(admin, definition(section("Part 1", rule("Grammar", "EASY", 2))))
    db.session.commit()
    return created


def edits(assessment, questions):
    """Every change an editor can make, each as a call for an actor."""
    section_id = assessment.sections[0].id
    return [
        lambda actor: services.create_assessment(actor, definition(name="Another")),
        lambda actor: services.update_settings(actor, assessment.id, {"duration": 40}),
        lambda actor: services.add_section(actor, assessment.id, SectionInput(name="Part 2")),
        lambda actor: services.update_section(actor, assessment.id, section_id, name="Renamed"),
        lambda actor: services.move_section(actor, assessment.id, section_id, 1),
        lambda actor: services.add_rule(actor, assessment.id, section_id, rule("Grammar", "MEDIUM")),
        lambda actor: services.pick_questions(actor, assessment.id, section_id, questions["reading_medium_mca"]),
        lambda actor: services.set_registration_fields(actor, assessment.id, [FieldInput("Company")]),
        lambda actor: services.set_section_durations(actor, assessment.id, {s.id: 20 for s in assessment.sections}),
        lambda actor: catalogue.add_to_institute(actor, "general-aptitude"),
        lambda actor: services.delete_assessment(actor, assessment.id),
    ]


@pytest.mark.parametrize("role", ["admin", "examiner"])
def test_admins_and_examiners_edit(factory, admin, assessment, questions, role):
    actor = admin if role == "admin" else factory.staff(admin.institute, role)
    for edit in edits(assessment, questions):
        edit(actor)
    db.session.commit()
    assert db.session.get(Assessment, assessment.id) is None
    assert {a.name for a in db.session.query(Assessment)} == {"Another", "Proctora General Aptitude Test"}


@pytest.mark.parametrize("role", ["support", "proctor"])
def test_support_and_proctors_only_look(factory, admin, assessment, questions, role):
    actor = factory.staff(admin.institute, role)
    assert [a.id for a in services.list_assessments(actor).items] == [assessment.id]
    assert services.get_assessment(actor, assessment.id) is assessment
    assert services.preview_paper(actor, assessment.id)[0] is assessment
    assert catalogue.added_slugs(actor) == set()
    for edit in edits(assessment, questions):
        with pytest.raises(PermissionDenied):
            edit(actor)
    assert [s.name for s in db.session.get(Assessment, assessment.id).sections] == ["Part 1"]


def test_a_deactivated_editor_can_do_nothing(factory, admin, assessment):
    examiner = factory.staff(admin.institute, "examiner")
    examiner.active = False
    with pytest.raises(PermissionDenied):
        services.get_assessment(examiner, assessment.id)


def test_another_institutes_assessments_are_not_found(factory, assessment, questions):
    rival = factory.institute("Rival Academy")[1]
    rival_questions = fill_bank(rival)
    section_id = assessment.sections[0].id
    assert services.list_assessments(rival).items == []
    for call in [
        lambda: services.get_assessment(rival, assessment.id),
        lambda: services.preview_paper(rival, assessment.id),
        lambda: services.update_settings(rival, assessment.id, {"name": "Stolen"}),
        lambda: services.add_section(rival, assessment.id, SectionInput(name="Part 2")),
        lambda: services.delete_section(rival, assessment.id, section_id),
        lambda: services.add_rule(rival, assessment.id, section_id, rule("Grammar", "MEDIUM")),
        lambda: services.set_registration_fields(rival, assessment.id, []),
        lambda: services.delete_assessment(rival, assessment.id),
    ]:
        with pytest.raises(NotFound):
            call()
    # The rival's own assessment cannot take this institute's section or questions either.
    own = services.create_assessment(rival, definition(section("Mine", rule("Grammar", "EASY"))))
    with pytest.raises(NotFound):
        services.add_rule(rival, own.id, section_id, rule("Grammar", "MEDIUM"))
    with pytest.raises(NotFound):
        services.pick_questions(rival, own.id, own.sections[0].id, questions["reading_medium_mca"])
    services.pick_questions(rival, own.id, own.sections[0].id, rival_questions["reading_medium_mca"])
    db.session.rollback()
    assert [s.name for s in db.session.get(Assessment, assessment.id).sections] == ["Part 1"]
