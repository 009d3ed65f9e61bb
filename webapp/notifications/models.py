"""The transactional outbox: e-mails and webhooks written in the same transaction as the change that
caused them, delivered afterwards by the worker; each institute's webhook secret."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels


class MessageKind(Labelled, enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"   # a signed JSON POST to an integrator's callback URL
    # A call to a learning platform's LTI service (a score, a proctor's action) with a bearer token got
    # by the tool's signed assertion; delivered by the deliverer the LTI floor registers.
    PLATFORM_CALL = "platform_call"


labels(MessageKind, {
    MessageKind.EMAIL: _l('E-mail'),
    MessageKind.WEBHOOK: _l('Webhook'),
    MessageKind.PLATFORM_CALL: _l('Learning platform'),
})


class MessageStatus(Labelled, enum.StrEnum):
    PENDING = "pending"      # waiting for its next attempt
    SENDING = "sending"      # claimed by a worker until `claimed_until`
    SENT = "sent"            # the peer accepted it
    DEAD = "dead"            # refused for good or out of attempts; kept for the log and a manual retry


labels(MessageStatus, {
    MessageStatus.PENDING: _l('Waiting'),
    MessageStatus.SENDING: _l('Sending'),
    MessageStatus.SENT: _l('Sent'),
    MessageStatus.DEAD: _l('Failed for good'),
})


# What each topic (why a message was sent) reads as in the console's log: e-mails by their template,
# webhooks by the event Mettl's callback names (sittings/callbacks.py).
TOPIC_LABELS = {
    "staff_invitation": _l("Invitation of a staff member"),
    "exam_invitation": _l("Invitation to an exam"),
    "exam_reminder": _l("Reminder of an exam's window"),
    "grade_notification": _l("Grades for the institute"),
    "placement_result": _l("Placement result"),
    "certification_result": _l("Certification result"),
    "result_withheld": _l("Result withheld for review"),
    "result_corrected": _l("Corrected result"),
    "startAssessment": _l("Test started"),
    "finishTest": _l("Test finished"),
    "gradedAssessment": _l("Test graded"),
    "resumeEnabled": _l("Test reopened"),
    "lti_score": _l("Grade sent to the learning platform"),
    "lti_line_item": _l("Gradebook column created in the learning platform"),
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # The console's log: one institute's messages, newest first (and any other lookup by institute).
        Index("ix_outbox_messages_institute_created", "institute_id", "created_at"),
        # An exam's delivery log: the webhooks and e-mails caused by that exam, newest first.
        Index("ix_outbox_messages_exam_created", "exam_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[Optional[int]] = mapped_column(ForeignKey("institutes.id"), default=None)
    # The exam the message is about, if any, for the exam's delivery log. Deleting the exam empties it
    # rather than the message, which stays in the institute's log.
    exam_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exams.id", ondelete="SET NULL"), default=None)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind))
    # What the message is about, for the console log ("staff_invitation", "exam_invitation", ...).
    topic: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[MessageStatus] = mapped_column(enum_type(MessageStatus), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The peer's answer to the last attempt where the protocol has one (a webhook's HTTP status).
    response_code: Mapped[Optional[int]] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def topic_label(self) -> str:
        """Why it was sent, in words; a topic added without words shows as it is stored."""
        label = TOPIC_LABELS.get(self.topic)
        return str(label) if label else self.topic

    @property
    def is_webhook(self) -> bool:
        return self.kind == MessageKind.WEBHOOK

    @property
    def is_pending(self) -> bool:
        return self.status == MessageStatus.PENDING

    @property
    def is_dead(self) -> bool:
        """Refused for good or out of attempts: staff may retry it by hand."""
        return self.status == MessageStatus.DEAD


class WebhookSecret(db.Model):
    """The key of the HMAC-SHA256 signature header on every webhook an institute receives."""

    __tablename__ = "webhook_secrets"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailKind(Labelled, enum.StrEnum):
    """The e-mails to candidates an institute may word itself (`mail_templates.py`)."""
    INVITATION = "invitation"
    REMINDER = "reminder"
    RESULTS = "results"          # a placement result
    CERTIFICATE = "certificate"  # a certification result, passed or not


labels(MailKind, {
    MailKind.INVITATION: _l("Invitation to an exam"),
    MailKind.REMINDER: _l("Reminder of an exam's window"),
    MailKind.RESULTS: _l("Placement result"),
    MailKind.CERTIFICATE: _l("Certification result"),
})


class MailTemplate(db.Model):
    """An institute's own wording of one kind of e-mail in one language, with {{ placeholders }}; without
    one the e-mail is the default of `templates/email/`."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("institute_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailSettings(db.Model):
    """When an institute's candidates are reminded of an exam's window; 0 hours: no such reminder. An
    institute without a row has the defaults."""

    __tablename__ = "mail_settings"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    hours_before_opening: Mapped[int] = mapped_column(default=24)
    hours_before_closing: Mapped[int] = mapped_column(default=24)
