"""Proctoring: who may watch which exam (admins every exam of their institute, proctors the exams of
their pools), the live monitor, admission, actions on running sittings (message, extend, terminate,
flag), review, resume, webcam snapshots and the retention of images.

Every staff action checks the permission AND the pool, changes the sitting through `sittings.taking`
and writes an audit entry in the same transaction."""
from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, NamedTuple

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import String, bindparam, cast, delete, exists, func, select, update
from sqlalchemy.orm import joinedload

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.candidates.models import Candidate, full_name
from webapp.core import events, storage
from webapp.core.clock import utcnow
from webapp.core.database import RowPagination, get_in_institute, paginate_rows, parse_id
from webapp.core.errors import (Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied, ValidationError,
                                parse_enum)
from webapp.core.extensions import db
from webapp.core.permissions import Permission, Role, require
from webapp.exams.models import Exam, exam_proctors
from webapp.proctoring import conversations
from webapp.proctoring.models import (CandidateMessage, Flag, RetentionPolicy, Review,
                                      ReviewOutcome, Snapshot)
from webapp.sittings import proctor_moves, taking
from webapp.sittings.models import FLAG_CATEGORIES, FinishMode, ProctorEvent, Response, Sitting, SittingStatus

S = SittingStatus
MAX_MINUTES = 24 * 60
MAX_TEXT = 2000
# Extra time as an accommodation: up to four times the test's duration, beyond any common need (double time).
MAX_EXTRA_TIME_PERCENT = 300
RETENTION_BATCH = 200
_SNAPSHOT_KEY = re.compile(r"^(\d+)/(\d+)/snapshot-([A-Za-z0-9_-]{16,64})\.(jpg|png|webp)$")


# Who may watch what ------------------------------------------------------------------------------------

def in_pool(actor: User, exam: Exam) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return bool(db.session.scalar(select(exists().where(exam_proctors.c.exam_id == exam.id,
                                                        exam_proctors.c.user_id == actor.id))))


def visible_exams(actor: User) -> list[Exam]:
    """The exams the actor proctors: every exam of the institute for an admin, the pools' for a proctor."""
    require(actor, Permission.PROCTOR_SITTINGS)
    query = select(Exam).where(Exam.institute_id == actor.institute_id)
    if actor.role != Role.ADMIN:
        query = query.where(Exam.id.in_(select(exam_proctors.c.exam_id).where(exam_proctors.c.user_id == actor.id)))
    return list(db.session.scalars(query.order_by(Exam.name)))


def proctored_exam(actor: User, exam_id) -> Exam:
    require(actor, Permission.PROCTOR_SITTINGS)
    exam = get_in_institute(Exam, actor.institute_id, exam_id, "Exam")
    if not in_pool(actor, exam):
        raise PermissionDenied(_("You are not in this exam's proctor pool."))
    return exam


def proctored_sitting(actor: User, sitting_id) -> Sitting:
    require(actor, Permission.PROCTOR_SITTINGS)
    sitting = get_in_institute(Sitting, actor.institute_id, sitting_id, "Sitting")
    if not in_pool(actor, sitting.exam):
        raise PermissionDenied(_("You are not in this exam's proctor pool."))
    return sitting


# Audit entries ------------------------------------------------------------------------------------------

def sitting_label(sitting: Sitting) -> str:
    return f"{sitting.candidate.name} in {sitting.exam.name}"


def _state(sitting: Sitting) -> dict:
    return {"status": sitting.status.value, "finish_mode": sitting.finish_mode.value if sitting.finish_mode else None,
            "deadline": sitting.deadline.isoformat() if sitting.deadline else None,
            "extra_minutes": sitting.extra_minutes}


# The live monitor --------------------------------------------------------------------------------------

# What a higher floor shows of a sitting on the proctor's pages (the LTI floor: the learning platform's attempt
# it proctors), registered from the wiring: "sitting" (sitting id -> its attempt or None) for the sitting's page,
# "page" (sitting ids -> {sitting id: attempt}, one query) for the monitor's rows.
PLATFORM_VIEWS: dict[str, Callable] = {}


def register_platform_views(*, sitting: Callable[[int], Any], page: Callable[[list[int]], dict]) -> None:
    PLATFORM_VIEWS.update(sitting=sitting, page=page)


@dataclass
class MonitorRow:
    sitting_id: int
    name: str
    email: str
    status: SittingStatus
    finish_mode: FinishMode | None
    remaining: int | None
    answered: int
    browsing: int
    online: bool
    last_snapshot_id: int | None
    open_flags: int
    unread: int          # the candidate's messages no staff member has read
    platform: Any = None  # a learning platform's attempt this sitting proctors, as it last answered (PLATFORM_VIEWS)

    @property
    def row_actions(self) -> tuple[str, ...]:
        """The actions (SELECTION_ACTIONS) the row offers a button for: admission while the candidate
        waits, more time and the end while the test runs; the rest through a selection."""
        if self.status == S.CHECK_COMPLETED:
            return ("admit",)
        if self.status == S.EXAM_STARTED:
            return ("extend", "terminate")
        return ()


