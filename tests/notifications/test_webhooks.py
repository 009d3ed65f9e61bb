"""Webhook delivery against a real HTTP receiver on 127.0.0.1: the signature, retries, refusals,
unreachable and slow receivers, and two workers at once. Also home of the `receiver` fixture that
the callback tests use."""
from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.notifications.helpers import make_due
from webapp.core.extensions import db
from webapp.notifications import webhooks
from webapp.notifications.models import MessageKind, MessageStatus, OutboxMessage
from webapp.notifications.services import queue_webhook
from webapp.notifications.worker import deliver_due, run_worker

NOTHING = {"sent": 0, "retried": 0, "dead": 0}


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


def secret_of(admin) -> str:
    return webhooks.reveal_webhook_secret(admin).secret


def expected_signature(secret: str, body: bytes) -> str:
    # Written out here rather than taken from the worker, so that the test checks the documented header.
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hook(admin, url: str, body: dict | None = None, topic: str = "finishTest") -> OutboxMessage:
    message = queue_webhook(url=url, body=body or {"EVENT_TYPE": topic}, topic=topic, institute_id=admin.institute_id)
    db.session.commit()
    return message


# Signing and the request ---------------------------------------------------------------------------

def test_a_webhook_is_a_signed_json_post_that_verifies_with_the_institutes_secret(admin, factory, receiver):
    other_admin = factory.institute("Other School")[1]
    ours = hook(admin, receiver.url("/ours"), {"candidate_instance_id": 7, "context_data": "ünïcode ✓"})
    theirs = hook(other_admin, receiver.url("/theirs"))

    assert deliver_due() == {**NOTHING, "sent": 2}

    [request] = receiver.at("/ours")
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"candidate_instance_id": 7, "context_data": "ünïcode ✓"}
    assert request.headers["X-Proctora-Delivery"] == str(ours.id)
    assert request.headers["X-Proctora-Signature"] == expected_signature(secret_of(admin), request.body)
    # Each institute signs with its own secret, made on first use.
    [other] = receiver.at("/theirs")
    assert secret_of(other_admin) != secret_of(admin)
    assert other.headers["X-Proctora-Signature"] == expected_signature(secret_of(other_admin), other.body)
    assert other.headers["X-Proctora-Delivery"] == str(theirs.id)
    db.session.expire_all()
    assert ours.kind == MessageKind.WEBHOOK
    assert (ours.status, ours.attempts, ours.response_code) == (MessageStatus.SENT, 1, 200)


def test_a_rotated_secret_signs_the_next_attempts(admin, receiver):
    old = secret_of(admin)
    message = hook(admin, receiver.url("/hook"))
    receiver.answer("/hook", 503)
    deliver_due()
    new = webhooks.rotate_webhook_secret(admin).secret
    db.session.commit()
    make_due(message)

    deliver_due()

    first, second = receiver.at("/hook")
    assert new != old
    assert first.headers["X-Proctora-Signature"] == expected_signature(old, first.body)
    assert second.headers["X-Proctora-Signature"] == expected_signature(new, second.body)


# Outcomes --------------------------------------------------------------------------------------------

def test_a_500_is_retried_with_the_same_body_and_id_and_delivered_exactly_once(admin, receiver):
    message = hook(admin, receiver.url("/hook"))
    receiver.answer("/hook", 500)

    assert deliver_due() == {**NOTHING, "retried": 1}
    db.session.expire_all()
    assert (message.status, message.attempts, message.response_code) == (MessageStatus.PENDING, 1, 500)
    assert message.last_error.startswith("HTTP 500")
    assert deliver_due() == NOTHING   # not before its backoff

    make_due(message)
    assert deliver_due() == {**NOTHING, "sent": 1}
    assert deliver_due() == NOTHING

    first, second = receiver.at("/hook")
    assert [first.status, second.status] == [500, 200]
    assert first.body == second.body
    assert first.headers["X-Proctora-Delivery"] == second.headers["X-Proctora-Delivery"] == str(message.id)
    assert first.headers["X-Proctora-Signature"] == second.headers["X-Proctora-Signature"]
    db.session.expire_all()
    assert (message.status, message.attempts, message.response_code) == (MessageStatus.SENT, 2, 200)


@pytest.mark.parametrize("status, outcome, status_after", [
    (408, "retried", MessageStatus.PENDING), (429, "retried", MessageStatus.PENDING),
    (503, "retried", MessageStatus.PENDING),
    (400, "dead", MessageStatus.DEAD), (404, "dead", MessageStatus.DEAD), (410, "dead", MessageStatus.DEAD),
])
def test_busy_receivers_are_retried_and_a_refusal_is_dead_at_once(admin, receiver, status, outcome, status_after):
    message = hook(admin, receiver.url("/hook"))
    receiver.answer("/hook", status)

    assert deliver_due() == {**NOTHING, outcome: 1}
    db.session.expire_all()
    assert (message.status, message.attempts, message.response_code) == (status_after, 1, status)
    assert message.last_error.startswith(f"HTTP {status}")
    assert len(receiver.at("/hook")) == 1


def test_a_redirect_is_not_followed(admin, receiver):
    message = hook(admin, receiver.url("/hook"))
    receiver.answer("/hook", 302)

    assert deliver_due() == {**NOTHING, "dead": 1}
    assert receiver.at("/moved") == []
    db.session.expire_all()
    assert message.response_code == 302 and "/moved" in message.last_error


def test_an_unreachable_receiver_is_retried(admin):
    message = hook(admin, closed_port_url())

    assert deliver_due() == {**NOTHING, "retried": 1}
    db.session.expire_all()
    assert (message.status, message.attempts, message.response_code) == (MessageStatus.PENDING, 1, None)
    assert "refused" in message.last_error.lower()


def test_a_receiver_slower_than_the_timeout_is_retried(app, admin, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.3)
    receiver.delay = 2
    message = hook(admin, receiver.url("/slow"))

    started = time.monotonic()
    assert deliver_due() == {**NOTHING, "retried": 1}

    assert time.monotonic() - started < 1.5
    db.session.expire_all()
    assert message.status == MessageStatus.PENDING and "timed out" in message.last_error.lower()


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "file:///etc/passwd", "http:///no-host"])
def test_only_http_and_https_urls_are_called(admin, url):
    message = hook(admin, url)

    assert deliver_due() == {**NOTHING, "dead": 1}
    db.session.expire_all()
    assert message.last_error.startswith("Not an http:// or https:// URL")


def test_two_workers_at_once_deliver_every_webhook_exactly_once(app, admin, receiver):
    # No secret yet: the workers may both make it on first use, and must sign with the same one.
    messages = [hook(admin, receiver.url("/hook"), {"number": number}) for number in range(20)]
    start = threading.Barrier(2)

    def worker() -> dict[str, int]:
        with app.app_context():
            start.wait()
            return run_worker(once=True)

    with ThreadPoolExecutor(2) as pool:
        totals = [result.result() for result in [pool.submit(worker) for _ in range(2)]]

    assert sum(total["sent"] for total in totals) == len(messages)
    deliveries = sorted(int(request.headers["X-Proctora-Delivery"]) for request in receiver.received)
    assert deliveries == sorted(message.id for message in messages)
    secret = secret_of(admin)
    assert all(request.headers["X-Proctora-Signature"] == expected_signature(secret, request.body)
               for request in receiver.received)
    db.session.expire_all()
    assert {(message.status, message.attempts) for message in messages} == {(MessageStatus.SENT, 1)}
