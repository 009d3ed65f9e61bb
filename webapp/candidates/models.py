"""Candidates: the people who take tests, one per e-mail within an institute."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.bank.models import CefrLevel
from webapp.core.database import TimestampMixin, enum_type
from webapp.core.extensions import db


class Candidate(TimestampMixin, db.Model):
    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("institute_id", "email"),
        UniqueConstraint("institute_id", "username"),
        Index("ix_candidates_institute_last_name", "institute_id", "last_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    username: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    current_level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    # The language the candidate last chose on a candidate page (or was invited in): their e-mails' language.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.email
