"""Every endpoint of the EURO PRUEFSTER v1 dialect, its token header, paging and filters, and its
error shape."""
import pytest
from sqlalchemy import func, select

from tests.api.conftest import EuroClient, euro_error, finish, make_credential, register, start
from webapp.core.database import MAX_ID
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.exams.models import Exam, ExamStatus
from webapp.notifications.models import OutboxMessage
from webapp.sittings.models import Sitting


def body(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refused(response, status: int, kind: str) -> dict:
    error = euro_error(response)
    assert response.status_code == status and error["status"] == status and error["type"] == kind, error
    return error


@pytest.fixture
def exam(factory, admin):
    return factory.exam(admin, name="B1 Exam")


# The token ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["", "Bearer {token}", "apiEuroToken", "apiEuroToken wrong-token", "{token}"],
                         ids=["none", "bearer", "no-token", "wrong-token", "no-prefix"])
def test_without_a_valid_apieurotoken_header_the_answer_is_401(euro, header):
    error = refused(euro.get("/api/v1/exams", header=header.format(token=euro.credential.euro_token)), 401,
                    "unauthorized")
    assert error["code"] == "E401"


def test_the_prefix_is_read_without_regard_to_case_and_a_revoked_token_is_refused(euro):
    assert euro.get("/api/v1/exams", header=f"APIEUROTOKEN {euro.credential.euro_token}").status_code == 200
    runner = euro.client.application.test_cli_runner()
    runner.invoke(args=["api-credentials", "revoke", euro.credential.ak])
    refused(euro.get("/api/v1/exams"), 401, "unauthorized")


def test_a_read_only_token_reads_but_every_write_is_403(client, admin, factory, exam, euro_checker):
    support = EuroClient(client, make_credential(admin.institute_id, Role.SUPPORT), euro_checker)
    sitting = register(admin, exam, "ann@example.com")
    assert support.get(f"/api/v1/exams/{exam.id}").status_code == 200
    sessions = support.get("/api/v1/student_sessions").get_json()["student_sessions"]
    assert [session["personal_url"] for session in sessions] == [None]   # a link is the candidate's credential
    assert support.get(f"/api/v1/student_sessions/{sitting.id}").get_json()["student_session"]["personal_url"] is None
    writes = [
        ("POST", "/api/v1/exams", {"name": "New", "assessment_id": exam.assessment_id}),
        ("PATCH", f"/api/v1/exams/{exam.id}", {"name": "Renamed"}),
        ("PUT", f"/api/v1/exams/{exam.id}", {"name": "Renamed", "assessment_id": exam.assessment_id}),
        ("DELETE", f"/api/v1/exams/{exam.id}", None),
        ("POST", f"/api/v1/exams/{exam.id}/add_student", {"email": "new@example.com"}),
        ("POST", f"/api/v1/exams/{exam.id}/student_sessions", {"email": "new@example.com"}),
        ("POST", f"/api/v1/exams/{exam.id}/send_emails", {}),
        ("POST", f"/api/v1/exams/{exam.id}/proctor_pool", {"user_ids": [admin.id]}),
        ("DELETE", f"/api/v1/exams/{exam.id}/proctor_pool", {"user_ids": [admin.id]}),
        ("PATCH", f"/api/v1/student_sessions/{sitting.id}", {"first_name": "Eve"}),
        ("PUT", f"/api/v1/student_sessions/{sitting.id}",
         {"first_name": "Eve", "last_name": "Lee", "username": "eve", "level": None}),
        ("DELETE", f"/api/v1/student_sessions/{sitting.id}", None),
    ]
    for method, path, json in writes:
        error = refused(support.request(method, path, json=json), 403, "forbidden")
        assert error["code"] == "E403", (method, path)
    db.session.expire_all()
    assert db.session.get(Exam, exam.id).name == "B1 Exam" and db.session.get(Sitting, sitting.id) is not None
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_too_many_requests_per_token_are_429(rate_limited_app, admin, euro_checker):
    client = rate_limited_app.test_client()
    busy = EuroClient(client, make_credential(admin.institute_id), euro_checker)
    other = EuroClient(client, make_credential(admin.institute_id), euro_checker)
    assert [busy.get("/api/v1/exams").status_code for _ in range(3)] == [200, 200, 200]
    assert refused(busy.get("/api/v1/exams"), 429, "too_many_requests")["code"] == "E509"
    assert other.get("/api/v1/exams").status_code == 200


