"""The assessments console through the test client: parsed pages and the rows they write."""
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.assessments.conftest import definition, rule, section
from tests.conftest import log_in
from webapp.assessments import services
from webapp.assessments.models import Assessment, AssessmentKind, Section, SectionQuestion, SelectionRule
from webapp.assessments.services import SectionInput
from webapp.bank.models import CefrLevel, Question
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db

HTMX = {"HX-Request": "true"}


def page(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def texts(soup, selector) -> list[str]:
    return [" ".join(element.get_text(" ", strip=True).split()) for element in soup.select(selector)]


def flashes(soup) -> list[str]:
    return texts(soup, ".flash")


def reloaded(assessment_id) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


@pytest.fixture
def assessment(admin, questions):
    created = services.create_assessment(admin, definition(section("Part 1", rule("Grammar", "EASY", 2))))
    db.session.commit()
    return created


@pytest.fixture
def part(assessment):
    return assessment.sections[0]


def rule_data(section_id, **values) -> dict:
    data = {"skill": "Grammar", "difficulty": "MEDIUM", "question_type": "", "cefr_level": "", "question_count": "2",
            "correct_grade": "1", "incorrect_grade": "0", "pooling": "y"}
    data.update(values)
    return {f"rule-{section_id}-{name}": value for name, value in data.items() if value is not None}


# The list ---------------------------------------------------------------------------------------

def test_the_list_searches_filters_and_pages(admin_client, admin, questions):
    for number in range(1, 28):
        kind = "placement" if number == 5 else "standard"
        services.create_assessment(admin, definition(name=f"English {number:02}", kind=kind))
    services.create_assessment(admin, definition(section("A", rule(count=2)), SectionInput(
        name="B", question_ids=questions["reading_difficult_essay"]), name="Writing", duration=45))
    db.session.commit()

    soup = page(admin_client.get("/assessments"))
    assert texts(soup, "thead th") == ["Name", "Kind", "Duration", "Sections", "Questions", "Max marks", "Created"]
    first = texts(soup, "tbody tr")[0]
    assert first.startswith("Writing Standard test 45 min 2 3 7 ")   # 2 drawn x 1 mark + an essay of 5
    assert len(soup.select("tbody tr")) == 25
    assert "Page 1 of 2 (28 in all)" in soup.select_one(".pagination").get_text()
    assert soup.select_one("a[rel=next]")["href"] == "/assessments?page=2"
    assert soup.select_one("a[href='/assessments/new']")

    soup = page(admin_client.get("/assessments?text=english&page=2"))
    assert len(soup.select("tbody tr")) == 2
    soup = page(admin_client.get("/assessments?kind=placement"))
    assert [row.a.get_text() for row in soup.select("tbody tr")] == ["English 05"]
    soup = page(admin_client.get("/assessments?text=nothing-like-this"))
    assert "No assessment matches these filters." in soup.get_text()
    # A made-up kind is ignored rather than an error.
    assert len(page(admin_client.get("/assessments?kind=adaptive")).select("tbody tr")) == 25


def test_htmx_search_gets_only_the_table(admin_client, assessment):
    body = admin_client.get("/assessments?text=english", headers=HTMX).get_data(as_text=True)
    assert "<html" not in body
    assert BeautifulSoup(body, "html.parser").select_one("tbody a").get_text() == "English test"


# Creating ---------------------------------------------------------------------------------------

def test_the_new_form_offers_every_setting(admin_client):
    soup = page(admin_client.get("/assessments/new"))
    assert [o["value"] for o in soup.select("select[name=kind] option")] == ["standard", "placement", "certification"]
    for name in ("name", "duration", "instructions", "allow_copy_paste", "exit_redirection_url",
                 "show_report_to_candidate_on_exit", "on_screen_calculator", "target_level", "pass_mark_percent"):
        assert soup.select_one(f"[name={name}]"), name
    assert soup.select_one("input[name=section_name]")["value"] == "Section 1"
    bands = [(row.select_one("select option[selected]")["value"], row.select_one("input")["value"])
             for row in soup.select("#band-rows [data-row]")]
    assert bands == [(band["level"], str(band["min_percent"])) for band in services.default_placement_bands()]
    # CSS selectors do not enter a <template>, where app.js finds the row it clones.
    template = soup.find("template", id="band-row-template")
    assert template.find("select", attrs={"name": "placement_bands-__index__-level"})


def test_create_a_certification_through_the_form(admin_client, admin):
    response = admin_client.post("/assessments/new", data={
        "name": "English B2 certificate", "kind": "certification", "duration": "60", "target_level": "B2",
        "pass_mark_percent": "65", "instructions": "<p>Good luck</p><script>x()</script>", "allow_copy_paste": "y",
        "exit_redirection_url": "https://example.com/bye", "on_screen_calculator": "y", "section_name": "Grammar",
        "placement_bands-0-level": "Pre-A1", "placement_bands-0-min_percent": "0",
    })
    created = db.session.scalar(select(Assessment))
    assert response.headers["Location"] == f"/assessments/{created.id}"
    assert (created.name, created.kind, created.duration_minutes, created.target_level, created.pass_mark_percent) == \
        ("English B2 certificate", AssessmentKind.CERTIFICATION, 60, CefrLevel.B2, 65.0)
    assert (created.allow_copy_paste, created.on_screen_calculator, created.show_report_to_candidate_on_exit) == \
        (True, True, False)
    assert (created.instructions, created.exit_redirection_url, created.placement_bands) == \
        ("<p>Good luck</p>", "https://example.com/bye", [])
    assert [s.name for s in created.sections] == ["Grammar"]
    assert created.created_by_id == admin.id
    soup = page(admin_client.get(response.headers["Location"]))
    assert "English B2 certificate is created." in flashes(soup)[0]
    assert "Pass 65 % at level B2" in texts(soup, "#assessment-summary dl")[0]


def test_create_a_placement_test_with_edited_levels(admin_client):
    admin_client.post("/assessments/new", data={
        "name": "Placement", "kind": "placement", "duration": "40", "section_name": "Section 1",
        "placement_bands-0-level": "A1", "placement_bands-0-min_percent": "40",
        "placement_bands-3-level": "B1", "placement_bands-3-min_percent": "50",
        "placement_bands-4-level": "", "placement_bands-4-min_percent": "",       # an empty row is dropped
    })
    created = db.session.scalar(select(Assessment))
    assert created.placement_bands == [{"level": "A1", "min_percent": 40.0}, {"level": "B1", "min_percent": 50.0}]


def test_a_broken_rule_is_shown_on_its_field_and_the_typed_values_stay(admin_client, assessment):
    response = admin_client.post("/assessments/new", data={
        "name": "ENGLISH TEST", "kind": "standard", "duration": "25", "section_name": "Part A",
        "instructions": "<p>Typed</p>"})
    soup = page(response)
    name = soup.select_one("input[name=name]")
    assert name["value"] == "ENGLISH TEST" and name["aria-invalid"] == "true"
    assert texts(soup, "#name-error") == ["E701: Invalid assessment name provided: an assessment named "
                                          "'ENGLISH TEST' already exists."]
    assert soup.select_one("input[name=duration]")["value"] == "25"
    assert soup.select_one("textarea[name=instructions]").get_text().strip() == "<p>Typed</p>"
    assert soup.select_one("input[name=section_name]")["value"] == "Part A"

    soup = page(admin_client.post("/assessments/new", data={
        "name": "Untimed", "kind": "standard", "section_name": "Part A"}))
    assert texts(soup, "#duration-error") == ["E704: Missing assessment duration as all sections are un-timed."]
    soup = page(admin_client.post("/assessments/new", data={
        "name": "Bad bands", "kind": "placement", "duration": "20", "section_name": "A",
        "placement_bands-0-level": "B1", "placement_bands-0-min_percent": "110"}))
    assert "E789: Invalid value provided: a level's minimum is a percentage above 0, at most 100." in flashes(soup)
    assert db.session.query(Assessment).count() == 1


def test_band_rows_are_added_and_removed_without_javascript(admin_client):
    data = {"name": "Rows", "kind": "placement", "duration": "20", "section_name": "A",
            "placement_bands-0-level": "A1", "placement_bands-0-min_percent": "40",
            "placement_bands-1-level": "B1", "placement_bands-1-min_percent": "50"}
    soup = page(admin_client.post("/assessments/new", data={**data, "add_row": "1"}))
    assert len(soup.select("#band-rows [data-row]")) == 3
    soup = page(admin_client.post("/assessments/new", data={**data, "remove_row": "placement_bands-0"}))
    assert [row.select_one("input")["value"] for row in soup.select("#band-rows [data-row]")] == ["50"]
    assert db.session.query(Assessment).count() == 0


# Settings ---------------------------------------------------------------------------------------

def test_edit_the_settings(admin_client, assessment):
    soup = page(admin_client.get(f"/assessments/{assessment.id}/settings"))
    assert soup.select_one("input[name=name]")["value"] == "English test"
    assert soup.select_one("input[name=duration]")["value"] == "30"
    assert not soup.select_one("input[name=section_name]")
    response = admin_client.post(f"/assessments/{assessment.id}/settings", data={
        "name": "English test v2", "kind": "standard", "duration": "35", "show_report_to_candidate_on_exit": "y"})
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    stored = reloaded(assessment.id)
    assert (stored.name, stored.duration_minutes, stored.show_report_to_candidate_on_exit) == \
        ("English test v2", 35, True)


def test_a_certifications_validity_is_set_in_the_settings(admin_client, assessment):
    data = {"name": "English test", "kind": "certification", "duration": "30", "target_level": "B2",
            "pass_mark_percent": "60"}
    refused = page(admin_client.post(f"/assessments/{assessment.id}/settings",
                                     data={**data, "certificate_validity_months": "0"}))
    assert "the validity is 1 to 1200 months" in refused.select_one("input[name=certificate_validity_months]") \
        .find_parent("div").get_text()
    response = admin_client.post(f"/assessments/{assessment.id}/settings", data={**data, "certificate_validity_months": "24"})
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    assert reloaded(assessment.id).certificate_validity_months == 24
    soup = page(admin_client.get(f"/assessments/{assessment.id}"))
    assert soup.select_one("[data-certificate-validity]").get_text(strip=True) == \
        "valid for 24 months from the day of issue"
    assert page(admin_client.get(f"/assessments/{assessment.id}/settings")).select_one(
        "input[name=certificate_validity_months]")["value"] == "24"


def test_with_timed_sections_the_duration_is_derived_and_says_so(admin_client, assessment, part):
    response = admin_client.post(f"/assessments/{assessment.id}/timing", data={
        "timing-sections-0-section_id": str(part.id), "timing-sections-0-duration": "20"})
    assert response.status_code == 302
    assert reloaded(assessment.id).duration_minutes == 20
    soup = page(admin_client.get(f"/assessments/{assessment.id}/settings"))
    duration = soup.select_one("input[name=duration]")
    assert duration.has_attr("readonly") and duration["value"] == "20"
    assert "the duration is their sum" in duration.find_parent("div").get_text()
    soup = page(admin_client.get(f"/assessments/{assessment.id}"))
    assert "20 min (the sum of the timed sections)" in texts(soup, "#assessment-summary dd")[1]
    assert "timed: 20 min" in texts(soup, f"#section-{part.id} header")[0]


def test_timing_some_sections_only_is_shown_as_e703(admin_client, admin, assessment, part):
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    db.session.commit()
    soup = page(admin_client.post(f"/assessments/{assessment.id}/timing", data={
        "timing-sections-0-section_id": str(part.id), "timing-sections-0-duration": "20",
        "timing-sections-1-section_id": str(assessment.sections[1].id), "timing-sections-1-duration": ""}))
    timing = soup.select_one("#timing")
    assert timing.has_attr("open")
    assert texts(timing, ".flash-error") == ["E703: Invalid section durations - provide all or none of the section "
                                             "durations for timed/un-timed sections."]
    assert timing.select_one("input[name='timing-sections-0-duration']")["value"] == "20"
    assert [s.duration_minutes for s in reloaded(assessment.id).sections] == [None, None]


# The builder: sections --------------------------------------------------------------------------

def test_the_builder_shows_settings_sections_rules_and_picks(admin_client, admin, assessment, part, questions):
    services.pick_questions(admin, assessment.id, part.id, questions["reading_medium_short"])
    db.session.commit()
    soup = page(admin_client.get(f"/assessments/{assessment.id}"))
    assert soup.h1.get_text() == "English test"
    card = soup.select_one(f"#section-{part.id}")
    assert card.h3.get_text() == "1. Part 1"
    assert texts(card, "table.rules tbody tr") == ["Grammar Easy All types Any level 2 1 0 per candidate 6 Remove"]
    assert texts(card, "table.picks tbody td")[:3] == ["Where does Anna live?", "Short answer", "1"]
    assert card.select_one(f"a[href='/assessments/{assessment.id}/sections/{part.id}/pick']")
    assert [o.get_text() for o in card.select(f"select[name=rule-{part.id}-skill] option")] == \
        ["Empty", "Grammar", "Reading"]
    assert card.select_one(f"select[name=rule-{part.id}-question_type] option").get_text() == "All types"
    assert soup.select_one(f"form[action='/assessments/{assessment.id}/delete'] button")["data-confirm"]


def test_the_builder_costs_the_same_statements_for_one_rule_or_four(admin_client, admin, assessment, part, questions,
                                                                      statements):
    """No statement per section, rule, skill or picked question."""
    def builder_statements():
        db.session.expire_all()
        statements.clear()
        soup = page(admin_client.get(f"/assessments/{assessment.id}"))
        return len(statements), texts(soup, "table.rules tbody tr td:nth-of-type(9)"), len(soup.select("table.picks tbody tr"))

    services.pick_questions(admin, assessment.id, part.id, questions["reading_difficult_essay"])
    db.session.commit()
    one = builder_statements()
    assert one[1:] == (["6"], 1)
    second = services.add_section(admin, assessment.id, SectionInput(name="Part 2")).sections[-1]
    third = services.add_section(admin, assessment.id, SectionInput(name="Part 3")).sections[-1]
    services.add_rule(admin, assessment.id, part.id, rule("Grammar", "MEDIUM"))
    services.add_rule(admin, assessment.id, second.id, rule("Reading", "MEDIUM", question_type="MCA"))
    services.add_rule(admin, assessment.id, third.id, rule("Reading", "MEDIUM", question_type="SHORT_ANSWER"))
    db.session.commit()
    many = builder_statements()
    assert many[1:] == (["6", "3", "2", "1"], 1)
    assert many[0] == one[0], (one, many)


def test_add_a_section(admin_client, assessment):
    response = admin_client.post(f"/assessments/{assessment.id}/sections", data={
        "section-name": "Reading", "section-instructions": "<p>Read carefully</p>",
        "section-randomize_questions": "y"})
    added = db.session.scalar(select(Section).where(Section.name == "Reading"))
    assert response.headers["Location"] == f"/assessments/{assessment.id}#section-{added.id}"
    assert (added.position, added.randomize_questions, added.instructions) == (1, True, "<p>Read carefully</p>")
    soup = page(admin_client.get(f"/assessments/{assessment.id}"))
    assert "Section Reading is added." in flashes(soup)
    assert soup.select_one(f"#section-{added.id} .instructions p").get_text() == "Read carefully"


def test_a_refused_section_keeps_what_was_typed(admin_client, assessment):
    soup = page(admin_client.post(f"/assessments/{assessment.id}/sections", data={
        "section-name": "part 1", "section-instructions": "Typed"}))
    form = soup.select_one("#add-section")
    assert texts(form, ".field-error") == ["E789: Invalid value provided: the section name 'part 1' is used twice."]
    assert form.select_one("input[name=section-name]")["value"] == "part 1"
    assert form.select_one("textarea[name=section-instructions]").get_text().strip() == "Typed"
    assert db.session.query(Section).count() == 1


def test_edit_move_and_delete_sections(admin_client, admin, assessment, part):
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    db.session.commit()
    second = assessment.sections[1]
    soup = page(admin_client.get(f"/assessments/{assessment.id}/sections/{part.id}/edit"))
    assert soup.select_one("input[name=name]")["value"] == "Part 1"
    admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/edit", data={
        "name": "Grammar", "all_questions_mandatory": "y", "instructions": "<p>All of them</p>"})
    move = f"/assessments/{assessment.id}/sections/{second.id}/move"
    assert admin_client.post(move + "?direction=up").status_code == 302
    assert admin_client.post(move + "?direction=left").status_code == 400
    assert [(s.name, s.all_questions_mandatory) for s in reloaded(assessment.id).sections] == \
        [("Part 2", False), ("Grammar", True)]
    soup = page(admin_client.get(f"/assessments/{assessment.id}"))
    first_card = soup.select("article.section-card")[0]
    assert "Move up" not in first_card.get_text() and "Move down" in first_card.get_text()
    assert first_card.select_one(f"form[action$='/sections/{second.id}/delete'] button")["data-confirm"]

    response = admin_client.post(f"/assessments/{assessment.id}/sections/{second.id}/delete")
    assert "Section Part 2 is deleted." in flashes(page(admin_client.get(response.headers["Location"])))
    assert [s.name for s in reloaded(assessment.id).sections] == ["Grammar"]
    # The last section stays: the rule is a flash on the builder.
    response = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/delete",
                                 headers={"Referer": f"http://localhost/assessments/{assessment.id}"})
    assert "at least one section" in flashes(page(admin_client.get(response.headers["Location"])))[0]
    assert len(reloaded(assessment.id).sections) == 1


