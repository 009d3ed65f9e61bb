from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.exams import services
from webapp.web import page_number

blueprint = Blueprint("exams", __name__)


@blueprint.get("/exams")
@login_required
def exam_list():
    return render_template("exams/exam_list.html", page=services.list_exams(current_user, page=page_number()))