# The live monitor's state filter, with the words it offers.
MONITOR_STATES = {"waiting": _l("Waiting for admission"), "running": _l("Taking the test"),
                  "finished": _l("Finished"), "not_started": _l("Not started")}


MONITOR_PAGE = 100   # sittings a page of the live monitor shows (each refresh renders them all)


class _Watched(NamedTuple):
    id: int
    status: SittingStatus
    finish_mode: FinishMode | None
    deadline: datetime | None
    last_seen_at: datetime | None
    registered_by: str
    first_name: str
    last_name: str
    email: str


def monitor(actor: User, exam_id, *, state: str = "", flagged: bool = False, page: int = 1,
            now: datetime | None = None) -> tuple[Exam, RowPagination]:
    """A page of the exam's sittings with what a proctor watches (MonitorRow items): a count, one query for
    the page's sittings and four grouped ones over them (answers, browsing events, snapshots, flags), whatever
    the number of sittings. An exam of thousands is watched a page at a time, refreshed every few seconds."""
    now = now or utcnow()
    exam = proctored_exam(actor, exam_id)
    chosen = [Sitting.exam_id == exam.id]
    if state == "waiting":
        chosen.append(Sitting.status == S.CHECK_COMPLETED)
    elif state == "running":
        chosen.append(Sitting.status == S.EXAM_STARTED)
    elif state == "finished":
        chosen.append(Sitting.status == S.EXAM_FINISHED)
    elif state == "not_started":
        chosen.append(Sitting.status.in_([S.REGISTERED, S.MAIL_SENT, S.CHECK_STARTED, S.EXAM_SESSION_OPENED]))
    if flagged:
        chosen.append(exists().where(Flag.sitting_id == Sitting.id, Flag.resolved_at.is_(None)))
    query = (select(Sitting.id, Sitting.status, Sitting.finish_mode, Sitting.deadline, Sitting.last_seen_at,
                    Sitting.registered_by, Candidate.first_name, Candidate.last_name, Candidate.email)
             .join(Candidate, Candidate.id == Sitting.candidate_id).where(*chosen).order_by(Sitting.id))
    sittings = paginate_rows(query, _Watched, page=page, per_page=MONITOR_PAGE,
                             count=select(func.count()).select_from(Sitting).where(*chosen))
    rows = sittings.items
    shown = [row.id for row in rows]
    # Counted per sitting through the responses' index: PostgreSQL would rather scan every response of every
    # exam than look up the page's sittings' ones in a grouped join.
    # The unread messages are counted alike, in the same statement.
    counted = db.session.execute(select(Sitting.id, select(func.count()).where(
        Response.sitting_id == Sitting.id, Response.answer.is_not(None),
        func.coalesce(cast(Response.answer, String), "null") != "null").scalar_subquery(), conversations.UNREAD)
        .where(Sitting.id.in_(shown))).all()
    answered = {sitting_id: count for sitting_id, count, __ in counted}
    unread = {sitting_id: count for sitting_id, __, count in counted}
    browsing = dict(db.session.execute(
        select(ProctorEvent.sitting_id, func.count()).where(
            ProctorEvent.sitting_id.in_(shown), ProctorEvent.kind.in_(taking.BROWSING_EVENTS))
        .group_by(ProctorEvent.sitting_id)).all())
    snapshots = dict(db.session.execute(
        select(Snapshot.sitting_id, func.max(Snapshot.id)).where(Snapshot.sitting_id.in_(shown))
        .group_by(Snapshot.sitting_id)).all())
    flags = dict(db.session.execute(
        select(Flag.sitting_id, func.count()).where(Flag.sitting_id.in_(shown), Flag.resolved_at.is_(None))
        .group_by(Flag.sitting_id)).all())
    # Only a learning platform's sittings can be its attempts: no query for a page without any.
    from_platform = [row.id for row in rows if row.registered_by == "lti"]
    platform = PLATFORM_VIEWS["page"](from_platform) if PLATFORM_VIEWS and from_platform else {}
    result = []
    for row in rows:
        remaining = None
        if row.status == S.EXAM_STARTED and row.deadline:
            remaining = max(0, int((row.deadline - now).total_seconds()))
        result.append(MonitorRow(
            sitting_id=row.id, name=full_name(row.first_name, row.last_name, row.email),
            email=row.email, status=row.status, finish_mode=row.finish_mode, remaining=remaining,
            answered=answered.get(row.id, 0), browsing=browsing.get(row.id, 0),
            online=bool(row.last_seen_at and now - row.last_seen_at <= taking.ONLINE_FOR),
            last_snapshot_id=snapshots.get(row.id), open_flags=flags.get(row.id, 0),
            unread=unread.get(row.id, 0), platform=platform.get(row.id)))
    sittings.items = result
    return exam, sittings


