"""Proctora: the application factory."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from webapp.core import config as config_module
from webapp.core.errors import register_error_handlers
from webapp.core.extensions import csrf, db, limiter, login_manager, mail, migrate
from webapp.core.unit_of_work import UnitOfWorkFlask, register_unit_of_work
from webapp.core.validation import register_input_guard

ROOT = Path(__file__).resolve().parent.parent

# Strict: no inline script or style anywhere, so a script smuggled into a question can never run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


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
        __name__,
        instance_path=os.environ.get("PROCTORA_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    _init_extensions(app)
    register_error_handlers(app)
    register_input_guard(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_security_headers(app)
    register_unit_of_work(app)

    from webapp.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    import webapp.models  # noqa: F401  (every table known before the first query)
    from webapp.core.database import configure_engine

    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    from webapp.accounts.services import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from webapp.console.accounts.views import blueprint as accounts
    from webapp.candidate_pages.branding import blueprint as branding
    from webapp.console.credentials.views import blueprint as api_console
    from webapp.api.euro_v1.views import blueprint as euro_v1
    from webapp.api.mettl_v1.views import blueprint as mettl_v1
    from webapp.console.assessments.views import blueprint as assessments
    from webapp.console.audit.views import blueprint as audit
    from webapp.console.bank.views import blueprint as bank
    from webapp.console.candidates.views import blueprint as candidates
    from webapp.candidate_pages.views import blueprint as delivery
    from webapp.console.exams.views import blueprint as exams
    from webapp.health import blueprint as health
    from webapp.console.notifications.views import blueprint as notifications
    from webapp.console.proctoring.views import blueprint as proctoring  # issue 5
    from webapp.console.reports.views import blueprint as reports
    from webapp.console.results.analysis_views import blueprint as analysis
    from webapp.console.results.grading_views import blueprint as grading
    from webapp.console.results.views import blueprint as results

    for blueprint in (health, accounts, bank, assessments, exams, candidates, notifications, delivery, api_console,
                      branding, mettl_v1, euro_v1, proctoring, results, grading, analysis, reports, audit):
        app.register_blueprint(blueprint)
    # The API authenticates each request by its signature or token, never by a session cookie.
    csrf.exempt(mettl_v1)
    csrf.exempt(euro_v1)
    # The audit log writes what accounts announce (staff, institute settings, logins).
    from webapp.audit.services import subscribe

    subscribe()
    # Registers the invitation delivery handler and the worker's sweep of overdue sittings.
    import webapp.sittings.taking  # noqa: F401


def _register_template_helpers(app: Flask) -> None:
    from webapp.core.permissions import Permission, can
    from webapp.bank.rendering import blank_boxes

    app.jinja_env.globals.update(can=can, Permission=Permission)
    app.jinja_env.filters["blank_boxes"] = blank_boxes


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Console pages, exports and reports carry personal data: no copy may stay in a shared computer's
        # or a proxy's cache. What may be cached (static files, public branding) says so itself.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

