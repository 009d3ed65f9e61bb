"""What LTI 1.3 keeps: the platforms each institute registered with their deployments, the tool's signing
keys, the nonces already used, who a platform's user is here, the resource links launched, the sittings
launched from them (whose grades go back), the course rosters imported, and the attempts proctored for a
platform (LTI Proctoring Services)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.clock import utcnow
from webapp.core.database import TimestampMixin, UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels


class LtiPlatform(TimestampMixin, db.Model):
    """A learning platform registered by an institute's admin. A launch names it by its issuer and client
    id, so the pair is unique across institutes: the platform belongs to exactly one institute."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    token_url: Mapped[str] = mapped_column(String(1000), default="")
    jwks_url: Mapped[str] = mapped_column(String(1000))
    # The origins the platform's pages were seen at (from its signed launches), which may frame Proctora's
    # LTI pages besides the issuer's and the login URL's: Canvas Cloud's issuer is not the school's host.
    seen_origins: Mapped[list] = mapped_column(JSON, default=list)

    deployments: Mapped[list["LtiDeployment"]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id")

    @property
    def deployment_ids(self) -> list[str]:
        return [deployment.deployment_id for deployment in self.deployments]


class LtiDeployment(db.Model):
    """One deployment of the tool in the platform (a platform may deploy it several times)."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiToolKey(db.Model):
    """The tool's RSA key pair that signs its messages (deep linking responses, later the grade service's
    client assertions). The newest unretired key signs; retired keys stay published in the JWKS for a while,
    so a platform still verifies what they signed before the rotation."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)     # PEM, encrypted with core.secrets_box
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None, index=True)


class LtiUsedNonce(db.Model):
    """A launch's nonce, once used: the same id_token sent again is refused."""

    __tablename__ = "lti_used_nonces"

    nonce: Mapped[str] = mapped_column(String(255), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LtiUserLink(db.Model):
    """Who a platform's user (its `sub`) is in Proctora: a candidate when they launched as a learner, a staff
    user when they launched as an instructor (one person may be both, in different courses)."""

    __tablename__ = "lti_user_links"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    candidate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"),
                                                        index=True, default=None)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True,
                                                   default=None)


class LtiResourceLink(TimestampMixin, db.Model):
    """A link placed in a course, and the exam it opens. The grade and roster services' addresses from the
    launch claims are kept for the parts of LTI Advantage that use them."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    exam_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exams.id", ondelete="SET NULL"), index=True,
                                                   default=None)
    line_item_url: Mapped[str] = mapped_column(String(1000), default="")
    line_items_url: Mapped[str] = mapped_column(String(1000), default="")
    ags_scopes: Mapped[list] = mapped_column(JSON, default=list)
    memberships_url: Mapped[str] = mapped_column(String(1000), default="")
    # When Proctora asked the platform for a line item (the launch named none): asked once, the scores wait
    # for its answer (grades.on_line_item_created).
    line_item_requested_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    platform: Mapped[LtiPlatform] = relationship()


class LtiSittingLink(db.Model):
    """The course link a sitting was launched from (or its roster imported from), the platform's id of the
    learner, and the grade last queued for the platform's gradebook (None: none yet), so that an unchanged
    result is not sent twice."""

    __tablename__ = "lti_sitting_links"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    platform_user_id: Mapped[str] = mapped_column(String(255))
    grade_sent: Mapped[Optional[dict]] = mapped_column(JSON, default=None)

    resource_link: Mapped[LtiResourceLink] = relationship()


class RosterImportStatus(Labelled, enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE_ROSTER_IMPORTS = (RosterImportStatus.QUEUED, RosterImportStatus.RUNNING)

labels(RosterImportStatus, {
    RosterImportStatus.QUEUED: _l("Waiting for the worker"),
    RosterImportStatus.RUNNING: _l("Importing"),
    RosterImportStatus.DONE: _l("Done"),
    RosterImportStatus.FAILED: _l("Import failed"),
})


class LtiRosterImport(db.Model):
    """An import of a course's learners (Names and Role Provisioning) as candidates of the exam its link opens,
    asked by staff and run by the worker (a call to the platform), with what it did."""

    __tablename__ = "lti_roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Whether the candidates it registers get the invitation e-mail (by default the course is the invitation).
    send_invitations: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RosterImportStatus] = mapped_column(enum_type(RosterImportStatus), default=RosterImportStatus.QUEUED,
                                                       index=True)
    added: Mapped[int] = mapped_column(default=0)
    existing: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    resource_link: Mapped[LtiResourceLink] = relationship()

    @property
    def is_active(self) -> bool:
        """Waiting for the worker or running."""
        return self.status in ACTIVE_ROSTER_IMPORTS

class ProctoringState(Labelled, enum.StrEnum):
    """Where a platform's proctored attempt stands on Proctora's side (LTI Proctoring Services)."""

    CHECKING = "checking"                        # LtiStartProctoring received: the candidate is in the check
    ASSESSMENT_STARTED = "assessment_started"    # LtiStartAssessment sent: the attempt runs on the platform
    ENDED = "ended"                              # LtiEndAssessment received


labels(ProctoringState, {
    ProctoringState.CHECKING: _l("The candidate is in Proctora's check"),
    ProctoringState.ASSESSMENT_STARTED: _l("The assessment runs on the platform"),
    ProctoringState.ENDED: _l("The platform ended the assessment"),
})


class LtiProctoringSession(TimestampMixin, db.Model):
    """One attempt of a platform's assessment that Proctora proctors (an LtiStartProctoring launch): the
    Proctora sitting that carries the check and the proctor's view, what LtiStartAssessment must echo,
    the platform's Assessment Control Service, and the platform's last answer to a proctor's action."""

    __tablename__ = "lti_proctoring_sessions"
    # Named: the convention's name would pass PostgreSQL's 63 characters.
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id", "user_sub", "attempt_number",
                                       name="uq_lti_proctoring_sessions_attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    user_sub: Mapped[str] = mapped_column(String(255))
    attempt_number: Mapped[int]
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), unique=True)
    state: Mapped[ProctoringState] = mapped_column(enum_type(ProctoringState), default=ProctoringState.CHECKING)
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link: Mapped[dict] = mapped_column(JSON)     # echoed whole in LtiStartAssessment
    start_assessment_url: Mapped[str] = mapped_column(String(1000))
    session_data: Mapped[str] = mapped_column(Text)
    acs_url: Mapped[str] = mapped_column(String(1000), default="")
    acs_actions: Mapped[list] = mapped_column(JSON, default=list)
    assessment_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    end_error: Mapped[str] = mapped_column(Text, default="")
    # The platform's answer to the last Assessment Control Service request, as the proctor sees it.
    platform_status: Mapped[str] = mapped_column(String(30), default="")
    platform_extra_time: Mapped[Optional[int]] = mapped_column(default=None)    # seconds, as the standard's
    platform_answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
