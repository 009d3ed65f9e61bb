"""The EURO PRUEFSTER v1 dialect at /api/v1/: exams, their students and proctor pools, student
sessions and the users of an institute and its branches. Each view reads the request (parsing), calls
the services as the token's institute and answers in snake_case JSON (serializers); errors take the
shape documented in the OpenAPI file (webapp.core.errors)."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import partial

from flask import Blueprint, jsonify, request

from webapp.accounts.credentials import AuthenticationFailed, credential_for_euro_token
from webapp.accounts.services import institute_staff
from webapp.api.common import actor, rate_limit, use_credential, use_record_ids
from webapp.api.euro_v1 import parsing, serializers
from webapp.api.euro_v1.openapi import document
from webapp.assessments.services import EMAIL_FIELD
from webapp.candidates.services import update_candidate
from webapp.core.errors import Conflict, NotFound, ValidationError
from webapp.core.extensions import limiter
from webapp.exams.services import (ExamInput, create_exam, delete_exam, exam_input, get_exam, list_exams,
                                   set_active, set_proctor_pool, update_exam)
from webapp.results.services import standings
from webapp.sittings.services import (get_sitting, personal_links, register_candidates, remove_student,
                                     search_sittings, send_invitations)

blueprint = Blueprint("euro_v1", __name__, url_prefix="/api/v1")
use_record_ids(blueprint)
route = partial(blueprint.route, strict_slashes=False)
UNAUTHENTICATED = {"euro_v1.openapi_document"}


def _rate_limit_key() -> str:
    """Requests are counted per token (hashed: the limiter's storage may be shared); others per address."""
    header = request.headers.get("Authorization")
    return "euro:" + (hashlib.sha256(header.encode()).hexdigest() if header else request.remote_addr or "unknown")


limiter.limit(rate_limit, key_func=_rate_limit_key)(blueprint)


@blueprint.before_request
def authenticate():
    if request.endpoint in UNAUTHENTICATED:
        return
    credential = credential_for_euro_token(parsing.token())
    if credential is None:
        raise AuthenticationFailed("Unknown or revoked apiEuroToken.")
    use_credential(credential)


def _list(name: str, pagination, serialize):
    return jsonify({name: [serialize(item) for item in pagination.items], "meta": serializers.meta(pagination)})


def _exam(item, status: int = 200):
    return jsonify({"exam": serializers.exam(item)}), status


def _student_session(item, status: int = 200):
    return jsonify({"student_session": _session_serializer([item])(item)}), status


def _session_serializer(items):
    """Serialises these sessions with their percentiles and the personal links the actor may see,
    looked up for all of them at once."""
    ranks, links = standings(items), personal_links(actor(), items) or {}
    return lambda item: serializers.student_session(item, ranks[item.id], links.get(item.id))


# Exams ------------------------------------------------------------------------------------------------

@route("/exams", methods=["GET"])
def exams():
    page, per_page = parsing.page()
    found = list_exams(actor(), text=request.args.get("q", ""), assessment_id=parsing.optional_id("assessment_id"),
                       page=page, per_page=per_page)
    return _list("exams", found, serializers.exam)


@route("/exams/<id:exam_id>", methods=["GET"])
def exam(exam_id):
    return _exam(get_exam(actor(), exam_id))


def _activate(item, active: bool | None):
    # The dialect has no confirmation step, and its callers may set the proctor pool after the exam
    # (PUT /exams/<id>/proctors): a status sent is meant, even with an empty pool.
    return set_active(actor(), item.id, active, despite_warning=True) if active is not None else item


@route("/exams", methods=["POST"])
def create():
    changes, active = parsing.exam_changes(parsing.body(), complete=True)
    return _exam(_activate(create_exam(actor(), ExamInput(**changes)), active), 201)


@route("/exams/<id:exam_id>", methods=["PATCH", "PUT"])
def update(exam_id):
    """PATCH changes the fields given; PUT replaces the exam's settings (what it leaves out is reset, the
    status to active included)."""
    complete = request.method == "PUT"
    changes, active = parsing.exam_changes(parsing.body(), complete=complete)
    if complete and active is None:
        active = True
    base = ExamInput(name="") if complete else exam_input(get_exam(actor(), exam_id))
    return _exam(_activate(update_exam(actor(), exam_id, replace(base, **changes)), active))


@route("/exams/<id:exam_id>", methods=["DELETE"])
def delete(exam_id):
    delete_exam(actor(), exam_id)
    return "", 204


@route("/exams/<id:exam_id>/show_student", methods=["GET"])
def show_student(exam_id):
    """The student session of the student given by `email`, `username` or `student_id`: their latest attempt."""
    item = get_exam(actor(), exam_id)
    email, username, student_id = (request.args.get("email"), request.args.get("username"),
                                   parsing.optional_id("student_id"))
    if not (email or username or student_id):
        raise parsing.bad_request("Give the student's email, username or student_id.")
    found = search_sittings(actor(), exam_id=item.id, candidate_id=student_id, email=email,
                            username=username, newest_first=True, per_page=1).items
    if not found:
        raise NotFound("Student")
    return _student_session(found[0])


@route("/exams/<id:exam_id>/add_student", methods=["POST"])
@route("/exams/<id:exam_id>/student_sessions", methods=["POST"])
def add_student(exam_id):
    """Register one student (created if new) to the exam: 201 with the new student session."""
    row, context_data, send_email = parsing.student_row(parsing.body())
    [outcome] = register_candidates(actor(), exam_id, [row], send_email=send_email,
                                    context_data={row[EMAIL_FIELD]: context_data}, source="api")
    if outcome.registered:
        return _student_session(get_sitting(actor(), outcome.sitting_id), 201)
    if outcome.sitting_id is not None:
        raise Conflict(outcome.message, field="email")
    raise ValidationError(outcome.message, code="E003", field=outcome.field)


@route("/exams/<id:exam_id>/send_emails", methods=["POST"])
def send_emails(exam_id):
    """E-mail the invitation to every student who has not started (or to `student_session_ids`)."""
    data = parsing.body(optional=True)
    chosen = parsing.ids(data, "student_session_ids") if "student_session_ids" in data else None
    return jsonify({"queued": send_invitations(actor(), exam_id, chosen)})


def _proctors(item):
    return jsonify({"proctors": [serializers.user(user) for user in item.proctors]})


@route("/exams/<id:exam_id>/proctor_pool", methods=["GET"])
def proctor_pool(exam_id):
    return _proctors(get_exam(actor(), exam_id))


@route("/exams/<id:exam_id>/proctor_pool", methods=["POST", "DELETE"])
def change_proctor_pool(exam_id):
    """POST adds the staff in `user_ids` to the pool, DELETE removes them."""
    chosen = set(parsing.ids(parsing.body(), "user_ids"))
    current = {user.id for user in get_exam(actor(), exam_id).proctors}
    wanted = current | chosen if request.method == "POST" else current - chosen
    return _proctors(set_proctor_pool(actor(), exam_id, sorted(wanted)))


# Student sessions -------------------------------------------------------------------------------------

def _student_sessions(**scope):
    page, per_page = parsing.page()
    found = search_sittings(
        actor(), status=request.args.get("status"), email=request.args.get("email"),
        username=request.args.get("username"), level=request.args.get("level"), page=page, per_page=per_page,
        **scope)
    return _list("student_sessions", found, _session_serializer(found.items))


@route("/exams/<id:exam_id>/student_sessions", methods=["GET"])
def exam_student_sessions(exam_id):
    return _student_sessions(exam_id=get_exam(actor(), exam_id).id)


@route("/student_sessions", methods=["GET"])
def student_sessions():
    return _student_sessions(exam_id=parsing.optional_id("exam_id"),
                             include_sub_institutes=parsing.flag("include_sub_institutes"))


@route("/student_sessions/<id:student_session_id>", methods=["GET"])
def student_session(student_session_id):
    return _student_session(get_sitting(actor(), student_session_id))


@route("/student_sessions/<id:student_session_id>", methods=["PATCH", "PUT"])
def update_student(student_session_id):
    """The session's student: PATCH changes the fields given, PUT sets all four."""
    changes = parsing.student_changes(parsing.body(), complete=request.method == "PUT")
    item = get_sitting(actor(), student_session_id)
    student = item.candidate
    current = {"first_name": student.first_name, "last_name": student.last_name, "username": student.username,
               "level": student.current_level.value if student.current_level else None}
    fields = {**current, **changes}
    update_candidate(actor(), student.id, first_name=fields["first_name"], last_name=fields["last_name"],
                     username=fields["username"], current_level=fields["level"])
    return _student_session(item)


@route("/student_sessions/<id:student_session_id>", methods=["DELETE"])
def delete_student_session(student_session_id):
    """Withdraw a student from the exam, and delete the student who has no other session (refused once
    the test has begun)."""
    remove_student(actor(), student_session_id)
    return "", 204


# Institutes -------------------------------------------------------------------------------------------

@route("/institutes/<id:institute_id>/users", methods=["GET"])
def institute_users(institute_id):
    page, per_page = parsing.page()
    return _list("users", institute_staff(actor(), institute_id, page=page, per_page=per_page),
                 serializers.user)


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(document())