def sitting_detail(actor: User, sitting_id) -> dict:
    """What a sitting's page shows; `actors` names the staff in its event log (by user id), so that the log
    reads "Ann Proctor gave 5 more minutes" with one more query, not one per event. Opening the page reads
    the candidate's messages; the timeline holds the latest events with everything else."""
    sitting = proctored_sitting(actor, sitting_id)
    events = list(db.session.scalars(select(ProctorEvent).where(ProctorEvent.sitting_id == sitting.id)
                                     .order_by(ProctorEvent.id.desc()).limit(200)))
    actor_ids = {event.actor_id for event in events if event.actor_id is not None}
    actors = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all()) \
        if actor_ids else {}
    flags = list(db.session.scalars(select(Flag).where(Flag.sitting_id == sitting.id).order_by(Flag.id)))
    messages = conversations.read(sitting)
    return {
        "sitting": sitting,
        "flags": flags,
        "events": events,
        "actors": actors,
        "messages": messages,
        "timeline": conversations.timeline(sitting, events, messages),
        "review": review_of(sitting),
        "platform_attempt": PLATFORM_VIEWS["sitting"](sitting.id)
        if PLATFORM_VIEWS and sitting.registered_by == "lti" else None,
        "browsing": taking.browsing_count(sitting),
        "snapshot_count": db.session.scalar(select(func.count()).select_from(Snapshot)
                                            .where(Snapshot.sitting_id == sitting.id)),
    }


def sitting_conversation(actor: User, sitting_id) -> tuple[Sitting, list[CandidateMessage]]:
    """The conversation of a sitting's page as it refreshes itself: what the candidate wrote is read."""
    sitting = proctored_sitting(actor, sitting_id)
    return sitting, conversations.read(sitting)


# Admission ---------------------------------------------------------------------------------------------

def admission_queue(actor: User, exam_id) -> tuple[Exam, list[Sitting], dict[int, str]]:
    """The candidates waiting for admission (their names loaded with them) and the reason each was last
    refused: a fixed number of statements however long the queue, as the screen polls every 10 s."""
    exam = proctored_exam(actor, exam_id)
    waiting = list(db.session.scalars(select(Sitting).options(joinedload(Sitting.candidate))
                                      .where(Sitting.exam_id == exam.id, Sitting.status == S.CHECK_COMPLETED)
                                      .order_by(Sitting.updated_at, Sitting.id)))
    return exam, waiting, _rejection_reasons([sitting.id for sitting in waiting])


def admit(actor: User, sitting_id, *, now: datetime | None = None) -> Sitting:
    sitting = proctored_sitting(actor, sitting_id)
    before = _state(sitting)
    proctor_moves.open_session_by_admission(sitting, actor)
    audit(actor, "sitting.admit", "sitting", sitting.id, before, _state(sitting), label=sitting_label(sitting))
    return sitting


def reject(actor: User, sitting_id, reason: str) -> Sitting:
    """Refuse admission with a reason the candidate reads on the waiting page; a proctor may still
    admit them later (after a new photo, say)."""
    sitting = proctored_sitting(actor, sitting_id)
    reason = _text(reason, "reason")
    if sitting.status != S.CHECK_COMPLETED:
        raise IllegalTransition(_("Only a waiting candidate can be refused admission."))
    taking.record_event(sitting, "admission_rejected", actor=actor, reason=reason)
    audit(actor, "sitting.reject", "sitting", sitting.id, _state(sitting), {"reason": reason},
          label=sitting_label(sitting))
    return sitting


def _rejection_reasons(sitting_ids: list[int]) -> dict[int, str]:
    """The last refusal's reason of each of these sittings that was ever refused, in one query."""
    if not sitting_ids:
        return {}
    refusals = db.session.execute(select(ProctorEvent.sitting_id, ProctorEvent.details).where(
        ProctorEvent.sitting_id.in_(sitting_ids), ProctorEvent.kind == "admission_rejected")
        .order_by(ProctorEvent.id))
    return {sitting_id: details.get("reason") for sitting_id, details in refusals}


def rejection_reason(sitting: Sitting) -> str | None:
    """The last refusal, unless the candidate was admitted since (for the waiting page)."""
    if sitting.status != S.CHECK_COMPLETED:
        return None
    return _rejection_reasons([sitting.id]).get(sitting.id)


# Actions on a running sitting --------------------------------------------------------------------------

