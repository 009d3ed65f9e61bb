"""The console's message log (/messages) and its retry button."""
from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import log_in
from tests.notifications.helpers import invite
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.notifications.models import MessageStatus
from webapp.notifications.worker import deliver_due


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(page: BeautifulSoup) -> list[dict]:
    """One {field: text} per listed message, and whether it offers a retry."""
    return [{**{cell["data-field"]: cell.get_text(" ", strip=True) for cell in row.select("[data-field]")},
             "retry": row.find("button", string="Retry") is not None}
            for row in page.select("table.messages tbody tr[data-message-id]")]


def _kill(message) -> None:
    """Let the worker give up on the message: one attempt allowed, and no mail server listening."""
    message.max_attempts = 1
    db.session.commit()
    deliver_due()
    assert message.status == MessageStatus.DEAD


def test_the_log_lists_the_institutes_messages_newest_first(admin_client, admin, factory, smtp_server):
    other_admin = factory.institute("Other School")[1]
    invite(other_admin, "stranger")
    smtp_server.reject("refused@example.com")
    invite(admin, "grace", "refused")
    deliver_due()
    invite(admin, "alan")

    rows = _rows(_page(admin_client.get("/messages")))

    assert [row["recipient"] for row in rows] == ["alan@example.com", "refused@example.com", "grace@example.com"]
    alan, refused, grace = rows
    assert alan["status"] == "Waiting" and alan["attempts"] == "0 / 8" and alan["next_attempt"]
    assert alan["subject"] == "You are invited to Acme Languages on Proctora"
    assert alan["topic"] == "E-mail · Invitation of a staff member" and not alan["retry"]
    assert refused["status"] == "Failed for good" and "550" in refused["last_error"] and refused["next_attempt"] == ""
    assert refused["retry"]
    assert grace["status"] == "Sent" and grace["sent"] and grace["last_error"] == "" and not grace["retry"]


def test_the_log_filters_by_status_and_pages(admin_client, admin):
    messages = invite(admin, *(f"colleague{number}" for number in range(27)))
    _kill(messages[0])

    dead = _rows(_page(admin_client.get("/messages?status=dead")))
    assert [row["recipient"] for row in dead] == ["colleague0@example.com"]

    first, second = _page(admin_client.get("/messages")), _page(admin_client.get("/messages?page=2"))
    assert len(_rows(first)) == 25 and len(_rows(second)) == 2
    assert "Page 1 of 2 (27 in all)" in first.select_one("nav.pagination").get_text()
    assert _rows(second)[-1]["recipient"] == "colleague0@example.com"


def test_htmx_asks_for_the_table_alone(admin_client, admin):
    invite(admin, "grace")

    page = _page(admin_client.get("/messages?status=pending", headers={"HX-Request": "true"}))

    assert page.find("html") is None and page.find("form", class_="filters") is None
    assert [row["recipient"] for row in _rows(page)] == ["grace@example.com"]


def test_retry_queues_a_dead_message_again(admin_client, admin, smtp_server):
    smtp_server.stop()
    message = invite(admin, "grace")[0]
    _kill(message)
    smtp_server.start()

    response = admin_client.post(f"/messages/{message.id}/retry?status=dead")

    assert response.headers["Location"] == "/messages?status=dead"
    flash = _page(admin_client.get("/messages")).select_one(".flash-success").get_text()
    assert flash == "The message to grace@example.com is queued again."
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert message.next_attempt_at <= utcnow()
    assert deliver_due()["sent"] == 1
    assert [mail.rcpt_tos for mail in smtp_server.received] == [["grace@example.com"]]


def test_only_a_dead_message_can_be_retried(admin_client, admin):
    message = invite(admin, "grace")[0]

    admin_client.post(f"/messages/{message.id}/retry", headers={"Referer": "/messages"})

    flash = _page(admin_client.get("/messages")).select_one(".flash-error").get_text()
    assert flash == "Only a message that failed for good can be retried; its status is “Waiting”."
    assert message.status == MessageStatus.PENDING


def test_another_institutes_message_is_not_found(admin_client, factory):
    other_admin = factory.institute("Other School")[1]
    message = invite(other_admin, "stranger")[0]
    _kill(message)

    response = admin_client.post(f"/messages/{message.id}/retry")

    assert response.status_code == 404
    assert "Message not found." in _page(response).get_text()
    assert message.status == MessageStatus.DEAD


def test_staff_other_than_admins_may_not_see_the_log(client, admin, factory):
    message = invite(admin, "grace")[0]
    _kill(message)
    log_in(client, factory.staff(admin.institute, "support"))

    listing = client.get("/messages")
    retry = client.post(f"/messages/{message.id}/retry")

    assert listing.status_code == retry.status_code == 403
    assert "Manage the institute" in _page(listing).get_text()
    assert message.status == MessageStatus.DEAD
    assert _page(client.get("/")).find("a", string="Messages") is None


def test_the_log_asks_for_a_login(client):
    response = client.get("/messages")

    assert response.headers["Location"].startswith("/login")
