"""Certificates: issued for a passed certification once it is graded, never while a proctoring violation
withholds the result; revoked by an admin with a reason (or when a violation is found later); checked
by anyone at /verify/<code>."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.accounts.permissions import Permission, require
from webapp.assessments.models import AssessmentKind
from webapp.database import parse_id, utcnow
from webapp.errors import Conflict, NotFound, ValidationError
from webapp.extensions import db
from webapp.proctoring.models import Review
from webapp.proctoring.services import audit
from webapp.reports.models import Certificate
from webapp.sittings.models import Sitting

# Unambiguous upper-case letters and digits (no 0/O, 1/I/L), read aloud or typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
VIOLATION_REASON = "A proctoring violation was found in this sitting."


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[index:index + 4] for index in range(0, CODE_LENGTH, 4))


def _withheld(sitting: Sitting) -> bool:
    review = db.session.scalar(select(Review).where(Review.sitting_id == sitting.id))
    return bool(review and review.withholds_result)


def certificate_of(sitting: Sitting) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


def issue_if_earned(sitting: Sitting) -> Certificate | None:
    """The certificate of a graded, passed certification without a withholding violation; idempotent.
    The result is set to passed first (`outcomes.sitting_graded`), then the certificate follows."""
    if (sitting.exam.assessment.kind != AssessmentKind.CERTIFICATION or sitting.graded_at is None
            or not sitting.passed or _withheld(sitting)):
        return None
    existing = certificate_of(sitting)
    if existing is not None:
        return existing
    certificate = Certificate(institute_id=sitting.institute_id, sitting_id=sitting.id, code=new_code(),
                              candidate_name=sitting.candidate.name, assessment_name=sitting.exam.assessment.name,
                              level=sitting.level, issued_at=utcnow())
    db.session.add(certificate)
    return certificate


def review_changed(sitting: Sitting) -> None:
    """After a proctor's review or an admin's override: a violation revokes a valid certificate; an
    override lets a withheld one be issued."""
    existing = certificate_of(sitting)
    if _withheld(sitting):
        if existing is not None and existing.is_valid:
            existing.revoked_at, existing.revoked_reason = utcnow(), VIOLATION_REASON
    elif existing is None:
        issue_if_earned(sitting)


def institute_certificate(actor: User, certificate_id) -> Certificate:
    certificate = db.session.get(Certificate, parse_id(certificate_id))
    if certificate is None or certificate.institute_id != actor.institute_id:
        raise NotFound("This certificate does not exist.")
    return certificate


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
          {"valid": False, "reason": reason})
    return certificate


def by_code(code: str) -> Certificate | None:
    """The public lookup of /verify/<code>: case and spaces do not matter."""
    normalised = "".join(str(code or "").split()).upper()
    if len(normalised) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalised))