def _text(value, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("Please write something."), field=field)
    if len(value) > MAX_TEXT:
        raise ValidationError(_("At most %(most)d characters.", most=MAX_TEXT), field=field)
    return value


def _minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("The minutes must be a whole number."), field="minutes") from None
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError(_("Between 1 and %(most)d minutes.", most=MAX_MINUTES), field="minutes")
    return minutes


def send_message(actor: User, sitting_id, body: str) -> CandidateMessage:
    sitting = proctored_sitting(actor, sitting_id)
    body = _text(body, "body")
    if sitting.status == S.EXAM_FINISHED:
        raise Conflict(_("The test is over; the candidate would not see the message."))
    message = CandidateMessage(sitting_id=sitting.id, body=body, sender_id=actor.id, created_at=utcnow())
    db.session.add(message)
    taking.record_event(sitting, "message_sent", actor=actor, body=body)
    audit(actor, "sitting.message", "sitting", sitting.id, {}, {"body": body}, label=sitting_label(sitting))
    return message


HEARTBEAT_WITH_MESSAGES = taking.HEARTBEAT.returning(
    select(func.count()).where(CandidateMessage.sitting_id == bindparam("sitting_id"),
                               CandidateMessage.delivered_at.is_(None)).scalar_subquery())


# By the token, not correlated with the row updated: SQLite names RETURNING's columns without their table.
QUICK_HEARTBEAT_WITH_MESSAGES = taking.QUICK_HEARTBEAT.returning(
    select(func.count()).where(
        CandidateMessage.sitting_id.in_(select(Sitting.id).where(Sitting.access_token == bindparam("token"))
                                        .correlate(None)),
        CandidateMessage.delivered_at.is_(None)).correlate(None).scalar_subquery())


def clock(token: str, *, now: datetime | None = None) -> dict:
    """The exam page's clock poll, its heartbeat: the status, the seconds left in the current part, the current
    section and, while the test runs, the proctor's messages not delivered yet. One statement for a page that
    keeps its heartbeat; the full path (the sitting loaded and brought up to date) for the rest."""
    now = now or utcnow()
    beat = taking.quick_heartbeat(token, now=now, statement=QUICK_HEARTBEAT_WITH_MESSAGES)
    if beat is not None:
        pending, = beat.returned
        return {"status": SittingStatus.EXAM_STARTED.value, "remaining": beat.remaining, "section": beat.section,
                "messages": _deliver_messages(beat.sitting_id, now) if pending else []}
    sitting = taking.sitting_for_token(token, now=now)
    running = sitting.status == SittingStatus.EXAM_STARTED
    answer = {"status": sitting.status.value, "remaining": taking.remaining_seconds(sitting, now=now) if running else 0,
              "section": sitting.current_section}
    if running:
        answer["messages"] = heartbeat(sitting, now=now)
    return answer


def heartbeat(sitting: Sitting, *, now: datetime | None = None) -> list[str]:
    """The exam page's clock poll: last_seen_at is set and the number of undelivered messages read in
    one UPDATE; only when there are some does a second statement fetch (and mark) them."""
    if not taking.heartbeat(sitting, now=now, statement=HEARTBEAT_WITH_MESSAGES):
        return []
    return pending_messages(sitting, now=now)


def pending_messages(sitting: Sitting, *, now: datetime | None = None) -> list[str]:
    """The messages the candidate has not seen yet, marked delivered in the same statement."""
    return _deliver_messages(sitting.id, now)


def _deliver_messages(sitting_id: int, now: datetime | None) -> list[str]:
    rows = db.session.execute(
        update(CandidateMessage).where(CandidateMessage.sitting_id == sitting_id, CandidateMessage.delivered_at.is_(None))
        .values(delivered_at=now or utcnow()).returning(CandidateMessage.id, CandidateMessage.body)
        .execution_options(synchronize_session=False)).all()
    return [body for __, body in sorted(rows)]


def extend(actor: User, sitting_id, minutes, *, reason: str = "", now: datetime | None = None) -> Sitting:
    """More time; a reason, if given, reaches the candidate's page with the time (see clock.js), through
    the messages' channel, so the clock's jump comes with its why."""
    sitting = proctored_sitting(actor, sitting_id)
    minutes = _minutes(minutes)
    reason = _text(reason, "reason", required=False)
    before = _state(sitting)
    proctor_moves.extend_time(sitting, minutes, now=now)
    details = {"minutes": minutes, "reason": reason} if reason else {"minutes": minutes}
    taking.record_event(sitting, "time_extended", actor=actor, **details)
    if reason and sitting.status == S.EXAM_STARTED:
        db.session.add(CandidateMessage(sitting_id=sitting.id, body=reason, sender_id=actor.id, created_at=utcnow()))
    events.proctor_acted.send(sitting, action="extend", actor=actor, at=now or utcnow(), minutes=minutes)
    audit(actor, "sitting.extend", "sitting", sitting.id, before, {**_state(sitting), **details},
          label=sitting_label(sitting))
    return sitting