# The builder: rules -----------------------------------------------------------------------------

def test_add_a_rule(admin_client, assessment, part):
    response = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules", data=rule_data(
        part.id, question_type="MCQ", cefr_level="B1", correct_grade="2.5", incorrect_grade="-0.5", pooling=None))
    assert response.headers["Location"] == f"/assessments/{assessment.id}#section-{part.id}"
    added = db.session.scalars(select(SelectionRule).order_by(SelectionRule.position)).all()[1]
    assert (added.skill.name, added.difficulty.value, added.question_type.value, added.cefr_level.value,
            added.question_count, added.correct_grade, added.incorrect_grade, added.pooling) == \
        ("Grammar", "MEDIUM", "MCQ", "B1", 2, 2.5, -0.5, False)
    assert len(added.fixed_question_ids) == 2
    soup = page(admin_client.get(response.headers["Location"]))
    assert texts(soup, f"#section-{part.id} table.rules tbody tr")[1] == \
        "Grammar Medium Multiple choice (one answer) B1 2 2.5 -0.5 same for all 3 Remove"


def test_e708_is_shown_next_to_the_count_with_the_typed_values(admin_client, assessment, part):
    soup = page(admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules", data=rule_data(
        part.id, question_count="50", correct_grade="3")))
    card = soup.select_one(f"#section-{part.id}")
    count = card.select_one(f"input[name=rule-{part.id}-question_count]")
    assert count["value"] == "50" and count["aria-invalid"] == "true"
    assert texts(card, f"#rule-{part.id}-question_count-error") == [
        "E708: In section Part 1, no of questions in skill Grammar, difficulty level MEDIUM, questiontype AllType "
        "exceeds that in your question bank (3 available)."]
    assert card.select_one(f"select[name=rule-{part.id}-skill] option[selected]")["value"] == "Grammar"
    assert card.select_one(f"select[name=rule-{part.id}-difficulty] option[selected]")["value"] == "MEDIUM"
    assert card.select_one(f"input[name=rule-{part.id}-correct_grade]")["value"] == "3"
    assert card.select_one("details.rule-form").has_attr("open")
    # Only this section's form holds the error; the page around it is the whole builder.
    assert len(soup.select(".field-error")) == 1 and soup.select_one("#add-section")
    assert db.session.query(SelectionRule).count() == 1


