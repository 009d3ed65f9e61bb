"""Reading Mettl requests: paging parameters, the JSON strings sent in form fields (`assessments`, `as`,
`sc`, `rd`, `pbts`, `wl`, `sn`, `filter`) and their translation into the services' inputs. Only the
shape of the request is checked here (E400, E003, E004, E010, E022); every rule of the domain is left
to the services."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date, time

from flask import request

from webapp.api.common import MAX_ID, QUERY_FLAGS
from webapp.assessments.models import standard_field_name
from webapp.assessments.services import EMAIL_FIELD, AssessmentInput, FieldInput, RuleInput, SectionInput
from webapp.core.errors import ValidationError
from webapp.core.i18n import LANGUAGES as EXAM_LANGUAGES
from webapp.core.validation import check_json, normalise_email
from webapp.exams.models import AccessType, ScheduleType
from webapp.exams.services import ExamInput

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_REGISTRATIONS = 20
LANGUAGES = ("en", "es", "ar")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def bad_request(message: str, code: str = "E400") -> ValidationError:
    return ValidationError(message, code=code)


# Plain parameters -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    sort: str
    descending: bool


def paging(sorts: tuple[str, ...]) -> Paging:
    """limit (0 to 100, default 20), offset (from 0), sort (the first of `sorts` by default) and
    sort_order (asc or desc, default desc)."""
    values = request.values
    try:
        limit = int(values.get("limit", DEFAULT_LIMIT))
        offset = int(values.get("offset", 0))
    except ValueError:
        raise bad_request("Invalid parameters supplied: limit and offset are whole numbers.") from None
    if not 0 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_ID:
        raise bad_request(f"Invalid parameters supplied: limit is 0 to {MAX_LIMIT}, offset 0 to {MAX_ID}.")
    sort = values.get("sort", sorts[0])
    if sort not in sorts:
        raise bad_request(f"Invalid parameters supplied: sort by one of {', '.join(sorts)}.")
    order = values.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise bad_request("Invalid parameters supplied: sort_order is asc or desc.")
    return Paging(limit, offset, sort, order == "desc")


def flag(name: str) -> bool:
    """A true/false parameter such as `qr` (default false)."""
    value = request.values.get(name, "false")
    if value not in QUERY_FLAGS:
        raise bad_request(f"Invalid parameters supplied: {name} is true or false.")
    return QUERY_FLAGS[value]


def language() -> str:
    """2.1's `languageCode`: en (the default), es or ar."""
    code = request.values.get("languageCode", "en")
    if code not in LANGUAGES:
        raise bad_request(f"Invalid parameters supplied: languageCode is one of {', '.join(LANGUAGES)}.")
    return code


def email(value: str) -> str:
    try:
        return normalise_email(value)
    except ValidationError:
        raise bad_request(f"Invalid format for email-id {value!r}", "E004") from None


def json_parameter(name: str, *, required: bool = True, code: str = "E400"):
    """The JSON value of a form field (or query parameter); its raw string is what was signed."""
    raw = request.values.get(name)
    if raw is None or not raw.strip():
        if required:
            raise bad_request(f"Mandatory parameter {name} not supplied.", code)
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request(f"Invalid parameters supplied: {name} is not valid JSON.", code) from None
    check_json(value, name)
    return value


def _object(value, what: str, code: str = "E400") -> dict:
    if not isinstance(value, dict):
        raise bad_request(f"Invalid parameters supplied: {what} must be a JSON object.", code)
    return value


def _list(value, what: str, code: str = "E400") -> list:
    if not isinstance(value, list):
        raise bad_request(f"Invalid parameters supplied: {what} must be a JSON array.", code)
    return value


def _bool(value, what: str, code: str = "E400") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request(f"Invalid parameters supplied: {what} must be true or false.", code)


def _text(value, what: str, code: str = "E400") -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad_request(f"Invalid parameters supplied: {what} must be a string.", code)


def _number(value, what: str) -> int | float | None:
    """A number, or a string that is one (Mettl's samples quote them: "duration": "80")."""
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise bad_request(f"Invalid parameters supplied: {what} must be a number.")
    return int(number) if number.is_integer() else number


def _count(value, what: str) -> int:
    """A whole number the database can compare (filters are matched in SQL)."""
    number = _number(value, what)
    if not isinstance(number, int) or abs(number) > MAX_ID:
        raise bad_request(f"Invalid parameters supplied: {what} must be a whole number.")
    return number


# Assessments ------------------------------------------------------------------------------------------

