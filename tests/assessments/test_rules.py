"""Every rule of an assessment definition (Mettl's E701-E710 and E789), checked in one place by
services.check_definition, and a valid definition written to the database."""
import pytest
from sqlalchemy import select

from tests.assessments.conftest import definition, fill_bank, rule, section
from webapp.assessments.models import Assessment, AssessmentKind, FieldType, RegistrationField, SectionQuestion, \
    SelectionRule
from webapp.assessments.services import FieldInput, SectionInput, create_assessment
from webapp.bank import services as bank
from webapp.bank.models import CefrLevel, Difficulty, QuestionType
from webapp.core.errors import ValidationError
from webapp.core.extensions import db


def rejected(actor, data, code: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        create_assessment(actor, data)
    db.session.rollback()
    assert caught.value.code == code, caught.value.message
    assert db.session.query(Assessment).count() == 0
    return caught.value


# E701: the name ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", "   ", 'Say "hello"', "A<B", "A>B", "Ready?", "Star*", "Back\\slash", "x" * 201])
def test_e701_empty_or_forbidden_name(admin, questions, name):
    error = rejected(admin, definition(name=name), "E701")
    assert error.field == "name"
    assert error.message.startswith("Invalid assessment name provided")


def test_e701_a_name_is_unique_in_the_institute_whatever_its_case(admin, questions):
    create_assessment(admin, definition(name="English test"))
    with pytest.raises(ValidationError) as caught:
        create_assessment(admin, definition(name="  ENGLISH Test "))
    assert caught.value.code == "E701"
    assert "an assessment named 'ENGLISH Test' already exists" in caught.value.message


def test_e701_another_institute_may_use_the_same_name(admin, factory, questions):
    create_assessment(admin, definition(name="English test"))
    other = factory.institute("Other School")[1]
    fill_bank(other)
    created = create_assessment(other, definition(name="English test"))
    assert created.institute_id == other.institute_id
    assert db.session.query(Assessment).filter_by(name="English test").count() == 2


def test_names_with_spaces_commas_and_accents_are_fine(admin, questions):
    name = "Niveau B1, partie 2 – écrit"
    assert create_assessment(admin, definition(name=name)).name == name


# E702-E704: durations ---------------------------------------------------------------------------

def test_e702_the_duration_must_be_the_sum_of_timed_sections(admin, questions):
    data = definition(section("A", rule(), duration=10), section("B", rule("Reading", "MEDIUM"), duration=20),
                      duration=45)
    error = rejected(admin, data, "E702")
    assert "does not match total of individual section durations (30 minutes)" in error.message


def test_timed_sections_with_their_total_or_without_a_duration_are_accepted(admin, questions):
    stated = create_assessment(admin, definition(section("A", rule(), duration=10),
                                                 section("B", rule("Reading", "MEDIUM"), duration=20), duration=30))
    derived = create_assessment(admin, definition(section("A", rule(), duration=10),
                                                  section("B", rule("Reading", "MEDIUM"), duration=20),
                                                  name="Derived", duration=None))
    assert stated.duration_minutes == derived.duration_minutes == 30
    assert [s.duration_minutes for s in derived.sections] == [10, 20]


def test_e703_all_or_none_of_the_sections_are_timed(admin, questions):
    data = definition(section("A", rule(), duration=10), section("B", rule("Reading", "MEDIUM")), duration=None)
    error = rejected(admin, data, "E703")
    assert error.message == ("Invalid section durations - provide all or none of the section durations for "
                             "timed/un-timed sections.")


@pytest.mark.parametrize("duration", [None, "", 0])
def test_e704_untimed_sections_need_the_assessment_duration(admin, questions, duration):
    error = rejected(admin, definition(duration=duration), "E704")
    assert error.message == "Missing assessment duration as all sections are un-timed."


@pytest.mark.parametrize("duration", [-5, 24 * 60 + 1, "ninety"])
def test_e789_a_duration_is_whole_minutes_within_a_day(admin, questions, duration):
    error = rejected(admin, definition(duration=duration), "E789")
    assert error.field == "duration"


# E705-E710: selection rules against the bank ----------------------------------------------------

def test_e705_the_skill_must_exist(admin, questions):
    error = rejected(admin, definition(section("Listening", rule("Physics"))), "E705")
    assert error.message == "In section Listening, the added skill Physics doesn't exist in your question bank."
    assert error.field == "skill"


def test_e705_another_institutes_skill_does_not_exist_here(admin, factory, questions):
    other = factory.institute("Other School")[1]
    bank.create_skill(other, "Astronomy")
    assert rejected(admin, definition(section("A", rule("Astronomy"))), "E705")


def test_e706_the_question_type_must_exist_in_the_skill(admin, questions):
    error = rejected(admin, definition(section("Part 1", rule("Grammar", question_type="MCA"))), "E706")
    assert error.message == ("In section Part 1, questiontype MCA doesn't exists in skill Grammar of your "
                             "question bank.")
    assert error.field == "question_type"


@pytest.mark.parametrize("question_type", ["CODE", "SQL", "CS", "CP", "FES", "TS", "fu"])
def test_e706_for_the_types_mettl_names_that_the_bank_holds_no_items_of(admin, questions, question_type):
    error = rejected(admin, definition(section("Part 1", rule("Grammar", question_type=question_type))), "E706")
    assert error.message == (f"In section Part 1, questiontype {question_type.upper()} doesn't exists in skill "
                             "Grammar of your question bank.")


def test_e707_the_difficulty_must_exist_in_the_skill(admin, questions):
    error = rejected(admin, definition(section("Part 1", rule("Grammar", "DIFFICULT"))), "E707")
    assert error.message == ("In section Part 1, difficulty level DIFFICULT of skill Grammar doesn't exists in "
                             "your question bank.")
    assert error.field == "difficulty"


def test_e708_no_more_questions_than_the_bank_holds(admin, questions):
    error = rejected(admin, definition(section("Part 1", rule("Grammar", "EASY", 7))), "E708")
    assert error.message == ("In section Part 1, no of questions in skill Grammar, difficulty level EASY, "
                             "questiontype AllType exceeds that in your question bank (6 available).")
    assert error.field == "question_count"


def test_e708_counts_only_questions_of_the_type_and_level(admin, questions):
    error = rejected(admin, definition(section("Part 1", rule("Grammar", "EASY", 3, question_type="MCQ",
                                                               cefr_level="A1"))), "E708")
    assert "skill Grammar, difficulty level EASY, questiontype MCQ, level A1 exceeds" in error.message
    assert "(2 available)" in error.message
    assert create_assessment(admin, definition(section("Part 1", rule("Grammar", "EASY", 2, question_type="MCQ",
                                                                      cefr_level="A1"))))


def test_e708_retired_questions_are_not_drawn(admin, questions):
    for question_id in questions["grammar_medium_mcq"][:2]:
        bank.retire_question(admin, question_id)
    error = rejected(admin, definition(section("Part 1", rule("Grammar", "MEDIUM", 2))), "E708")
    assert "(1 available)" in error.message


def test_e709_rules_of_two_sections_that_can_draw_the_same_question(admin, questions):
    data = definition(section("Part 1", rule("Grammar", "EASY", 1)),
                      section("Part 2", rule("Grammar", "EASY", 1, question_type="MCQ")))
    error = rejected(admin, data, "E709")
    assert error.message.startswith("Overlap in section Part 1 and Section Part 2")


def test_rules_of_other_types_levels_or_difficulties_do_not_overlap(admin, questions):
    created = create_assessment(admin, definition(
        section("Part 1", rule("Grammar", "EASY", 1, question_type="MCQ", cefr_level="A1")),
        section("Part 2", rule("Grammar", "EASY", 1, question_type="MCQ", cefr_level="A2")),
        section("Part 3", rule("Grammar", "EASY", 1, question_type="FITB")),
        section("Part 4", rule("Grammar", "MEDIUM", 1)),
    ))
    assert len(created.sections) == 4


def test_e709_a_picked_question_also_matched_by_a_rule_elsewhere(admin, questions):
    data = definition(section("Part 1", rule("Grammar", "EASY", 1, question_type="FITB")),
                      SectionInput(name="Part 2", question_ids=[questions["grammar_easy_fitb"][0]]))
    error = rejected(admin, data, "E709")
    assert error.message.startswith("Overlap in section Part 1 and Section Part 2")


def test_e709_a_question_picked_in_two_sections(admin, questions):
    picked = questions["reading_medium_short"][0]
    data = definition(SectionInput(name="Part 1", question_ids=[picked]),
                      SectionInput(name="Part 2", question_ids=[picked]))
    error = rejected(admin, data, "E709")
    assert error.message.startswith("Overlap in section Part 1 and Section Part 2")


def test_e710_the_skill_has_no_questions(admin, questions):
    error = rejected(admin, definition(section("Part 1", rule("Empty"))), "E710")
    assert error.message == "In section Part 1, there are no questions present in skill Empty."


def test_e710_a_skill_whose_questions_are_all_retired(admin, questions):
    bank.retire_question(admin, questions["reading_difficult_essay"][0])
    for key in ("reading_medium_mca", "reading_medium_short"):
        for question_id in questions[key]:
            bank.retire_question(admin, question_id)
    assert rejected(admin, definition(section("Part 1", rule("Reading", "MEDIUM"))), "E710")


# E789: invalid values ---------------------------------------------------------------------------

@pytest.mark.parametrize("grade", [0, -1, "nan", "inf", "many"])
def test_e789_the_correct_grade_is_above_zero(admin, questions, grade):
    error = rejected(admin, definition(section("Part 1", rule(correct_grade=grade))), "E789")
    if grade == "many":
        assert "grades of Part 1 Grammar EASY AllType must be numbers" in error.message
    else:
        assert error.message == "Invalid grade value for correct grade - Part 1 Grammar EASY AllType, greater than 0."
    assert error.field == "correct_grade"


@pytest.mark.parametrize("grade", [0.5, "nan", "inf"])
def test_e789_the_incorrect_grade_is_at_most_zero(admin, questions, grade):
    error = rejected(admin, definition(section("Part 1", rule(question_type="MCQ", incorrect_grade=grade))), "E789")
    assert error.message == ("Invalid grade value for incorrect grade - Part 1 Grammar EASY MCQ, should be less "
                             "than or equal to 0.")
    assert error.field == "incorrect_grade"


@pytest.mark.parametrize("url", ["ftp://example.com/done", "example.com/done", "https://", "javascript:alert(1)"])
def test_e789_the_exit_redirection_url_is_a_web_address(admin, questions, url):
    error = rejected(admin, definition(exit_redirection_url=url), "E789")
    assert error.message == "Invalid redirection URL"
    assert error.field == "exit_redirection_url"


def test_e789_one_rule_per_skill_and_difficulty_in_a_section(admin, questions):
    data = definition(section("Part 1", rule("Grammar", "EASY", question_type="MCQ"),
                              rule("Grammar", "EASY", question_type="FITB")))
    error = rejected(admin, data, "E789")
    assert error.message == "In section Part 1, same skill with same difficulty level has been added - Grammar EASY"


@pytest.mark.parametrize("count", [0, -2, "some", None])
def test_e789_a_rule_draws_at_least_one_question(admin, questions, count):
    error = rejected(admin, definition(section("Part 1", rule(count=count))), "E789")
    assert "the number of questions of Part 1 Grammar EASY AllType must be at least 1" in error.message
    assert error.field == "question_count"


@pytest.mark.parametrize("changes, field", [
    ({}, "target_level"),
    ({"target_level": "D1", "pass_mark_percent": 60}, "target_level"),
    ({"target_level": "B2"}, "pass_mark_percent"),
    ({"target_level": "B2", "pass_mark_percent": 0}, "pass_mark_percent"),
    ({"target_level": "B2", "pass_mark_percent": 100.5}, "pass_mark_percent"),
    ({"target_level": "B2", "pass_mark_percent": "most"}, "pass_mark_percent"),
])
def test_e789_a_certification_needs_a_target_level_and_a_pass_mark(admin, questions, changes, field):
    error = rejected(admin, definition(kind="certification", **changes), "E789")
    assert error.field == field


def test_a_certification_with_level_and_pass_mark(admin, questions):
    created = create_assessment(admin, definition(kind="certification", target_level="B2", pass_mark_percent="65"))
    assert (created.kind, created.target_level, created.pass_mark_percent) == \
        (AssessmentKind.CERTIFICATION, CefrLevel.B2, 65.0)


@pytest.mark.parametrize("bands", [
    [{"level": "B1", "min_percent": 60}, {"level": "A2", "min_percent": 50}],        # levels going down
    [{"level": "A1", "min_percent": 60}, {"level": "A1", "min_percent": 70}],        # a level twice
    [{"level": "A1", "min_percent": 0}, {"level": "A2", "min_percent": 50}],         # reached without a mark
    [{"level": "A1", "min_percent": 60}, {"level": "A2", "min_percent": 120}],       # beyond 100
    [{"level": "A1", "min_percent": 60}, {"level": "Z9", "min_percent": 50}],        # no such level
    [{"level": "A1", "min_percent": 60}, {"level": "A2", "min_percent": None}],      # no percentage
])
def test_e789_placement_bands_name_each_level_once_with_a_percentage(admin, questions, bands):
    error = rejected(admin, definition(kind="placement", placement_bands=bands), "E789")
    assert error.field == "placement_bands"


def test_a_placement_test_without_bands_gets_the_default_ones(admin, questions):
    created = create_assessment(admin, definition(kind="placement"))
    assert [band["level"] for band in created.placement_bands] == [level.value for level in CefrLevel]
    assert {band["min_percent"] for band in created.placement_bands} == {60.0}


def test_placement_bands_may_give_each_level_its_own_threshold(admin, questions):
    bands = [{"level": "A2", "min_percent": 70}, {"level": "B1", "min_percent": 55.5}]
    assert create_assessment(admin, definition(kind="placement", placement_bands=bands)).placement_bands == bands


@pytest.mark.parametrize("data, message", [
    (definition(kind="adaptive"), "Invalid kind 'adaptive'"),
    (definition(section("Part 1", rule(difficulty="HARD"))), "Invalid difficulty level 'HARD'"),
    (definition(section("Part 1", rule(question_type="ESSAY"))), "Invalid question type 'ESSAY'"),
    (definition(section("Part 1"), section("part 1")), "the section name 'part 1' is used twice"),
    (definition(section("  ")), "every section needs a name"),
])
def test_e789_other_invalid_values(admin, questions, data, message):
    assert message in rejected(admin, data, "E789").message


def test_e789_an_assessment_has_at_least_one_section(admin, questions):
    data = definition()
    data.sections = []
    assert "at least one section" in rejected(admin, data, "E789").message


# A valid definition -----------------------------------------------------------------------------

def test_a_valid_definition_creates_every_row(admin, questions):
    picked = questions["reading_medium_short"] + questions["reading_difficult_essay"]
    created = create_assessment(admin, definition(
        section("Grammar part", rule("Grammar", "EASY", 2, question_type="MCQ", correct_grade=2, incorrect_grade=-0.5),
                rule("Grammar", "MEDIUM", 3, pooling=False), instructions="<p>Go!</p><script>x()</script>",
                all_questions_mandatory=True),
        SectionInput(name="Reading part", question_ids=picked, randomize_questions=True),
        name="  Full test ", duration="45", instructions="<p onclick='x()'>Hello</p>", allow_copy_paste=True,
        exit_redirection_url="https://example.com/done", on_screen_calculator=True,
        registration_fields=[FieldInput("First Name", required=True),
                             FieldInput("Country", "SelectBox", values=["France", " ", "Spain "])],
    ))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Assessment).where(Assessment.id == created.id))
    assert (stored.name, stored.duration_minutes, stored.instructions) == ("Full test", 45, "<p>Hello</p>")
    assert stored.allow_copy_paste and stored.on_screen_calculator and not stored.show_report_to_candidate_on_exit
    assert stored.exit_redirection_url == "https://example.com/done"
    assert stored.created_by_id == admin.id
    first, second = stored.sections
    assert (first.name, first.position, first.instructions, first.all_questions_mandatory) == \
        ("Grammar part", 0, "<p>Go!</p>", True)
    assert (second.name, second.position, second.randomize_questions) == ("Reading part", 1, True)

    rules = db.session.scalars(select(SelectionRule).order_by(SelectionRule.position)).all()
    assert [(r.skill.name, r.difficulty, r.question_type, r.question_count, r.correct_grade, r.incorrect_grade,
             r.pooling) for r in rules] == [
        ("Grammar", Difficulty.EASY, QuestionType.MCQ, 2, 2.0, -0.5, True),
        ("Grammar", Difficulty.MEDIUM, None, 3, 1.0, 0.0, False),
    ]
    assert rules[0].fixed_question_ids == []
    # Without pooling the questions are drawn once, here all three medium ones.
    assert sorted(rules[1].fixed_question_ids) == sorted(questions["grammar_medium_mcq"])
    assert [pick.question_id for pick in second.picks] == picked
    assert db.session.query(SectionQuestion).count() == 2

    fields = db.session.scalars(select(RegistrationField).order_by(RegistrationField.position)).all()
    assert [(f.name, f.field_type, f.required, f.values) for f in fields] == [
        ("Email Address", FieldType.TEXT_BOX, True, []),
        ("First Name", FieldType.TEXT_BOX, True, []),
        ("Country", FieldType.SELECT_BOX, False, ["France", "Spain"]),
    ]


def test_a_new_assessment_asks_email_first_and_last_name(admin, questions):
    created = create_assessment(admin, definition())
    assert [(f.name, f.required) for f in created.registration_fields] == [
        ("Email Address", True), ("First Name", True), ("Last Name", True)]


def test_skill_names_match_without_case(admin, questions):
    created = create_assessment(admin, definition(section("Part 1", rule("grammar", "easy", question_type="mcq"))))
    assert created.sections[0].rules[0].skill.name == "Grammar"