def test_an_overlap_is_shown_on_the_rule_form(admin_client, admin, assessment):
    services.add_section(admin, assessment.id, SectionInput(name="Part 2"))
    db.session.commit()
    second = assessment.sections[1]
    soup = page(admin_client.post(f"/assessments/{assessment.id}/sections/{second.id}/rules", data=rule_data(
        second.id, difficulty="EASY", question_type="FITB", question_count="1")))
    assert texts(soup.select_one(f"#section-{second.id}"), ".flash-error") == [
        "E709: Overlap in section Part 1 and Section Part 2 Questions in some sections are overlapping, might lead "
        "to occurrence of same question more than once."]


def test_with_htmx_a_rule_swaps_the_section_card(admin_client, assessment, part):
    body = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules",
                             data=rule_data(part.id), headers=HTMX).get_data(as_text=True)
    assert "<html" not in body
    soup = BeautifulSoup(body, "html.parser")
    card = soup.select_one(f"article#section-{part.id}")
    assert len(card.select("table.rules tbody tr")) == 2
    assert "2 questions of Grammar are added to Part 1." in texts(card, ".flash-success")
    assert soup.select_one("#assessment-summary")["hx-swap-oob"] == "true"
    assert "4 in 1 section" in soup.select_one("#assessment-summary").get_text(" ", strip=True)

    failed = BeautifulSoup(admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules", data=rule_data(
        part.id, skill="Empty"), headers=HTMX).get_data(as_text=True), "html.parser")
    assert texts(failed, f"#rule-{part.id}-skill-error") == [
        "E710: In section Part 1, there are no questions present in skill Empty."]
    assert db.session.query(SelectionRule).count() == 2


