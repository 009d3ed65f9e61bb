"""Importing a file of questions (upload, preview, progress, report) and exporting the bank."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.bank import imports, services
from webapp.bank.formats import spreadsheet
from webapp.console.bank.import_forms import ExportForm, ImportForm
from webapp.core.errors import NotFound
from webapp.core.permissions import Permission, require
from webapp.web import attempt, render

blueprint = Blueprint("bank_imports", __name__)


def _skills() -> list:
    return [skill for skill, _count in services.list_skills(current_user)]


def _upload_limit() -> str:
    return _("%(size)s MB", size=format_decimal(current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)))


@blueprint.route("/bank/imports/new", methods=["GET", "POST"])
@login_required
def import_new():
    require(current_user, Permission.EDIT_BANK)
    form = ImportForm(_skills())
    if form.validate_on_submit():
        upload = form.file.data
        run = attempt(form, imports.check_import, current_user, upload.filename or "", upload.read(),
                      form.format.data, form.skill_id.data or None)
        if run:
            return redirect(url_for("bank_imports.import_run", run_id=run.id))
    return render_template("console/bank/import_new.html", form=form, upload_limit=_upload_limit(),
                           runs=imports.recent_imports(current_user))


@blueprint.get("/bank/imports/template.<kind>")
@login_required
def import_template(kind):
    require(current_user, Permission.EDIT_BANK)
    if kind not in ("csv", "xlsx"):
        raise NotFound("Template")
    data, filename = spreadsheet.template(kind)
    mimetype = "text/csv" if kind == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return current_app.response_class(data, mimetype=mimetype,
                                      headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/bank/imports/<int:run_id>")
@login_required
def import_run(run_id):
    # The preview before the import; then htmx polls the progress partial until the report.
    run = imports.get_import(current_user, run_id)
    return render("console/bank/import_run.html", "console/bank/_import_progress.html", run=run,
                  questions=imports.imported_questions(current_user, run))


@blueprint.post("/bank/imports/<int:run_id>/start")
@login_required
def import_start(run_id):
    run = imports.start_import(current_user, run_id)
    flash(ngettext("%(num)s question is imported in the background; this page shows how far it got.",
                   "%(num)s questions are imported in the background; this page shows how far it got.",
                   run.to_import), "success")
    return redirect(url_for("bank_imports.import_run", run_id=run.id))


@blueprint.post("/bank/imports/<int:run_id>/cancel")
@login_required
def import_cancel(run_id):
    imports.cancel_import(current_user, run_id)
    flash(_("The import is cancelled: nothing was imported."), "success")
    return redirect(url_for("bank_imports.import_new"))


@blueprint.route("/bank/export", methods=["GET", "POST"])
@login_required
def export():
    require(current_user, Permission.VIEW_BANK)
    form = ExportForm(_skills())
    if form.validate_on_submit():
        exported = attempt(form, imports.export_questions, current_user, form.format.data,
                           form.skill_id.data or None)
        if exported:
            data, filename = exported
            return current_app.response_class(data, mimetype="application/octet-stream",
                                              headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return render_template("console/bank/export.html", form=form)
