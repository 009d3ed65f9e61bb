"""Domain errors and the one place that maps them to HTML, htmx and JSON answers."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from webapp.core.extensions import db


class DomainError(Exception):
    """A rule of the domain was broken. `code` follows Mettl's error codes where one exists."""

    status = 400
    code = "E789"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class ValidationError(DomainError):
    """Input that can never be accepted as given."""


# A sentence per record name the services give NotFound and Deleted (in English "Exam not found.",
# the words the API keeps; the console reads them in its language). Record names are nouns whose
# article and case differ by language, so each sentence is whole.
NOT_FOUND_SENTENCES = {
    "Record": _l("Record not found."), "Exam": _l("Exam not found."), "Schedule": _l("Schedule not found."),
    "Assessment": _l("Assessment not found."), "Pre-built test": _l("Pre-built test not found."),
    "Section": _l("Section not found."), "Question": _l("Question not found."), "Skill": _l("Skill not found."),
    "Image": _l("Image not found."), "Candidate": _l("Candidate not found."), "Student": _l("Student not found."),
    "Candidate registration": _l("Candidate registration not found."), "Sitting": _l("Sitting not found."),
    "Response": _l("Response not found."), "Result": _l("Result not found."), "Report": _l("Report not found."),
    "Certificate": _l("Certificate not found."), "Flag": _l("Flag not found."),
    "Snapshot": _l("Snapshot not found."), "Link": _l("Link not found."), "Test link": _l("Test link not found."),
    "Message": _l("Message not found."), "Staff member": _l("Staff member not found."),
    "Institute": _l("Institute not found."), "Media": _l("Media file not found."), "API credential": _l("API credential not found."),
    "LTI platform": _l("Learning platform not found."),
}
DELETED_SENTENCES = {"Assessment": _l("Assessment has been deleted."), "Schedule": _l("Schedule has been deleted."),
                     "Exam": _l("Exam has been deleted.")}


class NotFound(DomainError):
    """The record does not exist, or belongs to another institute (never said apart)."""

    status = 404
    code = "E001"

    def __init__(self, what: str = "Record", **kwargs):
        sentence = NOT_FOUND_SENTENCES.get(what)
        super().__init__(str(sentence) if sentence else _("%(what)s not found.", what=what), **kwargs)
        self.what = what


class Deleted(NotFound):
    """The record existed and was deleted (Mettl's E007 and E008)."""

    def __init__(self, what: str, **kwargs):
        sentence = DELETED_SENTENCES.get(what)
        DomainError.__init__(self, str(sentence) if sentence else _("%(what)s has been deleted.", what=what),
                             **kwargs)
        self.what = what


class PermissionDenied(DomainError):
    """The user's role does not allow the action."""

    status = 403
    code = "E403"


class Conflict(DomainError):
    """The action clashes with the current state (a name taken, a record in use)."""

    status = 409


class IllegalTransition(Conflict):
    """A state machine was asked for a move it does not allow."""


def parse_enum(enum_class, value, field: str, label: str):
    """The enum member for a value from outside, or a ValidationError naming the allowed values."""
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        raise ValidationError(_("Invalid %(label)s '%(value)s'; use one of %(allowed)s.", label=label, value=value,
                                allowed=allowed), field=field) from None


METTL_PREFIX = "/v1/"
EURO_PREFIX = "/api/v1/"
# Mettl's codes for errors raised before a view runs (routing, size, rate limit) or by nothing in
# particular (an unexpected error shows as "service unavailable", Mettl's nearest).
METTL_HTTP_CODES = {400: "E400", 401: "E401", 403: "E403", 404: "E404", 405: "E405", 408: "E408", 413: "E400",
                    429: "E509", 500: "E503", 503: "E503"}
# The EURO PRUEFSTER shape names the kind of error beside the HTTP status (documented in its OpenAPI file).
EURO_ERROR_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 429: "too_many_requests",
                    500: "internal_error", 503: "unavailable"}


# What the EURO PRUEFSTER dialect calls the records the services name, for its not-found errors: each
# with a code of its own (`student_session_not_found`), in the API's words, never "sitting".
EURO_RECORD_NAMES = {"Exam": "exam", "Schedule": "exam", "Sitting": "student session",
                     "Candidate registration": "student session", "Student": "student", "Candidate": "student",
                     "Staff member": "user"}


def _euro_not_found(error: NotFound) -> tuple[str, str]:
    """The code and message of a not-found error in the EURO PRUEFSTER dialect."""
    name = EURO_RECORD_NAMES.get(error.what, error.what.lower())
    return f"{name.replace(' ', '_')}_not_found", f"{name[:1].upper()}{name[1:]} not found."