def test_remove_a_rule_with_and_without_htmx(admin_client, assessment, part):
    admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules", data=rule_data(part.id))
    first, second = db.session.scalars(select(SelectionRule).order_by(SelectionRule.position)).all()
    response = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules/{first.id}/delete")
    assert response.headers["Location"] == f"/assessments/{assessment.id}#section-{part.id}"
    body = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules/{second.id}/delete",
                             headers=HTMX).get_data(as_text=True)
    assert "No selection rules." in BeautifulSoup(body, "html.parser").select_one(f"#section-{part.id}").get_text()
    assert db.session.query(SelectionRule).count() == 0


def test_the_available_hint_counts_matching_questions(admin_client, assessment, part):
    url = f"/assessments/{assessment.id}/sections/{part.id}/rules/available"
    hint = admin_client.get(url, query_string=rule_data(part.id, difficulty="EASY", question_type="MCQ"))
    assert hint.get_data(as_text=True).strip() == "4 matching questions in your bank."
    hint = admin_client.get(url, query_string=rule_data(part.id, difficulty="EASY", question_type="MCQ",
                                                         cefr_level="A2"))
    assert hint.get_data(as_text=True).strip() == "1 matching question in your bank."
    hint = admin_client.get(url, query_string=rule_data(part.id, skill="Physics"))
    assert hint.get_data(as_text=True).strip() == "Choose a skill to see how many questions match."


