"""Queueing outbox messages, the side effects that wait for their delivery, and the console's message
log. Delivery lives in `worker.py`; nothing is sent inside a request."""
from __future__ import annotations

import json
import logging
from functools import cache
from typing import Callable

from flask import render_template
from flask_babel import force_locale, gettext as _
from sqlalchemy import insert, select

from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, parse_enum
from webapp.core.extensions import db
from webapp.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from webapp.core.permissions import Actor, Permission, require
from webapp.notifications.mail_templates import email_parts, institute_wording
from webapp.notifications.models import MessageKind, MessageStatus, OutboxMessage

log = logging.getLogger(__name__)

DeliveryHandler = Callable[..., None]
_delivery_handlers: dict[str, DeliveryHandler] = {}


def register_delivery_handler(name: str, handler: DeliveryHandler) -> None:
    """Make `handler(message, **arguments)` runnable as the "on_delivered" side effect of a message.
    Domains register theirs when their services module is imported (the app imports every domain)."""
    registered = _delivery_handlers.setdefault(name, handler)
    if registered is not handler:
        raise ValueError(f"Another delivery handler is registered as {name!r}.")


def writing_in(language: str):
    """`force_locale` for a reader's language (a stored code; English when it is empty or unknown), for
    what a caller words in Python before it queues an e-mail."""
    return force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def _subject(template: str, context: dict) -> str:
    """The subject `email/<template>.subject.txt` words for `context`, on one line."""
    return " ".join(render_template(f"email/{template}.subject.txt", **context).split())


def _email_row(*, to: str, template: str, context: dict, topic: str, subject: str | None = None,
               language: str = DEFAULT_LANGUAGE, institute_id: int | None = None, exam_id: int | None = None,
               on_delivered: dict | None = None, placeholders: dict | None = None,
               find_wording=institute_wording) -> dict:
    if on_delivered is not None and on_delivered.get("handler") not in _delivery_handlers:
        raise ValueError(f"No delivery handler is registered as {on_delivered.get('handler')!r}.")
    # The institute's own wording in the reader's language, for an e-mail that can be worded (it gives
    # the placeholders' values), else the default.
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    wording = find_wording(institute_id, template, language) if placeholders is not None else None
    # The reader's language, not the page's: a staff member's click may e-mail a candidate in Arabic.
    with writing_in(language):
        if wording is not None:
            payload = {"to": [to], **email_parts(wording, placeholders, context)}
        else:
            payload = {
                "to": [to],
                "subject": str(subject) if subject is not None else _subject(template, context),
                "text": render_template(f"email/{template}.txt", **context),
                "html": render_template(f"email/{template}.html", **context),
            }
    if on_delivered is not None:
        payload["on_delivered"] = on_delivered
    return {"institute_id": institute_id, "exam_id": exam_id, "kind": MessageKind.EMAIL, "topic": topic,
            "recipient": to, "payload": payload}


def queue_email(**message) -> OutboxMessage:
    """Render `email/<template>.txt` and `.html` now and store them in the outbox, in the caller's
    transaction, so the e-mail exists exactly when the change that caused it is committed.
    Arguments: to, template, context, topic, language (the reader's: the subject and both bodies are
    rendered in it; English when empty or unknown), subject (by default `email/<template>.subject.txt`
    rendered like the bodies), institute_id, exam_id (for the exam's delivery log), `on_delivered`
    ({"handler": name, **arguments}), which runs once the mail server has accepted the e-mail, and
    `placeholders` (their values, for an e-mail the institute may word itself: `mail_templates.py`)."""
    outbox_message = OutboxMessage(**_email_row(**message))
    db.session.add(outbox_message)
    return outbox_message


def queue_emails(messages: list[dict]) -> None:
    """Queue many e-mails (each with the arguments of `queue_email`) in one batched INSERT, looking up
    each institute wording once."""
    if messages:
        find_wording = cache(institute_wording)
        db.session.execute(insert(OutboxMessage), [_email_row(**message, find_wording=find_wording)
                                                   for message in messages])


