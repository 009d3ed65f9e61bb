"""Proctoring records: flags raised on sittings, reviews after the exam, messages to candidates, webcam
snapshots and each institute's retention of images."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels
from webapp.sittings.models import flag_category_label


class Flag(db.Model):
    """A proctor's note that something in a sitting needs a look; open until resolved."""

    __tablename__ = "proctor_flags"
    __table_args__ = (Index("ix_proctor_flags_sitting", "sitting_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    raised_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def category_label(self) -> str:
        return flag_category_label(self.category)


class ReviewOutcome(Labelled, enum.StrEnum):
    CLEAR = "clear"
    SUSPICIOUS = "suspicious"
    VIOLATION = "violation"


labels(ReviewOutcome, {
    # Translators: a proctoring review's outcome: nothing suspicious was seen.
    ReviewOutcome.CLEAR: lazy_pgettext("review outcome", "Clear"),
    ReviewOutcome.SUSPICIOUS: _l('Suspicious'),
    ReviewOutcome.VIOLATION: _l('Violation'),
})


class Review(db.Model):
    """The proctor's verdict on a finished sitting. A violation withholds the result until an admin
    overrides it with a reason."""

    __tablename__ = "proctor_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_type(ReviewOutcome))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    overridden_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    overridden_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    @hybrid_property
    def withholds_result(self) -> bool:
        return self.outcome == ReviewOutcome.VIOLATION and self.overridden_at is None

    @withholds_result.inplace.expression
    @classmethod
    def _withholds_result_expression(cls):
        return and_(cls.outcome == ReviewOutcome.VIOLATION, cls.overridden_at.is_(None))


class MessageAuthor(Labelled, enum.StrEnum):
    PROCTOR = "proctor"
    CANDIDATE = "candidate"


labels(MessageAuthor, {
    MessageAuthor.PROCTOR: _l("Proctor"),
    MessageAuthor.CANDIDATE: _l("Candidate"),
})


class CandidateMessage(db.Model):
    """One message of a sitting's conversation. A proctor's reaches the exam page with its clock poll, which
    marks it delivered; a candidate's is delivered when stored and stays unread until staff open the
    sitting's conversation. The page sends a candidate's message with its own key (`client_key`), so that one
    sent again after a lost connection is stored once."""

    __tablename__ = "candidate_messages"
    __table_args__ = (Index("ix_candidate_messages_pending", "sitting_id", "delivered_at"),
                      Index("ix_candidate_messages_unread", "sitting_id", "author", "read_at"),
                      Index("ix_candidate_messages_client_key", "sitting_id", "client_key", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    author: Mapped[MessageAuthor] = mapped_column(enum_type(MessageAuthor), default=MessageAuthor.PROCTOR,
                                                  server_default=MessageAuthor.PROCTOR.value)
    body: Mapped[str] = mapped_column(Text)
    sender_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    client_key: Mapped[Optional[str]] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def from_candidate(self) -> bool:
        return self.author == MessageAuthor.CANDIDATE


class Snapshot(db.Model):
    """A webcam image taken during the exam; the file lives in the image store under `storage_key`."""

    __tablename__ = "proctor_snapshots"
    __table_args__ = (Index("ix_proctor_snapshots_sitting", "sitting_id", "id"),
                      Index("ix_proctor_snapshots_institute_created", "institute_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionPolicy(db.Model):
    """How many days an institute keeps proctoring images; without a row they are kept."""

    __tablename__ = "retention_policies"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id", ondelete="CASCADE"), primary_key=True)
    image_days: Mapped[int] = mapped_column(default=90)