# The builder: hand-picked questions -------------------------------------------------------------

def test_pick_questions_from_the_bank(admin_client, assessment, part, questions):
    url = f"/assessments/{assessment.id}/sections/{part.id}/pick"
    soup = page(admin_client.get(url, query_string={"type": "MCA"}))
    offered = sorted(int(box["value"]) for box in soup.select("input[name=question_ids]"))
    assert offered == questions["reading_medium_mca"]
    soup = page(admin_client.get(url, query_string={"text": "anna", "skill_id": str(
        db.session.get(Question, questions["reading_medium_short"][0]).skill_id)}))
    assert texts(soup, "tbody label") == ["Where does Anna live?"]
    soup = page(admin_client.get(url, query_string={"difficulty": "MEDIUM", "level": "B1", "skill_id": "not-a-skill"}))
    assert len(soup.select("input[name=question_ids]")) == 3

    chosen = questions["reading_medium_mca"] + questions["reading_medium_short"]
    response = admin_client.post(url, data={"question_ids": [str(q) for q in chosen]})
    assert response.headers["Location"] == f"/assessments/{assessment.id}#section-{part.id}"
    assert [p.question_id for p in db.session.scalars(select(SectionQuestion).order_by(SectionQuestion.position))] \
        == chosen
    soup = page(admin_client.get(response.headers["Location"]))
    assert "3 questions are added to Part 1." in flashes(soup)
    assert texts(soup, f"#section-{part.id} table.picks tbody td:first-child") == [
        "Reading 1: which are true?", "Reading 2: which are true?", "Where does Anna live?"]
    soup = page(admin_client.get(url, query_string={"type": "MCA"}))
    assert all(box.has_attr("disabled") for box in soup.select("input[name=question_ids]"))
    assert "already in Part 1" in soup.select_one("tbody").get_text()


def test_a_refused_pick_keeps_the_ticks(admin_client, assessment, part, questions):
    url = f"/assessments/{assessment.id}/sections/{part.id}/pick"
    overlapping = questions["grammar_easy_mcq"][0]
    soup = page(admin_client.post(url + "?skill_id=&type=MCQ", data={
        "question_ids": [str(overlapping), str(questions["grammar_medium_mcq"][0])]}))
    assert texts(soup, ".flash-error")[0].startswith("E709: Overlap in section Part 1 and Section Part 1")
    ticked = sorted(int(box["value"]) for box in soup.select("input[name=question_ids][checked]"))
    assert ticked == sorted([overlapping, questions["grammar_medium_mcq"][0]])
    assert db.session.query(SectionQuestion).count() == 0
    soup = page(admin_client.post(url, data={}))
    assert "Tick at least one question." in texts(soup, ".flash-error")


