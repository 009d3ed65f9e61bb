"""Certificates: issued for a passed certification once its result is released, never while a proctoring violation
withholds the result; revoked by an admin with a reason (or when a violation is found later); checked
by anyone at /verify/<code>, which also says when one expired.

Each institute sets its certificate in the console: the wording (a title and a body, plain text with the
placeholders of PLACEHOLDERS), the signatory's name and title, a signature image and the candidate
identifier printed. A certificate keeps them as they were when it was issued, with its expiry (the
assessment's validity in months from the day of issue)."""
from __future__ import annotations

import calendar
import secrets
import string
from datetime import datetime

from flask_babel import format_number, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.assessments.models import AssessmentKind
from webapp.audit.services import audit
from webapp.core import events, storage
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.validation import single_line
from webapp.proctoring.services import result_withheld
from webapp.results.models import CandidateIdentifier, Certificate, CertificateSettings
from webapp.sittings.models import Sitting

# Unambiguous upper-case letters and digits (no 0/O, 1/I/L), read aloud or typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
VIOLATION_REASON = "A proctoring violation was found in this sitting."
CORRECTED_REASON = "A grader's correction put the result below the pass mark."


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for __ in range(CODE_LENGTH))
    return "-".join(raw[index:index + 4] for index in range(0, CODE_LENGTH, 4))


def certificate_of(sitting: Sitting) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


def _earned(sitting: Sitting) -> bool:
    """A graded, released, passed certification without a withholding violation."""
    return (sitting.exam.assessment.kind == AssessmentKind.CERTIFICATION and sitting.graded_at is not None
            and sitting.released_at is not None and bool(sitting.passed) and not result_withheld(sitting))


def _add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1: 28/29 Feb)."""
    year, month = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + year, month + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _new_certificate(sitting: Sitting) -> Certificate:
    """The sitting's certificate as issued now: the institute's current wording, signatory and identifier,
    and the expiry that the assessment's validity gives."""
    settings = certificate_settings(sitting.institute_id)
    assessment = sitting.exam.assessment
    issued_at = utcnow()
    label, identifier = _identifier(settings, sitting)
    values = {"candidate": sitting.candidate.name, "assessment": assessment.name, "level": sitting.level.value,
              "date": issued_at.strftime("%d %B %Y"), "identifier": identifier,
              "institute": sitting.exam.institute.name}
    return Certificate(
        institute_id=sitting.institute_id, sitting_id=sitting.id, code=new_code(),
        candidate_name=sitting.candidate.name, assessment_name=assessment.name, level=sitting.level,
        issued_at=issued_at, expires_at=(_add_months(issued_at, assessment.certificate_validity_months)
                                         if assessment.certificate_validity_months else None),
        identifier_label=label, candidate_identifier=identifier,
        title=(settings.title or DEFAULT_TITLE).format_map(values)[:200], body=(settings.body or DEFAULT_BODY).format_map(values),
        signatory_name=settings.signatory_name, signatory_title=settings.signatory_title,
        signature_key=settings.signature_key)


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
        existing = _new_certificate(sitting)
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
        raise ValidationError(_("Say why the certificate is revoked (up to 1,000 characters)."), field="reason")
    if not certificate.is_valid:
        raise Conflict(_("This certificate is revoked already."))
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = utcnow(), reason, actor.id
    audit(actor, "certificate.revoke", "certificate", certificate.id, {"valid": True},
          {"valid": False, "reason": reason},
          label=f"{certificate.code}: {certificate.candidate_name}, {certificate.assessment_name}")
    events.result_changed.send(certificate.sitting)
    return certificate


def by_code(code: str) -> Certificate | None:
    """The public lookup of /verify/<code>: case and spaces do not matter."""
    normalised = "".join(str(code or "").split()).upper()
    if len(normalised) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalised))


# The institute's certificate settings ---------------------------------------------------------------

# What the wording may say in braces, filled in when a certificate is issued; {{ and }} are braces.
PLACEHOLDERS = {
    "candidate": "the candidate's name",
    "assessment": "the assessment's name",
    "level": "the CEFR level certified",
    "date": "the date of issue",
    "identifier": "the candidate identifier (empty when none is printed)",
    "institute": "the institute's name",
}
DEFAULT_TITLE = "Certificate"
DEFAULT_BODY = "This certifies that {candidate} has passed {assessment} at level {level} on {date}."
MAX_BODY_LENGTH = 2000
SIGNATURE_FORMATS = ("PNG", "JPEG")
MAX_SIGNATURE_BYTES = 512 * 1024
IDENTIFIER_LABELS = {CandidateIdentifier.USERNAME: _l("Username"), CandidateIdentifier.EMAIL: _l("E-mail")}


def certificate_settings(institute_id: int) -> CertificateSettings:
    """The institute's settings, or the defaults (unsaved) when it never set any."""
    return db.session.get(CertificateSettings, institute_id) or CertificateSettings(
        institute_id=institute_id, title="", body="", signatory_name="", signatory_title="", signature_key="",
        identifier=CandidateIdentifier.NONE, identifier_field="")


