"""Small helpers that keep the console views thin."""
from __future__ import annotations

from typing import Callable, TypeVar
from urllib.parse import urlsplit

from flask import make_response, render_template, request
from flask_wtf import FlaskForm

from webapp.database import MAX_ID
from webapp.errors import DomainError
from webapp.extensions import db

T = TypeVar("T")


def safe_next_url(target: str | None, default: str) -> str:
    """Only a path on this site: never another host, scheme or a protocol-relative '//host'."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


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