def test_remove_a_picked_question(admin_client, admin, assessment, part, questions):
    services.pick_questions(admin, assessment.id, part.id, questions["reading_medium_mca"])
    db.session.commit()
    first, second = questions["reading_medium_mca"]
    admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/questions/{first}/remove")
    body = admin_client.post(f"/assessments/{assessment.id}/sections/{part.id}/questions/{second}/remove",
                             headers=HTMX).get_data(as_text=True)
    assert "No hand-picked questions." in body
    assert db.session.query(SectionQuestion).count() == 0


# Registration fields ----------------------------------------------------------------------------

def test_the_fields_page_saves_custom_fields(admin_client, assessment):
    url = f"/assessments/{assessment.id}/fields"
    soup = page(admin_client.get(url))
    email = soup.select("form fieldset.field-row")[0]
    assert email.select_one("input")["value"] == "Email Address" and email.select_one("input").has_attr("readonly")
    assert not email.select("[data-remove-row]")
    assert [i["value"] for i in soup.select("#field-rows input[name$='-name']")] == ["First Name", "Last Name"]

    response = admin_client.post(url, data={
        "registration_fields-0-name": "First Name", "registration_fields-0-field_type": "TextBox",
        "registration_fields-0-required": "y",
        "registration_fields-2-name": "Level", "registration_fields-2-field_type": "SelectBox",
        "registration_fields-2-values": "A1\r\nA2\r\n\r\nB1 ",
        "registration_fields-3-name": "", "registration_fields-3-field_type": "TextBox",
    })
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    fields = reloaded(assessment.id).registration_fields
    assert [(f.name, f.field_type.value, f.required, f.values) for f in fields] == [
        ("Email Address", "TextBox", True, []), ("First Name", "TextBox", True, []),
        ("Level", "SelectBox", False, ["A1", "A2", "B1"])]
    soup = page(admin_client.get(url))
    assert soup.select_one("textarea[name='registration_fields-1-values']").get_text().strip() == "A1\nA2\nB1"


def test_field_rows_without_javascript_and_a_refused_field(admin_client, assessment):
    url = f"/assessments/{assessment.id}/fields"
    rows = {"registration_fields-0-name": "Company", "registration_fields-0-field_type": "TextBox",
            "registration_fields-1-name": "Gender", "registration_fields-1-field_type": "SelectBox"}
    soup = page(admin_client.post(url, data={**rows, "add_row": "1"}))
    assert len(soup.select("#field-rows [data-row]")) == 3
    soup = page(admin_client.post(url, data={**rows, "remove_row": "registration_fields-0"}))
    assert [i["value"] for i in soup.select("#field-rows input[name$='-name']")] == ["Gender"]
    soup = page(admin_client.post(url, data=rows))
    assert "E789: Invalid value provided: the choice field 'Gender' needs its choices." in texts(soup, ".flash-error")
    assert [i["value"] for i in soup.select("#field-rows input[name$='-name']")] == ["Company", "Gender"]
    assert [f.name for f in reloaded(assessment.id).registration_fields] == ["Email Address", "First Name", "Last Name"]


# Preview ----------------------------------------------------------------------------------------

@pytest.fixture
def every_type(admin, questions):
    """An assessment with one question of each type, in a known order."""
    picked = [questions[key][0] for key in ("grammar_easy_mcq", "reading_medium_mca", "grammar_easy_fitb",
                                             "reading_medium_short", "reading_difficult_essay")]
    created = services.create_assessment(admin, definition(
        SectionInput(name="Everything", question_ids=picked, duration=20, instructions="<p>Section notes</p>"),
        name="Every type", duration=None, instructions="<p>Read this first</p>"))
    db.session.commit()
    return created


def test_the_preview_shows_every_question_type_as_a_candidate_sees_it(admin_client, every_type):
    soup = page(admin_client.get(f"/assessments/{every_type.id}/preview"))
    main = soup.select_one("main")
    assert main.select_one(".paper-intro .instructions p").get_text() == "Read this first"
    assert "Time: 20 minutes." in main.select_one(".paper-intro").get_text()
    part = main.select_one(".paper-section")
    assert part.h2.get_text() == "Everything"
    assert "20 minutes for this section." in part.get_text()
    assert part.select_one(".instructions").get_text() == "Section notes"
    mcq, mca, fitb, short, essay = part.select("article.paper-question")
    assert [item.select_one(".number").get_text() for item in (mcq, mca, fitb, short, essay)] == \
        ["1.", "2.", "3.", "4.", "5."]
    assert [i["type"] for i in mcq.select("input")] == ["radio"] * 3
    assert [i["type"] for i in mca.select("input")] == ["checkbox"] * 3
    blanks = fitb.select(".question-stem input.blank")
    assert len(blanks) == 2 and "[[" not in fitb.get_text()
    assert fitb.select_one(".question-stem").get_text(" ", strip=True).startswith("Fill 1: we")
    assert short.select_one("input[type=text]") and essay.select_one("textarea")
    # A preview cannot be answered or submitted, and shows no key.
    assert all(control.has_attr("disabled") for control in main.select("input, textarea, select"))
    assert not main.select("button[type=submit], input[type=submit]")
    assert not main.select(".answer-key, .marks, .key")
    assert main.select_one(f"a[href='/assessments/{every_type.id}/preview']").get_text() == "Draw another sample"


