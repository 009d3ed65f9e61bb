"""The delivery worker: claims due outbox messages, delivers them outside any transaction and records
the outcome, with retries, exponential backoff and a dead-letter state.

Several workers (processes or threads) may run side by side: a message is claimed, committed as
`sending` with a lease, before anything is sent, so no two workers send it. The lease is short and
renewed while the worker lives (a heartbeat thread), so a slow batch keeps its messages, while a worker
killed mid-send frees them within a lease: the message is then claimed again; it leaves the due work
only once it is marked sent or dead.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import random
import signal
import smtplib
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import urlsplit

import flask_mail
from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError

from webapp.core.clock import utcnow
from webapp.core.database import on_postgresql
from webapp.core.extensions import db, mail
from webapp.core.jobs import PERIODIC_JOBS
from webapp.notifications.models import MessageKind, MessageStatus, OutboxMessage
from webapp.notifications.services import run_delivery_handler
from webapp.notifications.webhooks import signing_secret

log = logging.getLogger(__name__)

BATCH_SIZE = 10
# How long a claim lasts unless renewed: another worker takes over this long after a crash. Renewed every
# LEASE_RENEWAL while a batch is delivered; a message whose lease ran out before its turn (renewals
# failed, say the database was away) is skipped, not sent (see `deliver_due`).
LEASE = timedelta(seconds=30)
LEASE_RENEWAL = timedelta(seconds=10)
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=1)
OUTCOMES = ("sent", "retried", "dead")
DATABASE_RETRY_SECONDS = 5.0


class DeliveryFailure(Exception):
    """A failed attempt, described for the log, with the peer's answer where it gave one (an HTTP
    status); trying again later may help."""

    def __init__(self, description: str, response_code: int | None = None):
        super().__init__(description)
        self.response_code = response_code


class PermanentFailure(DeliveryFailure):
    """Raised by a deliverer when trying again cannot help: the peer refused the message for good."""


@dataclass(frozen=True)
class ClaimedMessage:
    """A copy of a message this worker holds under its batch's lease: no ORM state and no transaction
    stay open while it is delivered."""

    id: int
    institute_id: int | None
    kind: MessageKind
    payload: dict
    attempts: int
    max_attempts: int


# E-mail -----------------------------------------------------------------------------------------

class _SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection with what a worker needs besides: a socket timeout (Flask-Mail 0.10
    has none, so a silent server would hang the worker), and an exit that neither hides a delivery
    error behind a failing QUIT nor turns an accepted message into a failure (and so a duplicate)."""

    def __init__(self, state, timeout: float):
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        try:
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if self.host is None:
            return
        try:
            if exc_type is None:
                self.host.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self.host.close()


def message_id_header(message_id: int) -> str:
    """The same Message-ID on every attempt, so a resend after a crash is recognisable as one e-mail."""
    return f"<outbox-{message_id}@{urlsplit(current_app.config['BASE_URL']).hostname}>"


def _is_permanent(error: smtplib.SMTPException) -> bool:
    # A 5xx answer to the message itself (sender, recipients, content) is final. A refused login or
    # STARTTLS is a matter of our own settings, and 4xx answers are temporary by definition.
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


def _build_email(message: ClaimedMessage, sender: str) -> flask_mail.Message:
    """The e-mail as it will go out, built before any connection: the stored message never changes, so
    one that cannot be built (a line break in its subject, say) never will be, and is dead at once."""
    payload = message.payload
    try:
        email = flask_mail.Message(subject=payload["subject"], recipients=payload["to"], body=payload["text"],
                                   html=payload.get("html"), sender=sender)
        email.msgId = message_id_header(message.id)
        if email.has_bad_headers():
            raise ValueError("a line break in its subject, sender or recipient")
        email.as_bytes()
    except Exception as error:
        raise PermanentFailure(f"The e-mail cannot be built: {error or type(error).__name__}") from error
    return email


