"""Command-line operations: `flask --app wsgi <command>`."""
from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask, current_app

from webapp.accounts.models import Institute
from webapp.accounts.services import create_institute, institute_by_name
from webapp.cli.credentials import api_credentials
from webapp.cli.demo import DEMO_LOGINS, seed_demo
from webapp.cli.lti import lti_keys, lti_platforms
from webapp.cli.questions import export_questions, import_questions
from webapp.cli.translations import translations
from webapp.core.errors import DomainError, NotFound
from webapp.core.extensions import db
from webapp.notifications.worker import run_worker


def register_cli(app: Flask) -> None:
    app.cli.add_command(api_credentials)
    app.cli.add_command(translations)
    app.cli.add_command(import_questions)
    app.cli.add_command(export_questions)
    app.cli.add_command(lti_platforms)
    app.cli.add_command(lti_keys)

    @app.cli.command("create-institute")
    @click.argument("name")
    @click.option("--admin-email", required=True, help="Login of the institute's first administrator.")
    @click.option("--admin-password", required=True, help="At least 10 characters.")
    @click.option("--admin-name", default="", help="Display name of the administrator.")
    @click.option("--parent", default=None, help="Name of the parent institute (for a branch).")
    def create_institute_command(name, admin_email, admin_password, admin_name, parent):
        """Create an institute with its first administrator; prints JSON."""
        try:
            parent_id = None
            if parent:
                parent_institute = institute_by_name(parent)
                if parent_institute is None:
                    raise NotFound(f"Parent institute {parent!r}")
                parent_id = parent_institute.id
            institute, admin = create_institute(name, admin_email=admin_email, admin_password=admin_password,
                                                admin_name=admin_name, parent_id=parent_id)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            click.echo(f"Error: {error.message}", err=True)
            sys.exit(1)
        click.echo(json.dumps({"institute_id": institute.id, "admin_email": admin.email}))

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database holds no institute yet.")
    def seed_demo_command(if_empty):
        """Create the demo institute with staff, a question bank and assessments (idempotent)."""
        if if_empty and db.session.query(Institute.id).first() is not None:
            click.echo("The database has institutes already; no demo seeded.")
            return
        created = seed_demo()
        db.session.commit()
        click.echo("Demo institute " + ("created." if created else "already present."))
        for role, email, password in DEMO_LOGINS:
            click.echo(f"  {role:<9} {email}  password: {password}")

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    @click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
    def worker_command(once, interval):
        """Deliver outbox messages (e-mails, webhooks) with retries and backoff, and run the periodic jobs
        (expiries, re-scores, imports, PDFs), below the web server's CPU priority."""
        os.nice(current_app.config["WORKER_NICENESS"])
        delivered = run_worker(once=once, interval=interval)
        if once:
            click.echo(json.dumps(delivered))
