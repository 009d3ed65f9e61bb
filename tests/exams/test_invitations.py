"""Invitation e-mails through the outbox to a real SMTP server: a sitting is mail_sent only once its
e-mail is delivered, an outage delays it without losing or doubling it, two workers share the work."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.notifications.helpers import make_due
from webapp.core.extensions import db
from webapp.core.links import personal_url
from webapp.exams.services import describe_window
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.services import register_candidates, remove_sitting, send_invitations

PEOPLE = [("ann@example.com", "Ann", "Lee"), ("bob@example.com", "Bob", "Marsh"), ("cy@example.com", "Cy", "Young")]


@pytest.fixture
def exam(factory, admin):
    return factory.exam(admin, name="June session", access_type="ByInvitation", schedule_type="Fixed",
                        starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 30),
                        starts_on_time=time(8), ends_on_time=time(18), time_zone="UTC+05:30")


def register(admin, exam, people=PEOPLE) -> dict[str, Sitting]:
    register_candidates(admin, exam.id, [{"Email Address": email, "First Name": first, "Last Name": last}
                                         for email, first, last in people], send_email=False)
    db.session.commit()
    return sittings_by_email(exam)


def sittings_by_email(exam) -> dict[str, Sitting]:
    db.session.expire_all()
    return {sitting.candidate.email: sitting for sitting in db.session.scalars(
        select(Sitting).where(Sitting.exam_id == exam.id))}


def invitations() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "exam_invitation")
                                   .order_by(OutboxMessage.id)))


def test_each_candidate_gets_their_personal_link_and_is_mail_sent_once_delivered(admin, exam, smtp_server):
    register(admin, exam)
    assert send_invitations(admin, exam.id) == 3
    db.session.commit()
    assert smtp_server.received == []
    assert {s.status for s in sittings_by_email(exam).values()} == {SittingStatus.REGISTERED}

    assert deliver_due()["sent"] == 3

    sittings = sittings_by_email(exam)
    mails = {mail.rcpt_tos[0]: mail for mail in smtp_server.received}
    assert sorted(mails) == [email for email, _, _ in PEOPLE]
    window = describe_window(exam)
    assert window == "From Thu, Jun 27, 2030, 08:00 to Sun, Jun 30, 2030, 18:00 (UTC+05:30)"
    for email, first, last in PEOPLE:
        mail, sitting = mails[email], sittings[email]
        link = personal_url(sitting.access_token)
        text = mail.body("plain")
        assert f"Hello {first} {last}," in text and link in text and window in text
        assert re.findall(r"http://proctora\.localhost/s/\S+", text) == [link]
        html = BeautifulSoup(mail.body("html"), "html.parser")
        assert html.find("a", string="Start your test")["href"] == link
        assert window in html.get_text()
        assert mail.message["Subject"] == f"Your invitation: {exam.assessment.name}"
        assert sitting.status == SittingStatus.MAIL_SENT and sitting.mail_sent_at is not None


def test_only_the_chosen_sittings_are_invited(admin, exam, smtp_server):
    sittings = register(admin, exam)
    assert send_invitations(admin, exam.id, [sittings["bob@example.com"].id]) == 1
    db.session.commit()
    deliver_due()
    assert [mail.rcpt_tos for mail in smtp_server.received] == [["bob@example.com"]]
    assert {email: s.status.value for email, s in sittings_by_email(exam).items()} == {
        "ann@example.com": "registered", "bob@example.com": "mail_sent", "cy@example.com": "registered"}


def test_registering_with_send_email_queues_the_invitations_at_once(admin, exam, smtp_server):
    register_candidates(admin, exam.id, [{"Email Address": "ann@example.com", "First Name": "Ann",
                                          "Last Name": "Lee"}], send_email=True)
    db.session.commit()
    assert deliver_due()["sent"] == 1
    assert sittings_by_email(exam)["ann@example.com"].status == SittingStatus.MAIL_SENT


def test_a_mail_server_that_is_down_delays_the_invitations_until_it_is_back(admin, exam, smtp_server):
    register(admin, exam)
    smtp_server.stop()
    send_invitations(admin, exam.id)
    db.session.commit()

    assert deliver_due()["retried"] == 3
    assert {m.status for m in invitations()} == {MessageStatus.PENDING}
    sittings = sittings_by_email(exam)
    assert {(s.status, s.mail_sent_at) for s in sittings.values()} == {(SittingStatus.REGISTERED, None)}
    assert deliver_due()["sent"] == 0, "not due again before the backoff has passed"

    smtp_server.start()
    for message in invitations():
        make_due(message)
    assert deliver_due()["sent"] == 3
    for message in invitations():
        make_due(message)
    assert deliver_due() == {"sent": 0, "retried": 0, "dead": 0}
    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == [email for email, _, _ in PEOPLE]
    assert {s.status for s in sittings_by_email(exam).values()} == {SittingStatus.MAIL_SENT}


def test_two_workers_deliver_every_invitation_exactly_once(app, admin, exam, smtp_server):
    people = [(f"candidate{n}@example.com", f"First{n}", f"Last{n}") for n in range(20)]
    register(admin, exam, people)
    assert send_invitations(admin, exam.id) == 20
    db.session.commit()
    start = threading.Barrier(2)

    def work() -> int:
        with app.app_context():
            start.wait()
            sent = 0
            while batch := deliver_due(limit=3)["sent"]:
                sent += batch
            return sent

    with ThreadPoolExecutor(2) as pool:
        sent = [future.result() for future in [pool.submit(work) for _ in range(2)]]

    assert sum(sent) == 20
    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == sorted(email for email, _, _ in people)
    sittings = sittings_by_email(exam)
    assert {s.status for s in sittings.values()} == {SittingStatus.MAIL_SENT}
    for mail in smtp_server.received:
        assert personal_url(sittings[mail.rcpt_tos[0]].access_token) in mail.body("plain")


def test_withdrawing_a_sitting_cancels_its_invitation_not_yet_sent(admin, exam, smtp_server):
    sittings = register(admin, exam)
    assert send_invitations(admin, exam.id) == 3
    remove_sitting(admin, sittings["bob@example.com"].id)
    db.session.commit()

    assert [message.recipient for message in invitations()] == ["ann@example.com", "cy@example.com"]
    assert deliver_due()["sent"] == 2
    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == ["ann@example.com", "cy@example.com"]
