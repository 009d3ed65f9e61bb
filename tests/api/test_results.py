"""Results in both dialects: Mettl's percentile, pdfReport and htmlReport (links that open the report),
Proctora's placement and certification fields, the percentile of the graded callback, EURO
PRUEFSTER's session result, and the statements a page of results costs. Every answer is checked
against the dialect's OpenAPI document by the clients."""
from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import register
from tests.api.test_euro import body
from tests.api.test_mettl_endpoints import ok
from tests.candidate.helpers import (adaptive_exam, answer_adaptive, build_adaptive_pool, build_paper,
                                    paper_assessment, start)
from tests.conftest import right_answer
from tests.results.helpers import answering, tagged_assessment
from webapp.assessments.services import SectionInput
from webapp.cli.demo import keep_page_open
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.notifications.worker import deliver_due
from webapp.proctoring.services import override_review, review
from webapp.results.release import release
from webapp.sittings import taking

BASE_URL = "http://proctora.localhost"
PLACEMENT_BANDS = [{"level": "A1", "min_percent": 60}, {"level": "A2", "min_percent": 60}]


def _certification_exam(admin, factory, **settings):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65)
    return factory.exam(admin, assessment, **settings)


def _results(mettl, exam) -> dict[str, dict]:
    found = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates", {"limit": "100"}))["candidates"]
    return {item["email"]: item["testStatus"] for item in found}


def test_certification_results_with_percentiles_and_the_outcome(mettl, admin, factory):
    exam = _certification_exam(admin, factory)
    for email, right in (("failed@example.com", 12), ("passed@example.com", 13), ("best@example.com", 20)):
        factory.finished_sitting(admin, exam, email=email, answer=answering({"B1": right}))

    results = {email: status["result"] for email, status in _results(mettl, exam).items()}

    outcome = {email: (result["totalMarks"], result["percentile"], result["cefrLevel"], result["passed"],
                       result["continuePackage"]) for email, result in results.items()}
    assert outcome == {"failed@example.com": (12, 33.33, None, False, True),
                       "passed@example.com": (13, 66.67, "B1", True, False),
                       "best@example.com": (20, 100, "B1", True, False)}


def test_a_result_withheld_by_a_violation_says_so_until_an_admin_releases_it(mettl, euro, admin, factory):
    exam = _certification_exam(admin, factory)
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 20}))

    def withheld() -> tuple[bool, bool]:
        mettl_result = _results(mettl, exam)["ann@example.com"]["result"]
        euro_result = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]["result"]
        return mettl_result["resultWithheld"], euro_result["result_withheld"]

    assert withheld() == (False, False)
    review(admin, sitting.id, "violation", "A second person in the room.")
    db.session.commit()
    assert withheld() == (True, True)
    override_review(admin, sitting.id, "The second person was the invigilator.")
    db.session.commit()
    assert withheld() == (False, False)


def test_both_dialects_say_whether_and_when_a_result_is_released(mettl, euro, admin, factory, receiver):
    exam = _certification_exam(admin, factory, release_policy="by_hand",
                               test_graded_notification_url=receiver.url("/graded"))
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 20}))

    def released() -> tuple:
        mettl_result = _results(mettl, exam)["ann@example.com"]["result"]
        euro_result = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]["result"]
        return (mettl_result["resultReleased"], mettl_result["resultReleasedAt"], mettl_result["totalMarks"],
                euro_result["result_released"], euro_result["result_released_at"], euro_result["total_marks"])

    # The marks are the institute's own: shown before the release; gradedAssessment waits for it.
    assert released() == (False, None, 20, False, None, 20)
    deliver_due()
    assert receiver.at("/graded") == []
    release(admin, sitting.id)
    db.session.commit()
    moment = sitting.released_at
    assert released() == (True, moment.strftime("%a, %d %b %Y %H:%M:%S GMT"), 20, True, moment.isoformat(), 20)
    deliver_due()
    assert [call.json()["marks_scored"] for call in receiver.at("/graded")] == [20]


def test_a_placement_result_carries_the_level(mettl, admin, factory):
    assessment = tagged_assessment(admin, ["A1"] * 5 + ["A2"] * 5, placement_bands=PLACEMENT_BANDS)
    exam = factory.exam(admin, assessment)
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"A1": 5, "A2": 3}))

    status = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates/ann@example.com"))["candidate"]["testStatus"]

    result = status["result"]
    assert (result["cefrLevel"], result["passed"], result["continuePackage"], result["percentile"]) == (
        "A2", None, None, 100)
    assert status["htmlReport"] == f"{BASE_URL}/reports/{sitting.report_key}"
    assert status["pdfReport"] == f"{BASE_URL}/reports/{sitting.report_key}.pdf"
    evidence = [{"level": "A1", "items": 5, "percentRight": 100.0, "minPercent": 60.0, "reached": True},
                {"level": "A2", "items": 5, "percentRight": 60.0, "minPercent": 60.0, "reached": True}]
    [skill] = result["cefrLevels"]["skills"]
    assert result["cefrLevels"]["level"] == "A2" and result["cefrLevels"]["evidence"] == evidence
    assert (skill["skillName"].startswith("Tagged skill"), skill["writing"], skill["level"], skill["note"],
            skill["evidence"]) == (True, False, "A2", None, evidence)