def _percent(value) -> int:
    try:
        percent = int(value or 0)
    except (TypeError, ValueError):
        raise ValidationError(_("The extra time must be a whole number of percent."),
                              field="extra_time_percent") from None
    if not 0 <= percent <= MAX_EXTRA_TIME_PERCENT:
        raise ValidationError(_("Between 0 and %(most)d percent.", most=MAX_EXTRA_TIME_PERCENT),
                              field="extra_time_percent")
    return percent


def _accommodations(sitting: Sitting) -> dict:
    return {"extra_time_percent": sitting.extra_time_percent, "large_text": sitting.large_text,
            "high_contrast": sitting.high_contrast, "deadline": sitting.deadline.isoformat() if sitting.deadline else None}


def accommodate(actor: User, sitting_id, *, extra_time_percent, large_text: bool, high_contrast: bool,
                now: datetime | None = None) -> Sitting:
    """Grant a candidate accommodations, before or during the test (see `proctor_moves.set_accommodations`)."""
    sitting = proctored_sitting(actor, sitting_id)
    percent = _percent(extra_time_percent)
    before = _accommodations(sitting)
    proctor_moves.set_accommodations(sitting, extra_time_percent=percent, large_text=bool(large_text),
                                     high_contrast=bool(high_contrast), now=now)
    taking.record_event(sitting, "accommodations", actor=actor, extra_time_percent=percent,
                        large_text=bool(large_text), high_contrast=bool(high_contrast))
    audit(actor, "sitting.accommodations", "sitting", sitting.id, before, _accommodations(sitting),
          label=sitting_label(sitting))
    return sitting


def terminate(actor: User, sitting_id, reason: str, *, now: datetime | None = None) -> Sitting:
    sitting = proctored_sitting(actor, sitting_id)
    reason = _text(reason, "reason")
    before = _state(sitting)
    proctor_moves.terminate(sitting, reason, actor=actor, now=now)
    events.proctor_acted.send(sitting, action="terminate", actor=actor, at=now or utcnow(), reason=reason)
    audit(actor, "sitting.terminate", "sitting", sitting.id, before, {**_state(sitting), "reason": reason},
          label=sitting_label(sitting))
    return sitting


def termination_reason(sitting: Sitting) -> str | None:
    """Why a proctor ended the test, for the page the candidate lands on (the last termination: a resumed
    sitting may have been ended twice)."""
    if sitting.finish_mode != FinishMode.TERMINATED_BY_PROCTOR:
        return None
    details = db.session.scalar(select(ProctorEvent.details).where(
        ProctorEvent.sitting_id == sitting.id, ProctorEvent.kind == "terminated")
        .order_by(ProctorEvent.id.desc()).limit(1))
    return (details or {}).get("reason") or None


def raise_flag(actor: User, sitting_id, category: str, note: str = "") -> Flag:
    sitting = proctored_sitting(actor, sitting_id)
    if category not in FLAG_CATEGORIES:
        raise ValidationError(_("Please choose a category."), field="category")
    note = _text(note, "note", required=False)
    flag = Flag(institute_id=sitting.institute_id, sitting_id=sitting.id, category=category, note=note,
                raised_by=actor.id, created_at=utcnow())
    db.session.add(flag)
    db.session.flush()
    taking.record_event(sitting, "flag_raised", actor=actor, category=category, note=note)
    events.proctor_acted.send(sitting, action="flag", actor=actor, at=flag.created_at, category=category, note=note)
    audit(actor, "sitting.flag", "sitting", sitting.id, {}, {"flag_id": flag.id, "category": category, "note": note},
          label=sitting_label(sitting))
    return flag


def resolve_flag(actor: User, flag_id) -> Flag:
    require(actor, Permission.PROCTOR_SITTINGS)
    flag = get_in_institute(Flag, actor.institute_id, flag_id, "Flag")
    sitting = proctored_sitting(actor, flag.sitting_id)
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        audit(actor, "sitting.flag_resolved", "sitting", flag.sitting_id, {"flag_id": flag.id, "open": True},
              {"flag_id": flag.id, "open": False}, label=sitting_label(sitting))
    return flag


def resume(actor: User, sitting_id, minutes, *, now: datetime | None = None) -> Sitting:
    sitting = proctored_sitting(actor, sitting_id)
    minutes = _minutes(minutes)
    before = _state(sitting)
    proctor_moves.resume(sitting, minutes, actor=actor, now=now)
    events.proctor_acted.send(sitting, action="resume", actor=actor, at=now or utcnow(), minutes=minutes)
    audit(actor, "sitting.resume", "sitting", sitting.id, before, {**_state(sitting), "minutes": minutes},
          label=sitting_label(sitting))
    return sitting


