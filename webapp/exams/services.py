"""Exams: the rules of a schedule (Mettl's E019, E020, E034 and friends), its window, access and IP
checks, activation and the proctor pool."""
from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time

from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Institute, ReleasePolicy, User, WhiteLabel
from webapp.assessments.models import Assessment
from webapp.assessments.services import question_count
from webapp.audit.services import audit, changed_fields, differences
from webapp.core import events, links
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute, was_deleted
from webapp.core.errors import Conflict, Deleted, NotFound, ValidationError, parse_enum
from webapp.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from webapp.core.extensions import db
from webapp.core.permissions import Permission, Role, require
from webapp.core.validation import normalise_email, single_line, web_address
from webapp.exams.models import AccessType, Exam, ExamStatus, FixedAccessOption, IpRestriction, ScheduleType
from webapp.exams.windows import (Window, local_clock, local_datetime, local_day, parse_time_zone, time_zone_name,
                                  windows)

# Retakes: at most this many attempts per candidate, and at most a year's wait between two.
MAX_ATTEMPTS = 10
MAX_RETAKE_WAIT_HOURS = 8760
CALLBACK_FIELDS = ("test_start_notification_url", "test_finish_notification_url", "test_graded_notification_url",
                   "test_resume_enabled_for_expired_test_url")


@dataclass
class ExamInput:
    """An exam as staff or an integrator describe it, before validation."""

    name: str
    assessment_id: int | None = None
    schedule_type: str = ScheduleType.ALWAYS_ON.value
    fixed_access_option: str | None = None
    starts_on_date: date | None = None
    ends_on_date: date | None = None
    starts_on_time: time | None = None
    ends_on_time: time | None = None
    time_zone: str = ""                   # "": the institute's zone; else an IANA name or UTC+05:30
    language: str = ""                    # the candidate pages' and e-mails'; "": the institute's
    access_type: str = AccessType.OPEN_FOR_ALL.value
    email_on_invitation: bool = False
    ip_restriction: str = IpRestriction.NONE.value
    ip_addresses: list[str] = field(default_factory=list)
    image_proctoring: bool = False
    candidate_auth_proctored: bool = False
    web_proctoring_enabled: bool = False
    web_proctoring_count: int = 3
    web_proctoring_show_remaining: bool = True
    admission_required: bool = False
    allow_copy_paste: bool = False
    exit_redirection_url: str = ""
    grade_notification_enabled: bool = False
    grade_notification_recipients: list[str] = field(default_factory=list)
    source_app: str = ""
    test_start_notification_url: str = ""
    test_finish_notification_url: str = ""
    test_graded_notification_url: str = ""
    test_resume_enabled_for_expired_test_url: str = ""
    notify_client: bool = False
    release_policy: str | None = None     # None: the institute's default (results/release.py: policy_of)
    max_attempts: int = 1
    retake_wait_hours: int = 0


def exam_input(exam: Exam) -> ExamInput:
    values = {}
    for item in fields(ExamInput):
        value = getattr(exam, item.name)
        values[item.name] = value.value if hasattr(value, "value") else (list(value) if isinstance(value, list) else value)
    return ExamInput(**values)


def _check_window(data: ExamInput, values: dict, institute_id: int) -> None:
    schedule_type = parse_enum(ScheduleType, data.schedule_type, "schedule_type", _("schedule type"))
    values["schedule_type"] = schedule_type
    values["time_zone"] = time_zone_name(data.time_zone or db.session.get(Institute, institute_id).time_zone)
    window_given = any((data.starts_on_date, data.ends_on_date, data.starts_on_time, data.ends_on_time))
    if schedule_type == ScheduleType.ALWAYS_ON:
        if window_given:
            raise ValidationError(_("Invalid schedule type/Schedule window: an AlwaysOn exam has no window."),
                                  code="E020", field="schedule_type")
        values.update(fixed_access_option=None, starts_on_date=None, ends_on_date=None, starts_on_time=None,
                      ends_on_time=None)
        return
    option = parse_enum(FixedAccessOption, data.fixed_access_option or FixedAccessOption.EXACT_TIME.value,
                        "fixed_access_option", _("access option"))
    if not (data.starts_on_date and data.ends_on_date):
        raise ValidationError(_("Invalid schedule type/Schedule window: a Fixed exam needs its start and end dates."),
                              code="E020", field="starts_on_date")
    if data.ends_on_date < data.starts_on_date:
        raise ValidationError(_("Invalid schedule window: the end date is before the start date."), code="E020",
                              field="ends_on_date")
    if option == FixedAccessOption.SLOT_WISE:
        if not (data.starts_on_time and data.ends_on_time):
            raise ValidationError(_("Invalid schedule window: a daily slot needs its start and end times."),
                                  code="E020", field="starts_on_time")
        if data.ends_on_time <= data.starts_on_time:
            raise ValidationError(_("Invalid schedule window: the daily slot ends before it starts."), code="E020",
                                  field="ends_on_time")
    elif data.starts_on_date == data.ends_on_date and data.starts_on_time and data.ends_on_time \
            and data.ends_on_time <= data.starts_on_time:
        raise ValidationError(_("Invalid schedule window: the window ends before it starts."), code="E020",
                              field="ends_on_time")
    values.update(fixed_access_option=option, starts_on_date=data.starts_on_date, ends_on_date=data.ends_on_date,
                  starts_on_time=data.starts_on_time, ends_on_time=data.ends_on_time)