def test_a_placement_graded_before_the_evidence_was_recorded_has_none(mettl, euro, admin, factory):
    assessment = tagged_assessment(admin, ["A1"] * 5 + ["A2"] * 5, placement_bands=PLACEMENT_BANDS)
    exam = factory.exam(admin, assessment)
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"A1": 5}))
    sitting.placement = None
    db.session.commit()

    result = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates/ann@example.com"))["candidate"][
        "testStatus"]["result"]
    session = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]["result"]

    assert (result["cefrLevel"], result["cefrLevels"]) == ("A1", None)
    assert (session["level"], session["level_evidence"], session["skill_levels"]) == ("A1", None, None)


def test_a_candidates_tests_carry_the_results_and_report_links(mettl, admin, factory):
    exam = _certification_exam(admin, factory, name="December session")
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 13}))

    [instance] = ok(mettl.get("/v1/candidates/ann@example.com"))["testInstances"]

    status = instance["test-status"]
    assert (status["result"]["percentile"], status["result"]["passed"]) == (100, True)
    assert (status["htmlReport"], status["pdfReport"]) == (f"{BASE_URL}/reports/{sitting.report_key}",
                                                           f"{BASE_URL}/reports/{sitting.report_key}.pdf")


def test_the_report_links_open_the_report(mettl, client, admin, factory):
    exam = _certification_exam(admin, factory)
    factory.finished_sitting(admin, exam, email="ann@example.com", first_name="Ann", last_name="Lee",
                             answer=answering({"B1": 13}))
    status = _results(mettl, exam)["ann@example.com"]

    page = client.get(status["htmlReport"].removeprefix(BASE_URL))
    pdf = client.get(status["pdfReport"].removeprefix(BASE_URL))

    assert page.status_code == 200 and "Ann Lee" in page.get_data(as_text=True)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_the_graded_callback_carries_the_percentile_of_the_moment(admin, factory, receiver):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 4, kind="standard"),
                        test_graded_notification_url=receiver.url("/graded"))
    for right in (3, 1, 4):
        factory.finished_sitting(admin, exam, answer=answering({None: right}))

    deliver_due()

    # Each is ranked among the sittings graded until then: 3 alone; 1 below 3; 4 above both.
    assert [request.json()["percentile"] for request in receiver.at("/graded")] == [100, 50, 100]


# EURO PRUEFSTER ---------------------------------------------------------------------------------------

def test_a_student_sessions_result(euro, admin, factory):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65)
    exam = factory.exam(admin, assessment)
    failed = factory.finished_sitting(admin, exam, email="bob@example.com", answer=answering({"B1": 12}))
    passed = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 13}))

    session = body(euro.get(f"/api/v1/student_sessions/{passed.id}"))["student_session"]

    assert session["result"] == {
        "total_marks": 13, "max_marks": 20, "percent": 65, "percentile": 100, "level": "B1",
        "level_evidence": None, "skill_levels": None, "adaptive": None, "passed": True,
        "continue_package": False, "report_url": f"{BASE_URL}/reports/{passed.report_key}",
        "pdf_report_url": f"{BASE_URL}/reports/{passed.report_key}.pdf", "graded_at": passed.graded_at.isoformat(),
        "result_withheld": False, "result_released": True, "result_released_at": passed.released_at.isoformat()}
    listed = body(euro.get(f"/api/v1/exams/{exam.id}/student_sessions"))["student_sessions"]
    by_id = {item["id"]: item["result"] for item in listed}
    assert (by_id[failed.id]["passed"], by_id[failed.id]["continue_package"], by_id[failed.id]["level"],
            by_id[failed.id]["percentile"]) == (False, True, None, 50)


def test_a_session_waiting_for_a_grader_or_not_finished(euro, admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, ["A1"] * 2, essay=True, placement_bands=PLACEMENT_BANDS))
    pending = factory.finished_sitting(admin, exam, answer=answering({"A1": 2}, essay=True))
    waiting = register(admin, exam, "waiting@example.com")

    result = body(euro.get(f"/api/v1/student_sessions/{pending.id}"))["student_session"]["result"]

    assert (result["total_marks"], result["max_marks"], result["percent"]) == (2, 7, 28.57)
    assert (result["percentile"], result["level"], result["passed"], result["graded_at"]) == (None, None, None, None)
    assert (result["level_evidence"], result["skill_levels"]) == (None, None)
    assert result["report_url"] == f"{BASE_URL}/reports/{pending.report_key}"
    assert body(euro.get(f"/api/v1/student_sessions/{waiting.id}"))["student_session"]["result"] is None


