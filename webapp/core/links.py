"""The public addresses the platform hands out, absolute (BASE_URL) so that they work in e-mails,
webhooks and API answers made outside a request: a candidate's personal link, an exam's open link, a
staff member's set-password link, a sitting's report and check photos, and a certificate."""
from __future__ import annotations

from flask import current_app


def absolute(path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}"


def personal_url(access_token: str) -> str:
    """A sitting's personal test link: the candidate's credential."""
    return absolute(f"/s/{access_token}")


def open_link_url(access_key: str) -> str:
    """An exam's open link, where candidates register themselves."""
    return absolute(f"/t/{access_key}")


def set_password_url(token: str) -> str:
    return absolute(f"/set-password/{token}")


def html_report_url(sitting) -> str | None:
    """Mettl's htmlReport: the shared HTML report of a sitting (once it has a report key)."""
    return absolute(f"/reports/{sitting.report_key}") if sitting.report_key else None


def pdf_report_url(sitting) -> str | None:
    """Mettl's pdfReport."""
    return absolute(f"/reports/{sitting.report_key}.pdf") if sitting.report_key else None


def check_photo_url(sitting, kind: str) -> str | None:
    """Mettl's `referenceImageUrl` / `identityProofImageUrl`: the stored name's random part makes the
    link unguessable, as a report key does."""
    key = (sitting.check or {}).get(kind)
    return absolute(f"/photos/{sitting.id}/{key.rsplit('/', 1)[-1]}") if key else None


def verify_url(code: str) -> str:
    """Where the certificate's QR code points."""
    return absolute(f"/verify/{code}")


def certificate_pdf_url(code: str) -> str:
    return absolute(f"/verify/{code}.pdf")
