"""Each institute's webhook secret, the key of the signature on every webhook it receives, and an
exam's delivery log. Webhooks are queued by `services.queue_webhook` and sent by the worker's
`send_webhook`, which signs them with the secret as it is at the time of sending."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import User
from webapp.core.permissions import Permission, require
from webapp.credentials.models import WebhookSecret
from webapp.core.clock import utcnow
from webapp.core.errors import NotFound
from webapp.exams.services import get_exam
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage
from webapp.notifications.services import requeue
from webapp.core.secrets_box import decrypt, encrypt


@dataclass(frozen=True)
class RevealedSecret:
    secret: str
    created_at: datetime


def _stored_secret(institute_id: int) -> WebhookSecret:
    """The institute's secret, created on first use (the first webhook sent or an admin's look). When
    two first uses meet, the one committed first wins and the other reads it."""
    stored = db.session.get(WebhookSecret, institute_id)
    if stored is not None:
        return stored
    try:
        with db.session.begin_nested():
            stored = WebhookSecret(institute_id=institute_id, secret_encrypted=encrypt(secrets.token_hex(32)))
            db.session.add(stored)
    except IntegrityError:
        stored = db.session.get(WebhookSecret, institute_id)
    return stored


def signing_secret(institute_id: int) -> str:
    """The key the worker signs the institute's webhooks with; the caller commits."""
    return decrypt(_stored_secret(institute_id).secret_encrypted)


def webhook_secret_created_at(actor: User) -> datetime | None:
    """When the institute's current secret was made, without revealing it; None before its first use."""
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = db.session.get(WebhookSecret, actor.institute_id)
    return stored.created_at if stored else None


def reveal_webhook_secret(actor: User) -> RevealedSecret:
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = _stored_secret(actor.institute_id)
    return RevealedSecret(decrypt(stored.secret_encrypted), stored.created_at)


def rotate_webhook_secret(actor: User) -> RevealedSecret:
    """Replace the secret: every webhook sent from now on, retries of older ones included, is signed
    with the new one, so the receiving application must be given it at once."""
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = _stored_secret(actor.institute_id)
    secret = secrets.token_hex(32)
    stored.secret_encrypted = encrypt(secret)
    stored.created_at = utcnow()
    db.session.flush()
    return RevealedSecret(secret, stored.created_at)


# An exam's delivery log ------------------------------------------------------------------------------

def exam_deliveries(actor: User, exam_id, *, page: int = 1, per_page: int = 25):
    """The exam and a page of the webhooks and e-mails it caused, newest first."""
    exam = get_exam(actor, exam_id)
    query = (select(OutboxMessage).where(OutboxMessage.exam_id == exam.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return exam, db.paginate(query, page=page, per_page=per_page, error_out=False)


def retry_exam_delivery(actor: User, exam_id, message_id: int) -> OutboxMessage:
    """Queue a dead webhook or e-mail of the exam again, once the receiver is fixed."""
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                            OutboxMessage.exam_id == exam.id))
    if message is None:
        raise NotFound("Message")
    return requeue(message)
