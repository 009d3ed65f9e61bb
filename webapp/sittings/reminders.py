"""Reminders of a fixed exam's window, a periodic job of the worker: before the first window opens, and
before the last one closes, to each candidate who received the invitation and has not started.

The institute sets how many hours before (notifications/mail_templates.py; 0: none). Each reminder is
queued once per sitting and kind: its `SittingReminder` row is written in the same transaction as the
outbox row, and its primary key turns a second worker's copy into a failed commit. A reminder found due
only after its moment passed (the worker was down) is not sent late, and a candidate registered after
the reminder's moment is not reminded of what the invitation just said."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from webapp.core import links
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.exams.models import Exam, ExamStatus, ScheduleType
from webapp.exams.services import exam_placeholders, exam_windows, language_to_write_in
from webapp.exams.windows import Window, local_moment
from webapp.notifications.mail_templates import MAX_REMINDER_HOURS, reminder_hours
from webapp.notifications.services import queue_emails, writing_in
from webapp.sittings.models import NOT_STARTED, ReminderKind, Sitting, SittingReminder

BATCH_SIZE = 200


def queue_due_reminders() -> int:
    """Queue one bounded batch of the reminders due now; how many were queued."""
    now = utcnow()
    today = now.date()
    # A window's dates are the exam's local ones: a day either side covers every zone.
    soon = today + timedelta(days=MAX_REMINDER_HOURS // 24 + 1)
    exams = list(db.session.scalars(select(Exam).where(
        Exam.status == ExamStatus.ACTIVE, Exam.schedule_type == ScheduleType.FIXED,
        Exam.starts_on_date <= soon, Exam.ends_on_date >= today - timedelta(days=1)).order_by(Exam.id)))
    hours = reminder_hours(sorted({exam.institute_id for exam in exams}))
    queued = 0
    for exam in exams:
        for kind, due_at, window in _due(exam, hours[exam.institute_id], now):
            queued += _remind(exam, kind, due_at, window, BATCH_SIZE - queued)
            if queued >= BATCH_SIZE:
                return queued
    return queued


def _due(exam: Exam, hours: tuple[int, int], now: datetime) -> list[tuple[ReminderKind, datetime, Window]]:
    """The exam's reminders due now: (kind, when it became due, the window it is about)."""
    windows = exam_windows(exam)
    if not windows:
        return []
    opens, closes = windows[0].start, windows[-1].end
    before_opening, before_closing = hours
    due = []
    if before_opening and opens - timedelta(hours=before_opening) <= now < opens:
        due.append((ReminderKind.OPENING, opens - timedelta(hours=before_opening), windows[0]))
    # Not before the window opens: a window shorter than the hours is reminded of when it opens.
    closing_due = max(closes - timedelta(hours=before_closing), opens)
    if before_closing and closing_due <= now < closes:
        due.append((ReminderKind.CLOSING, closing_due, windows[-1]))
    return due


def _remind(exam: Exam, kind: ReminderKind, due_at: datetime, window: Window, limit: int) -> int:
    sittings = list(db.session.scalars(
        select(Sitting).where(
            Sitting.exam_id == exam.id, Sitting.status.in_(NOT_STARTED), Sitting.mail_sent_at.is_not(None),
            Sitting.created_at <= due_at,
            ~exists().where(SittingReminder.sitting_id == Sitting.id, SittingReminder.kind == kind))
        .options(selectinload(Sitting.candidate)).order_by(Sitting.id).limit(limit)))
    if not sittings:
        return 0
    messages = []
    for sitting in sittings:
        language = language_to_write_in(exam, sitting.candidate.language)
        link = links.personal_url(sitting.access_token)
        with writing_in(language):
            when = local_moment(window.start if kind == ReminderKind.OPENING else window.end, window.zone)
            reminder = (_("The window of your test opens on %(when)s.", when=when) if kind == ReminderKind.OPENING
                        else _("The window of your test closes on %(when)s, and you have not taken the test yet.",
                               when=when))
            placeholders = {**exam_placeholders(exam), "candidate_name": sitting.candidate.name, "link": link,
                            "reminder": reminder}
        messages.append({
            "to": sitting.candidate.email, "template": "exam_reminder", "language": language,
            "topic": "exam_reminder", "institute_id": exam.institute_id, "exam_id": exam.id,
            "context": {"institute": exam.institute, "assessment": exam.assessment, **placeholders},
            "placeholders": placeholders})
        db.session.add(SittingReminder(sitting_id=sitting.id, kind=kind))
    queue_emails(messages)
    db.session.flush()
    return len(sittings)
