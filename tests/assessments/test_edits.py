"""The builder's granular edits: each changes one part, the whole definition is checked again, and a
failed edit leaves the stored assessment as it was. Also durations of timed sections, registration
fields, deletion and the list."""
import pytest
from sqlalchemy import select

from tests.assessments.conftest import definition, fill_bank, rule, section
from webapp.assessments import services
from webapp.assessments.models import (Assessment, AssessmentKind, RegistrationField, Section, SectionQuestion,
                                       SelectionRule)
from webapp.assessments.services import FieldInput, SectionInput
from webapp.bank.services import retire_question
from webapp.core.errors import NotFound, ValidationError
from webapp.core.extensions import db


@pytest.fixture
def assessment(admin, questions):
    created = services.create_assessment(admin, definition(section("Part 1", rule("Grammar", "EASY", 2))))
    db.session.commit()
    return created


def stored(assessment_id) -> dict:
    """What the database holds, read afresh."""
    db.session.expire_all()
    found = db.session.get(Assessment, assessment_id)
    return {
        "settings": (found.name, found.duration_minutes, found.kind, found.instructions),
        "sections": [(s.name, s.position, s.duration_minutes,
                      [(r.skill.name, r.difficulty.value, r.question_count, r.pooling, list(r.fixed_question_ids))
                       for r in s.rules],
                      [p.question_id for p in s.picks]) for s in found.sections],
        "fields": [(f.name, f.required, f.field_type.value, list(f.values)) for f in found.registration_fields],
    }