def test_a_placement_sessions_skill_levels(euro, admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, ["A1"] * 2 + ["A2"] * 2, placement_bands=PLACEMENT_BANDS))
    sitting = factory.finished_sitting(admin, exam, answer=answering({"A1": 2, "A2": 1}))

    result = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]["result"]

    assert result["level"] == "A1"
    assert result["level_evidence"] == [
        {"level": "A1", "items": 2, "percent": 100.0, "min_percent": 60.0, "reached": True},
        {"level": "A2", "items": 2, "percent": 50.0, "min_percent": 60.0, "reached": False}]
    [skill] = result["skill_levels"]
    assert (skill["writing"], skill["level"], skill["note"], skill["evidence"]) == (
        False, "A1", None, result["level_evidence"])


def test_an_adaptive_placements_estimate_and_path_in_both_dialects(mettl, euro, admin, factory):
    exam = adaptive_exam(factory, admin, build_adaptive_pool(admin), min_items=2, max_items=3,
                         target_standard_error=0.1, skill_shares={"Grammar": 1, "Vocabulary": 1})
    sitting = start(register(admin, exam, "ann@example.com"))
    for right in (True, True, False):
        answer_adaptive(sitting, right)
    course = sitting.placement["adaptive"]

    result = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates/ann@example.com"))["candidate"][
        "testStatus"]["result"]
    session = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]["result"]

    assert result["cefrLevel"] == session["level"] == sitting.level.value
    assert result["adaptiveResult"] == {
        "abilityEstimate": course["ability"], "standardError": course["standard_error"], "itemsAnswered": 3,
        "stopReason": "length", "path": [{"ability": step["ability"], "standardError": step["standard_error"],
                                          "score": step["score"]} for step in course["path"]]}
    assert [step["score"] for step in result["adaptiveResult"]["path"]] == [1.0, 1.0, 0.0]
    assert session["adaptive"] == {"ability": course["ability"], "standard_error": course["standard_error"],
                                   "items": 3, "stop_reason": "length", "path": course["path"]}
    # Two items of one skill and one of the other: too few for a level of their own.
    assert session["level_evidence"] == [] and [(skill["skill"], skill["level"], skill["note"]) for skill in
                                                 session["skill_levels"]] == [
        ("Grammar", None, "not enough evidence"), ("Vocabulary", None, "not enough evidence")]


# The cost of a page of results -------------------------------------------------------------------------

def test_a_page_of_results_costs_the_same_whatever_its_number_of_graded_sittings(mettl, euro, admin, factory,
                                                                                 statements):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 3, kind="standard"))
    factory.finished_sitting(admin, exam, answer=right_answer)

    def cost(request) -> int:
        statements.clear()
        request()
        return len(statements)

    mettl_page = f"/v1/schedules/{exam.access_key}/candidates"
    euro_page = f"/api/v1/exams/{exam.id}/student_sessions"

    def pages():
        return cost(lambda: ok(mettl.get(mettl_page))), cost(lambda: body(euro.get(euro_page)))

    one = pages()
    for _ in range(3):
        factory.finished_sitting(admin, exam, answer=right_answer)
    four = pages()

    # The percentiles of a page come in one query, whatever the number of rows.
    assert four == one, (one, four)


def test_the_time_spent_per_section_and_skill_in_seconds(mettl, admin, factory):
    mixed, grammar = build_paper(admin), build_paper(admin, skill="Grammar")
    assessment = paper_assessment(admin, mixed, name="Two parts", sections=[
        SectionInput(name="Part one", question_ids=[mixed[0], mixed[1], grammar[0]]),
        SectionInput(name="Part two", question_ids=[mixed[2], grammar[1]])])
    exam = factory.exam(admin, assessment, access_type="ByInvitation")
    began = utcnow()
    sitting = start(register(admin, exam), now=began)
    at = [began + timedelta(seconds=seconds) for seconds in (60, 90, 100)]
    keep_page_open(sitting, began, at[0])
    taking.set_position(sitting, 2, now=at[0])       # Grammar, in part one
    taking.set_position(sitting, 3, now=at[1])       # part two's Mixed question
    taking.finish(sitting, now=at[2])
    db.session.commit()

    result = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates/ann@example.com"))["candidate"][
        "testStatus"]["result"]
    assert result["attemptTime"] == 100
    assert [(section["sectionName"], section["timeTaken"],
             [(skill["skillName"], skill["timeTaken"]) for skill in section["skillMarks"]])
            for section in result["sectionMarks"]] == [
        ("Part one", 90, [("Mixed", 60), ("Grammar", 30)]), ("Part two", 10, [("Mixed", 10), ("Grammar", 0)])]
