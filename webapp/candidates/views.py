from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.candidates import services
from webapp.web import page_number

blueprint = Blueprint("candidates", __name__)


@blueprint.get("/candidates")
@login_required
def candidate_list():
    return render_template("candidates/candidate_list.html",
                           page=services.search_candidates(current_user, page=page_number()))