def send_email(message: ClaimedMessage) -> None:
    """Hand the e-mail (text with an HTML alternative) to the configured mail server."""
    config = current_app.config
    # Built from the current settings on every send, and never suppressed merely because the app is
    # TESTING: the worker's job is to send (MAIL_SUPPRESS_SEND still switches sending off).
    state = mail.init_mail(config, testing=False)
    email = _build_email(message, state.default_sender)
    try:
        with _SMTPConnection(state, timeout=config["MAIL_TIMEOUT"]) as connection:
            connection.send(email)
    except smtplib.SMTPException as error:
        if _is_permanent(error):
            raise PermanentFailure(_describe(error)) from error
        raise


# Webhooks --------------------------------------------------------------------------------------

WEBHOOK_TIMEOUT = 10   # seconds for each network wait; the WEBHOOK_TIMEOUT setting overrides it
USER_AGENT = "Proctora-Webhooks/1"
# 4xx answers that ask to come back later (request timeout, too many requests) rather than refuse. Any
# other 4xx refuses these very bytes (an unknown path, a rejected signature or body): each retry would
# send the same bytes and be refused again, so the message is dead at once and an admin retries it from
# the exam's deliveries page once the receiver or the URL is fixed. 5xx and timeouts are retried.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to POST the candidate's data to: it ends up as an
    HTTPError with its 3xx status."""

    def redirect_request(self, *args, **kwargs):
        return None


_webhook_opener = urllib.request.build_opener(_NoRedirects)


def webhook_signature(secret: str, body: bytes) -> str:
    """The X-Proctora-Signature header: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def error_answer(error: urllib.error.HTTPError) -> str:
    """The start of what a server said with its error status, for the delivery log (the rest is not read)."""
    try:
        return error.read(300).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    finally:
        error.close()


def _http_failure(error: urllib.error.HTTPError) -> DeliveryFailure:
    answer = error_answer(error)
    code = error.code
    description = f"HTTP {code} {error.reason}" + (f": {answer}" if answer else "")
    if 300 <= code < 400:
        return PermanentFailure(f"{description} (redirects to {error.headers.get('Location', '?')} are not "
                                "followed; correct the callback URL)", code)
    if 400 <= code < 500 and code not in RETRYABLE_CLIENT_ERRORS:
        return PermanentFailure(description, code)
    return DeliveryFailure(description, code)


def send_webhook(message: ClaimedMessage) -> int:
    """POST the stored JSON body to the callback URL, signed with the institute's webhook secret, and
    return the HTTP status of the 2xx answer. The outbox id goes along as X-Proctora-Delivery, the same
    on every attempt, so that a receiver can recognise a delivery it has already processed."""
    url = message.payload["url"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentFailure(f"Not an http:// or https:// URL: {url!r}")
    secret = signing_secret(message.institute_id)
    # The lookup may have created the secret: keep it, and hold no transaction while the receiver answers.
    db.session.commit()
    body = message.payload["body"].encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Proctora-Signature": webhook_signature(secret, body),
        "X-Proctora-Delivery": str(message.id),
    })
    timeout = current_app.config.get("WEBHOOK_TIMEOUT", WEBHOOK_TIMEOUT)
    try:
        with _webhook_opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        raise _http_failure(error) from None


@dataclass(frozen=True)
class Delivered:
    """What a deliverer may return instead of a bare response code: the code and the peer's JSON answer,
    which the message's "on_delivered" handler receives."""

    response_code: int | None
    answer: dict | list | None = None


Deliverer = Callable[[ClaimedMessage], "int | Delivered | None"]

# One deliverer per kind of message; each returns the peer's response code where the protocol has one.
# A higher floor (LTI) registers its own kind's deliverer through `register_deliverer` from the wiring.
DELIVERERS: dict[MessageKind, Deliverer] = {
    MessageKind.EMAIL: send_email,
    MessageKind.WEBHOOK: send_webhook,
}


def register_deliverer(kind: MessageKind, deliverer: Deliverer) -> None:
    registered = DELIVERERS.setdefault(kind, deliverer)
    if registered is not deliverer:
        raise ValueError(f"Another deliverer is registered for {kind.value!r} messages.")


# Claiming and recording ---------------------------------------------------------------------------

def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        # A worker died (or stalled) holding these: its lease has run out.
        and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_until < now),
    )


