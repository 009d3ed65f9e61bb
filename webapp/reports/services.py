"""Reports and certificates as documents: the shared HTML report and its PDF (Mettl's htmlReport and
pdfReport), the certificate PDF with its QR code, and the console's certificate list.

Every document is rendered by WeasyPrint with `DataOnlyFetcher`, which refuses every address but
`data:` URIs: a report shows text that candidates and staff wrote, and nothing in it may make the
server read a file or call a host. Images (the institute's logo, the QR code) are embedded as data URIs.

A revoked certificate has no PDF: its verification page says that it was revoked and why, and a
document that looks valid must not be downloadable for it (`CertificateRevoked`, a 404).

A PDF is rendered once and kept (webapp/core/storage.py) under the digest of everything that goes into it
but the moment it says it was generated. Rendering takes a web worker from a fifth of a second to several
seconds, so with PDF_RENDERING "worker" (the default) no request renders: a download serves the latest kept
PDF and has the worker check it afresh, and with none kept the page says it is being prepared until the
worker has rendered it. A change of the sitting's own result removes its kept PDFs, and a released result
has its report and certificate rendered ahead (`forget_documents`).
"""
from __future__ import annotations

import base64
import enum
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext as _l
import segno
from sqlalchemy import event, func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from webapp.accounts.models import User
from webapp.accounts.services import branding_image, white_label
from webapp.bank.media import media_for_documents
from webapp.core import links, storage
from webapp.core.clock import utcnow
from webapp.core.errors import DomainError, NotFound, parse_enum
from webapp.core.extensions import db
from webapp.core.i18n import LANGUAGES
from webapp.core.labels import Labelled, labels
from webapp.core.permissions import Permission, require
from webapp.exams.models import Exam
from webapp.exams.services import language_to_write_in
from webapp.exams.windows import parse_time_zone
from webapp.reports.math import typeset_math
from webapp.results import release
from webapp.results.certificates import by_code, certificate_of, signature_image
from webapp.results.models import Certificate
from webapp.results.services import SittingResult, finished_sitting, result_of, staff_result
from webapp.sittings.models import Sitting, SittingStatus

MAX_KEY_LENGTH = 64
# How long the worker renders wanted documents per poll before it turns to its other jobs and the outbox.
RENDER_SECONDS_PER_POLL = 5.0

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A document asked for something other than a data: URI."""


class DataOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to data: URIs. WeasyPrint logs the refusal and renders the
    document without the refused resource."""

    def fetch(self, url, headers=None):
        if not str(url).lower().startswith("data:"):
            raise RefusedURL(f"Documents may only embed data: URIs, not {str(url)[:100]}")
        return super().fetch(url, headers)


class CertificateRevoked(NotFound):
    def __init__(self):
        DomainError.__init__(self, _("This certificate was revoked, so it cannot be downloaded. "
                                     "Its verification page says why."))


def data_uri(data: bytes, mimetype: str) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def _logo_uri(institute_id: int) -> str | None:
    image = branding_image(institute_id, "logo")
    return data_uri(*image) if image else None


def _stylesheets(institute_id: int) -> list[str]:
    """The documents' stylesheet, and the institute's white-label header colours (six hex digits,
    validated when they were set) on top."""
    sheets = [(Path(current_app.template_folder) / "pdf" / "documents.css").read_text(encoding="utf-8"),
              _page_numbers()]
    label = white_label(institute_id)
    if label and label.header_background_color:
        colour = label.header_font_color or "000000"
        sheets.append(f".brand-bar {{ background: #{label.header_background_color}; color: #{colour}; }}")
    return sheets


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_numbers() -> str:
    """The page footer's "Page 2 of 5" in the language of the moment: one text with the two numbers as
    placeholders (their order is the translator's), turned into CSS `content` with the page counters."""
    marker = "\x00"
    words = _("Page %(page)s of %(pages)s", page=marker + "page" + marker, pages=marker + "pages" + marker)
    parts = [f"counter({part})" if index % 2 else _css_string(part)
             for index, part in enumerate(words.split(marker)) if part]
    # A certificate is one page: no number.
    return (f"@page {{ @bottom-right {{ content: {' '.join(parts)}; }} }}"
            " @page certificate { @bottom-right { content: none; } }")