# Acting on a selection from the live monitor ----------------------------------------------------------

@dataclass
class Outcome:
    """What one action did to one candidate of a selection: done, or refused and why."""
    sitting_id: int
    name: str
    done: bool
    refusal: str = ""


# The actions the live monitor offers on a selection, with the words of their buttons.
SELECTION_ACTIONS = {"admit": _l("Admit"), "reject": _l("Reject"), "message": _l("Send a message"),
                     "extend": _l("Add time"), "flag": _l("Raise a flag"), "terminate": _l("Terminate")}
MAX_SELECTION = MONITOR_PAGE   # a page of the monitor; "select all" ticks no more
CONFIRMED_ACTIONS = frozenset({"terminate"})   # rehearsed first, for a confirmation naming the candidates


def _selection(sitting_ids) -> list[int]:
    chosen = []
    for value in sitting_ids or ():
        try:
            sitting_id = parse_id(value, "Sitting")
        except NotFound:
            raise ValidationError(_("Please choose candidates from the list."), field="sitting") from None
        if sitting_id not in chosen:
            chosen.append(sitting_id)
    if not chosen:
        raise ValidationError(_("Please choose at least one candidate."), field="sitting")
    if len(chosen) > MAX_SELECTION:
        raise ValidationError(_("At most %(most)d candidates at a time.", most=MAX_SELECTION), field="sitting")
    return chosen


def _move_for(actor: User, action: str, *, text: str, minutes, category: str, rehearse: bool,
              now: datetime | None):
    """The single action to make on each sitting of a selection, its input checked once for all."""
    if action == "admit":
        return lambda sitting_id: admit(actor, sitting_id, now=now)
    if action == "reject":
        text = _text(text, "text")
        return lambda sitting_id: reject(actor, sitting_id, text)
    if action == "message":
        text = _text(text, "text")
        return lambda sitting_id: send_message(actor, sitting_id, text)
    if action == "extend":
        minutes, text = _minutes(minutes), _text(text, "text", required=False)
        return lambda sitting_id: extend(actor, sitting_id, minutes, reason=text, now=now)
    if action == "flag":
        if category not in FLAG_CATEGORIES:
            raise ValidationError(_("Please choose a category."), field="category")
        text = _text(text, "text", required=False)
        return lambda sitting_id: raise_flag(actor, sitting_id, category, text)
    if action == "terminate":
        # A rehearsal is undone whatever it writes: the reason may still be asked for by the confirmation.
        text = _text(text, "text", required=not rehearse) or "rehearsal"
        return lambda sitting_id: terminate(actor, sitting_id, text, now=now)
    raise ValidationError(_("Please choose an action."), field="action")


def act_on_selection(actor: User, exam_id, action: str, sitting_ids, *, text: str = "", minutes=None,
                     category: str = "", rehearse: bool = False,
                     now: datetime | None = None) -> tuple[Exam, list[Outcome]]:
    """One action (SELECTION_ACTIONS) on the chosen sittings of one exam: each is checked on its own (the
    institute, the exam's pool, its state) and made in a savepoint, so a refused one changes nothing and
    the others go ahead; the outcome says per candidate what was done or why not. `text` is the reason,
    the message or the flag's note. `rehearse` checks and undoes everything: what terminating would do,
    for the confirmation that names the candidates."""
    exam = proctored_exam(actor, exam_id)
    move = _move_for(actor, action, text=text, minutes=minutes, category=category, rehearse=rehearse, now=now)
    chosen = _selection(sitting_ids)
    names = {row.id: full_name(row.first_name, row.last_name, row.email) for row in db.session.execute(
        select(Sitting.id, Candidate.first_name, Candidate.last_name, Candidate.email)
        .join(Candidate, Candidate.id == Sitting.candidate_id)
        .where(Sitting.id.in_(chosen), Sitting.exam_id == exam.id, Sitting.institute_id == actor.institute_id))}
    outcomes = []
    for sitting_id in chosen:
        if sitting_id not in names:
            outcomes.append(Outcome(sitting_id, "", False, _("Not a candidate of this exam.")))
            continue
        savepoint = db.session.begin_nested()
        try:
            move(sitting_id)
            db.session.flush()
        except DomainError as error:
            savepoint.rollback()
            outcomes.append(Outcome(sitting_id, names[sitting_id], False, error.message))
            continue
        if rehearse:
            savepoint.rollback()
        else:
            savepoint.commit()
        outcomes.append(Outcome(sitting_id, names[sitting_id], True))
    return exam, outcomes


# Review after the exam ---------------------------------------------------------------------------------

def review_of(sitting: Sitting) -> Review | None:
    return db.session.scalar(select(Review).where(Review.sitting_id == sitting.id))


