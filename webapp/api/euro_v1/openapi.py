"""The OpenAPI 3.1 document of the EURO PRUEFSTER v1 dialect, served at /api/v1/openapi.json."""
from __future__ import annotations

from webapp.api.common import DEFAULT_RATE_LIMIT, MAX_ID, QUERY_FLAGS
from webapp.api.euro_v1.parsing import (DEFAULT_PER_PAGE, EXAM_ENUMS, EXAM_FIELDS, EXAM_STATUSES, MAX_PER_PAGE,
                                        STUDENT_FIELDS)
from webapp.api.openapi import (BOOLEAN, INTEGER, NUMBER, STRING, STRINGS, array, json_response, nullable, obj,
                                parameter, ref, without_control_characters)
from webapp.bank.models import CefrLevel
from webapp.exams.services import MAX_ATTEMPTS, MAX_RETAKE_WAIT_HOURS
from webapp.sittings.adaptive import STOP_REASONS
from webapp.sittings.models import FinishMode, SittingStatus

NULLABLE_STRING = nullable(STRING)
DATE_TIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}
# A time of day without a zone (the exam's own time_zone applies), which JSON Schema's "time" format is not.
TIME_OF_DAY = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$"}
LEVELS = [level.value for level in CefrLevel]
EMAIL = {"type": "string", "format": "email"}
# A name the services keep: not empty, not only spaces.
NAME = {"type": "string", "minLength": 1, "pattern": "\\S"}



EXAM_LIMITS = {
    "max_attempts": {"minimum": 1, "maximum": MAX_ATTEMPTS, "default": 1,
                     "description": "How many student sessions (attempts) a student may have in this exam; 1: no "
                                    "retake. A retake is a new student session with its own result."},
    "retake_wait_hours": {"minimum": 0, "maximum": MAX_RETAKE_WAIT_HOURS, "default": 0,
                          "description": "Hours from the finish of an attempt before the next may begin."},
    # The EURO PRUEFSTER spec names no time zone field; this one is Proctora's, stored and returned as given.
    "time_zone": {"maxLength": 64,
                  "description": "The zone of the window's dates and times: an IANA name such as Europe/Berlin "
                                 "(daylight saving applied, each day's slot at the same local times) or a fixed "
                                 "offset such as UTC+05:30. Empty or left out on creation: the institute's zone."},
}


def _field_schema(name: str, annotation: str) -> dict:
    """The JSON schema of an ExamInput field from its annotation ("int | None", "date | None", ...)."""
    base = annotation.split(" ")[0]
    schema = {"bool": BOOLEAN, "int": INTEGER, "list[str]": STRINGS, "date": {"type": "string", "format": "date"},
              "time": TIME_OF_DAY}.get(base, STRING)
    if name in EXAM_ENUMS:
        schema = {"enum": [kind.value for kind in EXAM_ENUMS[name]]}
    elif name == "name":
        schema = {**NAME, "maxLength": 200}
    schema = {**schema, **EXAM_LIMITS.get(name, {})}
    return nullable(schema) if "None" in annotation else schema


EXAM_SETTINGS = {name: _field_schema(name, annotation) for name, annotation in EXAM_FIELDS.items()}
EXAM_BODY = {"type": "object", "additionalProperties": False,
             "properties": {**EXAM_SETTINGS, "status": {"enum": list(EXAM_STATUSES)}}}

