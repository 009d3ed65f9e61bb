"""Small helpers that keep the console views thin."""
from __future__ import annotations

from typing import Callable, TypeVar
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request
from flask_wtf import FlaskForm

from webapp.accounts.services import white_label
from webapp.core.database import MAX_ID
from webapp.core.errors import DomainError
from webapp.core.extensions import db

T = TypeVar("T")


def safe_next_url(target: str | None, default: str) -> str:
    """Only a path on this site: never another host, scheme or a protocol-relative '//host'."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# The browser's own word on where a request comes from; "none" is the person typing or bookmarking.
SAME_ORIGIN_FETCH_SITES = ("same-origin", "none")


def cross_site_request() -> bool:
    """Whether a state-changing request was sent by another site's page, judged from what the browser
    itself says, never from a cookie (as Go's CrossOriginProtection does): Sec-Fetch-Site when the
    browser sends it (every current one does, to HTTPS and localhost), else Origin against this host or
    BASE_URL's (a proxy may change the host). A request with neither comes from a script or a browser
    too old to run the test's pages: it carries no victim's authority, so it passes."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site not in SAME_ORIGIN_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    host = urlsplit(origin).netloc   # "null" (a sandboxed or privacy-stripped origin) has none: refused
    return not host or host not in (request.host, urlsplit(current_app.config.get("BASE_URL") or "").netloc)


def attempt(form: FlaskForm, action: Callable[..., T], *args, **kwargs) -> T | None:
    """Run a service call for a submitted form. A broken rule becomes an error on the form field it
    names (or on the whole form) and the half-done change is rolled back; None is returned."""
    try:
        return action(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
        else:
            form.form_errors.append(error.message)
        return None


def render(template: str, partial: str | None = None, **context):
    """Render the full page, or only its partial when htmx asks for a fragment."""
    # A history restore wants the whole page back, though htmx sends it as an htmx request.
    fragment = request.headers.get("HX-Request") and not (
        request.headers.get("HX-Boosted") or request.headers.get("HX-History-Restore-Request"))
    response = make_response(render_template(partial if partial and fragment else template, **context))
    # One URL answers with a page or a fragment: no cache may hand out one for the other.
    response.vary.add("HX-Request")
    return response


def page_number() -> int:
    """The page asked for; beyond the last page any number is an empty page, so it is held within what
    the databases' OFFSET takes."""
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_ID)
    except ValueError:
        return 1


def candidate_page(template: str, **context) -> str:
    """A page in the candidate's layout, which shows the institute's white-labelling: loaded here and
    handed to the template, never queried from it."""
    institute = context.get("institute")
    return render_template(template, label=white_label(institute.id) if institute else None, **context)