def withheld_sittings(sitting_ids: list[int]) -> set[int]:
    """Which of these sittings' results a violation withholds until an admin overrides it, in one query."""
    if not sitting_ids:
        return set()
    return set(db.session.scalars(select(Review.sitting_id).where(Review.sitting_id.in_(sitting_ids),
                                                                 Review.withholds_result)))


def result_withheld(sitting: Sitting) -> bool:
    """For results and certificates: a violation withholds the result until an admin overrides it."""
    return sitting.id in withheld_sittings([sitting.id])


def review(actor: User, sitting_id, outcome: str, comment: str = "") -> Review:
    sitting = proctored_sitting(actor, sitting_id)
    outcome = parse_enum(ReviewOutcome, outcome, "outcome", _("Outcome"))
    comment = _text(comment, "comment", required=outcome != ReviewOutcome.CLEAR)
    if sitting.status != S.EXAM_FINISHED:
        raise Conflict(_("A sitting is reviewed once the test is over."))
    existing = review_of(sitting)
    before = {"outcome": existing.outcome.value, "comment": existing.comment} if existing else {}
    if existing is None:
        existing = Review(institute_id=sitting.institute_id, sitting_id=sitting.id, outcome=outcome)
        db.session.add(existing)
    existing.outcome, existing.comment = outcome, comment
    existing.reviewer_id, existing.reviewed_at = actor.id, utcnow()
    existing.override_reason, existing.overridden_by, existing.overridden_at = "", None, None
    audit(actor, "result.review", "sitting", sitting.id, before, {"outcome": outcome.value, "comment": comment},
          label=sitting_label(sitting))
    _certificate_follows_review(sitting)
    return existing


def override_review(actor: User, sitting_id, reason: str) -> Review:
    """An admin releases a result a violation withheld, with a reason that is kept."""
    require(actor, Permission.MANAGE_INSTITUTE)
    sitting = proctored_sitting(actor, sitting_id)
    reason = _text(reason, "reason")
    existing = review_of(sitting)
    if existing is None or existing.outcome != ReviewOutcome.VIOLATION:
        raise Conflict(_("Only a violation withholds a result."))
    existing.override_reason, existing.overridden_by, existing.overridden_at = reason, actor.id, utcnow()
    audit(actor, "result.override", "sitting", sitting.id, {"withheld": True}, {"withheld": False, "reason": reason},
          label=sitting_label(sitting))
    _certificate_follows_review(sitting)
    return existing


def _certificate_follows_review(sitting: Sitting) -> None:
    db.session.flush()
    events.review_changed.send(sitting)


# Snapshots ---------------------------------------------------------------------------------------------

def store_snapshot(sitting: Sitting, data: bytes, *, now: datetime | None = None) -> Snapshot:
    """A webcam image from the running exam page of an image-proctored exam."""
    if not sitting.exam.image_proctoring:
        raise Conflict(_("This test takes no snapshots."))
    if sitting.status != S.EXAM_STARTED:
        raise Conflict(_("The test is not running."))
    extension = storage.image_extension(data or b"")
    if extension is None:
        raise ValidationError(_("The snapshot must be a JPEG, PNG or WebP image."), field="snapshot")
    if len(data) > storage.MAX_IMAGE_BYTES:
        raise ValidationError(_("The snapshot is too large."), field="snapshot")
    key = f"{int(sitting.institute_id)}/{int(sitting.id)}/snapshot-{secrets.token_urlsafe(18)}.{extension}"
    path = storage._root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    snapshot = Snapshot(institute_id=sitting.institute_id, sitting_id=sitting.id, storage_key=key,
                        created_at=now or utcnow())
    db.session.add(snapshot)
    return snapshot


def sitting_snapshots(actor: User, sitting_id) -> tuple[Sitting, list[Snapshot]]:
    sitting = proctored_sitting(actor, sitting_id)
    return sitting, list(db.session.scalars(select(Snapshot).where(Snapshot.sitting_id == sitting.id)
                                            .order_by(Snapshot.id)))


def snapshot_image(actor: User, snapshot_id) -> tuple[bytes, str]:
    require(actor, Permission.PROCTOR_SITTINGS)
    snapshot = get_in_institute(Snapshot, actor.institute_id, snapshot_id, "Snapshot")
    proctored_sitting(actor, snapshot.sitting_id)
    match = _SNAPSHOT_KEY.match(snapshot.storage_key)
    path = storage._root() / snapshot.storage_key if match else None
    if path is None or not path.is_file():
        raise NotFound("Image")
    return path.read_bytes(), storage.MIMETYPES[match[4]]


def check_photo(actor: User, sitting_id, kind: str) -> tuple[bytes, str]:
    """The reference or ID photo from the check, for the admission screen."""
    sitting = proctored_sitting(actor, sitting_id)
    if kind not in storage.KINDS or not (sitting.check or {}).get(kind):
        raise NotFound("Image")
    return storage.read_image(sitting.check[kind])


