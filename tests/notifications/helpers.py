"""Building outbox messages for the notification tests, through the services that queue them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.accounts.services import invite_staff
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage


def invite(admin, *names: str) -> list[OutboxMessage]:
    """Invite one colleague per name (e-mail <name>@example.com) and commit; their invitations."""
    users = [invite_staff(admin, email=f"{name}@example.com", name=name.title(), role="examiner")
             for name in names]
    db.session.commit()
    return [message_to(user.email) for user in users]


def message_to(recipient: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)).one()


def make_due(message: OutboxMessage) -> None:
    """As if its backoff had passed."""
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
