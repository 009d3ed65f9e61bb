"""Serving more candidates than the machine keeps up with: the request that waited too long is answered at
once with "busy, try again" instead of joining a queue that only grows.

A web server running behind its load serves every queued request, also those its browser gave up on, so
each second behind makes the next one later. The page's own requests are retried by the page (an answer
not acknowledged stays on the device and is sent again; the clock is asked again), so such a request that
waited longer than SHED_AFTER_SECONDS is refused with a 503 and Retry-After before it costs a statement,
and the queue drains. Nothing is lost: a refused save was never acknowledged.

The wait is measured by `QueueTimedWorker`, gunicorn's threaded worker that notes when each request was
queued for a thread (`make run` and the benchmarks serve with it). Under any other server nothing is
refused."""
from __future__ import annotations

import threading
import time

from flask import Flask, current_app, request
from flask_babel import gettext as _
from gunicorn.workers.gthread import ThreadWorker

from webapp.core.errors import DomainError

WAITED = "proctora.waited"   # the environ's key: seconds the request waited in the worker's queue
RETRY_AFTER_SECONDS = 5      # what a 503 asks; the exam page resends unacknowledged answers as often
_handling = threading.local()


class QueueTimedWorker(ThreadWorker):
    """gunicorn's gthread worker that tells the app how long each request waited for a thread."""

    def enqueue_req(self, conn):
        conn.queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        _handling.queued_at = getattr(conn, "queued_at", None)
        return super().handle(conn)

    def load_wsgi(self):
        super().load_wsgi()
        app = self.wsgi

        def timed(environ, start_response):
            if getattr(_handling, "queued_at", None) is not None:
                environ[WAITED] = time.monotonic() - _handling.queued_at
            return app(environ, start_response)

        self.wsgi = timed


class Busy(DomainError):
    """The server is behind its load: the request was not served; the page tries again."""

    status = 503
    code = "E503"


def sheddable(view):
    """A view whose requests the page repeats by itself, so one that waited too long may be refused."""
    view.sheddable = True
    return view


def _shed_stale_requests() -> None:
    waited = request.environ.get(WAITED)
    if waited is None or waited <= current_app.config["SHED_AFTER_SECONDS"]:
        return
    if getattr(current_app.view_functions.get(request.endpoint), "sheddable", False):
        raise Busy(_("The server is very busy. Nothing was lost: this will be sent again in a moment."))


def _say_when_to_retry(response):
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


def register_load_shedding(app: Flask) -> None:
    # First of the request's hooks: a refused request costs no session, limiter or statement.
    app.before_request_funcs.setdefault(None, []).insert(0, _shed_stale_requests)
    app.after_request(_say_when_to_retry)