@pytest.mark.parametrize(("path", "code", "message"), [
    ("/api/v1/exams/999999", "exam_not_found", "Exam not found."),
    ("/api/v1/student_sessions/999999", "student_session_not_found", "Student session not found."),
    ("/api/v1/exams/999999/student_sessions", "exam_not_found", "Exam not found."),
])
def test_not_found_names_what_in_the_api_s_words_with_a_code_of_its_own(euro, path, code, message):
    error = refused(euro.get(path), 404, "not_found")
    assert (error["code"], error["message"]) == (code, message)


def test_an_unknown_route_and_method_answer_in_the_euro_shape(euro, client):
    assert refused(euro.get("/api/v1/nothing-here"), 404, "not_found")["code"] == "E404"
    response = client.patch("/api/v1/student_sessions")
    assert refused(response, 405, "method_not_allowed")["code"] == "E405"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert refused(euro.get("/api/v1/exams/abc"), 404, "not_found")
    # An id out of range is not found, whatever the method, rather than a method the URL lacks.
    too_big = MAX_ID + 1
    assert refused(euro.delete(f"/api/v1/exams/{too_big}"), 404, "not_found")["code"] == "E404"
    assert refused(euro.get(f"/api/v1/exams/{too_big}/student_sessions"), 404, "not_found")["code"] == "E404"


# Exams --------------------------------------------------------------------------------------------------

def test_exams_are_listed_in_pages(euro, factory, admin):
    for name in ("A", "B", "C"):
        factory.exam(admin, name=name)
    first = body(euro.get("/api/v1/exams", query={"per_page": 2}))
    assert [item["name"] for item in first["exams"]] == ["C", "B"]
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "total_pages": 2}
    assert [item["name"] for item in body(euro.get("/api/v1/exams", query={"per_page": 2, "page": 2}))["exams"]] == ["A"]
    assert [item["name"] for item in body(euro.get("/api/v1/exams", query={"q": "b"}))["exams"]] == ["B"]
    for query in ({"per_page": 101}, {"per_page": 0}, {"page": 0}, {"page": "one"}, {"assessment_id": "x"}):
        refused(euro.get("/api/v1/exams", query=query), 400, "bad_request")


def test_one_exam_with_its_settings_under_their_request_names(euro, exam):
    item = body(euro.get(f"/api/v1/exams/{exam.id}"))["exam"]
    assert item["id"] == exam.id and item["name"] == "B1 Exam" and item["status"] == "active"
    assert item["access_key"] == exam.access_key and item["schedule_type"] == "AlwaysOn"
    assert item["assessment_id"] == exam.assessment_id and item["starts_on_date"] is None
    refused(euro.get("/api/v1/exams/999999"), 404, "not_found")


def test_an_exam_is_created_changed_replaced_and_deleted(euro, exam):
    created = body(euro.post("/api/v1/exams", json={
        "name": "C1 Exam", "assessment_id": exam.assessment_id, "schedule_type": "Fixed",
        "fixed_access_option": "SlotWise", "starts_on_date": "2030-06-27", "ends_on_date": "2030-06-30",
        "starts_on_time": "08:00:00", "ends_on_time": "18:00:00", "time_zone": "UTC+01:00",
        "admission_required": True, "status": "inactive"}), 201)["exam"]
    assert created["starts_on_date"] == "2030-06-27" and created["ends_on_time"] == "18:00:00"
    assert created["status"] == "inactive" and created["admission_required"] is True
    changed = body(euro.patch(f"/api/v1/exams/{created['id']}", json={"name": "C1 Exam (June)",
                                                                      "status": "active"}))["exam"]
    assert changed["name"] == "C1 Exam (June)" and changed["schedule_type"] == "Fixed" and changed["status"] == "active"
    replaced = body(euro.put(f"/api/v1/exams/{created['id']}", json={"name": "C1", "assessment_id": exam.assessment_id}))
    assert replaced["exam"]["schedule_type"] == "AlwaysOn" and replaced["exam"]["admission_required"] is False
    euro.patch(f"/api/v1/exams/{created['id']}", json={"status": "inactive"})
    replaced = body(euro.put(f"/api/v1/exams/{created['id']}", json={"name": "C1", "assessment_id": exam.assessment_id}))
    assert replaced["exam"]["status"] == "active"              # reset to its default like every field left out
    assert euro.delete(f"/api/v1/exams/{created['id']}").status_code == 204
    assert db.session.get(Exam, created["id"]) is None


