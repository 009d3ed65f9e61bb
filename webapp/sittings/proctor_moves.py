"""The proctor's moves on a sitting: admit, extend the time, terminate, resume. They only move the
sitting; who may make them (the exam's proctor pool) and the audit log are `proctoring.services`', the
only caller. Private like the state machine: import-linter forbids the front doors to import it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from webapp.accounts.models import User
from webapp.core.clock import utcnow
from webapp.core.errors import Conflict, IllegalTransition
from webapp.exams.services import window_state
from webapp.sittings import adaptive, callbacks
from webapp.sittings.models import FinishMode, Sitting, SittingStatus
from webapp.sittings.retakes import latest_attempt
from webapp.sittings.state_machine import transition
from webapp.sittings.taking import (TimeIsUp, expire_if_overdue, finish, is_timed, open_session, record_event,
                                    section_accommodation_minutes, section_deadline)

S = SittingStatus


def open_session_by_admission(sitting: Sitting, actor: User) -> None:
    """A proctor let the waiting candidate in. Who may do so (the exam's pool) is checked by
    `proctoring.services.admit`, the one caller."""
    if sitting.status != S.CHECK_COMPLETED:
        raise IllegalTransition(_("Only a candidate who has completed the check and waits can be admitted."))
    open_session(sitting)
    record_event(sitting, "admitted", actor=actor)


def _cap_to_window(sitting: Sitting, deadline: datetime, now: datetime) -> datetime:
    """As overall_deadline: never past the end of the exam's current window."""
    __, window = window_state(sitting.exam, now)
    return min(deadline, window.end) if window and window.end > now else deadline


def extend_time(sitting: Sitting, minutes: int, *, now: datetime | None = None) -> None:
    """N more minutes: kept in extra_minutes (so a sitting not yet started gets them at its start) and,
    on a running sitting, added to the deadline and to the running timed section's deadline."""
    now = now or utcnow()
    if sitting.status == S.EXAM_FINISHED:
        raise Conflict(_("The test is over; resume it instead of extending it."))
    sitting.extra_minutes += minutes
    if sitting.status == S.EXAM_STARTED:
        _lengthen_running(sitting, minutes, minutes, now)


def _lengthen_running(sitting: Sitting, minutes: int, section_minutes: int, now: datetime) -> None:
    """A running test's deadline `minutes` later, and its running timed section's `section_minutes`."""
    if expire_if_overdue(sitting, now=now):
        raise TimeIsUp(_("The time for this test ran out before the extension; resume it instead."))
    sitting.deadline = _cap_to_window(sitting, sitting.deadline + timedelta(minutes=minutes), now)
    if is_timed(sitting) and (deadline := section_deadline(sitting)):
        sections = [dict(section) for section in sitting.sections]
        sections[sitting.current_section]["deadline"] = min(
            deadline + timedelta(minutes=section_minutes), sitting.deadline).isoformat()
        sitting.sections = sections


def set_accommodations(sitting: Sitting, *, extra_time_percent: int, large_text: bool, high_contrast: bool,
                       now: datetime | None = None) -> None:
    """Grant accommodations before or during the test. More time reaches a running test at once (its
    deadline and its running timed section's); less time is refused once the clock runs, since the
    candidate may have planned their answers by the time they were shown."""
    now = now or utcnow()
    if sitting.status == S.EXAM_FINISHED:
        raise Conflict(_("The test is over; resume it to give more time."), field="extra_time_percent")
    added = extra_time_percent - sitting.extra_time_percent
    if sitting.status == S.EXAM_STARTED and added < 0:
        raise Conflict(_("The test is running: its extra time can grow, not shrink."), field="extra_time_percent")
    before = sitting.accommodation_minutes
    section_duration = sitting.sections[sitting.current_section].get("duration") if sitting.sections else None
    section_before = section_accommodation_minutes(sitting, section_duration or 0)
    sitting.extra_time_percent = extra_time_percent
    sitting.large_text = large_text
    sitting.high_contrast = high_contrast
    if sitting.status == S.EXAM_STARTED and added:
        _lengthen_running(sitting, sitting.accommodation_minutes - before,
                          section_accommodation_minutes(sitting, section_duration or 0) - section_before, now)


def terminate(sitting: Sitting, reason: str, *, actor: User | None = None, now: datetime | None = None) -> None:
    """A proctor ends a running test: `TerminatedByProctor`."""
    now = now or utcnow()
    if expire_if_overdue(sitting, now=now) or sitting.status != S.EXAM_STARTED:
        raise IllegalTransition(_("Only a running test can be terminated."))
    record_event(sitting, "terminated", actor=actor, reason=reason)
    finish(sitting, FinishMode.TERMINATED_BY_PROCTOR, now=now, actor=actor)



def resume(sitting: Sitting, minutes: int, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Re-open an expired or terminated sitting with `minutes` from now; the responses are kept and the
    candidate goes on where they were. The result is scored again at the next finish."""
    now = now or utcnow()
    if not sitting.is_resumable:
        raise IllegalTransition(_("Only an expired or terminated test can be resumed."))
    # One attempt runs at a time, and a retake began on the strength of this one being over.
    if latest_attempt(sitting.exam_id, sitting.candidate_id).id != sitting.id:
        raise IllegalTransition(_("The candidate has begun a later attempt at this exam; this one can no longer "
                                  "be resumed."))
    was = sitting.finish_mode
    transition(sitting, S.EXAM_STARTED, resume=True)
    sitting.finish_mode = None
    sitting.finished_at = None
    sitting.graded_at = None
    sitting.deadline = now + timedelta(minutes=minutes)
    if sitting.sections:
        sections = [dict(section) for section in sitting.sections]
        current = sections[sitting.current_section]
        current["closed"] = False
        if current.get("duration"):
            current["deadline"] = sitting.deadline.isoformat()
        sitting.sections = sections
    if sitting.adaptive is not None:
        adaptive.stop(sitting, None)   # it goes on from the question shown to its stopping rule
    record_event(sitting, "resumed", actor=actor, minutes=minutes, finish_mode=was.value)
    if was == FinishMode.EXPIRED:
        callbacks.resume_enabled(sitting)