def render_pdf(html: str, institute_id: int) -> bytes:
    """A PDF of `html` with its formulas drawn; nothing outside the document itself (and its data: URIs) is read."""
    fetcher = DataOnlyFetcher()
    return HTML(string=typeset_math(html), base_url=None, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=sheet, url_fetcher=fetcher) for sheet in _stylesheets(institute_id)])


# The report --------------------------------------------------------------------------------------------

def sitting_by_report_key(key: str) -> Sitting:
    """The finished sitting behind a shared report link, else NotFound."""
    key = str(key or "")
    sitting = None
    if 0 < len(key) <= MAX_KEY_LENGTH:
        # With what the reader's language and the page need: a kept PDF is served on this one query.
        sitting = db.session.scalar(select(Sitting).where(Sitting.report_key == key).options(
            joinedload(Sitting.exam).joinedload(Exam.institute), joinedload(Sitting.candidate)))
    if sitting is None or sitting.status != SittingStatus.EXAM_FINISHED:
        raise NotFound("Report")
    return sitting


def report_by_key(key: str) -> SittingResult:
    """The result behind a shared report link."""
    return result_of(sitting_by_report_key(key))


def reader_language(sitting: Sitting) -> str:
    """The language a report or certificate reads in for the candidate (unless the page's reader chose
    another, or is staff with their own): the one we write to them in."""
    return language_to_write_in(sitting.exam, sitting.candidate.language)


def answers_shown(sitting: Sitting, for_staff: bool) -> bool:
    """The report's answers part (every item, the candidate's answer, the key and the marks): always in
    staff's own PDF, in the report shared with the candidate only when the assessment says so."""
    return for_staff or sitting.exam.assessment.show_answers_in_report


def report_html(result: SittingResult, template: str = "reports/report.html", *, for_staff: bool = False,
                generated_at: datetime | None = None) -> str:
    """The report as a web page (the shared link) or, with `pdf/report.html`, as the PDF's source, which
    says when it was `generated_at`. A result not released yet shows as pending, one withheld by a
    proctoring violation as withheld, either without marks or answers (webapp/results/release.py)."""
    sitting = result.sitting
    certificate = result.certificate if result.certificate and result.certificate.is_valid else None
    state = release.result_state(sitting)
    # Documents and the shared page fetch nothing but data: URIs: the items' pictures are embedded.
    return media_for_documents(sitting.institute_id, render_template(
        template, result=result, withheld=state == "withheld", pending=state == "pending", sitting=sitting,
        exam=sitting.exam, institute=sitting.exam.institute, candidate=sitting.candidate,
        assessment=sitting.exam.assessment, summary=result.summary, certificate=certificate,
        logo=_logo_uri(sitting.institute_id), label=white_label(sitting.institute_id), generated_at=generated_at,
        zone=parse_time_zone(sitting.exam.time_zone),
        verify_url=links.verify_url(certificate.code) if certificate else None,
        answers=result.answers if answers_shown(sitting, for_staff) else []))


def report_pdf(result: SittingResult, *, for_staff: bool = False) -> bytes:
    return render_pdf(report_html(result, "pdf/report.html", for_staff=for_staff, generated_at=utcnow()),
                      result.sitting.institute_id)


def kept_report_pdf(sitting: Sitting) -> bytes | None:
    """The shared report's PDF (Mettl's pdfReport) in the page's language; None: it is being prepared."""
    return _kept(sitting, REPORT, lambda: _report_source(result_of(sitting), REPORT))


def staff_report_pdf(actor: User, sitting_id) -> tuple[bytes | None, str]:
    """The report PDF with its answers part, for staff who read results (console): the PDF (None: it is
    being prepared) and its file name."""
    sitting = finished_sitting(actor, sitting_id)
    return (_kept(sitting, REPORT_WITH_ANSWERS, lambda: _report_source(staff_result(sitting), REPORT_WITH_ANSWERS)),
            f"report-{sitting.id}-answers.pdf")


def report_filename(sitting: Sitting) -> str:
    return f"report-{sitting.id}.pdf"


