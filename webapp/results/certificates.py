"""Certificates: issued for a passed certification once its result is released, never while a proctoring violation
withholds the result; revoked by an admin with a reason (or when a violation is found later); checked
by anyone at /verify/<code>."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.assessments.models import AssessmentKind
from webapp.audit.services import audit
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.proctoring.services import result_withheld
from webapp.results.models import Certificate
from webapp.sittings.models import Sitting

# Unambiguous upper-case letters and digits (no 0/O, 1/I/L), read aloud or typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
VIOLATION_REASON = "A proctoring violation was found in this sitting."
CORRECTED_REASON = "A grader's correction put the result below the pass mark."


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[index:index + 4] for index in range(0, CODE_LENGTH, 4))


def certificate_of(sitting: Sitting) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


def _earned(sitting: Sitting) -> bool:
    """A graded, released, passed certification without a withholding violation."""
    return (sitting.exam.assessment.kind == AssessmentKind.CERTIFICATION and sitting.graded_at is not None
            and sitting.released_at is not None and bool(sitting.passed) and not result_withheld(sitting))


def reconcile(sitting: Sitting) -> Certificate | None:
    """Keep the sitting's certificate in step with its result, at its release and after a correction, a
    proctor's review or an admin's override (webapp/results/release.py calls it): issued once earned (the result is set to passed first); withdrawn
    when a violation withholds the result or a correction fails it; given back when that is undone. A
    certificate an admin revoked stays revoked."""
    existing = certificate_of(sitting)
    earned = _earned(sitting)
    if existing is None:
        if not earned:
            return None
        existing = Certificate(institute_id=sitting.institute_id, sitting_id=sitting.id, code=new_code(),
                               candidate_name=sitting.candidate.name, assessment_name=sitting.exam.assessment.name,
                               level=sitting.level, issued_at=utcnow())
        db.session.add(existing)
    elif existing.is_valid and not earned:
        existing.revoked_at = utcnow()
        existing.revoked_reason = VIOLATION_REASON if result_withheld(sitting) else CORRECTED_REASON
    elif not existing.is_valid and earned and existing.revoked_by_id is None:
        existing.revoked_at, existing.revoked_reason = None, ""
    return existing


def institute_certificate(actor: User, certificate_id) -> Certificate:
    return get_in_institute(Certificate, actor.institute_id, certificate_id, "Certificate")


def revoke(actor: User, certificate_id, reason: str) -> Certificate:
    require(actor, Permission.REVOKE_CERTIFICATES)
    certificate = institute_certificate(actor, certificate_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise ValidationError("Say why the certificate is revoked (up to 1,000 characters).", field="reason")
    if not certificate.is_valid:
        raise Conflict("This certificate is revoked already.")
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = utcnow(), reason, actor.id
    audit(actor, "certificate.revoke", "certificate", certificate.id, {"valid": True},
          {"valid": False, "reason": reason},
          label=f"{certificate.code}: {certificate.candidate_name}, {certificate.assessment_name}")
    return certificate


def by_code(code: str) -> Certificate | None:
    """The public lookup of /verify/<code>: case and spaces do not matter."""
    normalised = "".join(str(code or "").split()).upper()
    if len(normalised) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalised))
