"""The app's wiring: the application factory, and the one place that registers what the floors below
cannot know of each other: blueprints, the worker's periodic jobs, the outbox's delivery handlers and the
domain events' subscribers (see the README's map of the code)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask_babel import lazy_gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.accounts.credentials import prune_now_and_then
from webapp.accounts.services import load_user
from webapp.api.docs import blueprint as api_docs
from webapp.api.euro_v1.views import blueprint as euro_v1
from webapp.api.mettl_v1.views import blueprint as mettl_v1
from webapp.assessments.services import refuse_deleting_a_used_question
from webapp.audit.services import record_accounts_change
from webapp.bank import imports
from webapp.bank.formats import gift, moodle_xml, qti, qti_export, spreadsheet
from webapp.bank.interchange import Format, register_format
from webapp.bank.rendering import blank_boxes
from webapp.bank.services import answer_file_kinds
from webapp.candidate.branding import blueprint as branding
from webapp.candidate.views import blueprint as candidate
from webapp.cli import register_cli
from webapp.console.accounts.views import blueprint as accounts
from webapp.console.assessments.views import blueprint as assessments
from webapp.console.audit.views import blueprint as audit
from webapp.console.branding.views import blueprint as branding_console
from webapp.console.bank.import_views import blueprint as bank_imports
from webapp.console.bank.views import blueprint as bank
from webapp.console.candidates.views import blueprint as candidates
from webapp.console.credentials.views import blueprint as api_console
from webapp.console.exams.views import blueprint as exams
from webapp.console.lti.views import blueprint as lti_console
from webapp.console.notifications.views import blueprint as notifications
from webapp.console.proctoring.views import blueprint as proctoring
from webapp.console.reports.views import blueprint as reports
from webapp.console.results.analysis_views import blueprint as analysis
from webapp.console.results.calibration_views import blueprint as calibration_console
from webapp.console.results.grading_views import blueprint as grading
from webapp.console.results.views import blueprint as results
from webapp.core import config as config_module
from webapp.core import events
from webapp.core.database import configure_engine
from webapp.core.errors import register_error_handlers
from webapp.core.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from webapp.core.i18n import COMPILED, compile_catalogues
from webapp.core.jobs import register_periodic_job
from webapp.core.permissions import Permission, can
from webapp.core.serving import register_load_shedding
from webapp.core.unit_of_work import UnitOfWorkFlask, register_unit_of_work
from webapp.core.validation import register_input_guard
from webapp.exams.services import refuse_deleting_a_used_assessment
from webapp.health import blueprint as health
from webapp.lti import grades, roster
from webapp.lti.calls import deliver_platform_call
from webapp.lti import proctored as lti_proctoring
from webapp.lti.services import frame_origins, purge_used_nonces, sitting_frame_origins
from webapp.lti_door.views import blueprint as lti
import webapp.models  # noqa: F401  (every table known before the first query)
from webapp.notifications.models import MessageKind
from webapp.notifications.services import register_delivery_handler
from webapp.notifications.worker import register_deliverer
from webapp.proctoring.services import purge_old_images, register_platform_views
from webapp.reports.services import forget_documents, render_wanted_documents
from webapp.results import calibration, release, rescoring
from webapp.sittings.reminders import queue_due_reminders
from webapp.sittings.services import delete_registrations, on_invitation_delivered, refuse_changing_a_started_exam
from webapp.sittings.taking import close_overdue_sittings
from webapp.web.language import (install_page_translations, select_language, select_time_zone, start_request,
                                 template_helpers)

ROOT = Path(__file__).resolve().parent.parent

# Strict: no inline script or style anywhere, so a script smuggled into a question can never run. No other
# site may frame a page, but a registered learning platform its LTI pages (_frame_ancestors).
CONTENT_SECURITY_POLICY_FORMAT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors {frame_ancestors}; base-uri 'self'; "
    "form-action {form_action}; object-src 'none'"
)
CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY_FORMAT.format(frame_ancestors="'none'", form_action="'self'")


def _instance_secret_key(instance_path: str) -> str:
    """Generate SECRET_KEY once into the instance folder; every worker then reads the same key."""
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    app = UnitOfWorkFlask(
        "webapp",
        instance_path=os.environ.get("PROCTORA_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(
        # No ping before each use of a pooled connection (a round trip on every request): a connection the
        # database dropped fails its request with a 503 (unit_of_work), the pool is then renewed, and the
        # candidate's page sends again what was not acknowledged.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False},
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    if app.config["TRUSTED_PROXIES"]:
        # The address, scheme and host the client used: for the Mettl signature's URL, links, exams'
        # IP restrictions and rate limits. Only as many hops as the operator trusts are read.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    register_error_handlers(app)
    register_input_guard(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_security_headers(app)
    register_unit_of_work(app)
    register_load_shedding(app)
    register_cli(app)
    _wire_the_floors()
    return app


def _wire_the_floors() -> None:
    """Where a lower floor announces and a higher one acts (idempotent: every app registers the same)."""
    register_periodic_job(close_overdue_sittings)
    register_periodic_job(queue_due_reminders)
    register_periodic_job(purge_old_images)
    register_periodic_job(prune_now_and_then)
    register_periodic_job(purge_used_nonces)
    register_periodic_job(rescoring.run_rescores)
    register_periodic_job(imports.run_imports)
    register_periodic_job(calibration.run_calibrations)
    register_periodic_job(imports.drop_stale_checks)
    register_periodic_job(render_wanted_documents)
    register_periodic_job(roster.run_roster_imports)
    register_delivery_handler("sitting_mail_sent", on_invitation_delivered)
    register_delivery_handler(grades.LINE_ITEM_CREATED, grades.on_line_item_created)
    register_deliverer(MessageKind.PLATFORM_CALL, deliver_platform_call)
    register_delivery_handler(lti_proctoring.DELIVERY_HANDLER, lti_proctoring.record_answer)
    events.proctor_acted.connect(lti_proctoring.tell_platform)
    register_platform_views(sitting=lti_proctoring.session_of, page=lti_proctoring.platform_answers)
    events.accounts_changed.connect(record_accounts_change)
    events.sitting_graded.connect(release.follow_grading)
    events.review_changed.connect(release.follow_review)
    events.result_changed.connect(forget_documents)
    events.result_changed.connect(grades.follow_result)
    events.question_deleting.connect(refuse_deleting_a_used_question)
    events.assessment_deleting.connect(refuse_deleting_a_used_assessment)
    events.exam_changing.connect(refuse_changing_a_started_exam)
    events.exam_deleting.connect(delete_registrations)
    register_format(Format(name="qti", label=qti.LABEL, detect=qti.detect, parse=qti.parse, write=qti_export.write))
    register_format(Format("moodle", lazy_gettext("Moodle XML"), moodle_xml.detect, moodle_xml.parse, moodle_xml.write))
    register_format(Format("gift", lazy_gettext("GIFT (Moodle)"), gift.detect, gift.parse))
    # Formats are tried in this order when a file's is detected: the spreadsheets last (by their extension).
    register_format(spreadsheet.CSV)
    register_format(spreadsheet.XLSX)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    # Built from the `.po` files when one changed, so a fresh checkout reads every language at once.
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(COMPILED))
    babel.init_app(app, locale_selector=select_language, timezone_selector=select_time_zone)
    install_page_translations(app.jinja_env)
    app.before_request(start_request)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    for blueprint in (health, accounts, bank, bank_imports, assessments, exams, candidates, notifications, candidate, api_console,
                      api_docs, branding, branding_console, mettl_v1, euro_v1, proctoring, results, grading, analysis, calibration_console, reports, audit,
                      lti, lti_console):
        app.register_blueprint(blueprint)
    # The API authenticates each request by its signature or token, never by a session cookie.
    csrf.exempt(mettl_v1)
    csrf.exempt(euro_v1)


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, Permission=Permission, platform_actions=lti_proctoring.offered,
                                 platform_controls=lti_proctoring.platform_controls, **template_helpers())
    app.jinja_env.filters["blank_boxes"] = blank_boxes
    app.jinja_env.filters["answer_file_kinds"] = answer_file_kinds


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        ancestors = _frame_ancestors(response)
        if ancestors:
            # Where the LTI deep linking answer posts itself: the platform's return address.
            form_action = " ".join(["'self'", *filter(None, [_origin(g.get("lti_form_action"))])])
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY_FORMAT.format(
                frame_ancestors=" ".join(ancestors), form_action=form_action))
        else:
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Console pages, exports and reports carry personal data: no copy may stay in a shared computer's
        # or a proxy's cache. What may be cached (static files, public branding) says so itself.
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _frame_ancestors(response) -> list[str]:
    """The registered learning platforms that may frame this answer: any, for the LTI door's pages; those of
    the sitting's institute, for a candidate's page (what a learner's launch opens). None for the rest, and
    none for a redirect: a browser checks the frame's ancestors on the page it shows, not on the way there (so
    a synchronized Start, which redirects, costs no lookup)."""
    if response.mimetype != "text/html" or 300 <= response.status_code < 400:
        return []
    if request.blueprint == "lti":
        return frame_origins()
    token = (request.view_args or {}).get("token")
    if request.blueprint == "candidate" and isinstance(token, str):
        return sitting_frame_origins(token)
    return []
