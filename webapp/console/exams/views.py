"""The exams console: the list, the exam form, the exam page (access link, window, activation, proctor
pool, the sittings table that refreshes itself) and registering candidates one by one or from CSV.

Every change is one service call; a broken rule is shown beside the field it names (web.attempt) or,
for the buttons of the exam page, as a flash."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required

from webapp.assessments.services import assessment_choices
from webapp.console.exams import forms
from webapp.core.errors import Conflict
from webapp.core.permissions import Permission, require
from webapp.exams import services
from webapp.exams.windows import describe_one, local_moment
from webapp.sittings import services as sittings
from webapp.sittings.importers import MAX_ROWS, candidate_columns, parse_candidate_rows
from webapp.sittings.models import SittingStatus
from webapp.web import attempt, page_number, render
from webapp.web.forms import one_candidate_form

blueprint = Blueprint("exams", __name__)


@blueprint.context_processor
def _template_helpers():
    return {"describe_window": services.describe_window, "local_moment": local_moment,
            "describe_one": describe_one}


# Where a sitting came from (Sitting.registered_by), in words.
REGISTERED_BY = {"staff": _l("Staff"), "api": _l("API"), "open link": _l("Open link")}


@blueprint.context_processor
def _sitting_helpers():
    return {"registration_source": registration_source}


def registration_source(code: str) -> str:
    return str(REGISTERED_BY.get(code, code))


def _by_status(counts: dict[str, int]) -> dict[SittingStatus, int]:
    """Sittings counted by state, keyed by the states themselves so that pages show their labels."""
    return {SittingStatus(status): count for status, count in counts.items()}


# The list, creating and editing -------------------------------------------------------------------

@blueprint.get("/exams")
@login_required
def exam_list():
    filters = forms.ExamFilterForm(assessment_choices(current_user), formdata=request.args)
    page = services.list_exams(current_user, **filters.criteria(), page=page_number())
    return render("console/exams/exam_list.html", "console/exams/_exam_rows.html", page=page, filters=filters,
                  counts={exam_id: _by_status(counts) for exam_id, counts in sittings.sitting_counts_by_exam(
                      current_user, [exam.id for exam in page.items]).items()})


@blueprint.route("/exams/new", methods=["GET", "POST"])
@login_required
def exam_new():
    require(current_user, Permission.EDIT_EXAMS)
    # Reached from an assessment's page with ?assessment_id=N, which is then chosen.
    form = forms.ExamForm(assessment_choices(current_user), current_user.institute.default_release_policy,
                          data={"assessment_id": request.args.get("assessment_id", type=int),
                                "time_zone": current_user.institute.time_zone})
    if form.validate_on_submit():
        exam = attempt(form, services.create_exam, current_user, form.exam_input())
        if exam:
            flash(_("The exam %(name)s is created. Register candidates or share its access link.", name=exam.name),
                  "success")
            return redirect(url_for(".exam_detail", exam_id=exam.id))
    return render_template("console/exams/exam_form.html", form=form, exam=None)


@blueprint.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@login_required
def exam_edit(exam_id):
    require(current_user, Permission.EDIT_EXAMS)
    exam = services.get_exam(current_user, exam_id)
    form = forms.ExamForm(assessment_choices(current_user), current_user.institute.default_release_policy,
                          data=forms.ExamForm.data_of(services.exam_input(exam)))
    if form.validate_on_submit() and attempt(form, services.update_exam, current_user, exam.id, form.exam_input()):
        flash(_("The exam %(name)s is saved.", name=exam.name), "success")
        return redirect(url_for(".exam_detail", exam_id=exam.id))
    return render_template("console/exams/exam_form.html", form=form, exam=exam)


# The exam page ------------------------------------------------------------------------------------

def _sittings_table(exam) -> dict:
    """The sittings table of the exam page (filtered and paged by the query string)."""
    filters = forms.SittingFilterForm(formdata=request.args)
    page = sittings.exam_sittings(current_user, exam.id, **filters.criteria(), page=page_number())
    return {"exam": exam, "sittings": page, "filters": filters,
            "links": sittings.personal_links(current_user, page.items),
            "counts": _by_status(sittings.sitting_counts_by_exam(current_user, [exam.id])[exam.id])}


@blueprint.get("/exams/<int:exam_id>")
@login_required
def exam_detail(exam_id):
    exam = services.get_exam(current_user, exam_id)
    state, window = services.window_state(exam)
    pool = forms.ProctorPoolForm(services.pool_candidates(current_user), formdata=None,
                                 data={"proctors": [proctor.id for proctor in exam.proctors]})
    return render_template("console/exams/exam_detail.html", access_url=services.access_url(exam), state=state,
                           pool_warning=services.pool_warning(exam),
                           window=window, windows=services.exam_windows(exam), pool=pool,
                           invitation=forms.InvitationForm(formdata=None),
                           **_sittings_table(exam))


@blueprint.get("/exams/<int:exam_id>/sittings")
@login_required
def exam_sittings(exam_id):
    """The sittings table alone, for htmx: the filters, the pages and the refresh every few seconds."""
    return render_template("console/exams/_sittings.html", **_sittings_table(services.get_exam(current_user, exam_id)))


def _to_exam(exam_id, anchor: str | None = None):
    return redirect(url_for(".exam_detail", exam_id=exam_id, _anchor=anchor))


@blueprint.post("/exams/<int:exam_id>/active")
@login_required
def exam_set_active(exam_id):
    exam = services.set_active(current_user, exam_id, request.form.get("active") == "1",
                               despite_warning=request.form.get("despite_warning") == "1")
    if exam.is_active:
        flash(_("The exam %(name)s is active.", name=exam.name), "success")
    else:
        flash(_("The exam %(name)s is inactive: its links are closed.", name=exam.name), "success")
    return _to_exam(exam.id)


@blueprint.post("/exams/<int:exam_id>/delete")
@login_required
def exam_delete(exam_id):
    name = services.get_exam(current_user, exam_id).name
    try:
        services.delete_exam(current_user, exam_id)
    except Conflict as error:
        flash(error.message, "error")
        return _to_exam(exam_id)
    flash(_("The exam %(name)s is deleted.", name=name), "success")
    return redirect(url_for(".exam_list"))


@blueprint.post("/exams/<int:exam_id>/proctors")
@login_required
def exam_proctors(exam_id):
    require(current_user, Permission.EDIT_EXAMS)
    exam = services.get_exam(current_user, exam_id)
    form = forms.ProctorPoolForm(services.pool_candidates(current_user))
    if form.validate_on_submit() and attempt(form, services.set_proctor_pool, current_user, exam.id,
                                             form.proctors.data):
        flash(ngettext("The proctor pool has %(num)d member.", "The proctor pool has %(num)d members.",
                       len(exam.proctors)), "success")
    else:
        flash(" ".join([*form.proctors.errors, *form.form_errors]), "error")
    return _to_exam(exam.id, "proctors")


@blueprint.post("/exams/<int:exam_id>/invitations")
@login_required
def exam_invite(exam_id):
    require(current_user, Permission.EDIT_CANDIDATES)
    exam = services.get_exam(current_user, exam_id)
    form = forms.InvitationForm()
    if form.validate_on_submit():
        count = sittings.send_invitations(current_user, exam.id, None if form.send_all.data else form.sitting_ids.data)
        flash(ngettext("%(num)d invitation e-mail queued. The sitting's status changes once it is delivered.",
                       "%(num)d invitation e-mails queued. Each sitting's status changes once its e-mail is "
                       "delivered.", count), "success")
    else:
        flash(" ".join(form.sitting_ids.errors), "error")
    return _to_exam(exam.id, "sittings")


@blueprint.post("/sittings/<int:sitting_id>/remove")
@login_required
def sitting_remove(sitting_id):
    sitting = sittings.get_sitting(current_user, sitting_id)
    exam_id, email = sitting.exam_id, sitting.candidate.email
    try:
        sittings.remove_sitting(current_user, sitting.id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("%(email)s is removed from the exam; their personal link no longer works.", email=email), "success")
    return _to_exam(exam_id, "sittings")


# Registering candidates ---------------------------------------------------------------------------

def _registering(exam_id):
    """The exam of a registration page: a role that may only look gets 403, not a form."""
    require(current_user, Permission.EDIT_CANDIDATES)
    return services.get_exam(current_user, exam_id)


def _register_page(exam, *, one=None, bulk=None, outcomes=None):
    """The register page; forms not given are blank, with "send the e-mails" as the exam says."""
    fields = exam.assessment.registration_fields
    defaults = {"send_email": exam.email_on_invitation}
    return render_template(
        "console/exams/register.html", exam=exam, outcomes=outcomes,
        one=one or one_candidate_form(fields, formdata=None, data=defaults),
        bulk=bulk or forms.BulkRegistrationForm(formdata=None, data=defaults),
        columns=candidate_columns([item.name for item in fields]), max_rows=MAX_ROWS)


@blueprint.get("/exams/<int:exam_id>/register")
@login_required
def exam_register(exam_id):
    return _register_page(_registering(exam_id))


@blueprint.post("/exams/<int:exam_id>/register")
@login_required
def exam_register_one(exam_id):
    exam = _registering(exam_id)
    form = one_candidate_form(exam.assessment.registration_fields)
    if not form.validate_on_submit():
        return _register_page(exam, one=form)
    outcomes = sittings.register_candidates(current_user, exam.id, [form.row()], send_email=form.send_email.data)
    if outcomes[0].field:
        # Not registered: the message goes beside the field at fault, with what was typed kept.
        form.input_for(outcomes[0].field).errors.append(outcomes[0].message)
        return _register_page(exam, one=form, outcomes=outcomes)
    return _register_page(exam, outcomes=outcomes)


@blueprint.post("/exams/<int:exam_id>/register/bulk")
@login_required
def exam_register_bulk(exam_id):
    exam = _registering(exam_id)
    form = forms.BulkRegistrationForm()
    field_names = [item.name for item in exam.assessment.registration_fields]
    rows = form.validate_on_submit() and attempt(form, parse_candidate_rows, form.csv_content(), field_names)
    if not rows:
        return _register_page(exam, bulk=form)
    return _register_page(exam, outcomes=sittings.register_candidates(current_user, exam.id, rows,
                                                                      send_email=form.send_email.data))