def test_the_answer_key_is_shown_on_request(admin_client, every_type):
    soup = page(admin_client.get(f"/assessments/{every_type.id}/preview?key=1&seed=42"))
    assert soup.select_one(".seed").get_text() == "42"
    mcq, mca, fitb, short, essay = soup.select("article.paper-question")
    assert texts(mcq, "label.correct") == ["is (correct)"]
    assert texts(mca, "label.correct") == ["first (correct)", "second (correct)"]
    forgiving = ("Ignores capitals, extra spaces, curly or straight quotes, look-alike characters and punctuation"
                 " at the end; reads numbers as numbers (8,40 is 8.40).")
    assert texts(fitb, ".answer-key p") == ["Key: [[1]] went; [[2]] ate / had", f"[[1]] {forgiving}",
                                            f"[[2]] {forgiving}"]
    assert texts(short, ".answer-key p") == ["Key: Paris", forgiving]
    assert texts(essay, ".answer-key") == ["Key: graded by hand Look for linking words."]
    assert texts(essay, ".marks")[0].startswith("5 marks")
    hide = soup.select_one(f"a[href='/assessments/{every_type.id}/preview?seed=42']")
    assert hide.get_text() == "Hide the answer key"


def test_a_seed_draws_the_same_sample_again(admin_client, admin, questions):
    drawn = services.create_assessment(admin, definition(
        section("Drawn", rule("Grammar", "EASY", 3), randomize_questions=True)))
    db.session.commit()
    stems = lambda seed: texts(page(admin_client.get(f"/assessments/{drawn.id}/preview?seed={seed}")),  # noqa: E731
                               ".question-stem")
    assert stems(5) == stems(5)
    assert len({tuple(stems(seed)) for seed in range(1, 8)}) > 1


def test_proctors_preview_without_the_key(client, factory, admin, every_type):
    log_in(client, factory.staff(admin.institute, "proctor"))
    soup = page(client.get(f"/assessments/{every_type.id}/preview"))
    assert len(soup.select("article.paper-question")) == 5
    assert "Show the answer key" not in soup.get_text()
    assert client.get(f"/assessments/{every_type.id}/preview?key=1").status_code == 403


# Catalogue --------------------------------------------------------------------------------------

def test_add_a_catalogue_test_from_its_card(admin_client):
    soup = page(admin_client.get("/assessments/catalogue"))
    card = soup.select_one("#test-english-placement")
    assert card.h2.get_text() == "Proctora English Placement Test"
    assert card.select(".description p")   # our own HTML, rendered
    assert "50 minutes" in card.get_text() and "Grammar, Reading, Vocabulary, Writing" in card.get_text()
    assert card.select_one("form[action='/assessments/catalogue/english-placement/add'] button").get_text() == \
        "Add to my account"

    response = admin_client.post("/assessments/catalogue/english-placement/add")
    added = db.session.scalar(select(Assessment))
    assert response.headers["Location"] == f"/assessments/{added.id}"
    assert added.catalogue_slug == "english-placement" and len(added.sections) == 3
    soup = page(admin_client.get(response.headers["Location"]))
    assert "is now in your account" in flashes(soup)[0]

    card = page(admin_client.get("/assessments/catalogue")).select_one("#test-english-placement")
    assert "In your account" in card.get_text() and not card.select("form")
    assert card.select_one(f"a[href='/assessments/{added.id}']")
    again = admin_client.post("/assessments/catalogue/english-placement/add",
                              headers={"Referer": "/assessments/catalogue"})
    assert "already in your account" in flashes(page(admin_client.get(again.headers["Location"])))[0]
    assert db.session.query(Assessment).count() == 1


# Deleting, read-only roles ----------------------------------------------------------------------

def test_delete_an_assessment(admin_client, assessment):
    response = admin_client.post(f"/assessments/{assessment.id}/delete")
    assert response.headers["Location"] == "/assessments"
    assert "English test is deleted." in flashes(page(admin_client.get("/assessments")))
    assert db.session.query(Assessment).count() == 0