def parse_ip_entry(entry: str):
    """One allowed range: an address, a CIDR network, or `from-to`; returns (first, last) addresses."""
    entry = entry.strip()
    try:
        if "-" in entry:
            first, last = (ipaddress.ip_address(part.strip()) for part in entry.split("-", 1))
            if first.version != last.version or last < first:
                raise ValueError
            return first, last
        network = ipaddress.ip_network(entry, strict=False)
        return network[0], network[-1]
    except ValueError:
        raise ValidationError(_("Invalid IP address or range %(entry)s; use 10.0.0.5, 10.0.0.0/24 or "
                                "10.0.0.5-10.0.0.50.", entry=repr(entry)), code="E789", field="ip_addresses") from None


def _check_ip(data: ExamInput, values: dict) -> None:
    restriction = parse_enum(IpRestriction, data.ip_restriction or "NONE", "ip_restriction", _("IP restriction"))
    entries = [entry.strip() for entry in data.ip_addresses or [] if entry and entry.strip()]
    if restriction == IpRestriction.NONE:
        entries = []
    elif restriction == IpRestriction.SINGLE:
        if len(entries) != 1:
            raise ValidationError(_("Give exactly one IP address."), code="E789", field="ip_addresses")
        try:
            entries = [str(ipaddress.ip_address(entries[0]))]
        except ValueError:
            raise ValidationError(_("Invalid IP address %(address)s.", address=repr(entries[0])), code="E789",
                                  field="ip_addresses") from None
    else:
        if not entries:
            raise ValidationError(_("Give at least one IP range."), code="E789", field="ip_addresses")
        for entry in entries:
            parse_ip_entry(entry)
    values.update(ip_restriction=restriction, ip_addresses=entries)


def _whole_number(value, low: int, high: int, message: str, field: str) -> int:
    # bool is an int to Python, but true is no number of attempts.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(message, code="E789", field=field)
    return value


def _check_retakes(data: ExamInput, values: dict) -> None:
    values["max_attempts"] = _whole_number(
        data.max_attempts, 1, MAX_ATTEMPTS,
        _("The attempts per candidate are a whole number from 1 to %(most)d.", most=MAX_ATTEMPTS), "max_attempts")
    values["retake_wait_hours"] = _whole_number(
        data.retake_wait_hours, 0, MAX_RETAKE_WAIT_HOURS,
        _("The waiting period before a retake is a whole number of hours from 0 to %(most)d.",
          most=MAX_RETAKE_WAIT_HOURS),
        "retake_wait_hours")


def _check_language(language: str | None) -> str:
    """One of the languages Proctora speaks, or "" for the institute's."""
    language = (language or "").strip()
    if language and language not in LANGUAGES:
        raise ValidationError(_("Choose one of the languages offered: %(languages)s.",
                                languages=", ".join(LANGUAGES)), code="E789", field="language")
    return language