def _rule(item) -> RuleInput:
    item = _object(item, "each skill")
    return RuleInput(
        skill=_text(item.get("name"), "skill name"), difficulty=_text(item.get("level"), "skill level"),
        question_count=_number(item.get("questionCount"), "questionCount") or 0,
        question_type=_text(item.get("questionType"), "questionType") or None,
        correct_grade=_number(item.get("correctGrade", 1), "correctGrade"),
        incorrect_grade=_number(item.get("incorrectGrade"), "incorrectGrade") or 0.0,
        pooling=_bool(item.get("questionPooling", True), "questionPooling"),
    )


def _section(item) -> SectionInput:
    item = _object(item, "each section")
    return SectionInput(
        name=_text(item.get("name"), "section name"), duration=_number(item.get("duration"), "section duration"),
        instructions=_text(item.get("instructions"), "instructions"),
        all_questions_mandatory=_bool(item.get("allQuestionsMandatory", False), "allQuestionsMandatory"),
        randomize_questions=_bool(item.get("randomizeQuestions", False), "randomizeQuestions"),
        rules=[_rule(skill) for skill in _list(item.get("skills") or [], "skills")],
    )


def _registration_field(item) -> FieldInput:
    item = _object(item, "each registration field")
    return FieldInput(name=_text(item.get("name"), "field name"), field_type=_text(item.get("type") or "TextBox", "type"),
                      required=_bool(item.get("required", False), "required"),
                      values=[_text(value, "values") for value in _list(item.get("values") or [], "values")])


def _placement_bands(value, what: str, code: str = "E400") -> list[dict]:
    """The additive `placementBands`: [{"level": "B1", "minPercent": 60}, ...]."""
    return [{"level": _text(band.get("level"), "placementBands level", code),
             "min_percent": _number(band.get("minPercent"), "placementBands minPercent")}
            for band in (_object(item, what, code) for item in _list(value or [], what))]


# The additive `adaptive` of a placement test: its names here and in services.check_adaptive, which checks them.
ADAPTIVE_NAMES = {"startLevel": "start_level", "minItems": "min_items", "maxItems": "max_items",
                  "targetStandardError": "target_standard_error", "exposureChoices": "exposure_choices",
                  "skillShares": "skill_shares"}


def _adaptive(value, what: str, code: str = "E400") -> dict | None:
    """The additive `adaptive`: {"startLevel", "minItems", "maxItems", "targetStandardError", "exposureChoices",
    "skillShares"} (any left out take their defaults); false: the fixed form."""
    if value is False:
        return None
    item = _object(value, what, code)
    unknown = set(item) - set(ADAPTIVE_NAMES)
    if unknown:
        raise bad_request(f"Invalid parameters supplied: unknown adaptive settings {', '.join(sorted(unknown))}.", code)
    return {ADAPTIVE_NAMES[name]: setting for name, setting in item.items()}


def _outcome_fields(item: dict, code: str = "E400") -> dict:
    """Proctora's additive fields of an assessment (documented in the OpenAPI document): its kind
    (standard, placement or certification) with the placement bands (and the adaptive settings) or the target
    level and pass mark, and whether the shared report shows the answers. Only those given."""
    readers = {"kind": ("kind", _text), "targetLevel": ("target_level", _text),
               "passMarkPercent": ("pass_mark_percent", lambda value, what, code: _number(value, what)),
               "placementBands": ("placement_bands", _placement_bands), "adaptive": ("adaptive", _adaptive),
               "showAnswersInReport": ("show_answers_in_report", _bool)}
    return {attribute: read(item[name], name, code) for name, (attribute, read) in readers.items()
            if item.get(name) is not None}


def assessment_input(value) -> AssessmentInput:
    """4.1's `assessments`: one assessment, given alone or as the only element of an array."""
    if isinstance(value, list):
        if len(value) != 1:
            raise bad_request("Invalid parameters supplied: create one assessment per request.")
        value = value[0]
    item = _object(value, "assessments")
    return AssessmentInput(
        name=_text(item.get("name"), "name"), duration=_number(item.get("duration"), "duration"),
        instructions=_text(item.get("instructions"), "instructions"),
        allow_copy_paste=_bool(item.get("allowCopyPaste", False), "allowCopyPaste"),
        exit_redirection_url=_text(item.get("exitRedirectionURL"), "exitRedirectionURL"),
        show_report_to_candidate_on_exit=_bool(item.get("showReportToCandidateOnExit", False),
                                               "showReportToCandidateOnExit"),
        on_screen_calculator=_bool(item.get("onScreenCalculator", False), "onScreenCalculator"),
        sections=[_section(section) for section in _list(item.get("sections"), "sections")],
        registration_fields=[_registration_field(f) for f in _list(item.get("registrationFields") or [],
                                                                    "registrationFields")],
        **_outcome_fields(item),
    )


