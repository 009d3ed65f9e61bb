"""Certificates: one per passed certification sitting, checked by anyone through its verification code."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.bank.models import CefrLevel
from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.sittings.models import Sitting


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), unique=True)
    # Printed on the certificate and in its QR code; the public /verify/<code> page looks it up.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # What was certified, kept as issued so that later edits of the candidate do not change it.
    candidate_name: Mapped[str] = mapped_column(String(200))
    assessment_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[CefrLevel] = mapped_column(enum_type(CefrLevel))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)

    sitting: Mapped[Sitting] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