SCHEMAS = {
    "Error": obj({"error": obj({
        "status": INTEGER,
        "type": {"enum": ["bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
                          "payload_too_large", "too_many_requests", "internal_error", "unavailable", "error"]},
        "code": {"type": "string", "description": "E400, E401, E403, E404 (no such route), E405, E509; a record "
                                                  "not found names it: exam_not_found, student_session_not_found, "
                                                  "student_not_found, assessment_not_found, user_not_found...; "
                                                  "else the domain's code (the Mettl code where one exists: E019 "
                                                  "with 409 for a duplicate name, E020, E034, E789...)"},
        "message": STRING, "field": NULLABLE_STRING})}),
    "Meta": obj({"page": INTEGER, "per_page": INTEGER, "total": INTEGER, "total_pages": INTEGER}),
    "Exam": obj({"id": INTEGER, **EXAM_SETTINGS, "status": {"enum": list(EXAM_STATUSES)},
                 "assessment_name": STRING, "access_key": STRING, "access_url": STRING, "institute_id": INTEGER,
                 "created_at": DATE_TIME, "updated_at": DATE_TIME}),
    "Student": obj({"id": INTEGER, "email": STRING, "username": STRING, "first_name": STRING, "last_name": STRING,
                    "level": nullable({"enum": LEVELS}), "institute_id": INTEGER}),
    "StudentSession": obj({
        "id": INTEGER, "exam_id": INTEGER, "institute_id": INTEGER,
        "attempt": {"type": "integer", "minimum": 1,
                    "description": "Which of the student's attempts at the exam this session is: 1, then 2, ... "
                                   "for each retake; every attempt is a session of its own."},
        "status": {"enum": [s.value for s in SittingStatus]},
        "finish_mode": nullable({"enum": [mode.value for mode in FinishMode]}), "student": ref("Student"),
        "registration": {"type": "object", "additionalProperties": STRING}, "context_data": STRING,
        "personal_url": {**nullable(STRING), "description": "Null unless the credential's role registers candidates."},
        "registered_by": STRING, "mail_sent_at": nullable(DATE_TIME),
        "started_at": nullable(DATE_TIME), "deadline": nullable(DATE_TIME), "finished_at": nullable(DATE_TIME),
        "total_marks": nullable(NUMBER), "max_marks": nullable(NUMBER), "graded_at": nullable(DATE_TIME),
        "result": {**nullable(ref("Result")), "description": "The result, once the session is exam_finished."},
        "created_at": DATE_TIME}),
    "Result": obj({
        "total_marks": NUMBER, "max_marks": NUMBER,
        "percent": {**nullable(NUMBER), "description": "total_marks in percent of max_marks (null when 0)."},
        "percentile": {**nullable({"type": "number", "minimum": 0, "maximum": 100}),
                       "description": "Percent of the assessment's graded sessions in the institute scoring at or "
                                      "below this one (compared as a share of their maximum); null until graded."},
        "level": {**nullable({"enum": LEVELS}),
                  "description": "Placement: the CEFR level reached; certification: the target level when "
                                 "passed; else null."},
        "level_evidence": {**nullable(array(ref("LevelEvidence"))),
                           "description": "Placement: the share right of the objective items at each level "
                                          "tested, which the placement rule climbs; null for other tests and for "
                                          "placements graded before it was recorded."},
        "skill_levels": {**nullable(array(ref("SkillLevel"))),
                         "description": "Placement: the CEFR level of each skill by the same rule, with its "
                                        "evidence; null as level_evidence."},
        "adaptive": {**nullable(ref("Adaptive")),
                     "description": "An adaptive placement: the ability estimate, its standard error, the items "
                                    "answered, why it stopped and the estimate after each item; null for other "
                                    "tests and until graded."},
        "passed": {**nullable(BOOLEAN), "description": "Certification: whether the pass mark was reached."},
        "continue_package": {**nullable(BOOLEAN),
                             "description": "Certification: true when failed (the student continues the course "
                                            "package), false when passed."},
        "report_url": {**URL, "description": "The shared HTML report (anyone with the link may read it)."},
        "pdf_report_url": {**URL, "description": "The same report as a PDF. While it is being prepared the "
                                                 "link answers 503 with Retry-After: ask again then."},
        "graded_at": {**nullable(DATE_TIME), "description": "When the last mark was in; essays wait for a grader."},
        "result_withheld": {**BOOLEAN, "description": "true while a proctor's review found a violation that an "
                                                      "admin has not released: do not act on this result yet."},
        "result_released": {**BOOLEAN, "description": "true once the result is released to the student (the "
                                                      "exam's release policy: at once, after the proctoring review "
                                                      "or by hand) and no violation withholds it."},
        "result_released_at": {**nullable(DATE_TIME), "description": "When the result was released; null until "
                                                                     "then."},
    }),
    "LevelEvidence": obj({
        "level": {"enum": LEVELS}, "items": INTEGER,
        "percent": {**NUMBER, "description": "The share of the level's marks scored, in percent."},
        "min_percent": {**NUMBER, "description": "The level's band: the share that reaches it."},
        "reached": BOOLEAN}),
    "Adaptive": obj({
        "ability": {**nullable(NUMBER), "description": "The ability on the logit scale (EAP); null when no item "
                                                       "was answered."},
        "standard_error": {**nullable(NUMBER), "description": "The estimate's standard error (logits)."},
        "items": INTEGER,
        "stop_reason": {"enum": list(STOP_REASONS),
                        "description": "precision: the standard error reached its target; length: the most items; "
                                       "pool: none left; time: the time ran out; ended: ended otherwise (a proctor)."},
        "path": array(obj({"ability": NUMBER, "standard_error": NUMBER,
                           "score": {**NUMBER, "description": "The answer's share of the item's marks, 0 to 1."}}))}),
    "SkillLevel": obj({
        "skill": STRING, "writing": {**BOOLEAN, "description": "The essays: a skill of its own, never a gate."},
        "level": {**nullable({"enum": LEVELS}), "description": "Null with a note when no level is given."},
        "note": {**NULLABLE_STRING,
                 "description": "Why there is no level: 'not enough evidence' (items at fewer than two levels), "
                                "'not marked yet', 'below <level>' (essays under their band)."},
        "evidence": array(ref("LevelEvidence"))}),
    "User": obj({"id": INTEGER, "email": STRING, "name": STRING, "role": {"enum": ["admin", "examiner", "proctor",
                                                                                     "support"]},
                 "active": BOOLEAN, "institute_id": INTEGER}),
}