def _exit_url(value, what: str, code: str = "E400") -> str:
    """4.7's sample sends `"exitRedirectionURL": true`: a yes or no without a URL is read as no URL."""
    return "" if isinstance(value, bool) else _text(value, what, code)


# 4.7's `as`: Mettl's setting names and the ones they stand for.
SETTINGS = {"allowCopyPaste": ("allow_copy_paste", _bool), "exitRedirectionURL": ("exit_redirection_url", _exit_url),
            "instructions": ("instructions", _text), "onScreenCalculator": ("on_screen_calculator", _bool),
            "showReportToCandidate": ("show_report_to_candidate_on_exit", _bool),
            "showReportToCandidateOnExit": ("show_report_to_candidate_on_exit", _bool)}


OUTCOME_SETTINGS = ("kind", "targetLevel", "passMarkPercent", "placementBands", "adaptive", "showAnswersInReport")


def assessment_settings(value, assessment_id: int) -> dict:
    """4.7's `as`, as settings for `update_settings`; anything else is E022."""
    item = _object(value, "as", "E022")
    unknown = set(item) - set(SETTINGS) - set(OUTCOME_SETTINGS) - {"assessmentId"}
    if unknown:
        raise bad_request(f"Invalid Assessment settings parameters: {', '.join(sorted(unknown))}", "E022")
    if "assessmentId" in item and str(item["assessmentId"]) != str(assessment_id):
        raise bad_request("Invalid Assessment settings parameters: assessmentId differs from the URL's.", "E022")
    return {**{SETTINGS[name][0]: SETTINGS[name][1](value, name, "E022")
               for name, value in item.items() if name in SETTINGS},
            **_outcome_fields(item, "E022")}


# Schedules --------------------------------------------------------------------------------------------

@dataclass
class ScheduleCandidates:
    """Candidates to invite with a schedule, and (on edit) e-mails whose invitations to withdraw."""

    add: list[dict] = field(default_factory=list)   # registration rows
    remove: list[str] = field(default_factory=list)
    send_email: bool | None = None


def mettl_date(value) -> date | None:
    """A date as Mettl writes it, "Thu, 27 Jun 2013"; an ISO date is accepted too."""
    if value in (None, ""):
        return None
    text = _text(value, "date", "E020").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split(",")[-1].split()
    try:
        day, month, year = parts
        return date(int(year), MONTHS.index(month[:3].title()) + 1, int(day))
    except ValueError:
        raise bad_request(f"Invalid schedule type/Schedule window: unknown date {text!r}.", "E020") from None