def photo_by_link(sitting_id: int, name: str) -> tuple[bytes, str]:
    """A check photo through the link the Mettl API hands out (`registration.referenceImageUrl` and
    `identityProofImageUrl`): as with the shared report, whoever holds the link may see it, and the random
    part of the stored name is what cannot be guessed. Gone once the retention job removed the photo."""
    sitting = db.session.get(Sitting, sitting_id)
    for kind in storage.KINDS:
        key = ((sitting.check or {}).get(kind) or "") if sitting else ""
        if key and secrets.compare_digest(key.rsplit("/", 1)[-1].encode(), str(name).encode()):
            return storage.read_image(key)
    raise NotFound("Image")


def _remove_file(key: str) -> None:
    if _SNAPSHOT_KEY.match(key or ""):
        (storage._root() / key).unlink(missing_ok=True)


# Retention and deleting a report -----------------------------------------------------------------------

def retention_days(actor: User) -> int | None:
    require(actor, Permission.PROCTOR_SITTINGS)
    policy = db.session.get(RetentionPolicy, actor.institute_id)
    return policy.image_days if policy else None


def set_retention(actor: User, days) -> RetentionPolicy:
    require(actor, Permission.MANAGE_INSTITUTE)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError(_("The days must be a whole number."), field="days") from None
    if not 1 <= days <= 3650:
        raise ValidationError(_("Between 1 and %(most)d days.", most=3650), field="days")
    policy = db.session.get(RetentionPolicy, actor.institute_id)
    before = {"image_days": policy.image_days} if policy else {}
    if policy is None:
        policy = RetentionPolicy(institute_id=actor.institute_id)
        db.session.add(policy)
    policy.image_days = days
    audit(actor, "institute.retention", "institute", actor.institute_id, before, {"image_days": days},
          label=actor.institute.name)
    return policy


def purge_old_images(*, now: datetime | None = None, batch: int = RETENTION_BATCH) -> int:
    """The worker's job: snapshots and check photos older than their institute's retention go, files
    first, at most `batch` of each per institute per run (the next run takes the rest)."""
    now = now or utcnow()
    removed = 0
    for policy in db.session.scalars(select(RetentionPolicy)).all():
        cutoff = now - timedelta(days=policy.image_days)
        old = db.session.execute(select(Snapshot.id, Snapshot.storage_key).where(
            Snapshot.institute_id == policy.institute_id,
            Snapshot.created_at < cutoff).order_by(Snapshot.id).limit(batch)).all()
        for row in old:
            _remove_file(row.storage_key)
        if old:
            db.session.execute(delete(Snapshot).where(Snapshot.id.in_([row.id for row in old])))
            removed += len(old)
        removed += _purge_check_photos(policy.institute_id, cutoff, batch)
    return removed


def _purge_check_photos(institute_id: int, cutoff: datetime, batch: int) -> int:
    """The reference and ID photos of checks taken before the cutoff; the check keeps its other facts."""
    removed = 0
    for sitting in db.session.scalars(select(Sitting).where(
            Sitting.institute_id == institute_id, Sitting.check_photos_at < cutoff).order_by(Sitting.id).limit(batch)):
        kept = dict(sitting.check or {})
        for kind in storage.KINDS:
            if kept.get(kind):
                storage.remove_image(kept[kind])
                kept[kind] = None
                removed += 1
        sitting.check, sitting.check_photos_at = kept, None
    return removed


def delete_report(actor: User, sitting_id) -> None:
    """Delete a finished sitting's report: its images (snapshots and check photos), responses,
    proctoring records and the sitting itself. Refused while the test is in progress."""
    require(actor, Permission.MANAGE_INSTITUTE)
    sitting = proctored_sitting(actor, sitting_id)
    # The codes and messages are Mettl's (6.4), so both the console and the API answer alike.
    if sitting.status == S.EXAM_STARTED:
        raise Conflict(_("Test is in progress, cannot be deleted"), code="E005")
    if sitting.status != S.EXAM_FINISHED:
        raise NotFound("Report", code="E006")
    before, label = {**_state(sitting), "candidate": sitting.candidate.email}, sitting_label(sitting)
    folder = storage._root() / str(int(sitting.institute_id)) / str(int(sitting.id))
    for model in (Snapshot, Flag, Review, CandidateMessage, Response, ProctorEvent):
        db.session.execute(delete(model).where(model.sitting_id == sitting.id))
    db.session.delete(sitting)
    db.session.flush()
    audit(actor, "sitting.delete_report", "sitting", int(sitting_id), before, {}, label=label)
    shutil.rmtree(folder, ignore_errors=True)

