"""API credentials (Mettl's ak + private key, EURO PRUEFSTER's token), used signatures for replay
protection, each institute's webhook secret, its white-labelling and the records the Mettl dialect
remembers as deleted."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, delete, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from webapp.accounts.models import Role
from webapp.assessments.models import Assessment
from webapp.database import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.exams.models import Exam
from webapp.extensions import db


class ApiCredential(TimestampMixin, db.Model):
    __tablename__ = "api_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # admin: read and write; support: read only
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.ADMIN)
    access_key: Mapped[str] = mapped_column(String(64), unique=True)        # Mettl's `ak`, public
    private_key_encrypted: Mapped[str] = mapped_column(String(500))        # the HMAC secret, encrypted at rest
    euro_token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the bearer token
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)


class UsedSignature(db.Model):
    """Every accepted Mettl signature, so that a replay is refused (E422) by every worker and host.
    Rows older than the timestamp window (a day) can go: such a request fails E504 anyway."""

    __tablename__ = "used_signatures"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WebhookSecret(db.Model):
    """The key of the HMAC-SHA256 signature header on every webhook an institute receives."""

    __tablename__ = "webhook_secrets"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WhiteLabel(TimestampMixin, db.Model):
    """How an institute's candidate pages look (Mettl's white-labelling): colours as six hex digits,
    the slug of a custom test URL, one or two support numbers, a favicon and a cover image."""

    __tablename__ = "white_labels"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    header_background_color: Mapped[str] = mapped_column(String(6), default="")
    header_font_color: Mapped[str] = mapped_column(String(6), default="")
    button_color: Mapped[str] = mapped_column(String(6), default="")
    button_font_color: Mapped[str] = mapped_column(String(6), default="")
    custom_test_url: Mapped[Optional[str]] = mapped_column(String(100), unique=True, default=None)
    support_numbers: Mapped[list] = mapped_column(JSON, default=list)
    favicon: Mapped[Optional[bytes]] = mapped_column(LargeBinary, default=None)
    favicon_mimetype: Mapped[str] = mapped_column(String(50), default="")
    cover: Mapped[Optional[bytes]] = mapped_column(LargeBinary, default=None)
    cover_mimetype: Mapped[str] = mapped_column(String(50), default="")


class DeletedRecord(db.Model):
    """An assessment (by id) or exam (by access key) that was deleted, so that the Mettl dialect can
    answer "Assessment Id deleted" (E007) and "Schedule deleted" (E008) rather than "invalid". Written
    by the mapper events below, so a deletion from the console counts as well as one from the API."""

    __tablename__ = "deleted_records"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)   # "assessment" or "exam"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _remember_deletion(connection, kind: str, key: str, institute_id: int) -> None:
    table = DeletedRecord.__table__
    # SQLite may hand a deleted row's id to the next row, so the same key can be deleted twice.
    connection.execute(delete(table).where(table.c.kind == kind, table.c.key == key))
    connection.execute(insert(table).values(kind=kind, key=key, institute_id=institute_id, deleted_at=utcnow()))


@event.listens_for(Assessment, "after_delete")
def _assessment_deleted(_mapper, connection, assessment: Assessment) -> None:
    _remember_deletion(connection, "assessment", str(assessment.id), assessment.institute_id)


@event.listens_for(Exam, "after_delete")
def _exam_deleted(_mapper, connection, exam: Exam) -> None:
    _remember_deletion(connection, "exam", exam.access_key, exam.institute_id)
