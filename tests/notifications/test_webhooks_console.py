"""The console's side of webhooks: an exam's delivery log with its retry button, and the webhook
secret page (admins only)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from tests.notifications.test_webhooks import expected_signature, hook

from tests.sittings.test_callbacks import _finished, _started
from webapp.core.extensions import db
from webapp.notifications import webhooks
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.notifications.worker import deliver_due


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(page: BeautifulSoup) -> list[dict]:
    return [{"id": int(row["data-message-id"]), "kind": row["data-kind"],
             **{cell["data-field"]: cell.get_text(" ", strip=True) for cell in row.select("[data-field]")},
             "retry": row.find("button", string="Retry") is not None}
            for row in page.select("table.messages tbody tr[data-message-id]")]


@pytest.fixture
def two_exams(admin, factory, receiver, smtp_server):  # noqa: F811
    """Two exams of the institute whose sittings are finished: the first one's receiver refuses its
    callback (dead), and it e-mails the grades; the second one's callback goes through."""
    first = factory.exam(admin, name="First", test_finish_notification_url=receiver.url("/first"),
                         grade_notification_enabled=True, grade_notification_recipients=["grades@example.com"])
    second = factory.exam(admin, name="Second", test_finish_notification_url=receiver.url("/second"))
    receiver.answer("/first", 410)
    _finished(_started(admin, first))
    _finished(_started(admin, second))
    deliver_due()
    return first, second


def test_an_exams_log_lists_its_webhooks_and_emails_only(admin_client, admin, two_exams, receiver):  # noqa: F811
    first, second = two_exams

    rows = _rows(_page(admin_client.get(f"/exams/{first.id}/deliveries")))

    ours = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.exam_id == first.id)).all()
    assert sorted(row["id"] for row in rows) == sorted(ours) and len(rows) == 2
    webhook, = (row for row in rows if row["kind"] == "webhook")
    email, = (row for row in rows if row["kind"] == "email")
    assert webhook["recipient"] == receiver.url("/first") and webhook["topic"] == "Webhook · Test finished"
    assert webhook["status"] == "Failed for good" and webhook["response_code"] == "410" and webhook["retry"]
    assert webhook["attempts"] == "1 / 8" and webhook["last_error"].startswith("HTTP 410")
    assert '"finish_mode": "NormalSubmission"' in webhook["subject"]   # the JSON body, folded away
    assert email["recipient"] == "grades@example.com" and email["status"] == "Sent" and not email["retry"]
    assert [row["recipient"] for row in _rows(_page(admin_client.get(f"/exams/{second.id}/deliveries")))] == [
        receiver.url("/second")]


def test_a_dead_callback_is_retried_from_the_exams_log(admin_client, two_exams, receiver):  # noqa: F811
    first, _ = two_exams
    dead = db.session.scalar(select(OutboxMessage).where(OutboxMessage.exam_id == first.id,
                                                         OutboxMessage.status == MessageStatus.DEAD))

    response = admin_client.post(f"/exams/{first.id}/deliveries/{dead.id}/retry")

    assert response.status_code == 302 and response.location.endswith(f"/exams/{first.id}/deliveries")
    assert deliver_due()["sent"] == 1
    assert [request.status for request in receiver.at("/first")] == [410, 200]
    db.session.expire_all()
    assert (dead.status, dead.response_code) == (MessageStatus.SENT, 200)


def test_another_institutes_exam_log_is_not_found(client, factory, two_exams):
    first, _ = two_exams
    dead = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.DEAD))
    log_in(client, factory.institute("Rival Academy")[1])

    assert client.get(f"/exams/{first.id}/deliveries").status_code == 404
    assert client.post(f"/exams/{first.id}/deliveries/{dead}/retry").status_code == 404
    assert db.session.get(OutboxMessage, dead).status == MessageStatus.DEAD


def test_a_message_of_another_exam_is_not_retried_through_this_one(admin_client, two_exams):
    first, second = two_exams
    dead = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.DEAD))

    assert admin_client.post(f"/exams/{second.id}/deliveries/{dead}/retry").status_code == 404


def test_support_reads_the_log_but_cannot_retry(client, admin, factory, two_exams):
    first, _ = two_exams
    log_in(client, factory.staff(admin.institute, "support"))

    rows = _rows(_page(client.get(f"/exams/{first.id}/deliveries")))
    dead = next(row for row in rows if row["status"] == "Failed for good")

    assert not dead["retry"]
    assert client.post(f"/exams/{first.id}/deliveries/{dead['id']}/retry").status_code == 403


# The webhook secret -------------------------------------------------------------------------------------

def _secret(response) -> str:
    return _page(response).select_one("[data-field=secret]").get_text(strip=True)


def test_an_admin_reveals_and_replaces_the_secret_that_signs_the_callbacks(admin_client, admin, receiver):  # noqa: F811
    assert "no secret yet" in _page(admin_client.get("/settings/webhooks")).select_one("[data-field=state]").text

    shown = admin_client.post("/settings/webhooks/reveal")
    secret = _secret(shown)
    assert shown.headers["Cache-Control"] == "no-store" and len(secret) == 64
    assert _secret(admin_client.post("/settings/webhooks/reveal")) == secret
    assert "was made on" in _page(admin_client.get("/settings/webhooks")).select_one("[data-field=state]").text

    replaced = _secret(admin_client.post("/settings/webhooks/rotate"))
    assert replaced != secret

    hook(admin, receiver.url("/hook"))
    deliver_due()
    [request] = receiver.at("/hook")
    assert request.headers["X-Proctora-Signature"] == expected_signature(replaced, request.body)


@pytest.mark.parametrize("role", ["examiner", "proctor", "support"])
def test_only_admins_see_the_secret(client, admin, factory, role):
    log_in(client, factory.staff(admin.institute, role))

    assert client.get("/settings/webhooks").status_code == 403
    assert client.post("/settings/webhooks/reveal").status_code == 403
    assert client.post("/settings/webhooks/rotate").status_code == 403
    assert webhooks.webhook_secret_created_at(admin) is None   # nothing was made on their behalf