class _Lease:
    """The claim on one batch of messages, all claimed until the same `until`. While the batch is
    delivered, a heartbeat thread moves `until` on for the messages not yet done; the worker records an
    outcome only while holding `lock`, so that it matches the claim as the database has it."""

    def __init__(self, until: datetime, message_ids: list[int]):
        self.until = until
        self.held = set(message_ids)
        self.lock = threading.Lock()
        self._engine = db.engine
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._renew_until_stopped, name="outbox-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._heartbeat.start()
        return self

    def __exit__(self, *_exception) -> None:
        self._stop.set()
        self._heartbeat.join()

    def ours(self, message_id: int):
        # It is, unless the lease ran out (mid-send, or before its turn) and another worker took it over.
        return and_(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.SENDING,
                    OutboxMessage.claimed_until == self.until)

    def done(self, message_id: int) -> None:
        self.held.discard(message_id)

    def _renew_until_stopped(self) -> None:
        # Short naps rather than a timed wait on the event: under libfaketime (CI runs the suite with the
        # clock moved ahead) a timed wait never wakes, while sleeps and the monotonic clock work.
        renew_at = time.monotonic() + LEASE_RENEWAL.total_seconds()
        while not self._stop.is_set():
            if time.monotonic() >= renew_at:
                renew_at = time.monotonic() + LEASE_RENEWAL.total_seconds()
                try:
                    self.renew()
                except Exception as error:
                    # A missed renewal only shortens the claim: the messages are skipped or taken over.
                    log.warning("Outbox lease not renewed: %s", _describe(error))
            time.sleep(min(0.1, LEASE_RENEWAL.total_seconds()))

    def renew(self) -> None:
        with self.lock:
            if not self.held:
                return
            until = utcnow() + LEASE
            # A connection of its own: the worker's session may be in the middle of a transaction.
            with self._engine.begin() as connection:
                connection.execute(update(OutboxMessage).where(
                    OutboxMessage.id.in_(sorted(self.held)), OutboxMessage.status == MessageStatus.SENDING,
                    OutboxMessage.claimed_until == self.until).values(claimed_until=until))
            self.until = until


def _claim_due(limit: int) -> tuple[list[ClaimedMessage], _Lease]:
    """Mark up to `limit` due messages as ours (`sending` until the lease ends) and commit, so that
    other workers pass them by."""
    now = utcnow()
    claimed_until = now + LEASE
    claim = update(OutboxMessage).values(status=MessageStatus.SENDING, claimed_until=claimed_until)
    candidates = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.next_attempt_at,
                                                                      OutboxMessage.id).limit(limit)
    if on_postgresql():
        # Rows another worker is claiming right now are locked: skip them rather than wait for them.
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(claim.where(OutboxMessage.id.in_(ids)))
    else:
        # SQLite has no row locks: claim row by row with an UPDATE that repeats the due condition, so
        # it changes nothing if another worker was first.
        ids = [message_id for message_id in db.session.scalars(candidates)
               if db.session.execute(claim.where(OutboxMessage.id == message_id, _due(now))).rowcount == 1]
    claimed = []
    if ids:
        rows = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.institute_id, OutboxMessage.kind, OutboxMessage.payload,
                   OutboxMessage.attempts, OutboxMessage.max_attempts)
            .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
        claimed = [ClaimedMessage(**row._mapping) for row in rows]
    db.session.commit()
    return claimed, _Lease(claimed_until, ids)


