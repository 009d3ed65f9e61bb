"""Input rules that every door shares: the guard at the edge, which refuses what no field may hold
before any view runs (multi-line text such as stems, essays and answers keeps its tabs and line
breaks, and nothing else of the control characters), the single-line rule that services apply
to names and the like they store, and the multi-line one for messages."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound

from webapp.core.database import RecordId
from webapp.core.errors import ValidationError

# C0 control characters, DEL and lone surrogates: no text anyone types holds them, PostgreSQL refuses
# NUL and no database encoding takes a lone surrogate.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# The same, but for the tab and line breaks that multi-line text (stems, essays, answers) keeps.
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# No path segment or query parameter of this application is longer: a longer one is a probe.
MAX_URL_VALUE = 1000


def single_line(value: str | None, label: str, *, field: str | None = None, max_length: int | None = None,
                code: str | None = None) -> str:
    """A name or other one-line text without its surrounding spaces, or a ValidationError: a line break
    in a name would break every e-mail header made from it; a value longer than its column holds is
    refused here rather than by the database."""
    value = (value or "").strip()
    if _CONTROL.search(value):
        raise ValidationError(_("%(label)s must be a single line without control characters.", label=label),
                              field=field, code=code)
    if max_length is not None and len(value) > max_length:
        raise ValidationError(_("%(label)s is longer than %(num)d characters.", label=label, num=max_length),
                              field=field, code=code)
    return value


def multi_line(value: str | None, label: str, *, field: str, max_length: int) -> str:
    """A message or other text of several lines, without its surrounding spaces, or a ValidationError: it
    keeps its tabs and line breaks and nothing else of the control characters."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("Please write something."), field=field)
    if _CONTROL_BUT_LAYOUT.search(value):
        raise ValidationError(_("%(label)s must not hold control characters.", label=label), field=field)
    if len(value) > max_length:
        raise ValidationError(_("%(label)s is longer than %(num)d characters.", label=label, num=max_length),
                              field=field)
    return value


def normalise_email(email: str, field: str = "email") -> str:
    """The one rule for an e-mail address, wherever it is given (staff, candidates, institutes, both APIs)."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationError(_("Invalid e-mail address: %(reason)s", reason=error), field=field) from None


def web_address(value: str | None, label: str, *, field: str, code: str | None = None) -> str:
    """The one rule for an address the platform calls or links to (a website, a callback): a full http://
    or https:// address, or nothing."""
    value = (value or "").strip()
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(_("Invalid %(label)s: give a full http:// or https:// address.", label=label),
                                  code=code, field=field)
    return value


def accepts_up_to(max_bytes: int):
    """A view that takes larger requests than MAX_CONTENT_LENGTH (a file sent as an answer): the limit is
    raised for it alone, before anything reads the body."""
    def mark(view):
        view.max_content_length = max_bytes
        return view
    return mark


def _refuse_hostile_input() -> None:
    """Path values name no record when they hold a control character or are over-long (404); query,
    form and JSON values with one are refused (400), in the shape of the door asked (errors.py)."""
    larger = getattr(current_app.view_functions.get(request.endpoint), "max_content_length", None)
    if larger:
        request.max_content_length = larger
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and (_CONTROL.search(value) or len(value) > MAX_URL_VALUE):
            raise NotFound()
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name + value) or len(value) > MAX_URL_VALUE:
            raise _bad_field(name)
    for name, value in request.form.items(multi=True):
        if _CONTROL.search(name) or _CONTROL_BUT_LAYOUT.search(value):
            raise _bad_field(name)
    if request.is_json:
        check_json(request.get_json(silent=True), "body")


def check_json(node, name: str) -> None:
    """Refuse a JSON document whose text holds a control character (the guard does it for JSON bodies;
    Mettl's JSON inside form fields is checked where it is parsed)."""
    if isinstance(node, str):
        if _CONTROL_BUT_LAYOUT.search(node):
            raise _bad_field(name)
    elif isinstance(node, dict):
        for key, value in node.items():
            if _CONTROL.search(key):
                raise _bad_field(name)
            check_json(value, key)
    elif isinstance(node, list):
        for value in node:
            check_json(value, name)


def _bad_field(name: str) -> BadRequest:
    name = _CONTROL.sub("?", name)[:100]
    error = BadRequest(f"Invalid value of {name}: control characters are not allowed.")
    error.field = name
    return error


def register_input_guard(app: Flask) -> None:
    """Before the blueprints: `<int:...>` takes only ASCII digits of a record id (Unicode digits like
    '٣' would read as 3, and larger numbers overflow the id columns), and every request passes the guard
    before any view or API authentication runs."""
    app.url_map.converters["int"] = RecordId
    app.before_request(_refuse_hostile_input)