def _check(institute_id: int, data: ExamInput, exam_id: int | None) -> dict:
    name = single_line(data.name, _("The exam name"), field="name")
    if not name or len(name) > 200:
        raise ValidationError(_("Give the exam a name (up to 200 characters)."), code="E789", field="name")
    # Compared here rather than with SQL lower(), which on SQLite folds only ASCII letters ("PRÜFUNG").
    folded = name.casefold()
    if any(other_id != exam_id and other.casefold() == folded for other_id, other in db.session.execute(
            select(Exam.id, Exam.name).where(Exam.institute_id == institute_id))):
        raise Conflict(_("Schedule name already exists"), code="E019", field="name")
    assessment = get_in_institute(Assessment, institute_id, data.assessment_id, "Assessment")
    if question_count(assessment) == 0:
        raise ValidationError(_("The assessment %(name)s has no questions yet.", name=repr(assessment.name)),
                              code="E789", field="assessment_id")
    values = {"name": name, "assessment_id": assessment.id}
    _check_window(data, values, institute_id)
    values["access_type"] = parse_enum(AccessType, data.access_type, "access_type", _("access type"))
    _check_ip(data, values)
    try:
        count = int(data.web_proctoring_count)
    except (TypeError, ValueError):
        count = -1
    if data.web_proctoring_enabled and not 1 <= count <= 100:
        raise ValidationError(_("The browsing tolerance is a number from 1 to 100."), code="E789",
                              field="web_proctoring_count")
    values["web_proctoring_count"] = count if count > 0 else 3
    _check_retakes(data, values)
    recipients = []
    for email in data.grade_notification_recipients or []:
        if not str(email).strip():
            continue
        try:
            recipients.append(normalise_email(str(email)))
        except ValidationError:
            raise ValidationError(_("Invalid EmailId %(email)s supplied in recipients of testGradeNotification",
                                    email=email), code="E034", field="grade_notification_recipients") from None
    if data.grade_notification_enabled and not recipients:
        raise ValidationError(_("Give at least one recipient for grade notifications."), code="E034",
                              field="grade_notification_recipients")
    values["grade_notification_recipients"] = recipients
    values["exit_redirection_url"] = web_address(data.exit_redirection_url, _("exit redirection URL"),
                                                 field="exit_redirection_url", code="E789")
    for name_of_url in CALLBACK_FIELDS:
        values[name_of_url] = web_address(getattr(data, name_of_url), _("callback URL"), field=name_of_url, code="E789")
    values["source_app"] = single_line(data.source_app, _("The source app"), field="source_app")[:200]
    for flag in ("email_on_invitation", "image_proctoring", "candidate_auth_proctored", "web_proctoring_enabled",
                 "web_proctoring_show_remaining", "admission_required", "allow_copy_paste",
                 "grade_notification_enabled", "notify_client"):
        values[flag] = bool(getattr(data, flag))
    values["language"] = _check_language(data.language)
    values["release_policy"] = parse_enum(ReleasePolicy, data.release_policy, "release_policy", _("release policy")) \
        if data.release_policy else None
    return values


def create_exam(actor: User, data: ExamInput) -> Exam:
    require(actor, Permission.EDIT_EXAMS)
    exam = Exam(institute_id=actor.institute_id, access_key=_new_access_key(),
                **_check(actor.institute_id, data, None))
    db.session.add(exam)
    db.session.flush()
    audit(actor, "exam.create", "exam", exam.id, {}, {"name": exam.name, "assessment": exam.assessment.name},
          label=exam.name)
    return exam


def _new_access_key() -> str:
    return secrets.token_urlsafe(9)


def update_exam(actor: User, exam_id, data: ExamInput) -> Exam:
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    values = _check(actor.institute_id, data, exam.id)
    events.exam_changing.send(exam, changes=values)
    before, after = changed_fields(exam, values)
    for name, value in values.items():
        setattr(exam, name, value)
    db.session.flush()
    if after:
        audit(actor, "exam.update", "exam", exam.id, before, after, label=exam.name)
    return exam


def get_exam(actor: User, exam_id) -> Exam:
    require(actor, Permission.VIEW_EXAMS)
    return get_in_institute(Exam, actor.institute_id, exam_id, "Exam")


def exam_by_access_key(access_key: str) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.access_key == access_key))


def list_exams(actor: User, *, text: str = "", assessment_id=None, page: int = 1, per_page: int = 25):
    require(actor, Permission.VIEW_EXAMS)
    query = select(Exam).where(Exam.institute_id == actor.institute_id)
    if text and text.strip():
        query = query.where(func.lower(Exam.name).contains(text.strip().lower(), autoescape=True))
    if assessment_id:
        query = query.where(Exam.assessment_id == int(assessment_id))
    # The list shows each exam's assessment: load them with the page, not one query per exam.
    query = query.options(selectinload(Exam.assessment))
    return db.paginate(query.order_by(Exam.created_at.desc(), Exam.id.desc()), page=page, per_page=per_page,
                       error_out=False)


# The exam settings a list may be filtered by (Mettl's schedule `filter`).
EXAM_FILTERS = frozenset({"image_proctoring", "candidate_auth_proctored", "web_proctoring_enabled",
                          "web_proctoring_count", "web_proctoring_show_remaining", "access_type", "schedule_type"})


