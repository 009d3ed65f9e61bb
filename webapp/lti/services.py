"""What the LTI door needs besides the launch: the origins that may frame Proctora's LTI pages, and the
one-time sign-in link an instructor's launch inside an iframe offers."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from webapp.accounts.models import User
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.lti import keys
from webapp.lti.launch import LaunchRefused, ClockSigner
from webapp.lti.models import LtiPlatform, LtiUsedNonce
from webapp.sittings.models import Sitting

SIGN_IN_MAX_AGE = 120


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _origins(rows) -> list[str]:
    origins = []
    for issuer, login_url, seen in rows:
        for origin in (_origin(issuer), _origin(login_url), *map(_origin, seen or [])):
            if origin and origin not in origins:
                origins.append(origin)
    return origins


ORIGIN_COLUMNS = (LtiPlatform.issuer, LtiPlatform.auth_login_url, LtiPlatform.seen_origins)


def frame_origins() -> list[str]:
    """Every registered platform's web origins (its issuer's, its login page's and those its launches came
    from): the LTI door's pages are shown inside any of them."""
    return _origins(db.session.execute(select(*ORIGIN_COLUMNS)))


# A link's token is URL-safe base64 (secrets.token_urlsafe); anything else names no sitting and is not looked up
# (a NUL, which the input guard answers with 404 before this, is refused by PostgreSQL in a query).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def sitting_frame_origins(access_token: str) -> list[str]:
    """The origins of the platforms of the sitting's institute, which may show its pages in their iframe."""
    if not TOKEN_SHAPE.fullmatch(access_token):
        return []
    return _origins(db.session.execute(
        select(*ORIGIN_COLUMNS)
        .join(Sitting, Sitting.institute_id == LtiPlatform.institute_id).where(Sitting.access_token == access_token)))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lti-sign-in", signer=ClockSigner)


def sign_in_token(user: User, exam: Exam | None) -> str:
    return _serializer().dumps({"user": user.id, "exam": exam.id if exam else None, "once": keys.new_nonce()})


def user_for_sign_in(token: str) -> tuple[User, Exam | None]:
    """The staff user (and exam) of a one-time sign-in link, which then is spent."""
    try:
        signed = _serializer().loads(token, max_age=SIGN_IN_MAX_AGE)
    except BadSignature:
        signed = None
    if signed is None or db.session.get(LtiUsedNonce, signed["once"]) is not None:
        raise LaunchRefused(_("This sign-in link has expired or was used already. Open the link in your course "
                              "again."), reason="sign_in_expired", status=403)
    db.session.add(LtiUsedNonce(nonce=signed["once"]))
    user = db.session.get(User, signed["user"])
    if user is None or not user.is_active:
        raise LaunchRefused(_("Your staff account in Proctora is deactivated."), reason="staff_inactive", status=403)
    exam = db.session.get(Exam, signed["exam"]) if signed["exam"] else None
    return user, exam if exam is not None and exam.institute_id == user.institute_id else None


# A used nonce can only be replayed with its state cookie (STATE_MAX_AGE) or its sign-in link
# (SIGN_IN_MAX_AGE); an hour later it is kept for nothing.
NONCE_RETENTION = timedelta(hours=1)
PURGE_INTERVAL = timedelta(minutes=10)
_last_purged: datetime | None = None


def purge_used_nonces() -> None:
    """The worker's periodic job: forget the nonces no launch can present again (every ten minutes)."""
    global _last_purged
    now = utcnow()
    if _last_purged is None or now - _last_purged >= PURGE_INTERVAL:
        db.session.execute(delete(LtiUsedNonce).where(LtiUsedNonce.used_at < now - NONCE_RETENTION))
        _last_purged = now