def _identifier(settings: CertificateSettings, sitting: Sitting) -> tuple[str, str]:
    """The identifier's label and the candidate's value, as the settings ask; both empty for none."""
    if settings.identifier == CandidateIdentifier.REGISTRATION_FIELD:
        value = (sitting.registration or {}).get(settings.identifier_field, "")
        return settings.identifier_field, " ".join(str(value or "").split())[:200]
    if settings.identifier == CandidateIdentifier.NONE:
        return "", ""
    return str(IDENTIFIER_LABELS[settings.identifier]), getattr(sitting.candidate, settings.identifier.value)


def _wording(text: str, label: str, field: str, max_length: int) -> str:
    """Plain text whose braces name only PLACEHOLDERS, plainly ({date:%Y} or {candidate!r} are refused).
    `label` names the text as the subject of a sentence ("The title")."""
    if len(text) > max_length:
        raise ValidationError(_("%(what)s is longer than %(max)s characters.", what=label,
                                max=format_number(max_length)), field=field)
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(_("%(what)s has a brace without its pair: write {{ and }} for a brace itself, and "
                                "use only %(known)s.", what=label, known=known), field=field) from None
    for _literal, name, spec, conversion in parts:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            raise ValidationError(_("%(what)s has an unknown placeholder {%(name)s}: use only %(known)s.", what=label,
                                    name=name, known=known), field=field)
    return text


def _signature_summary(key: str) -> str:
    return "set" if key else ""


def update_certificate_settings(actor: User, *, title: str, body: str, signatory_name: str, signatory_title: str,
                                identifier: str, identifier_field: str = "", signature: bytes | None = None,
                                remove_signature: bool = False) -> CertificateSettings:
    """Save the institute's certificate settings (admins); certificates issued before keep theirs. A new
    signature image (PNG or JPEG, by its bytes, up to 512 KB) replaces the one before."""
    require(actor, Permission.MANAGE_INSTITUTE)
    title = _wording(single_line(title, _("The title"), field="title", max_length=200), _("The title"), "title", 200)
    body = _wording((body or "").strip().replace("\r\n", "\n"), _("The wording"), "body", MAX_BODY_LENGTH)
    signatory_name = single_line(signatory_name, _("The signatory's name"), field="signatory_name", max_length=200)
    signatory_title = single_line(signatory_title, _("The signatory's title"), field="signatory_title", max_length=200)
    source = parse_enum(CandidateIdentifier, identifier or CandidateIdentifier.NONE.value, "identifier", _("identifier"))
    field_name = single_line(identifier_field, _("The registration field"), field="identifier_field", max_length=100)
    if source == CandidateIdentifier.REGISTRATION_FIELD and not field_name:
        raise ValidationError(_("Name the registration field whose answer identifies the candidate."),
                              field="identifier_field")
    if source != CandidateIdentifier.REGISTRATION_FIELD:
        field_name = ""
    if signature:
        if len(signature) > MAX_SIGNATURE_BYTES:
            raise ValidationError(_("The signature image must be at most 512 KB."), field="signature")
        if storage.image_format(signature) not in SIGNATURE_FORMATS:
            raise ValidationError(_("The signature image must be a PNG or JPEG image."), field="signature")
    settings = certificate_settings(actor.institute_id)
    names = ("title", "body", "signatory_name", "signatory_title", "identifier", "identifier_field", "signature")

    def summary() -> dict:
        return {name: _signature_summary(settings.signature_key) if name == "signature"
                else str(getattr(settings, name)) for name in names}

    was = summary()
    settings.title, settings.body = title, body
    settings.signatory_name, settings.signatory_title = signatory_name, signatory_title
    settings.identifier, settings.identifier_field = source, field_name
    if signature:
        # The image before stays on disk: certificates issued with it still show it.
        settings.signature_key = storage.store_institute_image(actor.institute_id, "signature", signature)
    elif remove_signature:
        settings.signature_key = ""
    db.session.add(settings)
    db.session.flush()
    now = summary()
    changed = [name for name in names if now[name] != was[name] or (name == "signature" and signature)]
    if changed:
        audit(actor, "institute.certificate", "institute", actor.institute_id, {name: was[name] for name in changed},
              {name: now[name] for name in changed}, label=actor.institute.name)
    return settings


SAMPLE_VALUES = {"candidate": "Maria Example", "assessment": "English B2 Certificate", "level": "B2",
                 "date": "04 December 2026", "identifier": "maria.example", "institute": "Your institute"}


def wording_preview(settings: CertificateSettings) -> tuple[str, str]:
    """The title and body as a certificate would print them, with sample values (the saved wording is valid)."""
    return ((settings.title or DEFAULT_TITLE).format_map(SAMPLE_VALUES),
            (settings.body or DEFAULT_BODY).format_map(SAMPLE_VALUES))


def signature_image(institute_id: int, key: str) -> tuple[bytes, str] | None:
    """A signature image of the institute (the settings' or one a certificate was issued with)."""
    if not key or not key.startswith(f"{int(institute_id)}/"):
        return None
    try:
        return storage.read_image(key)
    except NotFound:    # the file is gone (a restored database without its uploads): printed without it
        return None
