"""The grading queue: essays and manually marked short answers, one at a time."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from webapp.results import grading
from webapp.web import attempt, page_number, render, safe_next_url

blueprint = Blueprint("grading", __name__, url_prefix="/grading")


class GradeForm(FlaskForm):
    # The service checks the number and its bounds, so that the console and any other caller agree.
    marks = StringField(_l("Marks"))
    comment = TextAreaField(_l("Comment (kept with the mark)"))


@blueprint.get("")
@login_required
def queue():
    exam_id = request.args.get("exam_id", "")
    page = grading.grading_queue(current_user, exam_id=exam_id, page=page_number())
    return render("console/grading/queue.html", "console/grading/_queue_rows.html", page=page, exam_id=exam_id,
                  exams=grading.exams_with_waiting(current_user))


@blueprint.route("/<int:response_id>", methods=["GET", "POST"])
@login_required
def grade(response_id):
    exam_id = request.args.get("exam_id", "")
    entry = grading.queue_entry(current_user, response_id)
    form = GradeForm(data={"marks": "" if entry.response.marked_at is None else f"{entry.response.awarded:g}",
                           "comment": entry.response.grader_comment})
    graded = form.validate_on_submit() and attempt(form, grading.grade_response, current_user, response_id,
                                                   form.marks.data, form.comment.data)
    if graded:
        flash(_("%(awarded)s of %(marks)s marks saved for %(candidate)s.", awarded=format_decimal(graded.response.awarded),
                marks=format_decimal(graded.item.marks), candidate=graded.candidate_label), "success")
        if request.args.get("next"):   # a correction from a sitting's result goes back there
            return redirect(safe_next_url(request.args["next"], url_for(".queue")))
        following = grading.next_in_queue(current_user, exam_id=exam_id)
        if following is None:
            flash(_("Nothing else waits for a grader here."), "info")
            return redirect(url_for(".queue", exam_id=exam_id or None))
        return redirect(url_for(".grade", response_id=following.response.id, exam_id=exam_id or None))
    return render_template("console/grading/grade.html", entry=entry, form=form, exam_id=exam_id)
