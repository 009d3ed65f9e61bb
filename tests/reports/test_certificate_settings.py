"""The institute's certificate: wording with placeholders, signatory, signature image and identifier, set by
an admin, kept by each certificate as issued; the assessment's validity gives the expiry, which the
verification page tells apart from a revocation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in, right_answer
from tests.images import image_bytes
from webapp.assessments.services import update_settings
from webapp.audit.models import AuditEntry
from webapp.core import clock
from webapp.core.errors import PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.reports.services import certificate_pdf
from webapp.results.certificates import (certificate_of, certificate_settings, revoke, signature_image,
                                         update_certificate_settings)
from webapp.results.models import CandidateIdentifier

ISSUED = datetime(2026, 1, 31, 10, 0, tzinfo=timezone.utc)
SETTINGS = dict(title="Certificate of {level}", body="{candidate} ({identifier}) passed {assessment} on {date}.\nWell done.",
                signatory_name="Dana Director", signatory_title="Director of Studies", identifier="username")


def _certification(factory, admin, validity_months=None):
    assessment = factory.assessment(admin, name="English B2 Certificate", questions=2, kind="certification",
                                    target_level="B2", pass_mark_percent=60,
                                    certificate_validity_months=validity_months)
    return factory.exam(admin, assessment=assessment, name="Spring certification")


def _issued(factory, admin, exam):
    clock.freeze(ISSUED)
    sitting = factory.finished_sitting(admin, exam, first_name="Zoë", last_name="Quist", answer=right_answer)
    return certificate_of(sitting)


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize("text, fragment", [
    ("{name} passed", "unknown placeholder {name}"),
    ("{candidate!r} passed", "unknown placeholder {candidate}"),
    ("{date:%Y} passed", "unknown placeholder {date}"),
    ("{0} passed", "unknown placeholder {0}"),
    ("{candidate passed", "brace without its pair"),
    ("candidate} passed", "brace without its pair"),
])
def test_unknown_placeholders_are_refused_with_a_clear_error(admin, text, fragment):
    with pytest.raises(ValidationError) as refused:
        update_certificate_settings(admin, **{**SETTINGS, "body": text})
    assert refused.value.field == "body" and fragment in refused.value.message
    assert "{candidate}" in refused.value.message  # it names what may be used


def test_literal_braces_and_known_placeholders_are_accepted(admin):
    settings = update_certificate_settings(admin, **{**SETTINGS, "body": "{{Official}} {candidate} at {level}"})
    assert settings.body == "{{Official}} {candidate} at {level}"


def test_the_signature_must_be_a_small_png_or_jpeg_by_its_bytes(admin):
    for data, message in [(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG or JPEG"),
                          (image_bytes("GIF"), "PNG or JPEG"), (image_bytes("WEBP"), "PNG or JPEG"),
                          (image_bytes("PNG", (1200, 1200)) + b"\0" * 600_000, "at most 512 KB")]:
        with pytest.raises(ValidationError) as refused:
            update_certificate_settings(admin, **SETTINGS, signature=data)
        assert refused.value.field == "signature" and message in refused.value.message
    settings = update_certificate_settings(admin, **SETTINGS, signature=image_bytes("JPEG"))
    assert settings.signature_key.startswith(f"{admin.institute_id}/signature-") and settings.signature_key.endswith(".jpg")


def test_a_registration_field_identifier_needs_the_fields_name(admin):
    with pytest.raises(ValidationError) as refused:
        update_certificate_settings(admin, **{**SETTINGS, "identifier": "registration_field"})
    assert refused.value.field == "identifier_field"


def test_only_admins_set_the_certificate(admin, factory):
    examiner = factory.staff(admin.institute, "examiner")
    with pytest.raises(PermissionDenied):
        update_certificate_settings(examiner, **SETTINGS)


def test_a_certificate_is_issued_with_the_settings_and_keeps_them(admin, factory):
    update_certificate_settings(admin, **SETTINGS, signature=image_bytes("PNG"))
    db.session.commit()
    signature_key = certificate_settings(admin.institute_id).signature_key
    certificate = _issued(factory, admin, _certification(factory, admin, validity_months=1))
    username = certificate.sitting.candidate.username

    assert certificate.title == "Certificate of B2"
    assert certificate.body == f"Zoë Quist ({username}) passed English B2 Certificate on 31 January 2026.\nWell done."
    assert (certificate.identifier_label, certificate.candidate_identifier) == ("Username", username)
    assert (certificate.signatory_name, certificate.signatory_title) == ("Dana Director", "Director of Studies")
    assert certificate.signature_key == signature_key
    # A month after 31 January is the last day of February.
    assert certificate.expires_at == datetime(2026, 2, 28, 10, 0, tzinfo=timezone.utc)

    update_certificate_settings(admin, title="New", body="Other words for {candidate}.", signatory_name="Someone Else",
                                signatory_title="", identifier="none", signature=image_bytes("JPEG"))
    db.session.commit()
    db.session.expire_all()
    assert certificate.title == "Certificate of B2" and certificate.body.startswith("Zoë Quist")
    assert certificate.signatory_name == "Dana Director" and certificate.signature_key == signature_key
    assert certificate.candidate_identifier == username


def test_without_settings_or_validity_the_standard_wording_and_no_expiry(admin, factory):
    certificate = _issued(factory, admin, _certification(factory, admin))
    assert certificate.title == "Certificate" and certificate.expires_at is None
    assert certificate.body == "This certifies that Zoë Quist has passed English B2 Certificate at level B2 on 31 January 2026."
    assert certificate.candidate_identifier == "" and certificate.signature_key == ""


def test_the_settings_change_is_audited(admin):
    update_certificate_settings(admin, **SETTINGS, signature=image_bytes("PNG"))
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "institute.certificate"))
    assert entry.before["signatory_name"] == "" and entry.after["signatory_name"] == "Dana Director"
    assert entry.after["identifier"] == "username" and entry.after["signature"] == "set"


def test_the_pdf_shows_wording_identifier_signature_and_expiry(admin, factory, pdf_text, pdf_image_count):
    update_certificate_settings(admin, **SETTINGS, signature=image_bytes("PNG", (40, 20)))
    db.session.commit()
    certificate = _issued(factory, admin, _certification(factory, admin, validity_months=24))
    text = pdf_text(certificate_pdf(certificate))
    assert "Certificate of B2" in text and "Well done." in text and "passed English B2 Certificate" in text
    assert f"Username: {certificate.candidate_identifier}" in text
    assert "Dana Director" in text and "Director of Studies" in text
    assert "Valid until 31 January 2028" in text
    assert pdf_image_count(certificate_pdf(certificate)) >= 1   # the signature (the QR code is vector)


def test_verification_tells_expired_from_revoked(client, admin, factory):
    exam = _certification(factory, admin, validity_months=12)
    certificate = _issued(factory, admin, exam)
    code = certificate.code

    page = _soup(client.get(f"/verify/{code}"))
    assert page.select_one("[data-verdict]")["data-verdict"] == "valid"
    assert page.select_one("[data-expires]").get_text(strip=True) == "31 January 2027"

    clock.freeze(datetime(2027, 1, 31, 10, 0, tzinfo=timezone.utc) + timedelta(seconds=1))
    page = _soup(client.get(f"/verify/{code}"))
    verdict = page.select_one("[data-verdict]")
    assert verdict["data-verdict"] == "expired"
    assert " ".join(verdict.get_text().split()) == "This certificate expired on 31 January 2027."

    revoke(admin, certificate.id, "Issued by mistake.")
    db.session.commit()
    page = _soup(client.get(f"/verify/{code}"))
    assert page.select_one("[data-verdict]")["data-verdict"] == "revoked"
    assert "expired" not in page.select_one("[data-verdict]").get_text()


def test_the_console_page_saves_previews_and_shows_the_signature(client, admin):
    log_in(client, admin)
    page = _soup(client.get("/settings/certificate"))
    assert page.select_one("[data-preview-title]").get_text(strip=True) == "Certificate"
    assert "{assessment}" in page.select_one("[data-placeholders]").get_text()

    refused = client.post("/settings/certificate", data={**SETTINGS, "body": "Hello {nobody}"})
    assert "unknown placeholder {nobody}" in refused.get_data(as_text=True)
    assert certificate_settings(admin.institute_id).body == ""

    saved = client.post("/settings/certificate", data={**SETTINGS, "signature": (BytesIO(image_bytes("PNG")), "s.png")},
                        content_type="multipart/form-data", follow_redirects=True)
    page = _soup(saved)
    assert page.select_one("[data-preview-title]").get_text(strip=True) == "Certificate of B2"
    assert "Dana Director, Director of Studies" in page.select_one("[data-preview-signatory]").get_text()
    image = client.get(page.select_one("[data-signature-preview]")["src"])
    assert image.mimetype == "image/png" and image.data == image_bytes("PNG")
    assert certificate_settings(admin.institute_id).identifier == CandidateIdentifier.USERNAME


def test_other_staff_cannot_open_the_certificate_settings(client, admin, factory):
    update_certificate_settings(admin, **SETTINGS, signature=image_bytes("PNG"))
    db.session.commit()
    log_in(client, factory.staff(admin.institute, "examiner"))
    assert client.get("/settings/certificate").status_code == 403
    assert client.get("/settings/certificate/signature").status_code == 403
    assert client.post("/settings/certificate", data={**SETTINGS, "signatory_name": "Mallory"}).status_code == 403
    assert certificate_settings(admin.institute_id).signatory_name == "Dana Director"


def test_the_assessment_form_sets_the_validity(admin, factory):
    assessment = factory.assessment(admin, kind="certification", target_level="B2", pass_mark_percent=60)
    update_settings(admin, assessment.id, {"certificate_validity_months": "36"})
    assert assessment.certificate_validity_months == 36
    with pytest.raises(ValidationError) as refused:
        update_settings(admin, assessment.id, {"certificate_validity_months": 0})
    assert refused.value.field == "certificate_validity_months"
    update_settings(admin, assessment.id, {"certificate_validity_months": ""})
    assert assessment.certificate_validity_months is None


def test_a_registration_field_identifies_the_candidate(admin, factory):
    update_certificate_settings(admin, **{**SETTINGS, "identifier": "registration_field",
                                          "identifier_field": "Last Name"})
    db.session.commit()
    certificate = _issued(factory, admin, _certification(factory, admin))
    assert (certificate.identifier_label, certificate.candidate_identifier) == ("Last Name", "Quist")
    assert "(Quist)" in certificate.body


def test_removing_the_signature_keeps_it_on_certificates_issued_with_it(admin, factory):
    update_certificate_settings(admin, **SETTINGS, signature=image_bytes("PNG"))
    db.session.commit()
    certificate = _issued(factory, admin, _certification(factory, admin))
    update_certificate_settings(admin, **SETTINGS, remove_signature=True)
    db.session.commit()
    assert certificate_settings(admin.institute_id).signature_key == ""
    assert signature_image(admin.institute_id, certificate.signature_key)[0] == image_bytes("PNG")
    # Another institute's key is nobody's image here.
    assert signature_image(admin.institute_id + 1, certificate.signature_key) is None
