"""Reading EURO PRUEFSTER requests: the Authorization header, paging, filters and JSON bodies. Only
the shape is checked here (400); the services enforce every rule of the domain."""
from __future__ import annotations

from dataclasses import fields
from datetime import date, time

from flask import request

from webapp.accounts.credentials import AuthenticationFailed
from webapp.accounts.models import ReleasePolicy
from webapp.api.common import MAX_ID, QUERY_FLAGS
from webapp.assessments.services import EMAIL_FIELD
from webapp.core.errors import ValidationError
from webapp.core.validation import normalise_email
from webapp.exams.models import AccessType, FixedAccessOption, IpRestriction, ScheduleType
from webapp.exams.services import ExamInput

TOKEN_PREFIX = "apiEuroToken"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# An exam's fields in a request or a response are ExamInput's, by name; their annotations say the type.
EXAM_FIELDS = {item.name: item.type for item in fields(ExamInput)}
# Exam fields whose value is one of an enum of the exam model (so listed in the OpenAPI document too).
EXAM_ENUMS = {"schedule_type": ScheduleType, "fixed_access_option": FixedAccessOption, "access_type": AccessType,
              "ip_restriction": IpRestriction, "release_policy": ReleasePolicy}
EXAM_STATUSES = ("active", "inactive")
STUDENT_FIELDS = ("first_name", "last_name", "username", "level")


def bad_request(message: str, field: str | None = None) -> ValidationError:
    return ValidationError(message, code="E400", field=field)


def token() -> str:
    """The token of `Authorization: apiEuroToken <token>`; the prefix is mandatory (its case is not,
    as for any HTTP authentication scheme)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != TOKEN_PREFIX.lower() or not value.strip():
        raise AuthenticationFailed(f"Send the header Authorization: {TOKEN_PREFIX} <your token>.")
    return value.strip()


def _positive(name: str, default: int, maximum: int = MAX_ID) -> int:
    raw = request.args.get(name)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        raise bad_request(f"{name} must be a whole number.", name) from None
    if not 1 <= value <= maximum:
        raise bad_request(f"{name} must be from 1 to {maximum}.", name)
    return value


def page() -> tuple[int, int]:
    """`page` (from 1) and `per_page` (1 to 100, default 25)."""
    return _positive("page", 1), _positive("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def optional_id(name: str) -> int | None:
    return _positive(name, 1) if request.args.get(name) is not None else None


def flag(name: str) -> bool:
    value = request.args.get(name, "false")
    if value not in QUERY_FLAGS:
        raise bad_request(f"{name} is true or false.", name)
    return QUERY_FLAGS[value]


def body(*, optional: bool = False) -> dict:
    """The request's JSON object; with `optional`, an empty body reads as {}."""
    if optional and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise bad_request("Send a JSON object with Content-Type: application/json.")
    return data


def _whole(value) -> int | None:
    """A JSON integer, which JSON may write as 12 or 12.0, or None for anything else."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def ids(data: dict, name: str) -> list[int]:
    value = data.get(name)
    found = [_whole(item) for item in value] if isinstance(value, list) else None
    if found is None or not all(item is not None and 0 <= item <= MAX_ID for item in found):
        raise bad_request(f"{name} must be an array of ids.", name)
    return found


# Typed values -----------------------------------------------------------------------------------------

def _string(value, name: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string.", name)
    return value


def _read(annotation: str, value, name: str):
    """A JSON value as the ExamInput field with this annotation wants it."""
    if value is None and "None" in annotation:
        return None
    if annotation.startswith("bool"):
        if not isinstance(value, bool):
            raise bad_request(f"{name} must be true or false.", name)
        return value
    if annotation.startswith("int"):
        number = _whole(value)
        if number is None or abs(number) > MAX_ID:
            raise bad_request(f"{name} must be a whole number (at most {MAX_ID}).", name)
        return number
    if annotation.startswith("list"):
        if not isinstance(value, list):
            raise bad_request(f"{name} must be an array of strings.", name)
        return [_string(item, name) for item in value]
    parse = {"date": date.fromisoformat, "time": time.fromisoformat}.get(annotation.split(" ")[0])
    if parse is None:
        text = _string(value, name)
        if name in EXAM_ENUMS and text not in {kind.value for kind in EXAM_ENUMS[name]}:
            raise bad_request(f"{name} is one of {', '.join(kind.value for kind in EXAM_ENUMS[name])}.", name)
        return text
    try:
        parsed = parse(_string(value, name))
    except ValueError:
        parsed = None
    # Times of day are in the exam's own time_zone, so one with a zone of its own is refused.
    if parsed is None or getattr(parsed, "tzinfo", None) is not None:
        raise bad_request(f"{name} must be an ISO {annotation.split(' ')[0]} (2030-06-27, 08:00:00).", name)
    return parsed


def exam_changes(data: dict, *, complete: bool) -> tuple[dict, bool | None]:
    """The exam fields a body sets, and whether it (de)activates the exam. `complete` (POST, PUT)
    needs the name and the assessment."""
    unknown = set(data) - set(EXAM_FIELDS) - {"status"}
    if unknown:
        raise bad_request(f"Unknown exam fields: {', '.join(sorted(unknown))}.")
    if complete and not {"name", "assessment_id"} <= set(data):
        raise bad_request("Give at least name and assessment_id.")
    active = None
    if "status" in data:
        if data["status"] not in EXAM_STATUSES:
            raise bad_request("status is active or inactive.", "status")
        active = data["status"] == "active"
    return {name: _read(EXAM_FIELDS[name], value, name) for name, value in data.items() if name != "status"}, active


def student_row(data: dict) -> tuple[dict, str, bool | None]:
    """A student to register: the registration row (with the e-mail normalised), the context data and
    whether to e-mail them."""
    unknown = set(data) - {"email", "first_name", "last_name", "registration", "context_data", "send_email"}
    if unknown:
        raise bad_request(f"Unknown student fields: {', '.join(sorted(unknown))}.")
    registration = data.get("registration") or {}
    if not isinstance(registration, dict):
        raise bad_request("registration must be an object of field names and values.", "registration")
    row = {str(name): _string(value, str(name)) for name, value in registration.items()}
    row[EMAIL_FIELD] = normalise_email(_string(data.get("email"), "email"))
    for name, label in (("first_name", "First Name"), ("last_name", "Last Name")):
        if data.get(name) is not None:
            row[label] = _string(data[name], name)
    send_email = data.get("send_email")
    if send_email is not None and not isinstance(send_email, bool):
        raise bad_request("send_email must be true, false or null.", "send_email")
    return row, _string(data.get("context_data") or "", "context_data"), send_email


def student_changes(data: dict, *, complete: bool) -> dict:
    """first_name, last_name, username and level (null for none); `complete` (PUT) needs all four."""
    unknown = set(data) - set(STUDENT_FIELDS)
    if unknown:
        raise bad_request(f"Unknown student fields: {', '.join(sorted(unknown))}.")
    if complete and set(data) != set(STUDENT_FIELDS):
        raise bad_request(f"Give all of {', '.join(STUDENT_FIELDS)}.")
    return {name: None if name == "level" and value is None else _string(value, name)
            for name, value in data.items()}