RECORD_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
QUERY_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PAGING = [parameter("page", "query", {**QUERY_ID, "default": 1}, "Page number, from 1."),
          parameter("per_page", "query",
                    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
                    f"Items per page, at most {MAX_PER_PAGE}.")]
SESSION_FILTERS = [
    parameter("status", "query", {"enum": [status.value for status in SittingStatus]}, "Only sessions in this state."),
    parameter("email", "query", STRING, "Only the student with this e-mail address."),
    parameter("username", "query", STRING, "Only the student with this username."),
    parameter("level", "query", {"enum": LEVELS}, "Only students currently at this CEFR level."),
]
EXAM_ID = parameter("exam_id", "path", RECORD_ID, "The exam's id.")
SESSION_ID = parameter("student_session_id", "path", RECORD_ID, "The student session's id.")
IDS = {"type": "array", "items": RECORD_ID}


def _json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _operation(summary: str, responses: dict, *, parameters: list | None = None, body: dict | None = None,
               description: str = "") -> dict:
    operation = {"summary": summary, "description": description, "parameters": parameters or [],
                 "security": [{"apiEuroToken": []}],
                 "responses": {**responses, "default": json_response("An error (see Error)", ref("Error"))}}
    if body:
        operation["requestBody"] = body
    return operation


def _one(name: str, schema: str, status: str = "200") -> dict:
    return {status: json_response("Success", obj({name: ref(schema)}))}


def _many(name: str, schema: str) -> dict:
    return {"200": json_response("A page", obj({name: array(ref(schema)), "meta": ref("Meta")}))}


NO_CONTENT = {"204": {"description": "Deleted"}}
PROCTORS = {"200": json_response("The exam's proctor pool", obj({"proctors": array(ref("User"))}))}
STUDENT = {"type": "object", "additionalProperties": False, "required": ["email"], "properties": {
    "email": EMAIL, "first_name": STRING, "last_name": STRING,
    "registration": {"type": "object", "additionalProperties": STRING,
                     "description": "Answers to the assessment's other registration fields, by field name."},
    "context_data": STRING, "send_email": nullable(BOOLEAN)}}
STUDENT_CHANGES = {"type": "object", "additionalProperties": False, "properties": {
    "first_name": STRING, "last_name": STRING, "username": NAME, "level": nullable({"enum": LEVELS})}}

DESCRIPTION = f"""The EURO PRUEFSTER API v1, served by Proctora.

**Authentication.** Every request carries `Authorization: apiEuroToken <token>`; the prefix is
mandatory. A missing, malformed, unknown or revoked token answers 401. A read-only (support) token may
read but never write (403). More than {DEFAULT_RATE_LIMIT} per token (configurable) answers 429.

**Lists** take `page` (from 1) and `per_page` (default {DEFAULT_PER_PAGE}, at most {MAX_PER_PAGE}) and
answer `meta` with the page, per_page, total and total_pages.

**Student sessions** have the statuses registered, mail_sent, check_started, check_completed,
exam_session_opened, exam_started and exam_finished (with `finish_mode`). A finished session carries
its `result`: marks, percent, percentile, the CEFR level of a placement test, whether a certification
was passed and whether to continue the course package, and the links to the report (HTML and PDF).
`result_released` and `result_released_at` say whether and when the result was released to the student
(an exam's `release_policy`: at_once, after_review or by_hand; null takes the institute's default); the
marks are shown to the API before the release too.
An exam whose `max_attempts` is above 1 lets a student take it again: each attempt is a session of its
own with its `attempt` number; `show_student` answers the student's latest attempt.

**Errors** answer `{{"error": {{"status", "type", "code", "message", "field"}}}}` with the HTTP status
(400, 401, 403, 404, 405, 409, 413, 429). Another institute's records are not found (404).
"""


