"""Institutes (tenants), their staff users, their white-labelling and their API credentials."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.clock import utcnow
from webapp.core.database import TimestampMixin, UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels
from webapp.core.permissions import Role


class ReleasePolicy(Labelled, enum.StrEnum):
    """When a graded result reaches the candidate (webapp/results/release.py holds the rules)."""
    AT_ONCE = "at_once"            # when graded, unless proctoring left something for a review
    AFTER_REVIEW = "after_review"  # when a proctor's review gives an outcome (on a proctored exam)
    BY_HAND = "by_hand"            # when staff release it

    @property
    def label(self) -> str:
        return {"at_once": "At once", "after_review": "After the proctoring review",
                "by_hand": "By hand (staff release it)"}[self.value]


labels(ReleasePolicy, {
    ReleasePolicy.AT_ONCE: _l('As soon as it is graded'),
    ReleasePolicy.AFTER_REVIEW: _l('After the proctoring review'),
    ReleasePolicy.BY_HAND: _l('When staff release it'),
})


class Institute(TimestampMixin, db.Model):
    __tablename__ = "institutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    legal_name: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    logo: Mapped[Optional[bytes]] = mapped_column(LargeBinary, default=None)
    logo_mimetype: Mapped[str] = mapped_column(String(50), default="")
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("institutes.id"), index=True, default=None)
    # Graders see responses without the candidate's name and e-mail.
    blind_grading: Mapped[bool] = mapped_column(default=False)
    # The release policy of the institute's exams that do not choose their own.
    default_release_policy: Mapped[ReleasePolicy] = mapped_column(enum_type(ReleasePolicy),
                                                                  default=ReleasePolicy.AT_ONCE)
    # The language and IANA time zone of its console and candidate pages; "" reads the browser's language.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Every staff member signs in with a second factor; one without it enrols at the next sign-in.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())

    parent: Mapped[Optional["Institute"]] = relationship(remote_side="Institute.id")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    # Login is by e-mail, so an e-mail belongs to one staff account across all institutes.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # The console's language for this staff member; "" follows the institute's.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # Two-factor sign-in (TOTP): the authenticator's secret, encrypted at rest (webapp/core/secrets_box.py),
    # set when enrolment begins and in force once a first code confirmed it; the time step of the last
    # code accepted, so that a code is never taken twice.
    totp_secret_encrypted: Mapped[str] = mapped_column(String(500), default="", server_default="")
    two_factor_enabled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger, default=None)

    institute: Mapped[Institute] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def has_two_factor(self) -> bool:
        return self.two_factor_enabled_at is not None


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator (a lost phone): only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)


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


# API credentials (Mettl's ak + private key, EURO PRUEFSTER's token) and used signatures for replay
# protection ---------------------------------------------------------------------------------------------

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

    @property
    def access_label(self) -> str:
        """What the credential may do, in the console's words."""
        return _("read and write") if self.role == Role.ADMIN else _("read only")


class UsedSignature(db.Model):
    """Every Mettl signature a request presented, so that a replay is refused (E422) by every worker and host.
    Rows older than the timestamp window (a day) can go: such a request fails E504 anyway."""

    __tablename__ = "used_signatures"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


