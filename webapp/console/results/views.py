"""The results console: an exam's results table with its chart and exports, a sitting's result page
and an assessment's item analysis."""
from __future__ import annotations


from flask import Blueprint, Response, render_template, request, send_file, stream_with_context
from flask_login import current_user, login_required
from wtforms import SelectChoice, SelectField, StringField

from webapp.console.assessments.forms import LEVEL_CHOICES, FilterForm
from webapp.results import services
from webapp.web import page_number, render
from webapp.web.forms import any_of

blueprint = Blueprint("results", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ResultFilterForm(FilterForm):
    """The GET form above the results table; sort and order come from the column headers."""

    search = StringField("Candidate")
    status = SelectField("Grading", default="", choices=[
        any_of("Graded and pending"), SelectChoice("graded", "Graded"), SelectChoice("pending", "Pending grading")])
    level = SelectField("Level", default="", choices=[any_of("All levels")] + LEVEL_CHOICES)
    outcome = SelectField("Outcome", default="", choices=[
        any_of("Passed and failed"), SelectChoice("passed", "Passed"), SelectChoice("failed", "Failed")])
    sort = SelectField(default="score", choices=[SelectChoice(key) for key in services.SORTS])
    order = SelectField(default="desc", choices=[SelectChoice("desc"), SelectChoice("asc")])

    def criteria(self) -> dict:
        """The keyword arguments of services.exam_results."""
        values = self.filters()
        return {"search": values["search"] or "", "status": values["status"] or None,
                "level": values["level"] or None, "outcome": values["outcome"] or None,
                "sort": values["sort"] or "score", "descending": values["order"] != "asc"}


@blueprint.get("/exams/<int:exam_id>/results")
@login_required
def exam_results(exam_id):
    filters = ResultFilterForm(formdata=request.args)
    criteria = filters.criteria()
    exam, page = services.exam_results(current_user, exam_id, **criteria, page=page_number(),
                                       per_page=services.PAGE_SIZE)
    return render("results/exam_results.html", "results/_result_rows.html", exam=exam, filters=filters,
                  criteria=criteria, results=page,
                  distribution=services.score_distribution(current_user, exam.id))


@blueprint.get("/exams/<int:exam_id>/results.csv")
@login_required
def exam_results_csv(exam_id):
    filename, lines = services.results_csv(current_user, exam_id)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/exams/<int:exam_id>/results.xlsx")
@login_required
def exam_results_xlsx(exam_id):
    filename, workbook = services.results_xlsx(current_user, exam_id)
    response = send_file(workbook, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"   # send_file's own default would let caches keep it
    return response


@blueprint.get("/sittings/<int:sitting_id>/result")
@login_required
def sitting_result(sitting_id):
    return render_template("results/sitting_result.html", result=services.sitting_result(current_user, sitting_id))
