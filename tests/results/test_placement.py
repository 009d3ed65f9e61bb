"""The placement record (webapp/results/placement.py): the overall level on the objective items, each
skill's level by the same rule, writing as a skill of its own, and the evidence; then the catalogue's
English placement test end to end, with its essay blank, badly or well written."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import right_answer, wrong_answer
from webapp.assessments import catalogue
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.reports.services import report_pdf
from webapp.results.grading import grade_response
from webapp.results.placement import NOT_ENOUGH_EVIDENCE, NOT_MARKED, evidence_table, placement
from webapp.results.services import result_of
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem
from webapp.sittings.services import register_candidates

BANDS = [{"level": level, "min_percent": 60.0} for level in ("A1", "A2", "B1", "B2")]


def _paper(*entries):
    """Fake frozen items and responses: (skill, type, level, marks, awarded) each."""
    items = [SimpleNamespace(id=number, skill_name=skill, question_type=kind, cefr_level=level, marks=marks)
             for number, (skill, kind, level, marks, _) in enumerate(entries)]
    responses = {number: SimpleNamespace(awarded=entry[4]) for number, entry in enumerate(entries)}
    return items, responses


def _objective(skill, level, right, wrong=0):
    return [(skill, "MCQ", level, 1, 1.0)] * right + [(skill, "MCQ", level, 1, 0.0)] * wrong


def _skills(record) -> dict[str, tuple]:
    return {skill["skill"]: (skill["level"], skill["note"]) for skill in record["skills"]}


def test_a_blank_essay_does_not_lower_the_objective_level():
    items, responses = _paper(*_objective("Grammar", "A1", 3), *_objective("Grammar", "A2", 3),
                              *_objective("Grammar", "B1", 3), ("Grammar", "LONG_ANSWER", "B1", 5, 0.0))
    record = placement(items, responses, BANDS)
    assert record["level"] == "B1"
    assert _skills(record) == {"Grammar": ("B1", None), "Writing": (None, "below B1")}
    assert [(row["level"], row["items"], row["percent"]) for row in record["levels"]] == [
        ("A1", 3, 100.0), ("A2", 3, 100.0), ("B1", 3, 100.0)]


def test_a_good_essay_does_not_raise_the_objective_level():
    items, responses = _paper(*_objective("Grammar", "A1", 3), *_objective("Grammar", "A2", 0, 3),
                              *_objective("Grammar", "B1", 0, 3), ("Writing", "LONG_ANSWER", "B1", 5, 5.0))
    record = placement(items, responses, BANDS)
    assert record["level"] == "A1"
    assert _skills(record) == {"Grammar": ("A1", None), "Writing": ("B1", None)}


def test_each_skill_gets_its_own_level_with_its_evidence():
    items, responses = _paper(
        *_objective("Grammar", "A1", 2), *_objective("Grammar", "A2", 2), *_objective("Grammar", "B1", 0, 2),
        *_objective("Reading", "A1", 2), *_objective("Reading", "A2", 0, 2), *_objective("Reading", "B1", 2),
        *_objective("Vocabulary", "B2", 1))
    record = placement(items, responses, BANDS)
    # Overall: A1 4/4, A2 2/4, B1 2/4, B2 1/1: A2 and B1 missed in a row end the climb at A1.
    assert record["level"] == "A1"
    assert _skills(record) == {"Grammar": ("A2", None), "Reading": ("B1", None),   # one slip at A2 forgiven
                               "Vocabulary": (None, NOT_ENOUGH_EVIDENCE)}            # items at one level only
    reading = next(skill for skill in record["skills"] if skill["skill"] == "Reading")
    assert [(row["level"], row["percent"], row["reached"]) for row in reading["levels"]] == [
        ("A1", 100.0, True), ("A2", 0.0, False), ("B1", 100.0, True)]


def test_an_essay_waiting_for_its_grader_has_no_level_yet():
    items, responses = _paper(*_objective("Grammar", "A1", 2), *_objective("Grammar", "A2", 2),
                              ("Writing", "LONG_ANSWER", "B1", 5, None))
    assert _skills(placement(items, responses, BANDS))["Writing"] == (None, NOT_MARKED)


def test_a_paper_without_tagged_items_places_nobody():
    items, responses = _paper(*_objective("Grammar", None, 3))
    record = placement(items, responses, BANDS)
    assert (record["level"], record["levels"], _skills(record)) == (None, [], {"Grammar": (None, NOT_ENOUGH_EVIDENCE)})


def test_the_evidence_table_has_a_row_per_level_and_a_column_per_skill():
    items, responses = _paper(*_objective("Grammar", "A1", 2), *_objective("Grammar", "A2", 1, 1),
                              ("Writing", "LONG_ANSWER", "A2", 5, 4.0))
    table = evidence_table(placement(items, responses, BANDS))
    assert [(column["name"], column["level"], column["note"]) for column in table["columns"]] == [
        ("Overall", "A1", None), ("Grammar", "A1", None), ("Writing", "A2", None)]
    assert [(row["level"], [cell and cell["percent"] for cell in row["cells"]]) for row in table["rows"]] == [
        ("A1", [100.0, 100.0, None]), ("A2", [50.0, 50.0, 80.0])]
    assert evidence_table(None) is None


# The catalogue's English placement test end to end ------------------------------------------------------

def _answering_up_to(top: str | None, essay: bool):
    """Objective items right up to the level `top` (all of them when None), wrong above it."""
    ranks = ["Pre-A1", "A1", "A2", "B1", "B2", "C1", "C2"]

    def answer(item):
        if item.question_type == "LONG_ANSWER":
            return right_answer(item) if essay else None
        if top is None or ranks.index(item.cefr_level) <= ranks.index(top):
            return right_answer(item)
        return wrong_answer(item)
    return answer


def _take_catalogue_test(admin, factory, answer, essay_marks: float | None) -> Sitting:
    assessment = catalogue.add_to_institute(admin, "english-placement")
    db.session.commit()
    exam = factory.exam(admin, assessment)
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "ann@example.com", "First Name": "Ann",
                                                     "Last Name": "Lee"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    # Taken section by section: the test's sections are timed, so each one's answers go in while it is open.
    now = utcnow()
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "test"}, now=now)
    taking.start_exam(sitting, now=now)
    items, _ = taking.items_and_responses(sitting)
    for index in range(len(sitting.sections)):
        for item in (item for item in items if item.section_index == index):
            if (given := answer(item)) is not None:
                taking.save_answer(sitting, item.id, answer=given, version=1, now=now)
        if index + 1 < len(sitting.sections):
            taking.next_section(sitting, now=now)
    taking.finish(sitting, now=now)
    db.session.commit()
    if essay_marks is not None:
        essay = db.session.scalar(select(Response).join(SittingItem, SittingItem.id == Response.item_id).where(
            Response.sitting_id == sitting.id, SittingItem.question_type == "LONG_ANSWER"))
        grade_response(admin, essay.id, essay_marks)
        db.session.commit()
    assert sitting.graded_at is not None
    return sitting


def test_the_catalogue_test_all_objective_right_and_a_blank_essay_places_at_the_top(admin, factory):
    sitting = _take_catalogue_test(admin, factory, _answering_up_to(None, essay=False), None)
    assert sitting.level.value == "C2"
    assert _skills(sitting.placement) == {"Grammar": ("C2", None), "Reading": ("C2", None),
                                          "Vocabulary": ("C2", None), "Writing": (None, "below B1")}
    assert all(row["percent"] == 100.0 for row in sitting.placement["levels"])
    assert sum(row["items"] for row in sitting.placement["levels"]) == 50


@pytest.mark.parametrize("top, essay_marks, placed, writing", [
    ("B1", 1, "B1", (None, "below B1")),     # a weak essay neither lowers B1 nor raises it
    ("A2", 5, "A2", ("B1", None)),           # a good essay shows in writing only
    ("C1", 3, "C1", ("B1", None)),
])
def test_the_catalogue_test_with_a_marked_essay(admin, factory, top, essay_marks, placed, writing):
    sitting = _take_catalogue_test(admin, factory, _answering_up_to(top, essay=True), essay_marks)
    assert sitting.level.value == placed and sitting.candidate.current_level.value == placed
    assert _skills(sitting.placement)["Writing"] == writing


def test_the_console_and_the_report_show_the_evidence(admin, admin_client, client, factory, pdf_text):
    sitting = _take_catalogue_test(admin, factory, _answering_up_to("B1", essay=True), 4)
    console = BeautifulSoup(admin_client.get(f"/sittings/{sitting.id}/result").get_data(as_text=True), "html.parser")
    report = BeautifulSoup(client.get(f"/reports/{sitting.report_key}").get_data(as_text=True), "html.parser")
    for page in (console, report):
        table = page.select_one("table[data-placement]")
        assert [th.get_text() for th in table.select("thead th")] == [
            "Level", "Overall", "Grammar", "Reading", "Vocabulary", "Writing"]
        assert {cell["data-skill"]: cell.get_text() for cell in table.select("tfoot td")} == {
            "Overall": "B1", "Grammar": "B1", "Reading": "B1", "Vocabulary": "B1", "Writing": "B1"}
        b1, b2 = table.select_one("tr[data-level=B1]"), table.select_one("tr[data-level=B2]")
        assert " ".join(b1.select_one("td").get_text().split()) == "100% of 9 items ✓"
        assert b1.select("td")[4].has_attr("data-reached")                  # the essay, 4 of 5
        assert " ".join(b2.select_one("td").get_text().split()) == "0% of 6 items"
        assert not b2.select("td[data-reached]")
    pdf = pdf_text(report_pdf(result_of(sitting)))
    assert "Level Overall Grammar Reading Vocabulary Writing" in pdf
    assert "C1 0% of 9 items 0% of 5 items 0% of 1 item 0% of 3 items" in pdf
    assert "B1 B1 B1 B1 B1" in pdf   # the levels placed at, overall and by skill (the label wraps)


def test_a_placement_graded_before_the_evidence_was_kept_says_not_recorded(admin, admin_client, factory):
    sitting = _take_catalogue_test(admin, factory, _answering_up_to("A2", essay=False), None)
    sitting.placement = None
    db.session.commit()
    console = BeautifulSoup(admin_client.get(f"/sittings/{sitting.id}/result").get_data(as_text=True), "html.parser")
    assert not console.select("table[data-placement]")
    assert "not recorded" in console.select_one("[data-placement-not-recorded]").get_text()