def wants_json() -> bool:
    return request.path.startswith((METTL_PREFIX, "/api/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _api_request() -> bool:
    return request.path.startswith((METTL_PREFIX, EURO_PREFIX))


# The Mettl API's own message for each of its codes with one fixed text (sections 2 to 9): an integrator
# may compare them. Our more precise words go in the additive `detail`. Codes whose text names what was
# wrong (E003, E013, E014, E015, E034, E70x, E789) keep the message, which follows the spec's pattern.
METTL_MESSAGES = {
    "E001": "Invalid Assessment Id", "E002": "Invalid Access Key", "E004": "Invalid format for email-id",
    "E005": "Test is in progress, cannot be deleted", "E006": "Report does not exist",
    "E007": "Assessment Id deleted", "E008": "Schedule deleted", "E009": "Invalid Email",
    "E010": "Request data too big", "E016": "Invalid Support Number(s)", "E017": "Invalid Support Number count",
    "E019": "Schedule name already exists", "E020": "Invalid schedule type/Schedule window",
    "E022": "Invalid Assessment settings parameters",
    "E400": "Request was not well-formed/Invalid parameters supplied.",
    "E401": "Authentication failed/Signature mismatch",
    "E403": "Access denied. The API key is not authorized for requested resource/action.",
    "E404": "Requested resource not found.", "E405": "HTTP Method not allowed for this API Request",
    "E408": "Request Timed out", "E422": "Signature expired.", "E503": "API Service is currently unavailable",
    "E504": "Invalid Timestamp", "E509": "Rate limit exceeded",
}


def json_error(status: int, code: str, message: str, field: str | None = None):
    """An error in the shape of the dialect the request speaks: EURO PRUEFSTER's under /api/v1/,
    Mettl's everywhere else (the /v1/ API, with the spec's messages, and console requests that ask
    for JSON)."""
    if request.path.startswith(EURO_PREFIX):
        body = {"error": {"status": status, "type": EURO_ERROR_TYPES.get(status, "error"), "code": code,
                          "message": message, "field": field}}
    elif request.path.startswith(METTL_PREFIX) and code in METTL_MESSAGES:
        body = {"status": "error", "error": {"code": code, "message": METTL_MESSAGES[code], "detail": message}}
    else:
        body = {"status": "error", "error": {"code": code, "message": message}}
    return jsonify(body), status


def _http_error_code(status: int) -> str:
    return METTL_HTTP_CODES.get(status, f"E{status}") if _api_request() else f"E{status}"


def _same_site_referrer() -> str:
    """Back to the page the action came from, only if that page is on this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.scheme not in ("http", "https"):
        return "/"
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def _matching_methods(methods) -> list[str]:
    """Those of `methods` with which the request's URL really matches a route. Werkzeug offers the methods of
    every route whose path matches before its converters have read the URL, so an id out of range (not
    found) would otherwise answer 405 and offer methods that are 404 too."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    matching = []
    for method in methods:
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        matching.append(method)
    return matching


# What a person reads for the HTTP errors no view raises itself (Werkzeug's pages are English only).
HTTP_ERROR_MESSAGES = {
    405: _l("This address does not take that kind of request."),
    408: _l("The request took too long. Please try again."),
    413: _l("What you sent is too large."),
    415: _l("This kind of content is not accepted here."),
}


def error_page(status: int, message: str, **context):
    """The error as a page, or as the fragment htmx swaps in where the page's part would have gone."""
    fragment = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    template = "errors/_error.html" if fragment else "errors/error.html"
    return render_template(template, status=status, message=message, **context), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # Whatever the failing service had changed is dropped, even though the answer is a redirect.
        db.session.rollback()
        if request.path.startswith(EURO_PREFIX) and isinstance(error, NotFound):
            return json_error(error.status, *_euro_not_found(error), error.field)
        if wants_json():
            return json_error(error.status, error.code, error.message, error.field)
        if error.status in (403, 404):
            return error_page(error.status, error.message)
        # A rule broken by a console action that the view did not turn into an inline form error.
        flash(error.message, "error")
        return redirect(_same_site_referrer())

    @app.errorhandler(404)
    def not_found(_error):
        if wants_json():
            return json_error(404, _http_error_code(404), "Not found.")
        return error_page(404, _("Page not found."))

    @app.errorhandler(405)
    def method_not_allowed(error: MethodNotAllowed):
        allowed = _matching_methods(error.valid_methods or ())
        if not allowed:
            return not_found(error)
        return other_http_error(MethodNotAllowed(allowed, description=error.description))

    @app.errorhandler(429)
    def too_many(error):
        # A limit with words of its own (how long to wait for a password reset) says them.
        own_words = getattr(getattr(error, "limit", None), "error_message", None)
        message = ("Rate limit exceeded: please slow down." if _api_request() else
                   error.description if own_words else _("Too many attempts. Please wait a minute and try again."))
        if wants_json():
            return json_error(429, _http_error_code(429), message)
        return error_page(429, message)

    @app.errorhandler(CSRFError)
    def form_expired(error):
        """A form sent with a missing or stale token (left open across a restart, or from another tab)."""
        message = _("This form has expired. Reload the page and send the form again; what you typed may need "
                    "typing again.")
        if wants_json():
            return json_error(400, _http_error_code(400), message)
        return error_page(400, message, title=_("This form has expired"), back=_same_site_referrer())

    @app.errorhandler(InternalServerError)
    def server_error(error):
        """Any unexpected error, in the API's shape or as a branded page that says what to do."""
        if wants_json():
            return json_error(500, _http_error_code(500), "Internal server error.")
        return render_template("errors/500.html", back=_same_site_referrer()), 500

    @app.errorhandler(400)
    def bad_request(error):
        message = getattr(error, "description", None) or _("Bad request.")
        if wants_json():
            return json_error(400, _http_error_code(400), message, getattr(error, "field", None))
        return error_page(400, message)

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException):
        """Method not allowed, request too large: in the API's shape, or as a page in the reader's
        language (with the error's own headers: a 405's Allow)."""
        if not wants_json():
            body, status = error_page(error.code, str(HTTP_ERROR_MESSAGES.get(error.code, error.name)))
            return body, status, [header for header in error.get_headers() if header[0] != "Content-Type"]
        response, status = json_error(error.code, _http_error_code(error.code), error.description or error.name)
        # The error's own headers stay (a 405's Allow lists the methods the URL does take).
        response.headers.extend((name, value) for name, value in error.get_headers() if name != "Content-Type")
        return response, status