@pytest.mark.parametrize("method, json, status, code", [
    ("POST", {"name": "X"}, 400, "E400"),
    ("POST", {"name": "X", "assessment_id": "one"}, 400, "E400"),
    ("POST", {"name": "B1 exam", "assessment_id": None}, 409, "E019"),           # a duplicate is a conflict
    ("POST", {"name": "X", "assessment_id": 999999}, 404, "assessment_not_found"),
    ("POST", {"name": "X", "assessment_id": None, "colour": "red"}, 400, "E400"),
    ("POST", {"name": "X", "assessment_id": None, "schedule_type": "Fixed"}, 400, "E020"),
    ("POST", {"name": "X", "assessment_id": None, "starts_on_date": "27/06/2030"}, 400, "E400"),
    ("POST", {"name": "X", "assessment_id": None, "starts_on_time": "08:00:00+02:00"}, 400, "E400"),
    ("POST", {"name": "X", "assessment_id": None, "grade_notification_recipients": ["x"]}, 400, "E034"),
    ("POST", {"name": "X", "assessment_id": None, "status": "paused"}, 400, "E400"),
    ("POST", ["name"], 400, "E400"),
    ("PUT", {"name": "X"}, 400, "E400"),
    ("PATCH", {"web_proctoring_enabled": "yes"}, 400, "E400"),
    # Values outside the documented enums, even where the exam would not use them (an AlwaysOn exam has no
    # fixed access option).
    ("PATCH", {"access_type": "Everyone"}, 400, "E400"),
    ("PATCH", {"fixed_access_option": "Sometimes"}, 400, "E400"),
    ("PATCH", {"ip_restriction": ""}, 400, "E400"),
    ("PATCH", {"web_proctoring_count": 2.5}, 400, "E400"),
])
def test_exam_errors(euro, exam, method, json, status, code):
    if isinstance(json, dict) and json.get("assessment_id", 0) is None:
        json = {**json, "assessment_id": exam.assessment_id}
    path = "/api/v1/exams" if method == "POST" else f"/api/v1/exams/{exam.id}"
    assert refused(euro.request(method, path, json=json), status, euro_error_type(status))["code"] == code
    assert db.session.scalar(select(func.count()).select_from(Exam)) == 1


def euro_error_type(status: int) -> str:
    return {400: "bad_request", 404: "not_found", 409: "conflict"}[status]


def test_an_exam_someone_started_is_not_deleted(euro, admin, exam):
    start(register(admin, exam))
    assert refused(euro.delete(f"/api/v1/exams/{exam.id}"), 409, "conflict")
    assert db.session.get(Exam, exam.id).status == ExamStatus.ACTIVE


# Students of an exam ------------------------------------------------------------------------------------

def test_a_student_is_added_shown_and_emailed(euro, exam):
    session = body(euro.post(f"/api/v1/exams/{exam.id}/add_student", json={
        "email": "Ann@Example.com", "first_name": "Ann", "last_name": "Lee", "context_data": "crm-17"}), 201)
    session = session["student_session"]
    assert session["status"] == "registered" and session["student"]["email"] == "ann@example.com"
    assert session["context_data"] == "crm-17" and session["registered_by"] == "api"
    second = body(euro.post(f"/api/v1/exams/{exam.id}/student_sessions", json={"email": "bob@example.com",
                                                                               "first_name": "Bob", "last_name": "Ray"}), 201)
    for query in ({"email": "ann@example.com"}, {"username": "ann@example.com"},
                  {"student_id": session["student"]["id"]}):
        shown = body(euro.get(f"/api/v1/exams/{exam.id}/show_student", query=query))["student_session"]
        assert shown["id"] == session["id"]
    refused(euro.get(f"/api/v1/exams/{exam.id}/show_student"), 400, "bad_request")
    refused(euro.get(f"/api/v1/exams/{exam.id}/show_student", query={"email": "nobody@example.com"}), 404, "not_found")
    assert body(euro.post(f"/api/v1/exams/{exam.id}/send_emails"))["queued"] == 2
    assert body(euro.post(f"/api/v1/exams/{exam.id}/send_emails",
                          json={"student_session_ids": [second["student_session"]["id"]]}))["queued"] == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    refused(euro.post(f"/api/v1/exams/{exam.id}/send_emails", json={"student_session_ids": "all"}), 400, "bad_request")
    refused(euro.post(f"/api/v1/exams/{exam.id}/send_emails", json=[1]), 400, "bad_request")


