"""What a sitting tells the outside world as it moves on: Mettl's four callbacks (startAssessment,
finishTest, gradedAssessment and resume enabled) to the exam's callback URLs, and the grade
notification e-mails to the exam's recipients. Everything is queued in the outbox in the caller's
transaction, so it goes out exactly when the change that caused it is committed.

`taking.py` calls these hooks, so this module must not import it. Each hook reads the sitting as it is
when called: the caller sets the times and the result first."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

from webapp.exams.windows import parse_time_zone
from webapp.notifications.services import queue_emails, queue_webhook
from webapp.sittings.models import Sitting


def _gmt(moment: datetime) -> str:
    """Mettl's `timestamp_GMT`: Fri, 29 Aug 2014 08:55:26 GMT."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _clock(moment: datetime) -> str:
    """The other form of the graded callback: 29-Aug-14 6:16:17 AM."""
    return f"{moment:%d-%b-%y} {moment.hour % 12 or 12}:{moment:%M:%S %p}"


def _number(value: float | None) -> float | int | None:
    # Marks are stored as floats; whole ones go out as Mettl writes them (29, not 29.0).
    return int(value) if value is not None and value == int(value) else value


def _about(sitting: Sitting, event: str, url: str, moment: datetime) -> dict:
    """The fields every event callback shares, in Mettl's names."""
    exam, candidate = sitting.exam, sitting.candidate
    return {"EVENT_TYPE": event, "invitation_key": exam.access_key, "candidate_instance_id": sitting.id,
            "context_data": sitting.context_data, "timestamp_GMT": _gmt(moment), "source_app": exam.source_app,
            "notification_url": url, "name": candidate.name, "email": candidate.email}


def _queue(sitting: Sitting, url: str, topic: str, body: dict) -> None:
    queue_webhook(url=url, body=body, topic=topic, institute_id=sitting.institute_id, exam_id=sitting.exam_id)


def test_started(sitting: Sitting) -> None:
    """startAssessment, when the exam has a test start URL."""
    url = sitting.exam.test_start_notification_url
    if url:
        _queue(sitting, url, "startAssessment", {
            **_about(sitting, "startAssessment", url, sitting.started_at),
            "assessment_id": sitting.exam.assessment_id})


def test_finished(sitting: Sitting) -> None:
    """finishTest with the finish mode, when the exam has a test finish URL."""
    url = sitting.exam.test_finish_notification_url
    if url:
        _queue(sitting, url, "finishTest", {
            **_about(sitting, "finishTest", url, sitting.finished_at),
            "assessment_id": sitting.exam.assessment_id, "finish_mode": sitting.finish_mode.value})


def test_graded(sitting: Sitting, percentile: float | None) -> None:
    """The sitting's result has just been released, or a released result corrected (results/release.py):
    gradedAssessment to the test graded URL, and the grade notification e-mails when the exam asks for
    them. `percentile` is the sitting's among the assessment's graded sittings at this moment."""
    exam = sitting.exam
    url = exam.test_graded_notification_url
    if url:
        zone = parse_time_zone(exam.time_zone)
        _queue(sitting, url, "gradedAssessment", {
            "assessmentId": exam.assessment_id,
            "percentile": _number(percentile),
            # The spec's sample stamps the test's end (its timestamp_GMT equals end_time_GMT), also when
            # a grader finished the marking later.
            **_about(sitting, "gradedAssessment", url, sitting.finished_at),
            "finish_mode": sitting.finish_mode.value,
            "start_time_GMT": _clock(sitting.started_at.astimezone(timezone.utc)),
            "end_time_GMT": _clock(sitting.finished_at.astimezone(timezone.utc)),
            "marks_scored": _number(sitting.total_marks),
            "max_marks": _number(sitting.max_marks),
            # Seconds the candidate spent on the test, as `attemptTime` in the results API.
            "attempt_time": sitting.attempt_seconds,
            "assessment_name": exam.assessment.name,
            "client_id": exam.institute_id,
            "schedule_title": exam.name,
            # In the exam's own time zone, as the schedule's window is.
            "start_time": _clock(sitting.started_at.astimezone(zone)),
            "end_time": _clock(sitting.finished_at.astimezone(zone)),
        })
    if exam.grade_notification_enabled and exam.grade_notification_recipients:
        _queue_grade_emails(sitting)


def resume_enabled(sitting: Sitting) -> None:
    """An expired sitting may be resumed: Mettl's resume callback, when the exam has its URL."""
    url = sitting.exam.test_resume_enabled_for_expired_test_url
    if url:
        _queue(sitting, url, "resumeEnabled", {
            "assessmentId": sitting.exam.assessment_id, "candidate_instance_id": sitting.id,
            "context_data": sitting.context_data, "source_app": sitting.exam.source_app, "notification_url": url})


def _queue_grade_emails(sitting: Sitting) -> None:
    exam, candidate = sitting.exam, sitting.candidate
    zone = parse_time_zone(exam.time_zone)
    context = {
        "institute": exam.institute, "exam": exam, "assessment": exam.assessment, "candidate": candidate,
        "finish_mode": sitting.finish_mode, "marks_scored": _number(sitting.total_marks),
        "max_marks": _number(sitting.max_marks),
        "percentage": round(100 * sitting.total_marks / sitting.max_marks, 1) if sitting.max_marks else None,
        "started": sitting.started_at, "finished": sitting.finished_at, "zone": zone, "time_zone": exam.time_zone,
    }
    # The recipients are the institute's staff: its language.
    queue_emails([{"to": recipient, "template": "grade_notification", "context": context,
                   "language": exam.institute.language, "topic": "grade_notification",
                   "institute_id": exam.institute_id, "exam_id": exam.id}
                  for recipient in exam.grade_notification_recipients])
