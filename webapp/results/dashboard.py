"""The console's dashboard: what is live and what comes next, for the actor's role. Each part is there only for
a role that can act on it: a proctor sees the exams of their pools, a grader the answers waiting, a releaser the
results waiting for release, an admin the deliveries that failed. A fixed number of statements, whatever the
size of the institute (the exams looked at for their next window are capped)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.accounts.models import Role, User
from webapp.accounts.services import active_staff_count
from webapp.assessments.services import assessment_count
from webapp.bank.services import bank_counts
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can
from webapp.exams.models import Exam, ExamStatus, ScheduleType, exam_proctors
from webapp.exams.services import window_state
from webapp.exams.windows import Window
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.proctoring.models import Flag
from webapp.results.grading import waiting_count
from webapp.results.services import withholding
from webapp.sittings.models import Sitting, SittingStatus as S

# How far ahead "opening soon" looks, and how many of the latest active exams are looked at for it.
COMING_DAYS = 7
COMING_EXAMS_LOOKED_AT = 200
SHOWN = 10
# Failed deliveries are counted over this past stretch: older ones have been seen or retried already.
FAILED_DELIVERIES_SINCE = timedelta(days=7)


@dataclass(frozen=True)
class LiveExam:
    exam: Exam
    in_progress: int
    waiting: int        # checked in, waiting for the window or a proctor's admission
    open_flags: int
    proctored_by_actor: bool   # the actor may open its live monitor


@dataclass(frozen=True)
class ComingExam:
    exam: Exam
    window: Window
    registered: int


@dataclass(frozen=True)
class ExamToRelease:
    exam: Exam
    results: int


@dataclass
class Dashboard:
    live: list[LiveExam] | None = None             # None: the role does not see exams
    coming: list[ComingExam] | None = None
    waiting_for_grader: int | None = None          # None: the role does not grade
    to_release: list[ExamToRelease] | None = None  # None: the role does not release
    failed_deliveries: int | None = None           # None: the role does not see the institute's outbox
    # The institute's size at a glance: questions, skills (bank readers), assessments, active staff.
    counts: dict[str, int] = field(default_factory=dict)
    coming_days: int = COMING_DAYS
    failed_deliveries_days: int = FAILED_DELIVERIES_SINCE.days


def _exams_of(actor: User):
    """The exams the dashboard shows the actor: a proctor's pools, every exam of the institute for the rest."""
    query = select(Exam).where(Exam.institute_id == actor.institute_id)
    if actor.role == Role.PROCTOR:
        query = query.where(Exam.id.in_(select(exam_proctors.c.exam_id).where(exam_proctors.c.user_id == actor.id)))
    return query


def _live(actor: User) -> list[LiveExam]:
    exams = _exams_of(actor).subquery()
    counts = db.session.execute(
        select(Sitting.exam_id,
               func.count().filter(Sitting.status == S.EXAM_STARTED),
               func.count().filter(Sitting.status == S.CHECK_COMPLETED))
        .where(Sitting.institute_id == actor.institute_id, Sitting.exam_id.in_(select(exams.c.id)),
               Sitting.status.in_([S.EXAM_STARTED, S.CHECK_COMPLETED]))
        .group_by(Sitting.exam_id)).all()
    if not counts:
        return []
    exam_ids = [row[0] for row in counts]
    flags = dict(db.session.execute(
        select(Sitting.exam_id, func.count(Flag.id)).join(Sitting, Sitting.id == Flag.sitting_id)
        .where(Flag.institute_id == actor.institute_id, Flag.resolved_at.is_(None), Sitting.exam_id.in_(exam_ids))
        .group_by(Sitting.exam_id)).all())
    by_id = {exam.id: exam for exam in db.session.scalars(select(Exam).where(Exam.id.in_(exam_ids)))}
    proctors = can(actor, Permission.PROCTOR_SITTINGS)
    rows = [LiveExam(by_id[exam_id], in_progress, waiting, flags.get(exam_id, 0), proctors)
            for exam_id, in_progress, waiting in counts]
    return sorted(rows, key=lambda row: (-(row.in_progress + row.waiting), row.exam.name))[:SHOWN]


def _coming(actor: User, now: datetime) -> list[ComingExam]:
    exams = list(db.session.scalars(
        _exams_of(actor).where(Exam.status == ExamStatus.ACTIVE, Exam.schedule_type == ScheduleType.FIXED)
        .order_by(Exam.id.desc()).limit(COMING_EXAMS_LOOKED_AT)))
    soon = []
    for exam in exams:
        state, window = window_state(exam, now)
        if state == "not_yet_open" and window.start <= now + timedelta(days=COMING_DAYS):
            soon.append((exam, window))
    soon = sorted(soon, key=lambda pair: pair[1].start)[:SHOWN]
    registered = dict(db.session.execute(
        select(Sitting.exam_id, func.count()).where(Sitting.institute_id == actor.institute_id,
                                                    Sitting.exam_id.in_([exam.id for exam, _ in soon]))
        .group_by(Sitting.exam_id)).all()) if soon else {}
    return [ComingExam(exam, window, registered.get(exam.id, 0)) for exam, window in soon]


def _to_release(actor: User) -> list[ExamToRelease]:
    # Grouped by the exam's id, not its row: PostgreSQL cannot group by the exam's JSON columns.
    counts = db.session.execute(
        select(Sitting.exam_id, func.count(Sitting.id))
        .where(Sitting.institute_id == actor.institute_id, Sitting.status == S.EXAM_FINISHED,
               Sitting.graded_at.is_not(None), Sitting.released_at.is_(None), ~withholding())
        .group_by(Sitting.exam_id).order_by(func.count(Sitting.id).desc(), Sitting.exam_id).limit(SHOWN)).all()
    if not counts:
        return []
    exams = {exam.id: exam for exam in db.session.scalars(select(Exam).where(Exam.id.in_([row[0] for row in counts])))}
    return [ExamToRelease(exams[exam_id], count) for exam_id, count in counts]


def _failed_deliveries(actor: User, now: datetime) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.institute_id == actor.institute_id, OutboxMessage.status == MessageStatus.DEAD,
        OutboxMessage.created_at >= now - FAILED_DELIVERIES_SINCE)) or 0


def dashboard(actor: User, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    board = Dashboard(counts={"staff": active_staff_count(actor)})
    if can(actor, Permission.VIEW_BANK):
        board.counts.update(bank_counts(actor))
    if can(actor, Permission.VIEW_ASSESSMENTS):
        board.counts["assessments"] = assessment_count(actor)
    if can(actor, Permission.VIEW_EXAMS):
        board.live = _live(actor)
        board.coming = _coming(actor, now)
    if can(actor, Permission.GRADE_RESPONSES):
        board.waiting_for_grader = waiting_count(actor)
    if can(actor, Permission.RELEASE_RESULTS):
        board.to_release = _to_release(actor)
    if can(actor, Permission.MANAGE_INSTITUTE):
        board.failed_deliveries = _failed_deliveries(actor, now)
    return board
