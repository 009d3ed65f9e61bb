"""The proctor's console: the exams one proctors, the live monitor (htmx polling), admission, a
sitting's page with the actions and the snapshot gallery. Every view loads, calls one service (which
checks the permission and the pool) and renders or redirects."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from webapp.core.errors import ValidationError
from webapp.proctoring import services
from webapp.proctoring.models import ReviewOutcome
from webapp.sittings.models import FLAG_CATEGORIES
from webapp.web import page_number, render

blueprint = Blueprint("proctoring", __name__, url_prefix="/proctoring")


# How each action's button looks: admitting is the monitor's main one, terminating stands out.
ACTION_BUTTONS = {"admit": "", "reject": "secondary", "message": "secondary", "extend": "secondary",
                  "flag": "secondary", "terminate": "contrast"}


def _form(name: str) -> str:
    return request.form.get(name, "")


def _to_sitting(sitting_id: int):
    return redirect(url_for("proctoring.sitting_page", sitting_id=sitting_id))


@blueprint.get("/")
@login_required
def index():
    return render_template("console/proctoring/index.html", exams=services.visible_exams(current_user),
                           retention=services.retention_days(current_user))


@blueprint.get("/exams/<int:exam_id>/monitor")
@login_required
def monitor(exam_id):
    state = request.args.get("state", "")
    flagged = request.args.get("flagged") == "1"
    exam, sittings = services.monitor(current_user, exam_id, state=state, flagged=flagged, page=page_number())
    # The rows ticked when the refresh left: ticked again in the new rows.
    return render("console/proctoring/monitor.html", "console/proctoring/_monitor_rows.html", exam=exam,
                  sittings=sittings, state=state, flagged=flagged, states=services.MONITOR_STATES,
                  selected=set(request.args.getlist("sitting")), actions=services.SELECTION_ACTIONS,
                  button_classes=ACTION_BUTTONS, categories=FLAG_CATEGORIES)


@blueprint.post("/exams/<int:exam_id>/act")
@login_required
def act(exam_id):
    """An action on the candidates ticked in the live monitor (or on the one of a row's button, `only`): the
    outcome per candidate, or first the confirmation that names them (terminate). htmx swaps it in beside
    the monitor and refreshes the rows; without JavaScript it is a page of its own."""
    action, text = _form("action"), _form("text")
    confirming = action in services.CONFIRMED_ACTIONS and _form("confirmed") != "1"
    context = {"action": action, "text": text, "confirming": confirming, "actions": services.SELECTION_ACTIONS}
    try:
        exam, outcomes = services.act_on_selection(
            current_user, exam_id, action, request.args.getlist("only") or request.form.getlist("sitting"),
            text=text, minutes=_form("minutes"), category=_form("category"), rehearse=confirming)
    except ValidationError as error:
        return render("console/proctoring/act.html", "console/proctoring/_act.html", exam=services.proctored_exam(
            current_user, exam_id), outcomes=[], problem=error.message, **context)
    response = render("console/proctoring/act.html", "console/proctoring/_act.html", exam=exam, outcomes=outcomes,
                      **context)
    if not confirming:
        response.headers["HX-Trigger"] = "monitor-changed"
    return response


@blueprint.get("/exams/<int:exam_id>/admission")
@login_required
def admission(exam_id):
    exam, waiting, reasons = services.admission_queue(current_user, exam_id)
    return render("console/proctoring/admission.html", "console/proctoring/_admission_queue.html", exam=exam, waiting=waiting,
                  reasons=reasons)


@blueprint.post("/sittings/<int:sitting_id>/admit")
@login_required
def admit(sitting_id):
    sitting = services.admit(current_user, sitting_id)
    flash(_("%(name)s is admitted.", name=sitting.candidate.name), "success")
    return redirect(request.form.get("back") == "admission" and
                    url_for("proctoring.admission", exam_id=sitting.exam_id) or
                    url_for("proctoring.sitting_page", sitting_id=sitting.id))


@blueprint.post("/sittings/<int:sitting_id>/reject")
@login_required
def reject(sitting_id):
    sitting = services.reject(current_user, sitting_id, _form("reason"))
    flash(_("%(name)s is told why they were not admitted.", name=sitting.candidate.name), "success")
    return redirect(url_for("proctoring.admission", exam_id=sitting.exam_id))


@blueprint.get("/sittings/<int:sitting_id>")
@login_required
def sitting_page(sitting_id):
    detail = services.sitting_detail(current_user, sitting_id)
    return render_template("console/proctoring/sitting.html", **detail, categories=FLAG_CATEGORIES,
                           outcomes=list(ReviewOutcome))


@blueprint.get("/sittings/<int:sitting_id>/conversation")
@login_required
def conversation(sitting_id):
    """The sitting page's conversation as it refreshes itself (htmx), or alone."""
    sitting, messages = services.sitting_conversation(current_user, sitting_id)
    return render("console/proctoring/conversation.html", "console/proctoring/_conversation.html", sitting=sitting,
                  messages=messages)


@blueprint.post("/sittings/<int:sitting_id>/message")
@login_required
def message(sitting_id):
    services.send_message(current_user, sitting_id, _form("body"))
    flash(_("The message is on its way to the candidate's screen."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/extend")
@login_required
def extend(sitting_id):
    sitting = services.extend(current_user, sitting_id, _form("minutes"), reason=_form("reason"))
    flash(ngettext("%(name)s has %(num)d more minute.", "%(name)s has %(num)d more minutes.", int(_form("minutes")),
                   name=sitting.candidate.name), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/accommodations")
@login_required
def accommodations(sitting_id):
    sitting = services.accommodate(current_user, sitting_id, extra_time_percent=_form("extra_time_percent"),
                                   large_text=bool(_form("large_text")), high_contrast=bool(_form("high_contrast")))
    flash(_("Accommodations saved for %(name)s.", name=sitting.candidate.name), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/terminate")
@login_required
def terminate(sitting_id):
    services.terminate(current_user, sitting_id, _form("reason"))
    flash(_("The test is terminated."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/flag")
@login_required
def flag(sitting_id):
    services.raise_flag(current_user, sitting_id, _form("category"), _form("note"))
    flash(_("Flag raised."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/flags/<int:flag_id>/resolve")
@login_required
def resolve_flag(flag_id):
    flag_ = services.resolve_flag(current_user, flag_id)
    return _to_sitting(flag_.sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/resume")
@login_required
def resume(sitting_id):
    services.resume(current_user, sitting_id, _form("minutes"))
    flash(_("The test is open again; the candidate can go on with the same link."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/review")
@login_required
def review(sitting_id):
    services.review(current_user, sitting_id, _form("outcome"), _form("comment"))
    flash(_("Review saved."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/override")
@login_required
def override(sitting_id):
    services.override_review(current_user, sitting_id, _form("reason"))
    flash(_("The result is released."), "success")
    return _to_sitting(sitting_id)


@blueprint.post("/sittings/<int:sitting_id>/delete")
@login_required
def delete_report(sitting_id):
    exam_id = services.proctored_sitting(current_user, sitting_id).exam_id
    services.delete_report(current_user, sitting_id)
    flash(_("The report, its images and answers are deleted."), "success")
    return redirect(url_for("proctoring.monitor", exam_id=exam_id))


@blueprint.get("/sittings/<int:sitting_id>/snapshots")
@login_required
def snapshots(sitting_id):
    sitting, shots = services.sitting_snapshots(current_user, sitting_id)
    return render_template("console/proctoring/snapshots.html", sitting=sitting, snapshots=shots)


def _image(data: bytes, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/snapshots/<int:snapshot_id>")
@login_required
def snapshot_image(snapshot_id):
    return _image(*services.snapshot_image(current_user, snapshot_id))


@blueprint.get("/sittings/<int:sitting_id>/photo/<kind>")
@login_required
def check_photo(sitting_id, kind):
    return _image(*services.check_photo(current_user, sitting_id, kind))


# The audit log moved to its own page (webapp/audit/views.py); old links and bookmarks still arrive.
@blueprint.get("/audit")
@login_required
def audit_log():
    return redirect(url_for("audit.audit_log", **request.args.to_dict()), 301)


@blueprint.get("/audit.csv")
@login_required
def audit_csv():
    return redirect(url_for("audit.audit_csv", **request.args.to_dict()), 301)


@blueprint.post("/retention")
@login_required
def retention():
    policy = services.set_retention(current_user, _form("days"))
    flash(ngettext("Proctoring images are now kept %(num)d day.", "Proctoring images are now kept %(num)d days.",
                   policy.image_days), "success")
    return redirect(url_for("proctoring.index"))