# Certificates ------------------------------------------------------------------------------------------

def certificate_by_code(code: str) -> Certificate:
    certificate = by_code(code)
    if certificate is None:
        raise NotFound("Certificate")
    return certificate


def verification_qr(certificate: Certificate) -> segno.QRCode:
    """The QR code printed on the certificate: the address of its public verification page."""
    return segno.make(links.verify_url(certificate.code), error="m", micro=False)


def signature_uri(certificate: Certificate) -> str | None:
    """The signature image the certificate was issued with, as a data URI (None: it has none)."""
    image = signature_image(certificate.institute_id, certificate.signature_key)
    return data_uri(*image) if image else None


def certificate_html(certificate: Certificate) -> str:
    """An A4 landscape certificate with its wording, identifier, signatory and expiry as issued; refused
    for a revoked one (an expired one stays downloadable: it says when it expired)."""
    if not certificate.is_valid:
        raise CertificateRevoked()
    return render_template(
        "pdf/certificate.html", certificate=certificate, institute=certificate.sitting.exam.institute,
        logo=_logo_uri(certificate.institute_id), signature=signature_uri(certificate),
        verify_url=links.verify_url(certificate.code),
        qr=verification_qr(certificate).svg_data_uri(scale=4, border=2, dark="#000000"))


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_pdf(certificate_html(certificate), certificate.institute_id)


def kept_certificate_pdf(certificate: Certificate) -> bytes | None:
    """The certificate's PDF in the page's language (refused for a revoked one); None: it is being prepared."""
    if not certificate.is_valid:
        raise CertificateRevoked()
    return _kept(certificate.sitting, CERTIFICATE, lambda: _certificate_source(certificate))


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


# Kept PDFs ---------------------------------------------------------------------------------------------

# A sitting's documents kept as PDFs, each in the languages it was read in (storage's kinds of document).
REPORT = "report"                         # the shared report (Mettl's pdfReport)
REPORT_WITH_ANSWERS = "report_answers"    # staff's, always with the answers part
CERTIFICATE = "certificate"
DOCUMENTS = (REPORT, REPORT_WITH_ANSWERS, CERTIFICATE)


@dataclass(frozen=True)
class _Source:
    """What a document's PDF is made of: its HTML but for the moment it was generated, which its digest is
    of, and how to render it."""

    html: str
    render: Callable[[], bytes]

    def key(self, wanted: storage.WantedDocument) -> str:
        digest = hashlib.sha256()
        for part in (self.html, *_stylesheets(wanted.institute_id)):
            digest.update(part.encode("utf-8") + b"\x00")
        return storage.document_key(wanted, digest.hexdigest())


def _report_source(result: SittingResult, document: str) -> _Source:
    for_staff = document == REPORT_WITH_ANSWERS
    return _Source(report_html(result, "pdf/report.html", for_staff=for_staff),
                   lambda: report_pdf(result, for_staff=for_staff))


def _certificate_source(certificate: Certificate) -> _Source:
    html = certificate_html(certificate)
    return _Source(html, lambda: render_pdf(html, certificate.institute_id))


def _kept(sitting: Sitting, document: str, source: Callable[[], _Source]) -> bytes | None:
    """The document's PDF in the page's language. With PDF_RENDERING "request", checked against what it
    shows now and rendered here when it changed. Else the latest render, which the worker checks afresh
    after the download (the next download gets a changed one); with none kept, None, and the worker
    renders it. Its own result changing removes a sitting's renders (`forget_documents`)."""
    wanted = storage.WantedDocument(sitting.institute_id, sitting.id, document, str(get_locale()))
    if current_app.config["PDF_RENDERING"] == "request":
        made = source()
        key = made.key(wanted)
        return storage.read_document(key) or storage.keep_document(key, made.render())
    latest = storage.latest_document(wanted)
    storage.want_document(wanted)
    return storage.read_document(latest) if latest else None


def _valid_certificate(sitting: Sitting) -> Certificate | None:
    certificate = certificate_of(sitting)
    return certificate if certificate is not None and certificate.is_valid else None


