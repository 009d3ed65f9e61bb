"""Each request commits once, before its response and flash are final.

Services only flush. The commit happens right after the view has returned its answer and before Flask
finalises it, inside the part of the request whose errors go to the error handlers: a commit the
database refuses (a foreign key or unique violation from a concurrent change, a database gone away)
becomes a domain error, answered like any other (a flash, or the API's error shape), and the success
message the view had flashed is withdrawn with the change it announced.
"""
from __future__ import annotations

import logging

from flask import Flask, message_flashed, request, session
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from webapp.core.errors import Conflict, DomainError
from webapp.core.extensions import db

log = logging.getLogger(__name__)



class NotSaved(DomainError):
    """The database could not commit the request's change (unavailable, or it failed): try again."""

    status = 503
    code = "E503"


class UnitOfWorkFlask(Flask):
    """Flask whose requests commit what the view changed before the response leaves the view's hands."""

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
        except OperationalError as error:
            # The database went away under the view (a restart drops the pooled connections, which are not
            # pinged before each use): nothing was saved, the page may try again, and the pool reconnects.
            db.session.rollback()
            log.warning("Database unavailable: %s", error.orig)
            raise _unavailable() from error
        if response.status_code >= 400:
            db.session.rollback()
        else:
            commit_request()
        return response


def commit_request() -> None:
    """Commit the request's change, or roll it back, withdraw this request's flashes and raise a
    domain error that says why nothing was saved."""
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        _withdraw_flashes()
        if not isinstance(error, SQLAlchemyError):
            raise
        log.warning("Commit refused by the database: %s", getattr(error, "orig", None) or error)
        if isinstance(error, (IntegrityError, StaleDataError)):
            # Another request changed the same records in the meantime (the service's checks passed).
            raise Conflict(_("The change could not be saved, and nothing was changed. It clashes with a change "
                             "made at the same time: reload the page and try again.")) from error
        raise _unavailable() from error


def _unavailable() -> NotSaved:
    return NotSaved(_("The change could not be saved, and nothing was changed. The database is unavailable: "
                      "please try again."))


FLASHES_BEFORE = "proctora.flashes_before"


def _note_flash(_app, **_message) -> None:
    # How many flashes were waiting (from earlier requests) before this request's first one; kept with
    # the request itself, since an application context may outlive one request.
    request.environ.setdefault(FLASHES_BEFORE, len(session.get("_flashes", [])) - 1)


def _withdraw_flashes() -> None:
    if FLASHES_BEFORE in request.environ:
        session["_flashes"] = session["_flashes"][:request.environ.pop(FLASHES_BEFORE)]


def register_unit_of_work(app: Flask) -> None:
    message_flashed.connect(_note_flash, app)