@pytest.mark.parametrize("role", ["support", "proctor"])
def test_support_and_proctors_see_everything_read_only(client, factory, admin, assessment, part, questions, role):
    services.pick_questions(admin, assessment.id, part.id, questions["reading_medium_short"])
    db.session.commit()
    log_in(client, factory.staff(admin.institute, role))
    soup = page(client.get("/assessments"))
    assert [a.get_text() for a in soup.select("tbody a")] == ["English test"]
    assert not soup.select_one("a[href='/assessments/new']")
    soup = page(client.get(f"/assessments/{assessment.id}"))
    main = soup.select_one("main")
    assert texts(main, "table.rules tbody tr") == ["Grammar Easy All types Any level 2 1 0 per candidate 6"]
    assert "Where does Anna live?" in main.get_text()
    assert not main.select("form") and "Edit the settings" not in main.get_text()
    soup = page(client.get(f"/assessments/{assessment.id}/fields"))
    assert texts(soup, "main tbody td:first-child") == ["Email Address", "First Name", "Last Name"]
    assert not soup.select("main form")
    catalogue_page = page(client.get("/assessments/catalogue"))
    assert catalogue_page.select(".catalogue-test") and not catalogue_page.select("main form")

    for url in ["/assessments/new", f"/assessments/{assessment.id}/settings",
                f"/assessments/{assessment.id}/sections/{part.id}/edit",
                f"/assessments/{assessment.id}/sections/{part.id}/pick"]:
        assert client.get(url).status_code == 403, url
    for url in [f"/assessments/{assessment.id}/delete", f"/assessments/{assessment.id}/sections",
                f"/assessments/{assessment.id}/fields", f"/assessments/{assessment.id}/timing",
                f"/assessments/{assessment.id}/sections/{part.id}/rules",
                f"/assessments/{assessment.id}/sections/{part.id}/move?direction=down",
                "/assessments/catalogue/general-aptitude/add"]:
        assert client.post(url, data={}).status_code == 403, url
    assert db.session.query(Assessment).count() == 1


def test_another_institutes_assessment_is_not_found(client, factory, assessment, part):
    log_in(client, factory.institute("Rival Academy")[1])
    assert client.get(f"/assessments/{assessment.id}").status_code == 404
    assert client.get(f"/assessments/{assessment.id}/preview").status_code == 404
    assert client.post(f"/assessments/{assessment.id}/sections/{part.id}/rules", data={}).status_code == 404
    assert page(client.get("/assessments")).select("tbody tr") == []


def test_a_section_of_another_assessment_is_not_found(admin_client, admin, assessment, questions):
    other = services.create_assessment(admin, definition(section("Other", rule("Reading", "MEDIUM")), name="Other"))
    db.session.commit()
    foreign = other.sections[0].id
    assert admin_client.get(f"/assessments/{assessment.id}/sections/{foreign}/edit").status_code == 404
    assert admin_client.post(f"/assessments/{assessment.id}/sections/{foreign}/delete").status_code == 404
    assert admin_client.post(f"/assessments/{assessment.id}/sections/{foreign}/move?direction=up").status_code == 404
    assert [s.name for s in reloaded(other.id).sections] == ["Other"]


def test_stems_are_plain_text_in_the_builder(admin_client, admin, assessment, part):
    skill = create_skill(admin, "Markup")
    question = create_question(admin, QuestionInput(
        type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY",
        stem="<p>Is <strong>2 &lt; 3</strong>?</p>", accepted_answers=["yes"]))
    services.pick_questions(admin, assessment.id, part.id, [question.id])
    db.session.commit()
    cell = page(admin_client.get(f"/assessments/{assessment.id}")).select_one("table.picks td")
    assert cell.get_text() == "Is 2 < 3 ?" and not cell.select("strong")
    assert re.search(r"&lt;", str(cell))


def test_the_picker_pages_through_the_bank(admin_client, admin, assessment, part):
    skill = create_skill(admin, "Many")
    for number in range(30):
        create_question(admin, QuestionInput(type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY",
                                             stem=f"<p>Question {number}</p>", accepted_answers=["x"]))
    db.session.commit()
    url = f"/assessments/{assessment.id}/sections/{part.id}/pick"
    soup = page(admin_client.get(url, query_string={"skill_id": str(skill.id)}))
    assert len(soup.select("input[name=question_ids]")) == 25
    # The page links keep the assessment and section of the path as well as the filters.
    assert soup.select_one("a[rel=next]")["href"] == f"{url}?skill_id={skill.id}&page=2"
    soup = page(admin_client.get(soup.select_one("a[rel=next]")["href"]))
    assert len(soup.select("input[name=question_ids]")) == 5


def test_an_assessment_an_exam_uses_is_not_deleted_and_the_refusal_names_the_exam(admin_client, admin, assessment,
                                                                                  factory):
    factory.exam(admin, assessment=assessment, name="June intake")
    response = admin_client.post(f"/assessments/{assessment.id}/delete",
                                 headers={"Referer": f"http://localhost/assessments/{assessment.id}"})
    assert response.headers["Location"] == f"/assessments/{assessment.id}"
    assert flashes(page(admin_client.get(response.headers["Location"]))) == [
        'English test cannot be deleted: the exam "June intake" uses it.']
    assert [a.get_text() for a in page(admin_client.get("/assessments")).select("tbody a")] == ["English test"]
    assert reloaded(assessment.id) is not None

    factory.exam(admin, assessment=assessment, name="April intake")
    admin_client.post(f"/assessments/{assessment.id}/delete")
    assert flashes(page(admin_client.get("/assessments"))) == [
        'English test cannot be deleted: the exams "April intake", "June intake" use it.']
