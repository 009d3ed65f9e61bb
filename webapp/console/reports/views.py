"""Reports and certificates: the shared HTML and PDF report, certificate PDFs, the public verification
page and the console's certificate list with revocation.

The report and verification pages are public (no login): a report is reached only through its
unguessable key, a check photo through the unguessable link the Mettl API hands out, a certificate
through its code. They use the candidate's layout, without staff
navigation, and are kept out of search engines."""
from __future__ import annotations

from io import BytesIO

from flask import (Blueprint, Response, abort, flash, make_response, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.console.reports.forms import CertificateSettingsForm
from webapp.core.extensions import limiter
from webapp.core.permissions import Permission, require
from webapp.proctoring import services as proctoring
from webapp.reports import services
from webapp.results import certificates
from webapp.web import attempt, candidate_page, page_number, render, safe_next_url
from webapp.web.language import read_page_in

blueprint = Blueprint("reports", __name__)

# People type or scan a code now and then; the limit only slows down someone trying codes in bulk.
VERIFY_RATE_LIMIT = "60 per minute"
verify_limit = limiter.shared_limit(VERIFY_RATE_LIMIT, scope="verify")


# Seconds before the page that says a PDF is being prepared asks for it again (one render takes a fraction).
PREPARING_RETRY_SECONDS = 2


def _pdf(data: bytes | None, filename: str, institute):
    """The PDF; while the worker prepares it, a page that says so and asks again by itself (a browser by
    its refresh, a client such as curl --retry by the 503 and its Retry-After)."""
    if data is None:
        response = make_response(candidate_page("reports/preparing.html", institute=institute,
                                                retry_seconds=PREPARING_RETRY_SECONDS), 503)
        response.headers["Retry-After"] = str(PREPARING_RETRY_SECONDS)
    else:
        response = send_file(BytesIO(data), mimetype="application/pdf", download_name=filename)
        # Personal data behind a secret address: kept out of shared caches.
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# The shared report (public) ----------------------------------------------------------------------------

@blueprint.get("/reports/<key>")
def html_report(key):
    result = services.report_by_key(key)
    read_page_in(language=services.reader_language(result.sitting))
    return services.report_html(result)


@blueprint.get("/reports/<key>.pdf")
def pdf_report(key):
    sitting = services.sitting_by_report_key(key)
    read_page_in(language=services.reader_language(sitting))
    return _pdf(services.kept_report_pdf(sitting), services.report_filename(sitting), sitting.exam.institute)


@blueprint.get("/photos/<int:sitting_id>/<name>")
def check_photo(sitting_id, name):
    data, mimetype = proctoring.photo_by_link(sitting_id, name)
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/sittings/<int:sitting_id>/report.pdf")
@login_required
def staff_report_pdf(sitting_id):
    return _pdf(*services.staff_report_pdf(current_user, sitting_id), current_user.institute)


# Verification (public) ---------------------------------------------------------------------------------

@blueprint.get("/verify")
@verify_limit
def verify_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".verify", code=code))
    return candidate_page("reports/verify.html", certificate=None, code="")


@blueprint.get("/verify/<code>")
@verify_limit
def verify(code):
    certificate = certificates.by_code(code)
    institute = certificate.sitting.exam.institute if certificate else None
    return candidate_page("reports/verify.html", certificate=certificate, code=code, institute=institute,
                          signature=services.signature_uri(certificate) if certificate else None), \
        200 if certificate else 404


@blueprint.get("/verify/<code>.pdf")
@verify_limit
def certificate_pdf(code):
    certificate = services.certificate_by_code(code)
    read_page_in(language=services.reader_language(certificate.sitting))
    return _pdf(services.kept_certificate_pdf(certificate), services.certificate_filename(certificate),
                certificate.sitting.exam.institute)


# The console -------------------------------------------------------------------------------------------

@blueprint.get("/certificates")
@login_required
def certificate_list():
    search, status = request.args.get("search", ""), request.args.get("status", "all")
    page = services.certificate_list(current_user, search=search, status=status, page=page_number())
    return render("reports/certificate_list.html", "reports/_certificate_rows.html", page=page, search=search,
                  status=status, statuses=list(services.CertificateStatus))


@blueprint.post("/certificates/<int:certificate_id>/revoke")
@login_required
def revoke_certificate(certificate_id):
    certificate = certificates.revoke(current_user, certificate_id, request.form.get("reason", ""))
    flash(_("The certificate %(code)s of %(name)s is revoked.", code=certificate.code, name=certificate.candidate_name),
          "success")
    return redirect(safe_next_url(request.form.get("next"), url_for(".certificate_list")))


@blueprint.route("/settings/certificate", methods=["GET", "POST"])
@login_required
def certificate_settings():
    require(current_user, Permission.MANAGE_INSTITUTE)
    settings = certificates.certificate_settings(current_user.institute_id)
    form = CertificateSettingsForm(obj=settings, identifier=settings.identifier.value)
    if form.validate_on_submit() and attempt(form, certificates.update_certificate_settings, current_user,
                                             **form.settings()):
        flash(_("The certificate settings are saved; certificates issued before keep their own."), "success")
        return redirect(url_for(".certificate_settings"))
    return render_template("reports/certificate_settings.html", form=form, settings=settings,
                           placeholders=certificates.PLACEHOLDERS, preview=certificates.wording_preview(settings))


@blueprint.get("/settings/certificate/signature")
@login_required
def certificate_signature():
    require(current_user, Permission.MANAGE_INSTITUTE)
    image = certificates.signature_image(current_user.institute_id,
                                        certificates.certificate_settings(current_user.institute_id).signature_key)
    if image is None:
        abort(404)
    response = Response(image[0], mimetype=image[1])
    response.headers["Cache-Control"] = "private, no-store"
    return response