def exam_for_access_key(actor: User, access_key: str) -> Exam:
    """The institute's exam with this access key: Deleted (E008) if it deleted it, else NotFound (E002)."""
    require(actor, Permission.VIEW_EXAMS)
    exam = exam_by_access_key(access_key)
    if exam is not None and exam.institute_id == actor.institute_id:
        return exam
    if was_deleted(actor.institute_id, "exam", access_key):
        raise Deleted("Schedule", code="E008")
    raise NotFound("Schedule", code="E002")


def pool_warning(exam: Exam) -> str | None:
    """What is wrong with the exam's proctor pool for the candidates, if anything: an exam that waits for a
    proctor's admission with nobody in its pool leaves candidates waiting (only an administrator can let
    them in)."""
    if exam.admission_required and not exam.proctors:
        return _("Candidates of this exam wait for a proctor to admit them, and its proctor pool is empty: "
                 "only an administrator could let them in. Add proctors to the pool first.")
    return None


def set_active(actor: User, exam_id, active: bool, *, despite_warning: bool = False) -> Exam:
    """Open or close the exam's links. Opening an exam whose pool cannot admit its candidates (pool_warning)
    is refused with the reason unless the actor confirms it (`despite_warning`)."""
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    status = ExamStatus.ACTIVE if active else ExamStatus.INACTIVE
    warning = pool_warning(exam) if status == ExamStatus.ACTIVE != exam.status else None
    if warning and not despite_warning:
        raise Conflict(warning, field="despite_warning")
    if status != exam.status:
        audit(actor, "exam.update", "exam", exam.id, *changed_fields(exam, {"status": status}), label=exam.name)
    exam.status = status
    return exam


def delete_exam(actor: User, exam_id) -> None:
    """Only an exam nobody has started yet may go, with its registrations; deactivate one with
    history instead."""
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    events.exam_deleting.send(exam)
    exam.proctors = []
    audit(actor, "exam.delete", "exam", exam.id, {"name": exam.name, "assessment": exam.assessment.name}, {},
          label=exam.name)
    db.session.delete(exam)


def refuse_deleting_a_used_assessment(assessment: Assessment) -> None:
    """An exam's sittings and results need its assessment's definition: one that an exam uses stays."""
    exams = db.session.scalars(select(Exam.name).where(Exam.assessment_id == assessment.id)
                               .order_by(Exam.name, Exam.id).limit(4)).all()
    if not exams:
        return
    named = ", ".join(f'"{name}"' for name in exams[:3])
    if len(exams) == 1:
        raise Conflict(_("%(assessment)s cannot be deleted: the exam %(exam)s uses it.", assessment=assessment.name,
                         exam=named))
    if len(exams) > 3:
        raise Conflict(_("%(assessment)s cannot be deleted: the exams %(exams)s and others use it.",
                         assessment=assessment.name, exams=named))
    raise Conflict(_("%(assessment)s cannot be deleted: the exams %(exams)s use it.", assessment=assessment.name,
                     exams=named))


def set_proctor_pool(actor: User, exam_id, user_ids: list) -> Exam:
    """The proctors who supervise this exam: staff of the institute with the proctor or admin role."""
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    wanted = {int(user_id) for user_id in user_ids}
    proctors = list(db.session.scalars(select(User).where(
        User.institute_id == actor.institute_id, User.id.in_(wanted), User.active,
        User.role.in_([Role.PROCTOR, Role.ADMIN]))))
    if len(proctors) != len(wanted):
        raise ValidationError(_("Only active proctors and administrators of your institute can be in the pool."),
                              code="E789", field="proctors")
    # By name, as the exam page lists them.
    before, after = differences({"proctors": sorted(user.name for user in exam.proctors)},
                                {"proctors": sorted(user.name for user in proctors)})
    if after:
        audit(actor, "exam.proctor_pool", "exam", exam.id, before, after, label=exam.name)
    exam.proctors = proctors
    return exam


def pool_candidates(actor: User) -> list[User]:
    """The staff who may be put in an exam's proctor pool."""
    require(actor, Permission.VIEW_EXAMS)
    return list(db.session.scalars(select(User).where(
        User.institute_id == actor.institute_id, User.active, User.role.in_([Role.PROCTOR, Role.ADMIN]))
        .order_by(User.name)))


# Access -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntryExam:
    exam: Exam
    state: str                 # "open" or "not_yet_open" (window_state's words)
    window: str                # describe_window's words

    @property
    def is_open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True)
