"""The sitting's callbacks, delivered to a real receiver: Mettl's four payloads field for field, the
grade notification e-mails at a real SMTP server, and nothing for an exam that asks for nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.cli.demo import keep_page_open
from webapp.core.extensions import db
from webapp.notifications.models import MessageKind, OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.sittings import callbacks, taking
from webapp.sittings.models import FinishMode, Sitting, SittingItem
from webapp.sittings.services import register_candidates

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
CONTEXT = '{"applicant_id":874}'


def _started(admin, exam, email="ann@example.com", context_data=CONTEXT) -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann", "Last Name": "Lee"}],
                                   context_data={email: context_data})
    sitting = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(sitting, ip_address="127.0.0.1", now=T0)
    taking.complete_check(sitting, browser={"userAgent": "test"}, now=T0)
    taking.start_exam(sitting, now=T0)
    db.session.commit()
    return sitting


def _answer_right(sitting, count: int) -> None:
    items = db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                               .order_by(SittingItem.position)).all()
    for item in items[:count]:
        taking.save_answer(sitting, item.id, answer={"option": item.key["correct"][0]}, version=1, now=T0)


def _finished(sitting, minutes: int = 10) -> Sitting:
    keep_page_open(sitting, T0, T0 + timedelta(minutes=minutes))
    taking.finish(sitting, now=T0 + timedelta(minutes=minutes))
    db.session.commit()
    return sitting


def _webhooks() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.WEBHOOK)
                              .order_by(OutboxMessage.id)).all()


@pytest.fixture
def integrated_exam(admin, factory, receiver):  # noqa: F811
    """An exam with all four callback URLs at the receiver, in India's time zone, three 1-mark MCQs."""
    assessment = factory.assessment(admin, name="Engineering Campus Test")
    return factory.exam(admin, assessment=assessment, name="NIT Patna", source_app="certification-app",
                        time_zone="UTC+05:30",
                        test_start_notification_url=receiver.url("/start"),
                        test_finish_notification_url=receiver.url("/finish"),
                        test_graded_notification_url=receiver.url("/graded"),
                        test_resume_enabled_for_expired_test_url=receiver.url("/resume"))


def test_start_finish_and_graded_payloads_field_for_field(admin, integrated_exam, receiver):  # noqa: F811
    exam = integrated_exam
    sitting = _started(admin, exam)
    _answer_right(sitting, 2)
    _finished(sitting)

    assert deliver_due() == {"sent": 3, "retried": 0, "dead": 0}

    assert [request.path for request in receiver.received] == ["/start", "/finish", "/graded"]
    (start,), (finish,), (graded,) = receiver.at("/start"), receiver.at("/finish"), receiver.at("/graded")
    candidate = {"invitation_key": exam.access_key, "candidate_instance_id": sitting.id, "context_data": CONTEXT,
                 "source_app": "certification-app", "name": "Ann Lee", "email": "ann@example.com"}
    assert start.json() == {
        "EVENT_TYPE": "startAssessment", "assessment_id": exam.assessment_id, **candidate,
        "timestamp_GMT": "Mon, 23 Nov 2026 09:00:00 GMT", "notification_url": receiver.url("/start")}
    assert finish.json() == {
        "EVENT_TYPE": "finishTest", "assessment_id": exam.assessment_id, **candidate,
        "timestamp_GMT": "Mon, 23 Nov 2026 09:10:00 GMT", "notification_url": receiver.url("/finish"),
        "finish_mode": "NormalSubmission"}
    assert graded.json() == {
        "assessmentId": exam.assessment_id, "percentile": 100, "EVENT_TYPE": "gradedAssessment", **candidate,
        "timestamp_GMT": "Mon, 23 Nov 2026 09:10:00 GMT", "notification_url": receiver.url("/graded"),
        "finish_mode": "NormalSubmission",
        "start_time_GMT": "23-Nov-26 9:00:00 AM", "end_time_GMT": "23-Nov-26 9:10:00 AM",
        "marks_scored": 2, "max_marks": 3, "attempt_time": 600,
        "assessment_name": "Engineering Campus Test", "client_id": admin.institute_id, "schedule_title": "NIT Patna",
        "start_time": "23-Nov-26 2:30:00 PM", "end_time": "23-Nov-26 2:40:00 PM"}
    # Stored in the exam's log under Mettl's event names.
    assert [(message.topic, message.exam_id) for message in _webhooks()] == [
        ("startAssessment", exam.id), ("finishTest", exam.id), ("gradedAssessment", exam.id)]


