"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238, by pyotp) and one-time recovery codes.

A staff member enrols (a secret is drawn and shown as a QR code), confirms with a first code and is then
asked for a code after the password at every sign-in; a recovery code stands in for a lost phone, once.
A code is taken at most once: the time step of the last one accepted is kept, and only a later step
passes. An institute may require two-factor sign-in of all its staff; the JSON APIs' keys are not affected.
"""
from __future__ import annotations

import hashlib
import io
import secrets

import pyotp
import segno
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from webapp.accounts.models import RecoveryCode, User
from webapp.accounts.services import get_staff, record_sign_in, staff_change
from webapp.core.clock import utcnow
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.secrets_box import decrypt, encrypt

ISSUER = "Proctora"
RECOVERY_CODE_COUNT = 10
# Codes of the step before and after the server's are accepted too: a phone's clock drifts.
ACCEPTED_DRIFT_STEPS = 1
# How long the password step of a sign-in waits for its code.
PENDING_SIGN_IN_SECONDS = 10 * 60
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i to misread


def enrolment_required(user: User) -> bool:
    """The institute requires a second factor and this user has none yet: enrolment comes first."""
    return user.institute.require_two_factor and not user.has_two_factor


def _totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(decrypt(user.totp_secret_encrypted))


def begin_enrolment(user: User) -> str:
    """A new secret for the authenticator, kept (encrypted) until a first code confirms it; returns the
    secret in the base32 an app's manual entry takes."""
    if user.has_two_factor:
        raise Conflict(_("Two-factor sign-in is already on."))
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = encrypt(secret)
    user.totp_last_step = None
    return secret


def pending_secret(user: User) -> str:
    """The secret of an enrolment begun and not yet confirmed."""
    if user.has_two_factor or not user.totp_secret_encrypted:
        raise Conflict(_("Begin the set-up of two-factor sign-in first."))
    return decrypt(user.totp_secret_encrypted)


def qr_code_svg(user: User) -> bytes:
    """The pending secret's otpauth:// address as a QR code (SVG) for the authenticator app to scan."""
    address = pyotp.TOTP(pending_secret(user)).provisioning_uri(name=user.email, issuer_name=ISSUER)
    out = io.BytesIO()
    segno.make(address, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue()


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; returns the recovery codes, shown once."""
    pending_secret(user)
    if not _take_totp(user, code):
        raise ValidationError(_("That code is not right. Enter the code your app shows now."), field="code")
    user.two_factor_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    staff_change(user, user, "two_factor.enable")
    return codes


def _take_totp(user: User, code: str) -> bool:
    """Whether `code` is the app's code of a step near now that is later than the last one taken; if
    so that step is taken."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp, now = _totp(user), utcnow()
    current = totp.timecode(now)
    for step in range(current - ACCEPTED_DRIFT_STEPS, current + ACCEPTED_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            # Taken in one statement, so that of two requests with the same code only one passes.
            taken = db.session.execute(update(User).where(
                User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step)
            ).values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
            db.session.refresh(user, ["totp_last_step"])
            return taken == 1
    return False


def _recovery_hash(code: str) -> str:
    return hashlib.sha256("".join(ch for ch in (code or "").lower() if ch.isalnum()).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return codes


def _take_recovery_code(user: User, code: str) -> bool:
    # One statement: of two requests with the same code only one passes.
    return db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(code), RecoveryCode.used_at.is_(None)
    ).values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount == 1


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id,
                                                                     RecoveryCode.used_at.is_(None)))


def _second_factor_taken(user: User, code: str) -> bool:
    """The app's code or an unused recovery code, taken."""
    return _take_totp(user, code) or _take_recovery_code(user, code)


WRONG_CODE = _l("That code is not right, or it has been used already.")


def pending_sign_in(user_id, started_at) -> User | None:
    """The user whose password was right a moment ago and whose code is awaited, or None when that sign-in
    is too old or the account changed since."""
    try:
        user = db.session.get(User, int(user_id))
        age = utcnow().timestamp() - float(started_at)
    except (TypeError, ValueError):
        return None
    if user is None or not user.is_active or not user.has_two_factor or not 0 <= age <= PENDING_SIGN_IN_SECONDS:
        return None
    return user


def finish_sign_in(user: User, code: str) -> User | None:
    """The second step of signing in: the app's code (or a recovery code) after the password. The user,
    or None for a wrong or used code (audited; the caller says WRONG_CODE)."""
    if not _second_factor_taken(user, code):
        staff_change(None, user, "two_factor.failure")
        return None
    record_sign_in(user)
    return user


def _check_password_and_code(user: User, password: str, code: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationError(_("Your password is not correct."), field="password")
    if not _second_factor_taken(user, code):
        raise ValidationError(str(WRONG_CODE), field="code")


def regenerate_recovery_codes(user: User, *, password: str, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), with the password and a code as proof."""
    if not user.has_two_factor:
        raise Conflict(_("Two-factor sign-in is off."))
    _check_password_and_code(user, password, code)
    codes = _new_recovery_codes(user)
    staff_change(user, user, "two_factor.recovery_codes")
    return codes


def disable(user: User, *, password: str, code: str) -> User:
    """Turn two-factor sign-in off, with the password and a code as proof; not where the institute requires it."""
    if not user.has_two_factor:
        raise Conflict(_("Two-factor sign-in is off."))
    if user.institute.require_two_factor:
        raise Conflict(_("Your institute requires two-factor sign-in: it cannot be turned off."))
    _check_password_and_code(user, password, code)
    _turn_off(user)
    staff_change(user, user, "two_factor.disable")
    return user


def reset_for_colleague(actor: User, user_id) -> User:
    """An administrator turns off a colleague's two-factor sign-in (a lost phone and lost recovery codes);
    where the institute requires it, the colleague sets it up again at the next log-in."""
    require(actor, Permission.MANAGE_STAFF)
    user = get_staff(actor, user_id)
    if not user.has_two_factor:
        raise Conflict(_("%(name)s does not use two-factor sign-in.", name=user.name))
    _turn_off(user)
    staff_change(actor, user, "two_factor.reset")
    return user


def _turn_off(user: User) -> None:
    user.totp_secret_encrypted, user.two_factor_enabled_at, user.totp_last_step = "", None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
