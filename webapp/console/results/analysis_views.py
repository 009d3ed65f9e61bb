"""Item analysis of an assessment: facility, discrimination and option choices per question."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.results import analysis

blueprint = Blueprint("analysis", __name__)


@blueprint.get("/assessments/<int:assessment_id>/analysis")
@login_required
def item_analysis(assessment_id):
    return render_template("console/analysis/item_analysis.html", analysis=analysis.item_analysis(current_user, assessment_id),
                           thresholds={"hard": analysis.TOO_HARD, "easy": analysis.TOO_EASY, "weak": analysis.WEAK})
