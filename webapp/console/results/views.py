"""The results console: an exam's results table with its chart and exports, a sitting's result page
and an assessment's item analysis."""
from __future__ import annotations

import io


from flask import (Blueprint, Response, flash, redirect, render_template, request, send_file, stream_with_context,
                   url_for)
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from webapp.console.assessments.forms import LEVEL_CHOICES, FilterForm
from webapp.core.permissions import Permission, can
from webapp.results import answer_files, grading, release, services
from webapp.web import attempt, page_number, render
from webapp.web.forms import any_of

blueprint = Blueprint("results", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ResultFilterForm(FilterForm):
    """The GET form above the results table; sort and order come from the column headers."""

    search = StringField(_l("Candidate"))
    status = SelectField(_l("Grading"), default="", choices=[
        any_of(_l("Graded and pending")), SelectChoice("graded", _l("Graded")),
        SelectChoice("pending", _l("Pending grading"))])
    level = SelectField(_l("Level"), default="", choices=[any_of(_l("All levels"))] + LEVEL_CHOICES)
    outcome = SelectField(_l("Outcome"), default="", choices=[
        any_of(_l("Passed and failed")), SelectChoice("passed", _l("Passed")), SelectChoice("failed", _l("Failed"))])
    release = SelectField(_l("Release"), default="", choices=[
        any_of(_l("Released or not")), SelectChoice("unreleased", _l("Not released yet")),
        SelectChoice("released", _l("Released")), SelectChoice("withheld", _l("Withheld by a violation"))])
    attempts = SelectField(_l("Attempts"), default="", choices=[
        any_of(_l("Every attempt")), SelectChoice("latest", _l("Latest attempt only"))])
    sort = SelectField(default="score", choices=[SelectChoice(key) for key in services.SORTS])
    order = SelectField(default="desc", choices=[SelectChoice("desc"), SelectChoice("asc")])

    def selection(self) -> dict:
        """The filters alone: the keyword arguments of services.matching (and of a release of them)."""
        values = self.filters()
        return {"search": values["search"] or "", "status": values["status"] or None,
                "level": values["level"] or None, "outcome": values["outcome"] or None,
                "release": values["release"] or None, "attempts": values["attempts"] or None}

    def criteria(self) -> dict:
        """The keyword arguments of services.exam_results."""
        values = self.filters()
        return {**self.selection(), "sort": values["sort"] or "score", "descending": values["order"] != "asc"}


@blueprint.get("/exams/<int:exam_id>/results")
@login_required
def exam_results(exam_id):
    filters = ResultFilterForm(formdata=request.args)
    criteria = filters.criteria()
    exam, page = services.exam_results(current_user, exam_id, **criteria, page=page_number(),
                                       per_page=services.PAGE_SIZE)
    to_release = release.release_count(current_user, exam.id, **filters.selection()) \
        if can(current_user, Permission.RELEASE_RESULTS) else None
    return render("console/results/exam_results.html", "console/results/_result_rows.html", exam=exam, filters=filters,
                  criteria=criteria, results=page, to_release=to_release,
                  distribution=services.score_distribution(current_user, exam.id))


@blueprint.post("/exams/<int:exam_id>/results/release")
@login_required
def release_results(exam_id):
    """Release every releasable result the results page's filters select (sent with the button)."""
    filters = ResultFilterForm(formdata=request.form)
    done = release.release_matching(current_user, exam_id, **filters.selection())
    if done.skipped:
        flash(_("%(released)d result(s) released. %(skipped)d not released: %(withheld)d withheld by a proctoring "
                "violation, %(ungraded)d not graded yet.", released=done.releasable, skipped=done.skipped,
                withheld=done.withheld, ungraded=done.ungraded), "success")
    else:
        flash(ngettext("%(num)d result released.", "%(num)d results released.", done.releasable), "success")
    return redirect(url_for(".exam_results", exam_id=exam_id, **{key: value for key, value in request.form.items()
                                                                 if key in filters.data and value}))


@blueprint.post("/sittings/<int:sitting_id>/release")
@login_required
def release_result(sitting_id):
    sitting = release.release(current_user, sitting_id)
    flash(_("The result of %(name)s is released.", name=sitting.candidate.name), "success")
    return redirect(url_for(".sitting_result", sitting_id=sitting.id))


@blueprint.get("/exams/<int:exam_id>/results.csv")
@login_required
def exam_results_csv(exam_id):
    filename, lines = services.results_csv(current_user, exam_id)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/exams/<int:exam_id>/results.xlsx")
@login_required
def exam_results_xlsx(exam_id):
    filename, chunks = services.results_xlsx(current_user, exam_id)
    response = Response(stream_with_context(chunks), mimetype=XLSX_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


class RemarkForm(FlaskForm):
    # The service checks the number, its bounds and the reason, so that the console and any other caller agree.
    marks = StringField(_l("Marks"))
    comment = TextAreaField(_l("Why the marks change (kept with them)"))


def _result_page(sitting_id, submitted: RemarkForm | None = None, response_id: int | None = None):
    """The result page with a re-mark form per item; a refused form keeps what was typed and its errors."""
    result = services.sitting_result(current_user, sitting_id)
    forms = {answer.response.id: RemarkForm(formdata=None, prefix=f"item-{answer.response.id}", data={
        "marks": "" if answer.response.awarded is None else f"{answer.response.awarded:g}"})
        for answer in result.answers}
    if submitted is not None and response_id in forms:
        forms[response_id] = submitted
    # What is wrong with the request rather than a field (not found, not allowed) shows above the answers.
    remark_failed = submitted if submitted is not None and submitted.form_errors else None
    return render_template("console/results/sitting_result.html", result=result, remark_forms=forms,
                           remark_failed=remark_failed)


@blueprint.get("/sittings/<int:sitting_id>/result")
@login_required
def sitting_result(sitting_id):
    return _result_page(sitting_id)


@blueprint.get("/answer-files/<int:file_id>")
@login_required
def answer_file(file_id):
    """A candidate's file answer, always as a download (never shown inside the console's pages)."""
    uploaded, data, mimetype = answer_files.answer_file(current_user, file_id)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=uploaded.name)


@blueprint.post("/sittings/<int:sitting_id>/answers/<int:response_id>/marks")
@login_required
def remark(sitting_id, response_id):
    form = RemarkForm(prefix=f"item-{response_id}")
    remarked = form.validate_on_submit() and attempt(form, grading.remark, current_user, sitting_id, response_id,
                                                     form.marks.data, form.comment.data)
    if remarked:
        flash(_("Item %(number)d: %(awarded)s of %(marks)s marks saved. The result follows the new marks.",
                number=remarked.item.position + 1, awarded=format_decimal(remarked.response.awarded),
                marks=format_decimal(remarked.item.marks)), "success")
        return redirect(url_for(".sitting_result", sitting_id=sitting_id, _anchor=f"item-{remarked.item.position + 1}"))
    return _result_page(sitting_id, form, response_id)
