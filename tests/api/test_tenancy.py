"""No API route reaches another institute's records: every route of both dialects that takes an id, an
access key or an e-mail is called, with every method it has, with another institute's; each answers
"not found" in its dialect's shape and nothing of the other institute changes. A new route with a
parameter not known here fails the test until it is added to RECORDS."""
import re

import pytest
from sqlalchemy import select

from tests.api.conftest import (EuroClient, MettlClient, error_code, euro_error, finish, make_credential,
                               register, start)
from webapp.assessments.models import Assessment
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.sittings.models import Sitting

# Bodies that would be accepted for the caller's own records, so that only the lookup can refuse them.
METTL_FORMS = {"sc": '{"name": "Taken over"}', "as": '{"allowCopyPaste": true}',
               "rd": '{"registrationDetails": [{"Email Address": "intruder@example.com", "First Name": "I", '
                     '"Last Name": "N"}]}'}
EURO_BODIES = {"/api/v1/exams/<id:exam_id>": {"name": "Taken over"},
               "/api/v1/exams/<id:exam_id>/add_student": {"email": "intruder@example.com", "first_name": "I",
                                                            "last_name": "N"},
               "/api/v1/exams/<id:exam_id>/student_sessions": {"email": "intruder@example.com", "first_name": "I",
                                                                "last_name": "N"},
               "/api/v1/exams/<id:exam_id>/proctor_pool": {"user_ids": []},
               "/api/v1/exams/<id:exam_id>/send_emails": {},
               "/api/v1/student_sessions/<id:student_session_id>": {"first_name": "I", "last_name": "N",
                                                                      "username": "intruder", "level": None}}
METTL_NOT_FOUND = {"E001", "E002", "E009"}


@pytest.fixture
def rival(factory):
    """Another institute with an assessment, an exam, a finished sitting and a waiting one."""
    rival_admin = factory.institute("Rival Academy")[1]
    exam = factory.exam(rival_admin, name="Secret exam")
    finish(start(register(rival_admin, exam, "secret@example.com")))
    register(rival_admin, exam, "waiting@example.com")
    return rival_admin, exam


def _snapshot():
    db.session.expire_all()
    return ([(a.id, a.name, a.allow_copy_paste) for a in db.session.scalars(select(Assessment).order_by(Assessment.id))],
            [(e.id, e.name, e.status) for e in db.session.scalars(select(Exam).order_by(Exam.id))],
            [(s.id, s.status, s.candidate.first_name, s.candidate.username)
             for s in db.session.scalars(select(Sitting).order_by(Sitting.id))])


def _fill(rule: str, records: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(records[match.group(1)]), rule)


def _routes(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and rule.arguments:
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_no_mettl_route_reaches_another_institutes_records(app, client, admin, mettl, rival, factory):
    rival_admin, exam = rival
    own_exam = factory.exam(admin, name="Own exam")
    records = {"assessment_id": exam.assessment_id, "access_key": exam.access_key, "email": "secret@example.com"}
    before = _snapshot()
    checked = []
    for rule, methods in _routes(app, "/v1/"):
        unknown = set(rule.arguments) - set(records)
        assert not unknown, f"{rule.rule}: add a record for {unknown} to this test"
        url = _fill(rule.rule, records)
        for method in methods:
            response = mettl.request(method, url, form=METTL_FORMS if method == "POST" else None)
            assert response.status_code == 404 and error_code(response) in METTL_NOT_FOUND, (method, url)
            checked.append(f"{method} {rule.rule}")
    # The caller's own schedule with another institute's candidate: that candidate is not there either.
    for method in ("GET", "DELETE"):
        response = mettl.request(method, f"/v1/schedules/{own_exam.access_key}/candidates/secret@example.com")
        assert error_code(response) == "E009"
    assert error_code(mettl.get("/v1/candidates/secret@example.com")) == "E009"
    listed = mettl.get("/v1/schedules").get_json()["schedules"]
    assert [item["name"] for item in listed] == ["Own exam"]
    assert [item["name"] for item in mettl.get("/v1/assessments").get_json()["assessments"]] == [
        own_exam.assessment.name]
    assert _snapshot() == before
    assert len(checked) >= 10, checked


def test_no_euro_route_reaches_another_institutes_records(app, client, admin, euro, rival, factory):
    rival_admin, exam = rival
    own_exam = factory.exam(admin, name="Own exam")
    sitting = db.session.scalar(select(Sitting).where(Sitting.exam_id == exam.id))
    records = {"exam_id": exam.id, "student_session_id": sitting.id, "institute_id": rival_admin.institute_id}
    before = _snapshot()
    checked = []
    for rule, methods in _routes(app, "/api/v1/"):
        unknown = set(rule.arguments) - set(records)
        assert not unknown, f"{rule.rule}: add a record for {unknown} to this test"
        url = _fill(rule.rule, records)
        for method in methods:
            json = EURO_BODIES.get(rule.rule) if method in ("POST", "PATCH", "PUT", "DELETE") else None
            if rule.rule == "/api/v1/exams/<id:exam_id>" and method == "PUT":
                json = {"name": "Taken over", "assessment_id": own_exam.assessment_id}
            response = euro.request(method, url, json=json)
            error = euro_error(response)
            assert response.status_code == 404 and error["type"] == "not_found", (method, url, error)
            checked.append(f"{method} {rule.rule}")
    # Ids of another institute inside bodies and filters are not found either.
    error = euro_error(euro.post("/api/v1/exams", json={"name": "Mine", "assessment_id": exam.assessment_id}))
    assert error["status"] == 404
    error = euro_error(euro.patch(f"/api/v1/exams/{own_exam.id}", json={"assessment_id": exam.assessment_id}))
    assert error["status"] == 404
    assert euro.get("/api/v1/student_sessions", query={"exam_id": exam.id}).get_json()["student_sessions"] == []
    assert euro.get("/api/v1/student_sessions", query={"email": "secret@example.com",
                                                       "include_sub_institutes": "true"}).get_json()["meta"]["total"] == 0
    error = euro_error(euro.post(f"/api/v1/exams/{own_exam.id}/proctor_pool", json={"user_ids": [rival_admin.id]}))
    assert error["status"] == 400
    assert [item["name"] for item in euro.get("/api/v1/exams").get_json()["exams"]] == ["Own exam"]
    assert _snapshot() == before
    assert len(checked) >= 15, checked


def test_a_rival_credential_cannot_sign_for_this_institute(client, admin, factory, mettl_checker, euro_checker):
    """The institute a request acts for is the credential's own, whatever the request names."""
    rival_admin = factory.institute("Rival Academy")[1]
    own_exam = factory.exam(admin, name="Own exam")
    rival = make_credential(rival_admin.institute_id)
    assert error_code(MettlClient(client, rival, mettl_checker).get(f"/v1/schedules/{own_exam.access_key}")) == "E002"
    response = EuroClient(client, rival, euro_checker).get(f"/api/v1/exams/{own_exam.id}")
    assert euro_error(response)["type"] == "not_found"
