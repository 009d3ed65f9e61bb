"""The public addresses of a sitting's report and of a certificate, absolute (BASE_URL) so that they work
in e-mails, webhooks and API answers made outside a request."""
from __future__ import annotations

from flask import current_app

from webapp.sittings.models import Sitting


def _base() -> str:
    return current_app.config["BASE_URL"]


def html_report_url(sitting: Sitting) -> str | None:
    """Mettl's htmlReport: the shared HTML report."""
    return f"{_base()}/reports/{sitting.report_key}" if sitting.report_key else None


def pdf_report_url(sitting: Sitting) -> str | None:
    """Mettl's pdfReport."""
    return f"{_base()}/reports/{sitting.report_key}.pdf" if sitting.report_key else None


def verify_url(code: str) -> str:
    """Where the certificate's QR code points."""
    return f"{_base()}/verify/{code}"


def certificate_pdf_url(code: str) -> str:
    return f"{_base()}/verify/{code}.pdf"