def forget_documents(sitting: Sitting, **_event) -> None:
    """A sitting's result changed: once the change is committed, its kept PDFs go (a download gets what it
    shows now; a render under way at that moment is checked again) and, a released result, its report and
    certificate are rendered ahead in the candidate's language, so that most downloads find them kept."""
    ahead = []
    if sitting.released_at is not None and current_app.config["PDF_RENDERING"] != "request":
        ahead = [storage.WantedDocument(sitting.institute_id, sitting.id, document, reader_language(sitting))
                 for document in ((REPORT, CERTIFICATE) if _valid_certificate(sitting) else (REPORT,))]
    institute_id, sitting_id = sitting.institute_id, sitting.id

    def after_commit(_session) -> None:
        storage.remove_documents(institute_id, sitting_id)
        for wanted in ahead:
            storage.want_document(wanted)

    # After the commit: a render of the result as it was before cannot slip in between.
    event.listen(db.session(), "after_commit", after_commit, once=True)


def _wanted_source(wanted: storage.WantedDocument) -> _Source | None:
    sitting = db.session.get(Sitting, wanted.sitting_id)
    if sitting is None or sitting.institute_id != wanted.institute_id or sitting.status != SittingStatus.EXAM_FINISHED:
        return None
    if wanted.kind == CERTIFICATE:
        certificate = _valid_certificate(sitting)
        return _certificate_source(certificate) if certificate else None
    # Staff's report holds the conversation with the proctors; the candidate's never does.
    result = staff_result(sitting) if wanted.kind == REPORT_WITH_ANSWERS else result_of(sitting)
    return _report_source(result, wanted.kind)


def _render_wanted(wanted: storage.WantedDocument) -> bool:
    """Render a wanted document as it is now, unless it is kept already or gone; True if it was rendered."""
    if wanted.kind not in DOCUMENTS or wanted.language not in LANGUAGES:
        return False
    with force_locale(wanted.language):
        source = _wanted_source(wanted)
        if source is None:
            return False
        key = source.key(wanted)
        if storage.has_document(key):
            return False
        storage.keep_document(key, source.render())
    return True


def render_wanted_documents(seconds: float = RENDER_SECONDS_PER_POLL) -> int:
    """The worker's periodic job: render the wanted documents one at a time, oldest first, until `seconds`
    have passed (one at least). Returns how many it rendered."""
    deadline, rendered = time.monotonic() + seconds, 0
    for wanted in storage.wanted_documents():
        if not storage.take_wanted_document(wanted):
            continue     # another worker took it
        try:
            rendered += _render_wanted(wanted)
            # Read the next one afresh: no transaction (nor its snapshot) is held from one render to the next.
            db.session.commit()
        except OperationalError:
            raise
        except Exception:
            db.session.rollback()
            # Asked again by the next download; the others need not wait for this one.
            log.exception("Document %s not rendered", wanted.name)
        if time.monotonic() >= deadline:
            break
    return rendered


class CertificateStatus(Labelled, enum.StrEnum):
    ALL = "all"
    VALID = "valid"
    REVOKED = "revoked"


labels(CertificateStatus, {
    CertificateStatus.ALL: _l('All'),
    CertificateStatus.VALID: _l('Valid'),
    CertificateStatus.REVOKED: _l('Revoked'),
})


def certificate_list(actor: User, *, search: str = "", status: str = "all", page: int = 1, per_page: int = 25):
    """The institute's certificates, newest first, by part of the candidate's name or of the code."""
    require(actor, Permission.VIEW_RESULTS)
    status = parse_enum(CertificateStatus, status or "all", "status", _("status"))
    query = select(Certificate).where(Certificate.institute_id == actor.institute_id)
    if status == CertificateStatus.VALID:
        query = query.where(Certificate.revoked_at.is_(None))
    elif status == CertificateStatus.REVOKED:
        query = query.where(Certificate.revoked_at.is_not(None))
    search = " ".join((search or "").split())
    if search:
        query = query.where(or_(func.lower(Certificate.candidate_name).contains(search.lower(), autoescape=True),
                                Certificate.code.contains(search.replace(" ", "").upper(), autoescape=True)))
    return db.paginate(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc()), page=page,
                       per_page=per_page, error_out=False)