def _clock(value) -> time | None:
    """A time of day, "08:00:00", in the window's timeZone (so a time with a zone of its own is refused)."""
    if value in (None, ""):
        return None
    try:
        parsed = time.fromisoformat(_text(value, "time", "E020").strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:
        raise bad_request(f"Invalid schedule type/Schedule window: unknown time {value!r}.", "E020")
    return parsed


def _window(value) -> dict:
    if value is None:
        return dict(fixed_access_option=None, starts_on_date=None, ends_on_date=None, starts_on_time=None,
                    ends_on_time=None)
    window = _object(value, "scheduleWindow", "E020")
    changes = dict(fixed_access_option=_text(window.get("fixedAccessOption"), "fixedAccessOption") or None,
                   starts_on_date=mettl_date(window.get("startsOnDate")), ends_on_date=mettl_date(window.get("endsOnDate")),
                   starts_on_time=_clock(window.get("startsOnTime")), ends_on_time=_clock(window.get("endsOnTime")))
    if window.get("timeZone"):
        changes["time_zone"] = _text(window["timeZone"], "timeZone")
    return changes


def candidate_rows(value) -> list[dict]:
    """[{"name", "email"}] as registration rows: the first word of the name is the first name, the rest
    (if any) the last name; a one-word name ("Madonna") or none is taken as the spec sends it."""
    rows = []
    for item in _list(value, "access candidates"):
        item = _object(item, "each candidate")
        first, _, last = _text(item.get("name"), "candidate name").strip().partition(" ")
        rows.append({EMAIL_FIELD: email(_text(item.get("email"), "candidate email")), "First Name": first,
                     "Last Name": last.strip()})
    return rows


# Flat settings of `sc`: Mettl's name, the ExamInput field, and how to read it.
SCHEDULE_SETTINGS = {
    "name": ("name", _text), "imageProctoring": ("image_proctoring", _bool),
    "isCandidateAuthProctored": ("candidate_auth_proctored", _bool), "scheduleType": ("schedule_type", _text),
    "allowCopyPaste": ("allow_copy_paste", _bool), "exitRedirectionUrl": ("exit_redirection_url", _text),
    "exitRedirectionURL": ("exit_redirection_url", _text), "sourceApp": ("source_app", _text),
    "testStartNotificationUrl": ("test_start_notification_url", _text),
    "testFinishNotificationUrl": ("test_finish_notification_url", _text),
    "testGradedNotificationUrl": ("test_graded_notification_url", _text),
    "testResumeEnabledForExpiredTestURL": ("test_resume_enabled_for_expired_test_url", _text),
}


def _access(value, editing: bool, candidates: ScheduleCandidates) -> dict:
    access = _object(value, "access")
    changes = {}
    if access.get("type"):
        changes["access_type"] = _text(access["type"], "access type")
    if access.get("sendEmail") is not None:
        candidates.send_email = changes["email_on_invitation"] = _bool(access["sendEmail"], "sendEmail")
    listed = access.get("candidates")
    if isinstance(listed, dict) and editing:
        candidates.add = candidate_rows(listed.get("add") or [])
        candidates.remove = [email(_text(item, "remove")) for item in _list(listed.get("remove") or [], "remove")]
    elif listed is not None:
        candidates.add = candidate_rows(listed)
    return changes


def _ip_restriction(value) -> dict:
    restriction = _object(value, "ipAccessRestriction")
    if not _bool(restriction.get("enabled", False), "ipAccessRestriction enabled"):
        return dict(ip_restriction="NONE", ip_addresses=[])
    kind = _text(restriction.get("type") or "SINGLE", "ipAccessRestriction type").upper()
    if kind == "RANGE" and restriction.get("ranges") is None:
        # The spec's own sample sends {"enabled": true, "type": "RANGE", "ranges": null}: no ranges to
        # keep anyone out yet, so no restriction (documented in the OpenAPI document).
        return dict(ip_restriction="NONE", ip_addresses=[])
    entries = [restriction.get("ip")] if kind == "SINGLE" else _list(restriction["ranges"], "ranges")
    return dict(ip_restriction=kind, ip_addresses=[_text(entry, "ip") for entry in entries if entry])


def schedule_input(value, base: ExamInput, *, editing: bool = False) -> tuple[ExamInput, ScheduleCandidates]:
    """`sc` (5.1, 5.2) laid over `base`: what `sc` leaves out keeps its value (on create, the defaults)."""
    sc = _object(value, "sc")
    if not editing and not (isinstance(sc.get("sourceApp"), str) and sc["sourceApp"].strip()):
        raise bad_request("Mandatory parameter sourceApp not supplied: name the application creating the "
                          "schedule (5.1).")
    changes, candidates = {}, ScheduleCandidates()
    for name, (attribute, read) in SCHEDULE_SETTINGS.items():
        if name in sc:
            changes[attribute] = read(sc[name], name)
    if "webProctoring" in sc:
        web = _object(sc["webProctoring"] or {}, "webProctoring")
        changes["web_proctoring_enabled"] = _bool(web.get("enabled", False), "webProctoring enabled")
        if web.get("count") is not None:
            changes["web_proctoring_count"] = _number(web["count"], "webProctoring count")
        if web.get("showRemainingCounts") is not None:
            changes["web_proctoring_show_remaining"] = _bool(web["showRemainingCounts"], "showRemainingCounts")
    if "scheduleWindow" in sc:
        changes.update(_window(sc["scheduleWindow"]))
    # Proctora's extension: the candidate pages' and e-mails' language. The spec knows languageCode only
    # on 2.1, so any other value is ignored here, as every unknown setting of `sc` is.
    language = sc.get("languageCode")
    if isinstance(language, str) and language in EXAM_LANGUAGES:
        changes["language"] = language
    if sc.get("access") is not None:
        changes.update(_access(sc["access"], editing, candidates))
    if sc.get("ipAccessRestriction") is not None:
        changes.update(_ip_restriction(sc["ipAccessRestriction"]))
    if sc.get("testGradeNotification") is not None:
        grade = _object(sc["testGradeNotification"], "testGradeNotification")
        changes["grade_notification_enabled"] = _bool(grade.get("enabled", False), "testGradeNotification enabled")
        changes["grade_notification_recipients"] = [_text(recipient, "recipients") for recipient in
                                                    _list(grade.get("recipients") or [], "recipients")]
    return replace(base, **changes), candidates


FILTER_KEYS = ("imageProctoring", "isCandidateAuthProctored", "webProctoring", "type", "scheduleType")
WEB_PROCTORING_FILTER_KEYS = ("enabled", "count", "showRemainingCounts")


def _known_keys(item: dict, known: tuple[str, ...], what: str) -> None:
    """A key the filter does not know would silently match everything: refuse it by name."""
    unknown = [str(name) for name in item if name not in known]
    if unknown:
        raise bad_request(f"Invalid parameters supplied: unknown {what} key(s) {', '.join(unknown)}; "
                          f"use {', '.join(known)}.")


def schedule_filter(value) -> dict:
    """4.4/4.5's `filter`, as exam settings to match. The spec writes it as `"filter": {...}`, so the
    object is also taken wrapped in a `filter` key, as some clients send it."""
    if value is None:
        return {}
    item = _object(value, "filter")
    if list(item) == ["filter"] and isinstance(item["filter"], dict):
        item = item["filter"]
    _known_keys(item, FILTER_KEYS, "filter")
    found = {}
    for name, attribute in (("imageProctoring", "image_proctoring"), ("isCandidateAuthProctored",
                                                                     "candidate_auth_proctored")):
        if name in item:
            found[attribute] = _bool(item[name], name)
    if "webProctoring" in item:
        web = _object(item["webProctoring"], "webProctoring")
        _known_keys(web, WEB_PROCTORING_FILTER_KEYS, "webProctoring filter")
        for name, attribute, read in (("enabled", "web_proctoring_enabled", _bool),
                                      ("count", "web_proctoring_count", _count),
                                      ("showRemainingCounts", "web_proctoring_show_remaining", _bool)):
            if name in web:
                found[attribute] = read(web[name], name)
    for name, attribute, kinds in (("type", "access_type", AccessType), ("scheduleType", "schedule_type",
                                                                           ScheduleType)):
        if name in item:
            found[attribute] = _text(item[name], name)
            if found[attribute] not in {kind.value for kind in kinds}:
                raise bad_request(f"Invalid parameters supplied: filter {name} is one of "
                                  f"{', '.join(kind.value for kind in kinds)}.")
    return found


# Registration -----------------------------------------------------------------------------------------

def registrations(value) -> tuple[list[dict], dict[str, str]]:
    """6.1.2's `rd`: the rows (field name -> value, at most 20) and the context_data by e-mail."""
    rd = _object(value, "rd")
    rows = _list(rd.get("registrationDetails"), "registrationDetails")
    if len(rows) > MAX_REGISTRATIONS:
        raise bad_request(f"Request data too big: register at most {MAX_REGISTRATIONS} candidates per request.",
                          "E010")
    cleaned = []
    for row in rows:
        # A standard field may be named as 2.1 returned it in another language ("Correo electrónico").
        row = {standard_field_name(str(name)): _text(value, str(name))
               for name, value in _object(row, "each registration").items()}
        if not row.get(EMAIL_FIELD, "").strip():
            raise bad_request(f"Mandatory parameter ({EMAIL_FIELD}) for registration not supplied", "E003")
        row[EMAIL_FIELD] = email(row[EMAIL_FIELD])
        cleaned.append(row)
    context = {}
    for item in _list(rd.get("optionalParams") or [], "optionalParams"):
        item = _object(item, "each optionalParams entry")
        data = item.get("context_data", "")
        context[email(_text(item.get("email"), "email"))] = data if isinstance(data, str) else json.dumps(data)
    return cleaned, context


# PBTs and account -------------------------------------------------------------------------------------

def pbt_ids(value) -> list:
    """3.2's `pbts`: [10, 12]."""
    return _list(value, "pbts")


WHITE_LABEL_SETTINGS = {"headerBackgroundColor": "header_background_color", "headerFontColor": "header_font_color",
                        "buttonColor": "button_color", "buttonFontColor": "button_font_color",
                        "customTestUrl": "custom_test_url"}


def white_label_settings(value) -> dict:
    """2.3's `wl` as white-labelling settings; unknown names are E400."""
    wl = _object(value, "wl")
    unknown = set(wl) - set(WHITE_LABEL_SETTINGS)
    if unknown:
        raise bad_request(f"Invalid parameters supplied: unknown white-labelling settings {', '.join(sorted(unknown))}.")
    return {WHITE_LABEL_SETTINGS[name]: _text(value, name) for name, value in wl.items()}


def support_numbers(value) -> list | None:
    return None if value is None else _list(value, "sn")