def queue_webhook(*, url: str, body: dict, topic: str, institute_id: int, exam_id: int | None = None) -> OutboxMessage:
    """Store a webhook, a POST of `body` as JSON to `url`, in the caller's transaction. The body is
    serialised now, so that every attempt sends the same bytes under the same signature; the worker
    signs it with the institute's webhook secret when it sends."""
    outbox_message = OutboxMessage(institute_id=institute_id, exam_id=exam_id, kind=MessageKind.WEBHOOK,
                                   topic=topic, recipient=url, payload={"url": url, "body": json.dumps(body)})
    db.session.add(outbox_message)
    return outbox_message


def queue_platform_call(*, platform_id: int, url: str, body: dict, content_type: str, scopes: list[str], topic: str,
                        institute_id: int, exam_id: int | None = None,
                        on_delivered: dict | None = None) -> OutboxMessage:
    """Store a POST of `body` as JSON (`content_type`) to a learning platform's service at `url`, in the
    caller's transaction; the worker gets a token with `scopes` from the platform when it sends. The
    platform's JSON answer, if any, reaches the `on_delivered` handler as its `answer` argument."""
    payload = {"platform_id": platform_id, "url": url, "body": body, "content_type": content_type,
               "scopes": sorted(scopes)}
    if on_delivered:
        payload["on_delivered"] = on_delivered
    outbox_message = OutboxMessage(institute_id=institute_id, exam_id=exam_id, kind=MessageKind.PLATFORM_CALL,
                                   topic=topic, recipient=url, payload=payload)
    db.session.add(outbox_message)
    return outbox_message


def cancel_pending_emails(*, exam_id: int, topic: str, on_delivered: dict) -> int:
    """Delete the exam's e-mails of `topic` still waiting for their first or next attempt whose side
    effect is `on_delivered` (what they were about is gone). One a worker holds goes out anyway."""
    waiting = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.exam_id == exam_id, OutboxMessage.topic == topic,
        OutboxMessage.status == MessageStatus.PENDING)).all()
    cancelled = [message for message in waiting if message.payload.get("on_delivered") == on_delivered]
    for message in cancelled:
        db.session.delete(message)
    return len(cancelled)


def run_delivery_handler(message: OutboxMessage, answer: dict | list | None = None) -> None:
    """Run the message's "on_delivered" side effect in the caller's transaction, the one that marks it
    sent. A failing handler is undone to a savepoint and noted in `last_error`, while the message
    stays sent: the peer has it, and sending it again would not make the handler succeed. The peer's
    answer, where the deliverer read one, is passed on as `answer`."""
    arguments = dict(message.payload.get("on_delivered") or {})
    if not arguments:
        return
    name = arguments.pop("handler")
    if answer is not None:
        arguments["answer"] = answer
    handler = _delivery_handlers.get(name)
    if handler is None:
        message.last_error = f"Delivered, but no delivery handler is registered as {name!r}."
        log.error("Outbox message %s: %s", message.id, message.last_error)
        return
    try:
        with db.session.begin_nested():
            handler(message, **arguments)
    except Exception as error:
        log.exception("Outbox message %s: the delivery handler %r failed", message.id, name)
        message.last_error = f"Delivered, but the delivery handler {name!r} failed: {error}"


# The console's message log --------------------------------------------------------------------------

def list_messages(actor: Actor, status: str | None = None, page: int = 1, per_page: int = 25):
    """A page of the institute's outbox, newest first, optionally of one status."""
    require(actor, Permission.MANAGE_INSTITUTE)
    query = select(OutboxMessage).where(OutboxMessage.institute_id == actor.institute_id)
    if status:
        query = query.where(OutboxMessage.status == parse_enum(MessageStatus, status, "status", _("status")))
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def retry_message(actor: Actor, message_id) -> OutboxMessage:
    """A dead message of the institute, queued again (the console log's retry button)."""
    require(actor, Permission.MANAGE_INSTITUTE)
    return requeue(get_in_institute(OutboxMessage, actor.institute_id, message_id, "Message"))


def requeue(message: OutboxMessage) -> OutboxMessage:
    """Put a dead message back in the queue, due now and with a fresh set of attempts (after the
    cause, say the mail server's settings or the receiving application, has been fixed)."""
    if not message.is_dead:
        raise Conflict(_("Only a message that failed for good can be retried; its status is “%(status)s”.",
                         status=message.status.label))
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
    return message
