"""Reminders of a fixed exam's window, queued by the worker's periodic job with the clock moved: once per
sitting and kind, only to invited candidates who have not started, in their language and the
institute's wording, listed in the exam's deliveries, and an institute's settings only for its exams."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from webapp.candidates.models import Candidate
from webapp.cli.demo import take_test
from webapp.core import clock
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.exams.services import set_active
from webapp.notifications import mail_templates
from webapp.notifications.models import OutboxMessage
from webapp.notifications.worker import deliver_due, run_periodic_jobs
from webapp.sittings.models import ReminderKind, Sitting, SittingReminder
from webapp.sittings.reminders import queue_due_reminders
from webapp.sittings.services import register_candidates, remove_sitting

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
OPENS = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
CLOSES = datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc)


def _exam(admin, factory, name="March session"):
    return factory.exam(admin, name=name, schedule_type="Fixed", fixed_access_option="ExactTime",
                        starts_on_date=OPENS.date(), ends_on_date=CLOSES.date(), starts_on_time=time(9),
                        ends_on_time=time(17), time_zone="UTC+00:00", email_on_invitation=True)


def _register(admin, exam, *names: str, send_email: bool = True) -> dict[str, Sitting]:
    outcomes = register_candidates(admin, exam.id, [
        {"Email Address": f"{name}@example.com", "First Name": name.title(), "Last Name": "Lee"} for name in names],
        send_email=send_email)
    db.session.commit()
    return {name: db.session.get(Sitting, outcome.sitting_id) for name, outcome in zip(names, outcomes)}


def _at(moment: datetime) -> int:
    clock.freeze(moment)
    queued = queue_due_reminders()
    db.session.commit()
    return queued


def _reminded(exam) -> list[str]:
    return sorted(db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.exam_id == exam.id, OutboxMessage.topic == "exam_reminder")))


@pytest.fixture
def invited(admin, factory, smtp_server):
    """An exam opening in two days; Ann, Bob (who reads German), Cara and Dan invited, the invitations
    delivered; Eve registered without an e-mail."""
    clock.freeze(T0)
    db.session.add(Candidate(institute_id=admin.institute_id, email="bob@example.com", username="bob",
                             first_name="Bob", last_name="Lee", language="de"))
    db.session.commit()
    exam = _exam(admin, factory)
    sittings = _register(admin, exam, "ann", "bob", "cara", "dan")
    sittings.update(_register(admin, exam, "eve", send_email=False))
    deliver_due()
    smtp_server.received.clear()
    return exam, sittings


def test_each_reminder_goes_once_to_the_invited_who_have_not_started(admin, invited, smtp_server):
    exam, sittings = invited
    remove_sitting(admin, sittings["cara"].id)     # withdrawn
    db.session.commit()

    assert _at(T0) == 0                            # more than 24 hours before the window opens
    assert _at(OPENS - timedelta(hours=23)) == 3
    assert _reminded(exam) == ["ann@example.com", "bob@example.com", "dan@example.com"]
    assert _at(OPENS - timedelta(hours=1)) == 0    # once

    take_test(sittings["dan"], lambda item: None, now=OPENS + timedelta(hours=1))
    db.session.commit()
    assert _at(CLOSES - timedelta(hours=25)) == 0
    assert _at(CLOSES - timedelta(hours=23)) == 2
    assert _at(CLOSES - timedelta(hours=22)) == 0
    assert _at(CLOSES + timedelta(hours=1)) == 0
    kinds = {(sitting_id, kind) for sitting_id, kind in db.session.execute(
        select(SittingReminder.sitting_id, SittingReminder.kind))}
    assert kinds == {(sittings["ann"].id, ReminderKind.OPENING), (sittings["bob"].id, ReminderKind.OPENING),
                     (sittings["dan"].id, ReminderKind.OPENING), (sittings["ann"].id, ReminderKind.CLOSING),
                     (sittings["bob"].id, ReminderKind.CLOSING)}

    deliver_due()
    received = {mail.rcpt_tos[0]: mail for mail in smtp_server.received}
    assert sorted(received) == ["ann@example.com", "bob@example.com", "dan@example.com"]
    text = received["ann@example.com"].body().replace("\r\n", "\n")
    assert received["ann@example.com"].message["Subject"] == f"Reminder: {exam.assessment.name}"
    assert "The window of your test closes on Thu, Mar 5, 2026, 17:00 (UTC+00:00), and you have not taken" in text
    assert received["bob@example.com"].message["Subject"] == f"Erinnerung: {exam.assessment.name}"


def test_the_worker_runs_the_job_and_the_reminder_is_in_the_institutes_wording(admin, invited, smtp_server):
    exam, _sittings = invited
    mail_templates.save_wording(admin, "reminder", "en", "Soon: {{ exam_name }}",
                                "{{ candidate_name }}, {{ reminder }}\n\n{{ link }}")
    db.session.commit()

    clock.freeze(OPENS - timedelta(hours=2))
    run_periodic_jobs()
    deliver_due()

    received = {mail.rcpt_tos[0]: mail for mail in smtp_server.received}
    assert received["ann@example.com"].message["Subject"] == "Soon: March session"
    assert received["ann@example.com"].body().startswith(
        "Ann Lee, The window of your test opens on Tue, Mar 3, 2026, 09:00 (UTC+00:00).")
    assert received["bob@example.com"].message["Subject"].startswith("Erinnerung:")   # no German wording


def test_reminders_are_listed_in_the_exams_deliveries(admin_client, admin, invited):
    exam, _sittings = invited
    _at(OPENS - timedelta(hours=2))

    page = BeautifulSoup(admin_client.get(f"/exams/{exam.id}/deliveries").get_data(as_text=True), "html.parser")

    topics = [cell.get_text(" ", strip=True) for cell in page.select('[data-field="topic"]')]
    assert topics.count("E-mail · Reminder of an exam's window") == 4


def test_a_late_job_and_a_late_registration_send_no_stale_reminder(admin, factory, invited):
    exam, _sittings = invited
    clock.freeze(OPENS - timedelta(hours=2))
    late = _register(admin, exam, "finn")["finn"]
    late.mail_sent_at = clock.utcnow()
    db.session.commit()

    assert _at(OPENS + timedelta(minutes=5)) == 0                 # the window is open: too late to say it opens
    assert "finn@example.com" not in _reminded(exam)


def test_the_hours_are_the_institutes_and_zero_is_none(admin, factory, invited):
    exam, _sittings = invited
    mail_templates.save_mail_settings(admin, 0, 48)
    other = factory.institute("Other School")[1]
    other_exam = _exam(other, factory, name="Other session")
    _register(other, other_exam, "olga")
    db.session.get(Sitting, db.session.scalar(select(Sitting.id).where(Sitting.exam_id == other_exam.id))) \
        .mail_sent_at = T0
    db.session.commit()

    assert _at(OPENS - timedelta(hours=2)) == 1                   # the other institute's default 24 hours
    assert _reminded(exam) == [] and _reminded(other_exam) == ["olga@example.com"]
    assert _at(CLOSES - timedelta(hours=47)) == 4                  # 48 hours before closing
    assert _reminded(other_exam) == ["olga@example.com"]


def test_an_exam_open_at_any_time_or_inactive_has_no_reminders(admin, factory, invited):
    exam, _sittings = invited
    always = factory.exam(admin, name="Any time", email_on_invitation=True)
    _register(admin, always, "gus")
    set_active(admin, exam.id, False)
    db.session.commit()

    assert _at(OPENS - timedelta(hours=2)) == 0


def test_reminder_hours_are_whole_numbers_in_range(admin):
    for value in ("-1", "x", "10000", ""):
        with pytest.raises(ValidationError) as error:
            mail_templates.save_mail_settings(admin, value, 24)
        assert error.value.field == "hours_before_opening"