def test_an_expired_sitting_reports_its_deadline_and_may_be_resumed(admin, integrated_exam, receiver):  # noqa: F811
    sitting = _started(admin, integrated_exam, context_data="")
    assert taking.close_overdue_sittings(now=T0 + timedelta(hours=2)) == 1
    db.session.commit()

    callbacks.resume_enabled(sitting)
    db.session.commit()
    deliver_due()

    [finish] = receiver.at("/finish")
    assert finish.json()["finish_mode"] == "Expired"
    assert finish.json()["timestamp_GMT"] == "Mon, 23 Nov 2026 09:30:00 GMT"   # the deadline, not the sweep
    [graded] = receiver.at("/graded")
    assert graded.json()["marks_scored"] == 0
    # Graded by the sweep two hours on, stamped as the spec's sample stamps it: the test's end.
    assert graded.json()["timestamp_GMT"] == "Mon, 23 Nov 2026 09:30:00 GMT" == finish.json()["timestamp_GMT"]
    [resume] = receiver.at("/resume")
    assert resume.json() == {"assessmentId": integrated_exam.assessment_id, "candidate_instance_id": sitting.id,
                             "context_data": "", "source_app": "certification-app",
                             "notification_url": receiver.url("/resume")}


def test_an_exam_without_callback_urls_queues_nothing(admin, factory):
    sitting = _started(admin, factory.exam(admin))
    _finished(sitting)
    callbacks.resume_enabled(sitting)
    db.session.commit()

    assert sitting.graded_at is not None
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_only_the_events_with_a_url_are_queued(admin, factory, receiver):  # noqa: F811
    exam = factory.exam(admin, test_finish_notification_url=receiver.url("/finish"))
    _finished(_started(admin, exam))

    assert [message.topic for message in _webhooks()] == ["finishTest"]


def test_the_graded_callback_is_queued_once(admin, integrated_exam):
    sitting = _finished(_started(admin, integrated_exam))

    taking.score_sitting(sitting, now=T0 + timedelta(hours=1))   # scoring again changes no grade
    db.session.commit()

    assert [message.topic for message in _webhooks()].count("gradedAssessment") == 1


# Grade notification e-mails ------------------------------------------------------------------------------

GRADES = {"grade_notification_enabled": True, "grade_notification_recipients": ["grades@example.com",
                                                                                 "hr@example.com"]}


def test_the_grade_notification_reaches_the_recipients_when_the_sitting_is_graded(admin, factory, smtp_server):
    exam = factory.exam(admin, assessment=factory.assessment(admin, name="Mixed test"), name="Spring intake",
                        time_zone="UTC+01:00", **GRADES)
    sitting = _started(admin, exam)
    _answer_right(sitting, 3)
    deliver_due()
    assert smtp_server.received == []   # started, not graded

    _finished(sitting)
    assert deliver_due()["sent"] == 2

    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == ["grades@example.com", "hr@example.com"]
    mail = smtp_server.received[0]
    assert mail.message["Subject"] == "Graded: Ann Lee, Mixed test"
    text = mail.body()
    assert '"Mixed test" (Spring intake)' in text and "Marks: 3 of 3 (100 %)" in text
    assert "Finished: 23 Nov 2026, 10:10 (UTC+01:00), Submitted by the candidate" in text
    assert "Acme Languages" in mail.body("html") and "ann@example.com" in mail.body("html")
    grade_mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "grade_notification")).all()
    assert {(message.exam_id, message.institute_id) for message in grade_mails} == {(exam.id, admin.institute_id)}


@pytest.fixture
def essay_assessment(admin):
    skill = create_skill(admin, "Writing")
    ids = [create_question(admin, QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY", stem="<p>2+2?</p>",
                                                options=[{"html": "4", "correct": True}, {"html": "5"}])).id,
           create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=skill.id, difficulty="EASY",
                                                stem="<p>Write.</p>", marks=5)).id]
    assessment = create_assessment(admin, AssessmentInput(name="Essay test", duration=30,
                                                          sections=[SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    return assessment


def test_a_sitting_waiting_for_a_grader_sends_no_grades_yet(admin, factory, essay_assessment, smtp_server,
                                                            receiver):  # noqa: F811
    exam = factory.exam(admin, assessment=essay_assessment, test_finish_notification_url=receiver.url("/finish"),
                        test_graded_notification_url=receiver.url("/graded"), **GRADES)
    sitting = _started(admin, exam)
    essay = db.session.scalar(select(SittingItem).where(SittingItem.sitting_id == sitting.id,
                                                        SittingItem.question_type == "LONG_ANSWER"))
    taking.save_answer(sitting, essay.id, answer={"text": "An essay for a grader."}, version=1, now=T0)
    _finished(sitting)

    deliver_due()

    assert sitting.graded_at is None and sitting.finish_mode == FinishMode.NORMAL_SUBMISSION
    assert [request.path for request in receiver.received] == ["/finish"]
    assert smtp_server.received == []
