"""Sittings: one candidate's place in one exam, from registration to result. The state machine lives
in `sittings/services.py`; nothing else sets `status`."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.candidates.models import Candidate
from webapp.database import TimestampMixin, UTCDateTime, enum_type
from webapp.exams.models import Exam
from webapp.extensions import db


class SittingStatus(enum.StrEnum):
    REGISTERED = "registered"
    MAIL_SENT = "mail_sent"
    CHECK_STARTED = "check_started"
    CHECK_COMPLETED = "check_completed"
    EXAM_SESSION_OPENED = "exam_session_opened"
    EXAM_STARTED = "exam_started"
    EXAM_FINISHED = "exam_finished"

    @property
    def mettl_status(self) -> str:
        """Mettl's view of the same state."""
        if self == SittingStatus.EXAM_STARTED:
            return "InProgress"
        if self == SittingStatus.EXAM_FINISHED:
            return "Completed"
        return "ToBeTaken"


class FinishMode(enum.StrEnum):
    NORMAL_SUBMISSION = "NormalSubmission"
    EXPIRED = "Expired"
    TERMINATED_BY_PROCTOR = "TerminatedByProctor"
    BROWSING_TOLERANCE_EXCEEDED = "BrowsingToleranceExceeded"


class Sitting(TimestampMixin, db.Model):
    __tablename__ = "sittings"
    __table_args__ = (
        UniqueConstraint("exam_id", "candidate_id"),
        Index("ix_sittings_exam_status", "exam_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    # The personal link's secret; unguessable, and the only thing a candidate needs to come back.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[SittingStatus] = mapped_column(enum_type(SittingStatus), default=SittingStatus.REGISTERED)
    finish_mode: Mapped[Optional[FinishMode]] = mapped_column(enum_type(FinishMode), default=None)
    # The answers to the assessment's registration fields, by field name (Mettl's "registration").
    registration: Mapped[dict] = mapped_column(JSON, default=dict)
    # Opaque data an integrator passed at registration (Mettl's optionalParams context_data).
    context_data: Mapped[str] = mapped_column(Text, default="")
    mail_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    deadline: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    registered_by: Mapped[str] = mapped_column(String(20), default="staff")   # staff, api, open link

    exam: Mapped[Exam] = relationship()
    candidate: Mapped[Candidate] = relationship()
