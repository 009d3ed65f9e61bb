"""Item calibration in the console: start one, follow the worker's progress, read the items' parameters and
fit; the CEFR cut scores, with the set suggested from the calibrated items."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import format_number, ngettext
from flask_login import current_user, login_required

from webapp.console.results.forms import CutScoreForm
from webapp.results import calibration
from webapp.web import attempt, render

blueprint = Blueprint("calibration", __name__, url_prefix="/bank/calibration")


@blueprint.get("/")
@login_required
def calibration_page():
    # htmx polls the run's progress partial while the worker reads the answers.
    page = calibration.calibration_page(current_user)
    return render("console/calibration/calibration.html", "console/calibration/_calibration_run.html", page=page,
                  run=page.run)


@blueprint.post("/")
@login_required
def calibration_start():
    run = calibration.start_calibration(current_user)
    flash(ngettext("The items are calibrated in the background from %(count)s finished sitting; this page shows how far it got.",
                   "The items are calibrated in the background from %(count)s finished sittings; this page shows how far it got.",
                   run.total, count=format_number(run.total)), "success")
    return redirect(url_for("calibration.calibration_page"))


@blueprint.route("/cut-scores", methods=["GET", "POST"])
@login_required
def cut_scores():
    rows = calibration.cut_score_rows(current_user)
    # "?suggested" fills the form with the suggested set, for the examiner to adjust and save.
    chosen = "suggested" if "suggested" in request.args else "current"
    form = CutScoreForm(data={row.level.name.lower(): getattr(row, chosen) for row in rows})
    if form.validate_on_submit() and attempt(form, calibration.set_cut_scores, current_user,
                                             form.lowest_abilities()) is not None:
        flash(_("The CEFR cut scores are saved."), "success")
        return redirect(url_for("calibration.cut_scores"))
    return render_template("console/calibration/cut_scores.html", form=form, rows=rows)