def _record(message: ClaimedMessage, lease: _Lease, **values) -> bool:
    """Store the outcome of an attempt if the claim is still ours; the caller commits."""
    result = db.session.execute(update(OutboxMessage).where(lease.ours(message.id))
                                .values(attempts=message.attempts + 1, claimed_until=None, **values))
    lease.done(message.id)
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("Outbox message %s: the claim ran out before the outcome was recorded", message.id)
        return False
    return True


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour, give or take 10 % so that messages that failed together
    (a mail server outage) do not all come back in the same second."""
    delay = min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), MAX_RETRY_DELAY)
    return delay * random.uniform(0.9, 1.1)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _deliver(message: ClaimedMessage, lease: _Lease) -> str | None:
    """Deliver one claimed message and record the outcome; which outcome, or None if the claim was lost."""
    try:
        delivered = DELIVERERS[message.kind](message)
    except Exception as error:
        attempts = message.attempts + 1
        permanent = isinstance(error, PermanentFailure)
        described = isinstance(error, DeliveryFailure)
        last_error = str(error) if described else _describe(error)
        log.warning("Outbox message %s, attempt %s of %s failed%s: %s", message.id, attempts,
                    message.max_attempts, " for good" if permanent else "", last_error)
        values = {"last_error": last_error, "response_code": error.response_code if described else None}
        if permanent or attempts >= message.max_attempts:
            outcome = "dead"
            values["status"] = MessageStatus.DEAD
        else:
            outcome = "retried"
            values.update(status=MessageStatus.PENDING, next_attempt_at=utcnow() + retry_delay(attempts))
    else:
        outcome = "sent"
        if not isinstance(delivered, Delivered):
            delivered = Delivered(delivered)
        values = {"status": MessageStatus.SENT, "sent_at": utcnow(), "response_code": delivered.response_code}
    with lease.lock:
        if not _record(message, lease, **values):
            return None
        if outcome == "sent":
            run_delivery_handler(db.session.get(OutboxMessage, message.id), delivered.answer)
        db.session.commit()
    return outcome


def _release(messages: list[ClaimedMessage], lease: _Lease) -> None:
    """Hand claimed but unsent messages back at once, rather than after their lease."""
    with lease.lock:
        for message in messages:
            db.session.execute(update(OutboxMessage).where(lease.ours(message.id))
                               .values(status=MessageStatus.PENDING, claimed_until=None))
            lease.done(message.id)
        db.session.commit()


def deliver_due(limit: int = BATCH_SIZE, *, should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Claim up to `limit` due messages and deliver them one by one. When `should_stop()` turns true,
    the message in hand is finished and the rest are released. Returns the count of each outcome."""
    counts = dict.fromkeys(OUTCOMES, 0)
    claimed, lease = _claim_due(limit)
    if not claimed:
        return counts
    with lease:
        for position, message in enumerate(claimed):
            if should_stop():
                _release(claimed[position:], lease)
                break
            if utcnow() >= lease.until:
                # The lease was not renewed in time: another worker may already hold this one.
                lease.done(message.id)
                continue
            outcome = _deliver(message, lease)
            if outcome:
                counts[outcome] += 1
    return counts


# The worker loop -----------------------------------------------------------------------------------

class _Shutdown:
    """SIGTERM or SIGINT asks the worker to finish the message in hand, release the rest and exit."""

    def __init__(self):
        self.requested = False

    def request(self, _signum=None, _frame=None) -> None:
        self.requested = True

    @contextmanager
    def on_signals(self):
        # Signal handlers can only be set from the main thread; elsewhere (a test's thread) the
        # process's own handling stays in place.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {signum: signal.signal(signum, self.request) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def sleep(self, seconds: float) -> None:
        # Short naps rather than one long sleep, which a signal would not cut short.
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))


def run_periodic_jobs() -> None:
    for job in PERIODIC_JOBS:
        try:
            job()
            db.session.commit()
        except OperationalError:
            raise
        except Exception:
            db.session.rollback()
            log.exception("Periodic job %s failed", getattr(job, "__name__", job))


def run_worker(once: bool = False, interval: float = 1.0) -> dict[str, int]:
    """Run the periodic jobs and deliver due messages until SIGTERM or SIGINT, polling every `interval`
    seconds when idle; with `once`, do what is due and return. Returns the count of each outcome."""
    shutdown = _Shutdown()
    totals = dict.fromkeys(OUTCOMES, 0)
    with shutdown.on_signals():
        log.info("Delivery worker started")
        while not shutdown.requested:
            try:
                run_periodic_jobs()
                counts = deliver_due(should_stop=lambda: shutdown.requested)
            except OperationalError as error:
                # The database is away (a restart, a failover): nothing claimed is lost, since an
                # unrecorded claim simply expires; wait and carry on rather than die.
                db.session.rollback()
                if once:
                    raise
                log.warning("Delivery worker: database unavailable (%s); retrying", _describe(error))
                shutdown.sleep(max(interval, DATABASE_RETRY_SECONDS))
                continue
            for outcome, count in counts.items():
                totals[outcome] += count
            if not any(counts.values()):
                if once:
                    break
                shutdown.sleep(interval)
        log.info("Delivery worker stopped: %s", totals)
    return totals
