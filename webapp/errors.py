"""Domain errors and the one place that maps them to HTML, htmx and JSON answers."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, render_template, request

from webapp.extensions import db


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


class NotFound(DomainError):
    """The record does not exist, or belongs to another institute (never said apart)."""

    status = 404
    code = "E001"

    def __init__(self, what: str = "Record", **kwargs):
        super().__init__(f"{what} not found.", **kwargs)


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
        raise ValidationError(f"Invalid {label} {value!r}; use one of {allowed}.", field=field) from None


def wants_json() -> bool:
    return request.path.startswith(("/v1/", "/api/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _same_site_referrer() -> str:
    """Back to the page the action came from, only if that page is on this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.scheme not in ("http", "https"):
        return "/"
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # Whatever the failing service had changed is dropped, even though the answer is a redirect.
        db.session.rollback()
        if wants_json():
            body = {"status": "error", "error": {"code": error.code, "message": error.message}}
            return jsonify(body), error.status
        if error.status in (403, 404):
            return render_template("errors/error.html", status=error.status, message=error.message), error.status
        # A rule broken by a console action that the view did not turn into an inline form error.
        flash(error.message, "error")
        return redirect(_same_site_referrer())

    @app.errorhandler(404)
    def not_found(_error):
        if wants_json():
            return jsonify({"status": "error", "error": {"code": "E404", "message": "Not found."}}), 404
        return render_template("errors/error.html", status=404, message="Page not found."), 404

    @app.errorhandler(429)
    def too_many(error):
        message = "Too many attempts. Please wait a minute and try again."
        if wants_json():
            return jsonify({"status": "error", "error": {"code": "E429", "message": message}}), 429
        return render_template("errors/error.html", status=429, message=message), 429

    @app.errorhandler(400)
    def bad_request(error):
        message = getattr(error, "description", None) or "Bad request."
        if wants_json():
            return jsonify({"status": "error", "error": {"code": "E400", "message": message}}), 400
        return render_template("errors/error.html", status=400, message=message), 400
