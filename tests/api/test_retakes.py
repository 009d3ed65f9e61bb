"""Retakes in both dialects: EURO PRUEFSTER exams take `max_attempts` and `retake_wait_hours`, its student
sessions carry `attempt` and show_student answers the latest; Mettl's lookups by e-mail answer the latest
attempt while the candidate's test instances list every one. The clients check every answer against the
dialect's OpenAPI document."""
from __future__ import annotations

import pytest

from tests.api.conftest import finish, register, start
from tests.api.test_euro import body, refused
from tests.api.test_mettl_endpoints import ok
from webapp.core.extensions import db
from webapp.sittings.retakes import start_retake


@pytest.fixture
def exam(factory, admin):
    return factory.exam(admin, name="B1 Exam", max_attempts=3)


def _retaken(admin, exam):
    """Ann finished with one right answer, then began her retake (attempt 2, not yet taken)."""
    first = register(admin, exam)
    finish(start(first), right_answers=1)
    retake = start_retake(first)
    db.session.commit()
    return first, retake


def test_euro_exams_take_the_attempts_and_the_waiting_period(euro, exam):
    created = body(euro.post("/api/v1/exams", json={"name": "Retakes", "assessment_id": exam.assessment_id,
                                                    "max_attempts": 3, "retake_wait_hours": 48}), 201)["exam"]
    assert (created["max_attempts"], created["retake_wait_hours"]) == (3, 48)
    changed = body(euro.patch(f"/api/v1/exams/{created['id']}", json={"retake_wait_hours": 0}))["exam"]
    assert (changed["max_attempts"], changed["retake_wait_hours"]) == (3, 0)
    plain = body(euro.get(f"/api/v1/exams/{exam.id}"))["exam"]
    assert (plain["max_attempts"], plain["retake_wait_hours"]) == (3, 0)
    for wrong in ({"max_attempts": 0}, {"max_attempts": 11}, {"retake_wait_hours": 8761}):
        error = refused(euro.patch(f"/api/v1/exams/{created['id']}", json=wrong), 400, "bad_request")
        assert (error["code"], error["field"]) == ("E789", next(iter(wrong)))
    refused(euro.patch(f"/api/v1/exams/{created['id']}", json={"max_attempts": "two"}), 400, "bad_request")


def test_euro_sessions_carry_their_attempt_and_show_student_answers_the_latest(euro, admin, exam):
    first, retake = _retaken(admin, exam)
    sessions = body(euro.get(f"/api/v1/exams/{exam.id}/student_sessions"))["student_sessions"]
    assert [(session["id"], session["attempt"], session["status"]) for session in sessions] == [
        (first.id, 1, "exam_finished"), (retake.id, 2, "registered")]
    for query in ({"email": "ann@example.com"}, {"student_id": first.candidate_id}):
        shown = body(euro.get(f"/api/v1/exams/{exam.id}/show_student", query=query))["student_session"]
        assert (shown["id"], shown["attempt"]) == (retake.id, 2)
    assert body(euro.get(f"/api/v1/student_sessions/{first.id}"))["student_session"]["attempt"] == 1


def test_mettl_lookups_by_email_answer_the_latest_attempt_and_list_every_one(mettl, admin, exam):
    first, retake = _retaken(admin, exam)
    path = f"/v1/schedules/{exam.access_key}/candidates/ann@example.com"
    assert ok(mettl.get(path))["candidate"]["testStatus"]["status"] == "ToBeTaken"
    finish(start(retake), right_answers=3)
    latest = ok(mettl.get(path))["candidate"]["testStatus"]
    assert (latest["status"], latest["result"]["totalMarks"]) == ("Completed", 3)
    assert latest["htmlReport"].endswith(retake.report_key)

    instances = ok(mettl.get("/v1/candidates/ann@example.com"))["testInstances"]
    assert sorted(instance["test-status"]["result"]["totalMarks"] for instance in instances) == [1, 3]
    listed = ok(mettl.get(f"/v1/schedules/{exam.access_key}/candidates"))["candidates"]
    assert sorted(item["testStatus"]["result"]["totalMarks"] for item in listed) == [1, 3]
    # The schedule's invitees name each candidate once, however many attempts they took.
    invited = ok(mettl.get(f"/v1/schedules/{exam.access_key}"))["schedule"]["access"]["candidates"]
    assert invited == [{"name": "Ann Lee", "email": "ann@example.com"}]
    # Registering the e-mail again through the API reports the latest attempt, in the spec's words.
    registered = ok(mettl.post(f"/v1/schedules/{exam.access_key}/candidates", {"rd": (
        '{"registrationDetails": [{"Email Address": "ann@example.com", "First Name": "Ann", "Last Name": "Lee"}]}')}))
    assert [(row["status"], row["message"]) for row in registered["registrationStatus"]] == [
        ("Completed", "Email ID has already taken this test")]