@pytest.mark.parametrize("json, status, kind", [
    ({"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}, 409, "conflict"),
    ({"email": "ann@"}, 400, "bad_request"),
    ({"first_name": "Nobody"}, 400, "bad_request"),
    ({"email": "bob@example.com", "first_name": "Bob"}, 400, "bad_request"),
    ({"email": "bob@example.com", "age": 30}, 400, "bad_request"),
    ({"email": "bob@example.com", "registration": ["x"]}, 400, "bad_request"),
    ({"email": "bob@example.com", "send_email": "yes"}, 400, "bad_request"),
])
def test_add_student_errors(euro, admin, exam, json, status, kind):
    register(admin, exam, "ann@example.com")
    error = refused(euro.post(f"/api/v1/exams/{exam.id}/add_student", json=json), status, kind)
    if json.get("email") == "bob@example.com" and set(json) == {"email", "first_name"}:
        assert error["field"] == "Last Name"
    assert db.session.scalar(select(func.count()).select_from(Sitting)) == 1


def test_the_proctor_pool_is_read_added_to_and_removed_from(euro, factory, admin, exam):
    first, second = factory.staff(admin.institute, "proctor", "Pia"), factory.staff(admin.institute, "proctor", "Quinn")
    examiner = factory.staff(admin.institute, "examiner")
    assert body(euro.get(f"/api/v1/exams/{exam.id}/proctor_pool"))["proctors"] == []
    pool = body(euro.post(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": [first.id, second.id]}))
    assert [user["name"] for user in pool["proctors"]] == ["Pia", "Quinn"]
    assert pool["proctors"][0] == {"id": first.id, "email": first.email, "name": "Pia", "role": "proctor",
                                   "active": True, "institute_id": admin.institute_id}
    pool = body(euro.delete(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": [first.id]}))
    assert [user["name"] for user in pool["proctors"]] == ["Quinn"]
    refused(euro.post(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": [examiner.id]}), 400, "bad_request")
    refused(euro.post(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": "all"}), 400, "bad_request")
    refused(euro.post(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": [first.id + 0.5]}), 400,
            "bad_request")
    # JSON writes a whole number as 12 or 12.0 alike.
    pool = body(euro.post(f"/api/v1/exams/{exam.id}/proctor_pool", json={"user_ids": [float(first.id)]}))
    assert [user["name"] for user in pool["proctors"]] == ["Pia", "Quinn"]
    refused(euro.delete(f"/api/v1/exams/{exam.id}/proctor_pool"), 400, "bad_request")


# Student sessions ---------------------------------------------------------------------------------------

def test_student_sessions_are_filtered(euro, factory, admin, exam):
    from webapp.candidates.services import update_candidate

    other_exam = factory.exam(admin, name="Other")
    ann = register(admin, exam, "ann@example.com")
    bob = start(register(admin, exam, "bob@example.com"))
    register(admin, other_exam, "ann@example.com")
    update_candidate(admin, bob.candidate_id, first_name="Bob", last_name="Ray", username="bobby", current_level="B2")
    db.session.commit()

    def emails(path, **query):
        found = body(euro.get(path, query=query))
        return [(item["student"]["email"], item["exam_id"]) for item in found["student_sessions"]]

    assert emails(f"/api/v1/exams/{exam.id}/student_sessions") == [("ann@example.com", exam.id),
                                                                   ("bob@example.com", exam.id)]
    assert emails(f"/api/v1/exams/{exam.id}/student_sessions", status="exam_started") == [("bob@example.com", exam.id)]
    assert emails("/api/v1/student_sessions", email="ann@example.com") == [("ann@example.com", exam.id),
                                                                           ("ann@example.com", other_exam.id)]
    assert emails("/api/v1/student_sessions", email="ann@example.com", exam_id=other_exam.id) == [
        ("ann@example.com", other_exam.id)]
    assert emails("/api/v1/student_sessions", username="bobby") == [("bob@example.com", exam.id)]
    assert emails("/api/v1/student_sessions", level="B2") == [("bob@example.com", exam.id)]
    page = body(euro.get("/api/v1/student_sessions", query={"per_page": 1, "page": 3}))
    assert page["meta"] == {"page": 3, "per_page": 1, "total": 3, "total_pages": 3}
    for query in ({"status": "done"}, {"level": "Z9"}, {"level": ""}, {"status": ""}, {"per_page": 500},
                  {"include_sub_institutes": "maybe"},
                  {"include_sub_institutes": "tRUE"}):
        refused(euro.get("/api/v1/student_sessions", query=query), 400, "bad_request")
    assert ann.id in [item["id"] for item in body(euro.get("/api/v1/student_sessions"))["student_sessions"]]


def test_student_sessions_of_sub_institutes_on_request(euro, factory, admin, exam):
    branch_admin = factory.institute("Acme Branch", parent_id=admin.institute_id)[1]
    branch_exam = factory.exam(branch_admin, name="Branch exam")
    register(branch_admin, branch_exam, "carl@example.com")
    register(admin, exam, "ann@example.com")
    own = body(euro.get("/api/v1/student_sessions"))["student_sessions"]
    assert [item["student"]["email"] for item in own] == ["ann@example.com"]
    both = body(euro.get("/api/v1/student_sessions", query={"include_sub_institutes": "true"}))["student_sessions"]
    assert sorted(item["student"]["email"] for item in both) == ["ann@example.com", "carl@example.com"]
    refused(euro.get(f"/api/v1/exams/{branch_exam.id}/student_sessions"), 404, "not_found")


def test_one_student_session_read_changed_replaced_and_deleted(euro, admin, exam):
    sitting = finish(start(register(admin, exam, "ann@example.com")))
    waiting = register(admin, exam, "bob@example.com")
    item = body(euro.get(f"/api/v1/student_sessions/{sitting.id}"))["student_session"]
    assert item["status"] == "exam_finished" and item["finish_mode"] == "NormalSubmission"
    assert item["total_marks"] == 1 and item["max_marks"] == 3 and item["finished_at"].endswith("+00:00")
    assert item["personal_url"] == f"http://proctora.localhost/s/{sitting.access_token}"
    changed = body(euro.patch(f"/api/v1/student_sessions/{sitting.id}", json={"level": "B1", "first_name": "Anna"}))
    assert changed["student_session"]["student"]["level"] == "B1"
    assert changed["student_session"]["student"]["first_name"] == "Anna"
    assert changed["student_session"]["student"]["last_name"] == "Lee"
    replaced = body(euro.put(f"/api/v1/student_sessions/{sitting.id}", json={
        "first_name": "Ann", "last_name": "Smith", "username": "ann.smith", "level": None}))["student_session"]
    assert replaced["student"] == {**replaced["student"], "first_name": "Ann", "last_name": "Smith",
                                   "username": "ann.smith", "level": None}
    refused(euro.put(f"/api/v1/student_sessions/{sitting.id}", json={"first_name": "Ann"}), 400, "bad_request")
    refused(euro.patch(f"/api/v1/student_sessions/{sitting.id}", json={"level": "Z9"}), 400, "bad_request")
    refused(euro.patch(f"/api/v1/student_sessions/{sitting.id}", json={"username": 7}), 400, "bad_request")
    refused(euro.patch(f"/api/v1/student_sessions/{waiting.id}", json={"username": "ann.smith"}), 409, "conflict")
    refused(euro.delete(f"/api/v1/student_sessions/{sitting.id}"), 409, "conflict")
    assert euro.delete(f"/api/v1/student_sessions/{waiting.id}").status_code == 204
    assert db.session.get(Sitting, waiting.id) is None
    refused(euro.get(f"/api/v1/student_sessions/{waiting.id}"), 404, "not_found")


# Institutes -------------------------------------------------------------------------------------------

def test_users_of_the_institute_and_its_branches_only(euro, factory, admin):
    branch_admin = factory.institute("Acme Branch", parent_id=admin.institute_id)[1]
    rival_admin = factory.institute("Rival Academy")[1]
    factory.staff(admin.institute, "proctor", "Pia")
    own = body(euro.get(f"/api/v1/institutes/{admin.institute_id}/users"))
    assert [user["name"] for user in own["users"]] == ["Admin 1", "Pia"] and own["meta"]["total"] == 2
    branch = body(euro.get(f"/api/v1/institutes/{branch_admin.institute_id}/users"))["users"]
    assert [user["email"] for user in branch] == [branch_admin.email]
    refused(euro.get(f"/api/v1/institutes/{rival_admin.institute_id}/users"), 404, "not_found")


def test_the_openapi_document_needs_no_token(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1") and "/api/v1/exams" in document["paths"]
