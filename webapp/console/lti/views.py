"""Settings, learning platforms: the institute's LTI 1.3 platforms (list, register, remove) and the addresses
of Proctora their admins enter; an exam's learning platform page: the courses' links that open it and their
roster imports; a proctor's pause or resume of a platform's attempt."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.console.lti.forms import PlatformForm
from webapp.lti import platforms as services, proctored, roster
from webapp.web import attempt, render

blueprint = Blueprint("lti_console", __name__)


def _page(form: PlatformForm):
    return render_template("console/lti/platforms.html", form=form, platforms=services.list_platforms(current_user),
                           tool_urls=services.tool_urls())


@blueprint.get("/settings/lti")
@login_required
def platforms():
    return _page(PlatformForm())


@blueprint.post("/settings/lti")
@login_required
def add():
    form = PlatformForm()
    if form.validate_on_submit() and attempt(form, services.add_platform, current_user, services.PlatformInput(
            name=form.name.data, issuer=form.issuer.data, client_id=form.client_id.data,
            auth_login_url=form.auth_login_url.data, jwks_url=form.jwks_url.data, token_url=form.token_url.data,
            deployment_ids=tuple((form.deployment_ids.data or "").splitlines()))):
        flash(_("The learning platform is registered: its launches now open Proctora."), "success")
        return redirect(url_for("lti_console.platforms"))
    return _page(form), 422


@blueprint.post("/settings/lti/<int:platform_id>/remove")
@login_required
def remove(platform_id):
    platform = services.remove_platform(current_user, platform_id)
    flash(_("The learning platform %(name)s is removed; its launches are refused from now on.", name=platform.name),
          "success")
    return redirect(url_for("lti_console.platforms"))


@blueprint.post("/proctoring/sittings/<int:sitting_id>/platform-control")
@login_required
def platform_control(sitting_id):
    """A proctor pauses or resumes the attempt on the learning platform (LTI Proctoring Services)."""
    proctored.control_on_platform(current_user, sitting_id, request.form.get("action", ""))
    flash(_("Sent to the learning platform; its answer appears here once it has replied."), "success")
    return redirect(url_for("proctoring.sitting_page", sitting_id=sitting_id))


@blueprint.get("/exams/<int:exam_id>/lti")
@login_required
def exam_links(exam_id):
    exam, links, imports = roster.exam_links(current_user, exam_id)
    return render("console/lti/exam_links.html", "console/lti/_roster_imports.html", exam=exam, links=links,
                  imports=imports)


@blueprint.post("/exams/<int:exam_id>/lti/links/<int:link_id>/roster")
@login_required
def import_roster(exam_id, link_id):
    roster.queue_roster_import(current_user, exam_id, link_id,
                               send_invitations=request.form.get("send_invitations") == "1")
    flash(_("The course's learners are being imported: this page shows how many once the worker is done."), "success")
    return redirect(url_for("lti_console.exam_links", exam_id=exam_id))