def fails(code: str, action, *args, **kwargs) -> ValidationError:
    """The edit is refused with `code`; the database (after the request's rollback) is unchanged."""
    assessment_id = args[1]
    before = stored(assessment_id)
    with pytest.raises(ValidationError) as caught:
        action(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    db.session.rollback()
    assert stored(assessment_id) == before
    return caught.value


# Sections ---------------------------------------------------------------------------------------

def test_add_update_move_and_delete_sections(admin, assessment):
    services.add_section(admin, assessment.id, SectionInput(name="Part 2", instructions="<p>Read.</p>"))
    services.add_section(admin, assessment.id, SectionInput(name="Part 3", randomize_questions=True))
    db.session.commit()
    assert [s[0] for s in stored(assessment.id)["sections"]] == ["Part 1", "Part 2", "Part 3"]

    part3 = assessment.sections[2]
    services.move_section(admin, assessment.id, part3.id, -1)
    assert [(s.name, s.position) for s in assessment.sections] == [("Part 1", 0), ("Part 3", 1), ("Part 2", 2)]
    services.move_section(admin, assessment.id, part3.id, -5)   # clamped at the top
    services.move_section(admin, assessment.id, assessment.sections[1].id, 1)
    db.session.commit()
    assert [(s[0], s[1]) for s in stored(assessment.id)["sections"]] == [("Part 3", 0), ("Part 2", 1), ("Part 1", 2)]

    part2 = next(s for s in assessment.sections if s.name == "Part 2")
    services.update_section(admin, assessment.id, part2.id, name="Reading", all_questions_mandatory=True)
    services.delete_section(admin, assessment.id, part3.id)
    db.session.commit()
    assert [(s[0], s[1]) for s in stored(assessment.id)["sections"]] == [("Reading", 0), ("Part 1", 1)]
    assert db.session.query(Section).count() == 2
    assert db.session.get(Section, part2.id).all_questions_mandatory


def test_a_section_name_is_unique_in_the_assessment(admin, assessment):
    error = fails("E789", services.add_section, admin, assessment.id, SectionInput(name="PART 1"))
    assert "the section name 'PART 1' is used twice" in error.message


def test_the_last_section_cannot_be_deleted(admin, assessment):
    error = fails("E789", services.delete_section, admin, assessment.id, assessment.sections[0].id)
    assert "at least one section" in error.message


def test_a_section_of_another_assessment_is_not_found(admin, assessment):
    other = services.create_assessment(admin, definition(section("Other", rule("Reading", "MEDIUM")), name="Other"))
    with pytest.raises(NotFound):
        services.update_section(admin, assessment.id, other.sections[0].id, name="Taken over")
    with pytest.raises(NotFound):
        services.add_rule(admin, assessment.id, other.sections[0].id, rule("Grammar", "MEDIUM"))


# Durations --------------------------------------------------------------------------------------

def test_timed_sections_derive_the_duration(admin, assessment):
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    db.session.commit()
    first, second = assessment.sections
    # Timing one section while the other is untimed breaks E703, so all are timed in one edit.
    fails("E703", services.update_section, admin, assessment.id, first.id, duration=15)
    fails("E703", services.set_section_durations, admin, assessment.id, {first.id: 15})
    services.set_section_durations(admin, assessment.id, {first.id: 15, str(second.id): "10"})
    db.session.commit()
    assert stored(assessment.id)["settings"][1] == 25
    assert [s[2] for s in stored(assessment.id)["sections"]] == [15, 10]

    # A stated duration no longer counts (the console shows it as derived); section edits change the sum.
    services.update_settings(admin, assessment.id, {"duration": 90})
    services.update_section(admin, assessment.id, second.id, duration=30)
    db.session.commit()
    assert stored(assessment.id)["settings"][1] == 45
    fails("E703", services.add_section, admin, assessment.id, SectionInput(name="Untimed"))
    services.add_section(admin, assessment.id, SectionInput(name="Part 3", duration=5))
    db.session.commit()
    assert stored(assessment.id)["settings"][1] == 50

    # Back to untimed: the last total stays the assessment's duration.
    services.set_section_durations(admin, assessment.id, {})
    db.session.commit()
    assert stored(assessment.id)["settings"][1] == 50
    assert [s[2] for s in stored(assessment.id)["sections"]] == [None, None, None]


def test_untimed_sections_keep_the_stated_duration(admin, assessment):
    services.update_settings(admin, assessment.id, {"duration": 75})
    db.session.commit()
    assert stored(assessment.id)["settings"][1] == 75
    fails("E704", services.update_settings, admin, assessment.id, {"duration": None})


# Rules and picked questions ---------------------------------------------------------------------

def test_add_and_delete_rules(admin, assessment, questions):
    part = assessment.sections[0]
    services.add_rule(admin, assessment.id, part.id, rule("Grammar", "MEDIUM", 2, correct_grade=3, pooling=False))
    db.session.commit()
    rules = stored(assessment.id)["sections"][0][3]
    assert [r[:4] for r in rules] == [("Grammar", "EASY", 2, True), ("Grammar", "MEDIUM", 2, False)]
    assert set(rules[1][4]) <= set(questions["grammar_medium_mcq"]) and len(rules[1][4]) == 2

    services.delete_rule(admin, assessment.id, part.id, part.rules[0].id)
    db.session.commit()
    assert [r[:2] for r in stored(assessment.id)["sections"][0][3]] == [("Grammar", "MEDIUM")]
    assert db.session.query(SelectionRule).count() == 1


def test_a_fixed_draw_stays_the_same_across_other_edits(admin, assessment):
    part = assessment.sections[0]
    services.add_rule(admin, assessment.id, part.id, rule("Grammar", "MEDIUM", 2, pooling=False))
    db.session.commit()
    drawn = stored(assessment.id)["sections"][0][3][1][4]
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    services.update_settings(admin, assessment.id, {"instructions": "<p>New</p>"})
    db.session.commit()
    assert stored(assessment.id)["sections"][0][3][1][4] == drawn


def test_a_failed_rule_leaves_the_assessment_unchanged(admin, assessment):
    part = assessment.sections[0]
    error = fails("E708", services.add_rule, admin, assessment.id, part.id, rule("Reading", "MEDIUM", 9))
    assert error.message.startswith("In section Part 1, no of questions in skill Reading, difficulty level MEDIUM")
    fails("E789", services.add_rule, admin, assessment.id, part.id, rule("Grammar", "EASY", 1, question_type="FITB"))
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    db.session.commit()
    fails("E709", services.add_rule, admin, assessment.id, assessment.sections[1].id, rule("Grammar", "EASY"))


def test_pick_and_unpick_questions(admin, assessment, questions):
    part = assessment.sections[0]
    reading = questions["reading_medium_mca"]
    services.pick_questions(admin, assessment.id, part.id, reading)
    services.pick_questions(admin, assessment.id, part.id, [str(reading[0]), questions["reading_medium_short"][0]])
    db.session.commit()
    assert stored(assessment.id)["sections"][0][4] == reading + questions["reading_medium_short"]

    services.unpick_question(admin, assessment.id, part.id, reading[0])
    db.session.commit()
    assert stored(assessment.id)["sections"][0][4] == [reading[1]] + questions["reading_medium_short"]
    assert db.session.query(SectionQuestion).count() == 2


def test_a_failed_pick_leaves_the_assessment_unchanged(admin, assessment, questions, factory):
    part = assessment.sections[0]
    # Matched by the section's own rule (Grammar, EASY): it could be drawn twice.
    fails("E709", services.pick_questions, admin, assessment.id, part.id, [questions["grammar_easy_mcq"][0]])
    retire_question(admin, questions["reading_medium_short"][0])
    db.session.commit()
    fails("E789", services.pick_questions, admin, assessment.id, part.id, questions["reading_medium_short"])
    other = factory.institute("Other School")[1]
    foreign = fill_bank(other)
    with pytest.raises(NotFound):
        services.pick_questions(admin, assessment.id, part.id, foreign["reading_medium_short"])


# Settings ---------------------------------------------------------------------------------------

def test_update_settings(admin, assessment):
    services.update_settings(admin, assessment.id, {
        "name": "English B1", "kind": "certification", "target_level": "B1", "pass_mark_percent": 60,
        "instructions": "<p>Good luck</p><script>alert(1)</script>", "show_report_to_candidate_on_exit": True})
    db.session.commit()
    settings = stored(assessment.id)["settings"]
    assert settings == ("English B1", 30, AssessmentKind.CERTIFICATION, "<p>Good luck</p>")
    assert db.session.get(Assessment, assessment.id).show_report_to_candidate_on_exit


def test_update_settings_refuses_broken_or_unknown_settings(admin, assessment, questions):
    services.create_assessment(admin, definition(name="Taken"))
    fails("E701", services.update_settings, admin, assessment.id, {"name": "taken"})
    fails("E789", services.update_settings, admin, assessment.id, {"kind": "certification"})
    fails("E789", services.update_settings, admin, assessment.id, {"exit_redirection_url": "nowhere"})
    error = fails("E789", services.update_settings, admin, assessment.id, {"sections": []})
    assert "unknown settings sections" in error.message
    # Its own name, in another case, is no clash.
    services.update_settings(admin, assessment.id, {"name": "ENGLISH TEST"})


# Registration fields ----------------------------------------------------------------------------

def test_registration_fields_keep_the_email_first_and_required(admin, assessment):
    services.set_registration_fields(admin, assessment.id, [
        FieldInput("Last Name", required=True),
        FieldInput("email address", field_type="SelectBox", values=["x"]),
        FieldInput("Level", "SelectBox", values=["A1", "", "B1"]),
        FieldInput("Company", "TextBox", values=["ignored"]),
    ])
    db.session.commit()
    assert stored(assessment.id)["fields"] == [
        ("Email Address", True, "TextBox", []),
        ("Last Name", True, "TextBox", []),
        ("Level", False, "SelectBox", ["A1", "B1"]),
        ("Company", False, "TextBox", []),
    ]
    services.set_registration_fields(admin, assessment.id, [])
    db.session.commit()
    assert stored(assessment.id)["fields"] == [("Email Address", True, "TextBox", [])]
    assert db.session.query(RegistrationField).count() == 1


@pytest.mark.parametrize("fields, message", [
    ([FieldInput("Age"), FieldInput("AGE")], "the registration field 'AGE' is listed twice"),
    ([FieldInput("Gender", "SelectBox")], "the choice field 'Gender' needs its choices"),
    ([FieldInput(" ")], "a registration field needs a name"),
    ([FieldInput("x" * 101)], "a registration field needs a name (up to 100 characters)"),
    ([FieldInput("Age", "DateBox")], "Invalid field type 'DateBox'"),
])
def test_registration_field_rules(admin, assessment, fields, message):
    error = fails("E789", services.set_registration_fields, admin, assessment.id, fields)
    assert message in error.message
    assert error.field == "registration_fields"


# Deleting and listing ---------------------------------------------------------------------------

def test_delete_an_assessment_with_everything_in_it(admin, assessment, questions):
    services.pick_questions(admin, assessment.id, assessment.sections[0].id, questions["reading_medium_mca"])
    db.session.commit()
    services.delete_assessment(admin, assessment.id)
    db.session.commit()
    for model in (Assessment, Section, SelectionRule, SectionQuestion, RegistrationField):
        assert db.session.query(model).count() == 0, model


def test_list_searches_filters_and_pages(admin, questions):
    for number in range(1, 5):
        kind = "placement" if number % 2 else "standard"
        services.create_assessment(admin, definition(name=f"English {number}", kind=kind))
    services.create_assessment(admin, definition(name="Maths 100%_x"))
    db.session.commit()
    names = lambda page: [a.name for a in page.items]  # noqa: E731
    assert names(services.list_assessments(admin)) == \
        ["Maths 100%_x", "English 4", "English 3", "English 2", "English 1"]
    assert names(services.list_assessments(admin, text=" english ", kind="placement")) == ["English 3", "English 1"]
    assert names(services.list_assessments(admin, text="100%_")) == ["Maths 100%_x"]
    assert names(services.list_assessments(admin, text="0%x")) == []
    page = services.list_assessments(admin, page=2, per_page=2)
    assert (names(page), page.pages, page.total) == (["English 3", "English 2"], 3, 5)
    with pytest.raises(ValidationError):
        services.list_assessments(admin, kind="adaptive")


def test_max_marks_and_question_count(admin, assessment, questions):
    part = assessment.sections[0]
    services.add_rule(admin, assessment.id, part.id, rule("Grammar", "MEDIUM", 2, correct_grade=1.5))
    services.pick_questions(admin, assessment.id, part.id, questions["reading_difficult_essay"])
    # 2 easy x 1 + 2 medium x 1.5 + an essay of 5 marks
    assert services.question_count(assessment) == 5
    assert services.max_marks(assessment) == 10.0
    assert db.session.scalars(select(Assessment)).one() is assessment


def test_a_question_retired_after_it_was_picked_does_not_block_other_edits(admin, questions, assessment):
    picked, spare = questions["reading_medium_mca"]
    services.pick_questions(admin, assessment.id, assessment.sections[0].id, [picked])
    retire_question(admin, picked)
    retire_question(admin, spare)
    db.session.commit()
    services.update_settings(admin, assessment.id, {"name": "Renamed after retirement"})
    db.session.commit()
    assert stored(assessment.id)["settings"][0] == "Renamed after retirement"
    assert picked in stored(assessment.id)["sections"][0][4]
    error = fails("E789", services.pick_questions, admin, assessment.id, assessment.sections[0].id, [spare])
    assert "retired" in error.message