def document() -> dict:
    paths = {
        "/api/v1/exams": {
            "get": _operation("Exams", _many("exams", "Exam"), parameters=[
                *PAGING, parameter("q", "query", STRING, "Only exams whose name contains this."),
                parameter("assessment_id", "query", QUERY_ID, "Only exams of this assessment.")]),
            "post": _operation("Create an exam", _one("exam", "Exam", "201"),
                               body=_json_body({**EXAM_BODY, "required": ["name", "assessment_id"]}),
                               description="Fields as in Exam; name and assessment_id are required."),
        },
        "/api/v1/exams/{exam_id}": {
            "get": _operation("One exam", _one("exam", "Exam"), parameters=[EXAM_ID]),
            "patch": _operation("Change an exam's fields", _one("exam", "Exam"), parameters=[EXAM_ID],
                                body=_json_body(EXAM_BODY)),
            "put": _operation("Replace an exam's settings", _one("exam", "Exam"), parameters=[EXAM_ID],
                              body=_json_body({**EXAM_BODY, "required": ["name", "assessment_id"]}),
                              description="Fields left out take their defaults; a status left out is active."),
            "delete": _operation("Delete an exam", NO_CONTENT, parameters=[EXAM_ID],
                                 description="Refused (409) once a student has started; deactivate it instead."),
        },
        "/api/v1/exams/{exam_id}/show_student": {"get": _operation(
            "One student's session in an exam", _one("student_session", "StudentSession"), parameters=[
                EXAM_ID, parameter("email", "query", STRING, "The student's e-mail address."),
                parameter("username", "query", STRING, "The student's username."),
                parameter("student_id", "query", QUERY_ID, "The student's id.")],
            description="Give one of email, username or student_id.")},
        "/api/v1/exams/{exam_id}/add_student": {"post": _operation(
            "Register a student (created if new) to an exam", _one("student_session", "StudentSession", "201"),
            parameters=[EXAM_ID], body=_json_body(STUDENT),
            description="409 if the student is registered already.")},
        "/api/v1/exams/{exam_id}/send_emails": {"post": _operation(
            "E-mail the invitation to the exam's students", {"200": json_response(
                "How many e-mails are queued", obj({"queued": INTEGER}))}, parameters=[EXAM_ID],
            body=_json_body({"type": "object", "properties": {"student_session_ids": IDS}}, required=False),
            description="Every student who has not started, or only `student_session_ids`.")},
        "/api/v1/exams/{exam_id}/proctor_pool": {
            "get": _operation("The exam's proctors", PROCTORS, parameters=[EXAM_ID]),
            "post": _operation("Add proctors to the pool", PROCTORS, parameters=[EXAM_ID],
                               body=_json_body(obj({"user_ids": IDS}))),
            "delete": _operation("Remove proctors from the pool", PROCTORS, parameters=[EXAM_ID],
                                 body=_json_body(obj({"user_ids": IDS}))),
        },
        "/api/v1/exams/{exam_id}/student_sessions": {
            "get": _operation("The exam's student sessions", _many("student_sessions", "StudentSession"),
                              parameters=[EXAM_ID, *PAGING, *SESSION_FILTERS]),
            "post": _operation("Register a student to the exam (as add_student)",
                               _one("student_session", "StudentSession", "201"), parameters=[EXAM_ID],
                               body=_json_body(STUDENT)),
        },
        "/api/v1/student_sessions": {"get": _operation(
            "Student sessions", _many("student_sessions", "StudentSession"), parameters=[
                *PAGING, *SESSION_FILTERS, parameter("exam_id", "query", QUERY_ID, "Only this exam's sessions."),
                parameter("include_sub_institutes", "query", {"enum": list(QUERY_FLAGS), "default": "false"},
                          "Include the sessions of the institute's branches.")])},
        "/api/v1/student_sessions/{student_session_id}": {
            "get": _operation("One student session", _one("student_session", "StudentSession"),
                              parameters=[SESSION_ID]),
            "patch": _operation("Change the session's student", _one("student_session", "StudentSession"),
                                parameters=[SESSION_ID], body=_json_body(STUDENT_CHANGES)),
            "put": _operation("Set the session's student", _one("student_session", "StudentSession"),
                              parameters=[SESSION_ID],
                              body=_json_body({**STUDENT_CHANGES, "required": list(STUDENT_FIELDS)})),
            "delete": _operation("Withdraw a student from the exam", NO_CONTENT, parameters=[SESSION_ID],
                                 description="Deletes the student session, and the student too when they have "
                                             "no other session. Refused (409) once the test has begun."),
        },
        "/api/v1/institutes/{institute_id}/users": {"get": _operation(
            "Users (staff) of the institute or one of its branches", _many("users", "User"),
            parameters=[parameter("institute_id", "path", RECORD_ID, "The institute's id."), *PAGING])},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document (no token needed)", "parameters": [], "security": [],
            "responses": {"200": json_response("The OpenAPI document", {"type": "object"}),
                          "default": json_response("An error (see Error)", ref("Error"))}}},
    }
    return without_control_characters({"openapi": "3.1.0",
            "info": {"title": "Proctora: EURO PRUEFSTER API v1", "version": "1", "description": DESCRIPTION},
            "paths": paths,
            "components": {"schemas": SCHEMAS, "securitySchemes": {"apiEuroToken": {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "The value is `apiEuroToken <token>`."}}}})
