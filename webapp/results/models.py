"""Certificates: one per passed certification sitting, checked by anyone through its verification code;
the institute's certificate settings (wording, signatory, identifier); re-score and calibration runs of the
worker."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.bank.models import CefrLevel
from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels
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
    # As issued, so that later edits of the settings or the assessment do not change a certificate: the
    # end of its validity (none: it never expires), the identifier printed (label and value, both empty
    # when none), the wording with its placeholders filled in (an empty body: issued before wordings
    # existed, shown in the standard words), the signatory and the storage key of the signature image.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    identifier_label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    candidate_identifier: Mapped[str] = mapped_column(String(200), default="", server_default="")
    title: Mapped[str] = mapped_column(String(200), default="Certificate", server_default="Certificate")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signature_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)

    sitting: Mapped[Sitting] = relationship()

    @property
    def is_valid(self) -> bool:
        """Not revoked (an expired certificate was valid; `is_expired` says whether it still is)."""
        return self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()


class CandidateIdentifier(Labelled, enum.StrEnum):
    """What identifies the candidate on a certificate besides the name."""

    NONE = "none"
    USERNAME = "username"
    EMAIL = "email"
    REGISTRATION_FIELD = "registration_field"   # the answer to the registration field named in `identifier_field`


labels(CandidateIdentifier, {
    CandidateIdentifier.NONE: _l("None: the name only"),
    CandidateIdentifier.USERNAME: _l("The candidate's username"),
    CandidateIdentifier.EMAIL: _l("The candidate's e-mail address"),
    CandidateIdentifier.REGISTRATION_FIELD: _l("A registration field's answer"),
})


class CertificateSettings(db.Model):
    """An institute's certificate: its wording (title and body with placeholders, see
    `certificates.PLACEHOLDERS`), the signatory, the signature image and the candidate identifier printed.
    No row: the standard wording, no signatory, no identifier."""

    __tablename__ = "certificate_settings"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    signature_key: Mapped[str] = mapped_column(String(200), default="")
    identifier: Mapped[CandidateIdentifier] = mapped_column(enum_type(CandidateIdentifier),
                                                            default=CandidateIdentifier.NONE)
    identifier_field: Mapped[str] = mapped_column(String(100), default="")


class RescoreState(Labelled, enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


labels(RescoreState, {
    RescoreState.QUEUED: _l('Queued'),
    RescoreState.RUNNING: _l('Running'),
    RescoreState.DONE: _l('Done'),
    RescoreState.FAILED: _l('Failed'),
})


ACTIVE_RESCORE_STATES = (RescoreState.QUEUED, RescoreState.RUNNING)


def one_active_run_per(name: str, column: str) -> Index:
    """The partial unique index that lets one run per `column` be queued or running, even when two examiners
    start one at the same moment."""
    return Index(name, column, unique=True, sqlite_where=text("state IN ('queued', 'running')"),
                 postgresql_where=text("state IN ('queued', 'running')"))


class SittingsRun:
    """What a job the worker does over a list of sittings, a batch at a time, keeps: who started it, its state
    and times, the sittings it was queued for, and how many of them (`done`, the first ones) are through."""

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[RescoreState] = mapped_column(enum_type(RescoreState), default=RescoreState.QUEUED, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    sitting_ids: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_RESCORE_STATES

    @property
    def has_failed(self) -> bool:
        return self.state == RescoreState.FAILED


class RescoreRun(SittingsRun, db.Model):
    """A re-score too large for one request, done by the worker a batch at a time. `sitting_ids` are the
    sittings found outdated when it was queued; the first `done` of them are re-scored."""

    __tablename__ = "rescore_runs"
    __table_args__ = (one_active_run_per("uq_rescore_runs_active_question", "question_id"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    results_changed: Mapped[int] = mapped_column(default=0)
    outcomes_changed: Mapped[int] = mapped_column(default=0)
    # The labels of the results that changed, for the audit entry written when the run finishes.
    changed: Mapped[list] = mapped_column(JSON, default=list)


class CalibrationRun(SittingsRun, db.Model):
    """A calibration of an institute's items (results/calibration.py), done by the worker: it reads the
    answers of `sitting_ids` (the institute's finished sittings when it was started) a batch at a time into
    `scores`, then estimates the items' parameters from them. The first `done` sittings are read."""

    __tablename__ = "calibration_runs"
    __table_args__ = (one_active_run_per("uq_calibration_runs_active_institute", "institute_id"),)

    # [sitting id, question id, score 0 or 1] of each auto-scored answer read so far.
    scores: Mapped[list] = mapped_column(JSON, default=list)
    items_calibrated: Mapped[int] = mapped_column(default=0)
