"""API credentials (Mettl's ak + private key, EURO PRUEFSTER's token), used signatures for replay
protection."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.database import TimestampMixin, UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.permissions import Role


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


