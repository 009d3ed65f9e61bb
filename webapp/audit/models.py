"""The audit log: one row per staff action that changed something, written by every domain."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime
from webapp.core.extensions import db


class AuditEntry(db.Model):
    """One staff action: who, when, what, on which target (by id and by the name it had then), before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_institute_created", "institute_id", "created_at"),
                      Index("ix_audit_entries_target", "target_type", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")   # kept when the user is gone
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(30))               # sitting, exam, question, user, ...
    target_id: Mapped[int]
    # The target's name when the action was taken: still readable once the target is renamed or deleted.
    target_label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
