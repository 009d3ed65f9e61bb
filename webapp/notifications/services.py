"""Queueing outbox messages. Delivery lives in `worker.py`; nothing is sent inside a request."""
from __future__ import annotations

from flask import render_template

from webapp.extensions import db
from webapp.notifications.models import MessageKind, OutboxMessage


def queue_email(*, to: str, subject: str, template: str, context: dict, topic: str,
                institute_id: int | None = None) -> OutboxMessage:
    """Render `email/<template>.txt` and `.html` now and store them in the outbox, in the caller's
    transaction, so the e-mail exists exactly when the change that caused it is committed."""
    message = OutboxMessage(
        institute_id=institute_id,
        kind=MessageKind.EMAIL,
        topic=topic,
        recipient=to,
        payload={
            "to": [to],
            "subject": subject,
            "text": render_template(f"email/{template}.txt", **context),
            "html": render_template(f"email/{template}.html", **context),
        },
    )
    db.session.add(message)
    db.session.flush()
    return message
