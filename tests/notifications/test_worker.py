"""The delivery worker against a real SMTP server (aiosmtpd) and the test database."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import select, text

from tests.clock_ahead import module_command
from tests.conftest import log_in
from tests.notifications.helpers import invite, make_due
from webapp.accounts.models import User
from webapp.accounts.services import set_password_url
from webapp.core import clock
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.notifications import worker
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.notifications.services import queue_email, register_delivery_handler
from webapp.notifications.worker import deliver_due, retry_delay

ROOT = Path(__file__).resolve().parents[2]
NOTHING = {"sent": 0, "retried": 0, "dead": 0}


def test_invited_colleague_sets_a_password_through_the_delivered_email(admin, client, smtp_server):
    invitation = invite(admin, "grace")[0]

    assert deliver_due() == {**NOTHING, "sent": 1}

    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["grace@example.com"]
    assert mail.message["To"] == "grace@example.com"
    assert mail.message["From"] == "Proctora <no-reply@example.com>"
    assert mail.message["Subject"] == "You are invited to Acme Languages on Proctora"
    assert mail.message["Message-ID"] == f"<outbox-{invitation.id}@proctora.localhost>"
    link = re.search(r"http://proctora\.localhost/set-password/\S+", mail.body("plain")).group(0)
    html_link = BeautifulSoup(mail.body("html"), "html.parser").find("a", string="Choose your password")
    assert html_link["href"] == link
    assert invitation.status == MessageStatus.SENT
    assert invitation.attempts == 1 and invitation.sent_at is not None

    path = link.removeprefix("http://proctora.localhost")
    form = client.get(path)
    assert "Welcome, Grace" in form.get_data(as_text=True)
    answer = client.post(path, data={"new_password": "a-new-long-secret", "confirmation": "a-new-long-secret"})
    assert answer.headers["Location"] == "/login"
    grace = db.session.scalars(select(User).where(User.email == "grace@example.com")).one()
    log_in(client, grace, password="a-new-long-secret")
    dashboard = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert "Grace" in dashboard.select_one("details.dropdown summary").get_text()


def test_a_mail_server_that_is_down_delays_the_message_until_it_is_back(admin, smtp_server):
    smtp_server.stop()
    invitation = invite(admin, "grace")[0]

    assert deliver_due() == {**NOTHING, "retried": 1}
    assert invitation.status == MessageStatus.PENDING
    assert invitation.attempts == 1
    assert "Connection refused" in invitation.last_error
    assert invitation.next_attempt_at > utcnow()
    assert invitation.claimed_until is None
    assert deliver_due() == NOTHING, "not due again before its backoff has passed"

    smtp_server.start()
    make_due(invitation)
    assert deliver_due() == {**NOTHING, "sent": 1}
    make_due(invitation)
    assert deliver_due() == NOTHING
    assert len(smtp_server.received) == 1
    assert invitation.status == MessageStatus.SENT and invitation.attempts == 2


def test_retry_delays_double_up_to_an_hour_with_a_little_jitter():
    for attempts, seconds in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)]:
        delay = retry_delay(attempts)
        assert timedelta(seconds=seconds * 0.9) <= delay <= timedelta(seconds=seconds * 1.1)


def test_a_message_that_keeps_failing_goes_dead_after_its_last_attempt(admin):
    invitation = invite(admin, "grace")[0]
    invitation.max_attempts = 2
    db.session.commit()

    assert deliver_due() == {**NOTHING, "retried": 1}
    make_due(invitation)
    assert deliver_due() == {**NOTHING, "dead": 1}

    assert invitation.status == MessageStatus.DEAD
    assert invitation.attempts == 2
    assert "Connection refused" in invitation.last_error
    make_due(invitation)
    assert deliver_due() == NOTHING


def test_a_permanent_refusal_goes_dead_at_once_and_a_temporary_one_is_retried(admin, smtp_server):
    smtp_server.reject("grace@example.com", "550 5.1.1 No such user here")
    smtp_server.reject("alan@example.com", "451 4.3.0 Mailbox busy, try again later")
    refused, busy = invite(admin, "grace", "alan")

    assert deliver_due() == {**NOTHING, "retried": 1, "dead": 1}

    assert smtp_server.received == []
    assert refused.status == MessageStatus.DEAD and refused.attempts == 1
    assert "550" in refused.last_error and "No such user here" in refused.last_error
    assert busy.status == MessageStatus.PENDING and busy.attempts == 1
    assert "451" in busy.last_error


def test_an_email_that_cannot_be_built_is_dead_at_once_with_a_readable_error(admin, smtp_server):
    # Queued before names refused control characters: its subject carries a line break.
    unbuildable = queue_email(to="grace@example.com", subject="Your test: English\r\nBcc: everyone@example.com",
                              template="staff_invitation", topic="staff_invitation", institute_id=admin.institute_id,
                              context={"user": admin, "inviter": admin, "institute": admin.institute, "link": "x"})
    fine = invite(admin, "alan")[0]

    assert deliver_due() == {**NOTHING, "sent": 1, "dead": 1}

    assert [mail.rcpt_tos for mail in smtp_server.received] == [["alan@example.com"]]
    assert (unbuildable.status, unbuildable.attempts) == (MessageStatus.DEAD, 1)
    assert unbuildable.last_error == ("The e-mail cannot be built: a line break in its subject, sender or "
                                      "recipient")
    assert fine.status == MessageStatus.SENT


def test_a_message_left_sending_by_a_killed_worker_is_picked_up_when_its_lease_ends(admin, smtp_server):
    abandoned, in_hand = invite(admin, "grace", "alan")
    abandoned.status = in_hand.status = MessageStatus.SENDING
    abandoned.claimed_until = utcnow() - timedelta(seconds=1)
    in_hand.claimed_until = utcnow() + timedelta(minutes=5)   # another worker is sending this one
    db.session.commit()

    assert deliver_due() == {**NOTHING, "sent": 1}

    assert [mail.rcpt_tos for mail in smtp_server.received] == [["grace@example.com"]]
    assert abandoned.status == MessageStatus.SENT and abandoned.claimed_until is None
    assert in_hand.status == MessageStatus.SENDING


@contextmanager
def _worker_thread_in_mid_send(app, smtp_server):
    """`deliver_due` in a thread of its own, held by the mail server in the middle of its first send
    until the block ends; the future of its counts."""
    smtp_server.hold()
    with ThreadPoolExecutor(1) as pool:
        def slow_worker():
            with app.app_context():
                return deliver_due()

        slow = pool.submit(slow_worker)
        try:
            assert smtp_server.receiving.wait(timeout=30)
            yield slow
        finally:
            smtp_server.release()


def test_a_worker_whose_lease_ran_out_mid_send_records_nothing_and_the_resend_has_the_same_id(
        app, admin, smtp_server):
    invitation = invite(admin, "grace")[0]
    with _worker_thread_in_mid_send(app, smtp_server) as slow:
        invitation.claimed_until = utcnow() - timedelta(seconds=1)   # its lease ran out meanwhile
        db.session.commit()
    assert slow.result() == NOTHING

    assert invitation.status == MessageStatus.SENDING and invitation.attempts == 0
    assert deliver_due() == {**NOTHING, "sent": 1}
    first, second = smtp_server.received
    message_id = f"<outbox-{invitation.id}@proctora.localhost>"
    assert first.message["Message-ID"] == second.message["Message-ID"] == message_id


def test_a_claimed_message_whose_lease_ran_out_before_its_turn_is_not_sent(admin, smtp_server, monkeypatch):
    invitation = invite(admin, "grace")[0]
    monkeypatch.setattr(worker, "LEASE", timedelta(0))

    assert deliver_due() == NOTHING
    assert smtp_server.received == []
    assert invitation.status == MessageStatus.SENDING

    monkeypatch.undo()
    assert deliver_due() == {**NOTHING, "sent": 1}


def test_two_workers_at_once_deliver_every_message_exactly_once(app, admin, smtp_server):
    names = [f"colleague{number}" for number in range(24)]
    messages = invite(admin, *names)
    start = threading.Barrier(2)

    def work() -> int:
        with app.app_context():
            start.wait()
            sent = 0
            while batch := sum(deliver_due(limit=3).values()):
                sent += batch
            return sent

    with ThreadPoolExecutor(2) as pool:
        results = [pool.submit(work) for _ in range(2)]
        sent = [result.result() for result in results]

    assert sum(sent) == len(names)
    message_ids = sorted(mail.message["Message-ID"] for mail in smtp_server.received)
    assert message_ids == sorted(f"<outbox-{message.id}@proctora.localhost>" for message in messages)
    db.session.expire_all()
    assert {(message.status, message.attempts) for message in messages} == {(MessageStatus.SENT, 1)}


# "on_delivered": a side effect committed together with the message's delivery -----------------------

handler_calls = []


def _note_delivery(message, user_id, note):
    """Test-only handler: records what it saw and makes a change of its own to the database."""
    with db.engine.connect() as elsewhere:
        status_elsewhere = elsewhere.execute(
            text("SELECT status FROM outbox_messages WHERE id = :id"), {"id": message.id}).scalar()
    handler_calls.append((message.id, message.status, status_elsewhere))
    user = db.session.get(User, user_id)
    user.name = f"{user.name} ({note})"
    if note == "fail":
        raise RuntimeError("the handler broke")


register_delivery_handler("test.note_delivery", _note_delivery)


def _queue_with_handler(admin, note: str) -> OutboxMessage:
    message = queue_email(
        to=admin.email, subject="Welcome", template="staff_invitation", topic="staff_invitation",
        institute_id=admin.institute_id,
        context={"user": admin, "inviter": admin, "institute": admin.institute, "link": set_password_url(admin)},
        on_delivered={"handler": "test.note_delivery", "user_id": admin.id, "note": note},
    )
    db.session.commit()
    return message


def test_the_delivery_handler_runs_once_in_the_commit_that_marks_the_message_sent(admin, smtp_server):
    handler_calls.clear()
    name = admin.name
    message = _queue_with_handler(admin, "mailed")

    assert deliver_due() == {**NOTHING, "sent": 1}
    make_due(message)
    assert deliver_due() == NOTHING

    # Inside the handler the message was already sent, but not yet for anyone else: one transaction.
    assert handler_calls == [(message.id, MessageStatus.SENT, "sending")]
    assert admin.name == f"{name} (mailed)"
    assert message.status == MessageStatus.SENT and message.last_error == ""


def test_a_failing_delivery_handler_is_undone_but_the_message_stays_sent(admin, smtp_server):
    handler_calls.clear()
    name = admin.name
    message = _queue_with_handler(admin, "fail")

    assert deliver_due() == {**NOTHING, "sent": 1}

    assert len(handler_calls) == 1 and len(smtp_server.received) == 1
    assert admin.name == name
    assert message.status == MessageStatus.SENT
    assert "'test.note_delivery' failed: the handler broke" in message.last_error


def test_a_message_cannot_be_queued_with_an_unknown_delivery_handler(admin):
    try:
        queue_email(to="grace@example.com", subject="Welcome", template="staff_invitation", topic="test",
                    context={}, on_delivered={"handler": "test.nobody"})
    except ValueError as error:
        assert "test.nobody" in str(error)
    else:
        raise AssertionError("queued with an unknown handler")


# The `flask worker` command -------------------------------------------------------------------------

def test_worker_once_delivers_what_is_due_and_prints_the_counts(app, admin, smtp_server):
    smtp_server.reject("refused@example.com", "554 5.7.1 Rejected")
    smtp_server.reject("busy@example.com", "421 4.7.0 Try again later")
    invite(admin, "grace", "alan", "refused", "busy")

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"sent": 2, "retried": 1, "dead": 1}
    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == ["alan@example.com", "grace@example.com"]


def _worker_in_mid_send(app, smtp_server, tmp_path) -> subprocess.Popen:
    """`flask worker` in a process of its own, on the test's database and mail server, once the held
    mail server has its first message in hand."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
        "MAIL_SERVER": app.config["MAIL_SERVER"],
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "MAIL_DEFAULT_SENDER": app.config["MAIL_DEFAULT_SENDER"],
        "PROCTORA_INSTANCE_PATH": str(tmp_path),
    }
    process = subprocess.Popen(module_command("flask", "--app", "wsgi", "worker", "--interval", "0.2"),
                              cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not smtp_server.receiving.wait(timeout=60):
        process.kill()
        raise AssertionError(f"the worker never began sending: {process.communicate()[1][-3000:]}")
    return process


def test_sigterm_lets_the_worker_finish_the_message_in_hand_and_release_the_rest(app, admin, smtp_server,
                                                                               tmp_path):
    in_hand, waiting = invite(admin, "grace", "alan")
    smtp_server.hold()
    process = _worker_in_mid_send(app, smtp_server, tmp_path)
    try:
        process.send_signal(signal.SIGTERM)
        smtp_server.release()
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()

    assert process.returncode == 0, stderr
    assert [mail.rcpt_tos for mail in smtp_server.received] == [["grace@example.com"]]
    db.session.expire_all()
    assert in_hand.status == MessageStatus.SENT
    assert (waiting.status, waiting.attempts, waiting.claimed_until) == (MessageStatus.PENDING, 0, None)
    assert waiting.next_attempt_at <= utcnow()


def test_the_messages_of_a_killed_worker_are_sent_by_another_within_a_minute(app, admin, smtp_server, tmp_path):
    in_hand, waiting = invite(admin, "grace", "alan")
    smtp_server.hold()
    process = _worker_in_mid_send(app, smtp_server, tmp_path)
    process.kill()   # SIGKILL: no chance to release anything
    process.communicate(timeout=60)
    killed_at = utcnow()
    smtp_server.release()

    db.session.expire_all()
    assert {in_hand.status, waiting.status} == {MessageStatus.SENDING}
    assert max(in_hand.claimed_until, waiting.claimed_until) <= killed_at + timedelta(minutes=1)
    clock.freeze(killed_at)
    assert deliver_due() == NOTHING, "taken over while the dead worker's lease still runs"
    clock.move(timedelta(minutes=1))
    assert deliver_due() == {**NOTHING, "sent": 2}

    # (The mail server may or may not keep what the killed worker had half sent: same Message-ID.)
    assert {mail.rcpt_tos[0] for mail in smtp_server.received} == {"alan@example.com", "grace@example.com"}
    assert {(message.status, message.attempts) for message in (in_hand, waiting)} == {(MessageStatus.SENT, 1)}


def test_a_worker_renews_its_lease_while_it_sends_so_no_other_takes_the_messages_over(app, admin, smtp_server,
                                                                                    monkeypatch):
    monkeypatch.setattr(worker, "LEASE_RENEWAL", timedelta(seconds=0.05))
    in_hand, waiting = invite(admin, "grace", "alan")
    clock.freeze(utcnow())
    with _worker_thread_in_mid_send(app, smtp_server) as slow:
        claimed_until = db.session.scalar(select(OutboxMessage.claimed_until).where(OutboxMessage.id == waiting.id))
        # Longer than a lease in the middle of one send: the heartbeat keeps the claim alive.
        clock.move(worker.LEASE * 2)
        deadline = time.monotonic() + 10
        renewed_until = claimed_until
        while renewed_until == claimed_until and time.monotonic() < deadline:
            time.sleep(0.05)
            db.session.rollback()
            renewed_until = db.session.scalar(select(OutboxMessage.claimed_until)
                                              .where(OutboxMessage.id == waiting.id))
        assert renewed_until == utcnow() + worker.LEASE
        assert worker._claim_due(10)[0] == [], "another worker took over a message still held"
    assert slow.result() == {**NOTHING, "sent": 2}

    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == ["alan@example.com", "grace@example.com"]
    db.session.expire_all()
    assert {(message.status, message.attempts) for message in (in_hand, waiting)} == {(MessageStatus.SENT, 1)}
