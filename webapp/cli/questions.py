"""`flask --app wsgi import-questions|export-questions`: moving a bank in and out from the command line.
Both print one JSON object; an error is a JSON object with "errors" and exit status 1."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from webapp.accounts.services import institute_by_name
from webapp.bank import imports
from webapp.bank.services import skill_by_name
from webapp.core.errors import DomainError, NotFound
from webapp.core.extensions import db

FORMAT_CHOICES = ("auto", "qti", "moodle", "gift", "csv", "xlsx")


def _fail(errors: list[dict], **result) -> None:
    db.session.rollback()
    click.echo(json.dumps({**result, "errors": errors}))
    sys.exit(1)


def _institute_id(name: str) -> int:
    institute = institute_by_name(name)
    if institute is None:
        raise NotFound(f"Institute {name!r}")
    return institute.id


@click.command("import-questions")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
@click.option("--format", "format_name", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True)
@click.option("--skill", "skill_name", default=None, help="Put every question into this skill (created if missing).")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be imported; store nothing.")
def import_questions(path, institute_name, format_name, skill_name, dry_run):
    """Check a file of questions, then import what passed the check in batches; prints JSON."""
    empty = {"imported": 0, "skipped": 0, "questions": []}
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        _fail([{"item": path, "message": f"The file cannot be read: {error.strerror or error}"}], **empty)
    try:
        run, media_files = imports.command_line_check(_institute_id(institute_name), Path(path).name, data,
                                                      format_name, skill_name, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
            imports.forget_media_files(media_files)
        else:
            db.session.commit()
            while run.is_active and imports.run_imports(run_id=run.id):
                db.session.commit()
            db.session.commit()
    except DomainError as error:
        _fail([{"item": path, "message": error.message}], **empty)
    result = imports.summary(run, dry_run=dry_run)
    if (dry_run and not result["would_import"]) or (not dry_run and not result["imported"]):
        _fail(result.pop("errors"), **result)
    click.echo(json.dumps(result))


@click.command("export-questions")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
@click.option("--format", "format_name", required=True, help="qti or moodle.")
@click.option("--skill", "skill_name", default=None, help="Only this skill's questions.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The file to write.")
def export_questions(institute_name, format_name, skill_name, out):
    """Write the institute's active questions to a file; prints JSON (file, format, questions)."""
    try:
        institute_id = _institute_id(institute_name)
        skill_id = None
        if skill_name:
            skill = skill_by_name(institute_id, skill_name)
            if skill is None:
                raise NotFound(f"Skill {skill_name!r}")
            skill_id = skill.id
        data, __, count = imports.export_for_institute(institute_id, format_name, skill_id)
        Path(out).write_bytes(data)
    except DomainError as error:
        _fail([{"item": out, "message": error.message}])
    except OSError as error:
        _fail([{"item": out, "message": f"The file cannot be written: {error.strerror or error}"}])
    click.echo(json.dumps({"file": out, "format": format_name, "questions": count}))