class CandidateEntry:
    """What the institute's custom test URL (Mettl's 2.3 `customTestUrl`) shows a candidate."""

    institute: Institute
    exams: list[EntryExam]


def candidate_entry(slug: str, *, now: datetime | None = None) -> CandidateEntry | None:
    """The entry page behind an institute's custom test URL: its exams open to everyone that are active
    and open now or later, by name (closed ones and invitation-only ones are not shown); None when no
    institute has this URL."""
    label = db.session.scalar(select(WhiteLabel).where(WhiteLabel.custom_test_url == str(slug)[:100]))
    if label is None:
        return None
    exams = db.session.scalars(select(Exam).where(
        Exam.institute_id == label.institute_id, Exam.access_type == AccessType.OPEN_FOR_ALL,
        Exam.status == ExamStatus.ACTIVE).order_by(Exam.name, Exam.id)).all()
    listed = [EntryExam(exam, state, describe_window(exam))
              for exam, (state, _) in ((exam, window_state(exam, now)) for exam in exams) if state != "closed"]
    return CandidateEntry(db.session.get(Institute, label.institute_id), listed)


def entry_exam(entry: CandidateEntry, access_key: str) -> Exam | None:
    """An exam of the entry's institute by the access key a candidate typed (spaces forgiven: keys are
    read aloud and copied from paper); another institute's key is not found here."""
    exam = exam_by_access_key("".join(str(access_key or "").split())[:40])
    return exam if exam is not None and exam.institute_id == entry.institute.id else None


def access_url(exam: Exam) -> str:
    return links.open_link_url(exam.access_key)


def exam_windows(exam: Exam, after: datetime | None = None) -> list[Window]:
    if exam.schedule_type == ScheduleType.ALWAYS_ON:
        return []
    return windows(fixed_access_option=exam.fixed_access_option.value, starts_on=exam.starts_on_date,
                   ends_on=exam.ends_on_date, start_time=exam.starts_on_time, end_time=exam.ends_on_time,
                   zone=parse_time_zone(exam.time_zone), after=after)


def window_state(exam: Exam, now: datetime | None = None) -> tuple[str, Window | None]:
    """("open", window) now; ("not_yet_open", next window); or ("closed", None). AlwaysOn is always open."""
    now = now or utcnow()
    if exam.schedule_type == ScheduleType.ALWAYS_ON:
        return "open", None
    upcoming = exam_windows(exam, after=now)
    if not upcoming:
        return "closed", None
    return ("open" if upcoming[0].contains(now) else "not_yet_open"), upcoming[0]


def ip_allowed(exam: Exam, address: str) -> bool:
    if exam.ip_restriction == IpRestriction.NONE:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in exam.ip_addresses:
        first, last = parse_ip_entry(entry)
        if first.version == ip.version and first <= ip <= last:
            return True
    return False


def describe_window(exam: Exam) -> str:
    """The window in words, in the reader's language and the exam's own time zone, for pages and e-mails."""
    if exam.schedule_type == ScheduleType.ALWAYS_ON:
        return _("Open at any time")
    if exam.fixed_access_option == FixedAccessOption.SLOT_WISE:
        return _("Daily from %(start)s to %(end)s (%(zone)s), %(first_day)s to %(last_day)s",
                 start=local_clock(exam.starts_on_time), end=local_clock(exam.ends_on_time), zone=exam.time_zone,
                 first_day=local_day(exam.starts_on_date), last_day=local_day(exam.ends_on_date))
    window = exam_windows(exam)[0]
    return _("From %(start)s to %(end)s (%(zone)s)", start=local_datetime(window.start, window.zone),
             end=local_datetime(window.end, window.zone), zone=exam.time_zone)


def exam_placeholders(exam: Exam) -> dict:
    """The values of an exam's e-mail placeholders that do not depend on the candidate, worded in the
    language of the moment (webapp/notifications/mail_templates.py lists them)."""
    minutes = exam.assessment.duration_minutes
    return {"exam_name": exam.name, "test_name": exam.assessment.name, "institute_name": exam.institute.name,
            "window": describe_window(exam),
            "duration": ngettext("%(num)d minute", "%(num)d minutes", minutes) if minutes else _("no time limit")}


def language_to_write_in(exam: Exam, chosen: str = "") -> str:
    """The language we write to a candidate in about `exam` (e-mails, their report): `chosen`, the
    candidate's own (`Candidate.language`, their last choice on a candidate page), else the exam's,
    else its institute's, else English."""
    return next((language for language in (chosen, exam.language, exam.institute.language)
                 if language in LANGUAGES), DEFAULT_LANGUAGE)
