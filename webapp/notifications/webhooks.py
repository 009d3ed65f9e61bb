"""Each institute's webhook secret, the key of the signature on every webhook it receives. Webhooks are queued by `services.queue_webhook` and sent by the worker's
`send_webhook`, which signs them with the secret as it is at the time of sending."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.core.permissions import Actor, Permission, require
from webapp.core.secrets_box import decrypt, encrypt
from webapp.notifications.models import WebhookSecret


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


def webhook_secret_created_at(actor: Actor) -> datetime | None:
    """When the institute's current secret was made, without revealing it; None before its first use."""
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = db.session.get(WebhookSecret, actor.institute_id)
    return stored.created_at if stored else None


def reveal_webhook_secret(actor: Actor) -> RevealedSecret:
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = _stored_secret(actor.institute_id)
    return RevealedSecret(decrypt(stored.secret_encrypted), stored.created_at)


def rotate_webhook_secret(actor: Actor) -> RevealedSecret:
    """Replace the secret: every webhook sent from now on, retries of older ones included, is signed
    with the new one, so the receiving application must be given it at once."""
    require(actor, Permission.MANAGE_INSTITUTE)
    stored = _stored_secret(actor.institute_id)
    secret = secrets.token_hex(32)
    stored.secret_encrypted = encrypt(secret)
    stored.created_at = utcnow()
    db.session.flush()
    return RevealedSecret(secret, stored.created_at)


