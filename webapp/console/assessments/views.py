"""The assessments console: the list, the builder (settings, sections, selection rules, hand-picked
questions), registration fields, the preview and the catalogue of pre-built tests.

Every change goes through one service call wrapped in web.attempt, so that a broken rule (E701-E710,
E789) is shown on the form that caused it and the stored assessment stays as it was. The section card's
forms also work through htmx, which swaps the card in place; without JavaScript they post and redirect."""
import functools

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from webapp.assessments import catalogue as prebuilt
from webapp.assessments import services
from webapp.bank import services as bank
from webapp.bank.sanitize import plain_text
from webapp.console.assessments import forms
from webapp.core.errors import ValidationError
from webapp.core.permissions import Permission, can, require
from webapp.web import attempt, page_number, render

blueprint = Blueprint("assessments", __name__)


@blueprint.context_processor
def _template_helpers():
    return {"plain_text": plain_text, "max_marks": services.max_marks, "question_count": services.question_count}


def _coded(action):
    """The service call with the rule's code in front of its message ("E708: In section ..."), the way the
    API reports it, so staff and integrators speak of the same rule."""
    @functools.wraps(action)
    def call(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except ValidationError as error:
            error.message = f"{error.code}: {error.message}"
            raise
    return call


def _editable(assessment_id):
    """The assessment of a page that changes it: a role that may only look gets 403, not a form error."""
    require(current_user, Permission.EDIT_ASSESSMENTS)
    return services.get_assessment(current_user, assessment_id)


def _section(assessment, section_id):
    """A section of this assessment; one of another assessment (or institute) is not found."""
    for section in assessment.sections:
        if section.id == section_id:
            return section
    abort(404)


def _htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _to_section(assessment_id, section_id):
    return redirect(url_for(".assessment_detail", assessment_id=assessment_id, _anchor=f"section-{section_id}"))


# The list, creating and deleting ------------------------------------------------------------------

@blueprint.get("/assessments")
@login_required
def assessment_list():
    filters = forms.AssessmentFilterForm(formdata=request.args)
    values = filters.filters()
    page = services.list_assessments(current_user, text=values["text"] or "", kind=values["kind"] or None,
                                     page=page_number())
    return render("console/assessments/list.html", "console/assessments/_list_table.html", page=page, filters=filters)


@blueprint.route("/assessments/new", methods=["GET", "POST"])
@login_required
def assessment_new():
    require(current_user, Permission.EDIT_ASSESSMENTS)
    form = forms.new_assessment_form()
    if not form.edit_rows() and form.validate_on_submit():
        definition = services.AssessmentInput(**form.settings(),
                                              sections=[services.SectionInput(name=form.section_name.data)])
        assessment = attempt(form, _coded(services.create_assessment), current_user, definition)
        if assessment:
            flash(_("%(name)s is created. Now add questions to its section.", name=assessment.name), "success")
            return redirect(url_for(".assessment_detail", assessment_id=assessment.id))
    return render("console/assessments/settings.html", form=form, assessment=None)


@blueprint.post("/assessments/<int:assessment_id>/delete")
@login_required
def assessment_delete(assessment_id):
    assessment = _editable(assessment_id)
    name = assessment.name
    services.delete_assessment(current_user, assessment.id)
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for(".assessment_list"))


# The builder --------------------------------------------------------------------------------------

def _render_builder(assessment, *, rule_forms: dict | None = None, section_form=None, timing_form=None,
                    swapped=None, notice: str | None = None):
    """The builder page, or for htmx only the `swapped` section's card (and the summary, out of band).
    Forms given are the submitted ones, with their values and errors; the others are blank."""
    skill_names = ([skill.name for skill, _ in bank.list_skills(current_user)]
                   if can(current_user, Permission.EDIT_ASSESSMENTS) else [])
    assessment, pool_sizes, thin_bands = services.builder(current_user, assessment.id)
    blank_rules = {section.id: forms.rule_form(section.id, skill_names) for section in assessment.sections}
    return render("console/assessments/detail.html", "console/assessments/_section_swap.html" if swapped else None,
                  assessment=assessment, rule_forms={**blank_rules, **(rule_forms or {})},
                  section_form=section_form or forms.SectionForm(formdata=None, prefix="section"),
                  timing_form=timing_form or forms.timing_form(assessment),
                  pool_sizes=pool_sizes, thin_bands=thin_bands,
                  min_items_to_place=services.MIN_ITEMS_TO_PLACE, swapped=swapped, notice=notice)


@blueprint.get("/assessments/<int:assessment_id>")
@login_required
def assessment_detail(assessment_id):
    return _render_builder(services.get_assessment(current_user, assessment_id))


@blueprint.route("/assessments/<int:assessment_id>/settings", methods=["GET", "POST"])
@login_required
def assessment_settings(assessment_id):
    assessment = _editable(assessment_id)
    form = forms.settings_form(assessment)
    if not form.edit_rows() and form.validate_on_submit() and attempt(
            form, _coded(services.update_settings), current_user, assessment.id, form.settings()):
        flash(_("The settings are saved."), "success")
        return redirect(url_for(".assessment_detail", assessment_id=assessment.id))
    return render("console/assessments/settings.html", form=form, assessment=assessment)


@blueprint.post("/assessments/<int:assessment_id>/sections")
@login_required
def section_add(assessment_id):
    assessment = _editable(assessment_id)
    form = forms.SectionForm(prefix="section")
    if form.validate_on_submit() and attempt(form, _coded(services.add_section), current_user, assessment.id,
                                             form.section()):
        flash(_("Section %(name)s is added.", name=form.name.data.strip()), "success")
        return _to_section(assessment.id, assessment.sections[-1].id)
    return _render_builder(assessment, section_form=form)


@blueprint.post("/assessments/<int:assessment_id>/timing")
@login_required
def section_timing(assessment_id):
    assessment = _editable(assessment_id)
    form = forms.timing_form(assessment, request.form)
    if form.validate_on_submit() and attempt(form, _coded(services.set_section_durations), current_user,
                                             assessment.id, form.durations()):
        flash(_("The timing of the sections is saved."), "success")
        return redirect(url_for(".assessment_detail", assessment_id=assessment.id))
    return _render_builder(assessment, timing_form=form)


@blueprint.route("/assessments/<int:assessment_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@login_required
def section_edit(assessment_id, section_id):
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    form = forms.SectionForm(obj=section, duration=section.duration_minutes)
    if form.validate_on_submit() and attempt(form, _coded(services.update_section), current_user, assessment.id,
                                             section.id, **form.changes()):
        flash(_("Section %(name)s is saved.", name=section.name), "success")
        return _to_section(assessment.id, section.id)
    return render("console/assessments/section_edit.html", form=form, assessment=assessment, section=section)


@blueprint.post("/assessments/<int:assessment_id>/sections/<int:section_id>/move")
@login_required
def section_move(assessment_id, section_id):
    """?direction=up or down: the section swaps places with its neighbour."""
    section = _section(_editable(assessment_id), section_id)
    offset = {"up": -1, "down": 1}.get(request.args.get("direction"))
    if offset is None:
        abort(400)
    services.move_section(current_user, assessment_id, section.id, offset)
    return _to_section(assessment_id, section.id)


@blueprint.post("/assessments/<int:assessment_id>/sections/<int:section_id>/delete")
@login_required
def section_delete(assessment_id, section_id):
    section = _section(_editable(assessment_id), section_id)
    name = section.name
    services.delete_section(current_user, assessment_id, section_id)
    flash(_("Section %(name)s is deleted.", name=name), "success")
    return redirect(url_for(".assessment_detail", assessment_id=assessment_id))


def _section_changed(assessment, section, notice: str):
    """After a change to one section: its new card for htmx, else back to the builder."""
    if _htmx():
        return _render_builder(assessment, swapped=section, notice=notice)
    flash(notice, "success")
    return _to_section(assessment.id, section.id)


@blueprint.post("/assessments/<int:assessment_id>/sections/<int:section_id>/rules")
@login_required
def rule_add(assessment_id, section_id):
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    skill_names = [skill.name for skill, _ in bank.list_skills(current_user)]
    form = forms.rule_form(section.id, skill_names, request.form)
    if form.validate_on_submit() and attempt(form, _coded(services.add_rule), current_user, assessment.id,
                                             section.id, form.rule()):
        return _section_changed(assessment, section, ngettext(
            "%(num)d question of %(skill)s is added to %(section)s.",
            "%(num)d questions of %(skill)s are added to %(section)s.", form.question_count.data,
            skill=form.skill.data, section=section.name))
    return _render_builder(assessment, rule_forms={section.id: form}, swapped=section)


@blueprint.get("/assessments/<int:assessment_id>/sections/<int:section_id>/rules/available")
@login_required
def rule_available(assessment_id, section_id):
    """How many active questions the add-rule form's current choices match (an htmx hint)."""
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    form = forms.rule_form(section.id, [skill.name for skill, _ in bank.list_skills(current_user)], request.args,
                           csrf=False)
    available = None
    if form.validate():
        skill = bank.skill_by_name(assessment.institute_id, form.skill.data)
        available = len(bank.matching_questions(
            assessment.institute_id, skill_id=skill.id, difficulty=form.difficulty.data,
            question_type=form.question_type.data or None, cefr_level=form.cefr_level.data or None))
    return render("console/assessments/_available.html", available=available)


@blueprint.post("/assessments/<int:assessment_id>/sections/<int:section_id>/rules/<int:rule_id>/delete")
@login_required
def rule_delete(assessment_id, section_id, rule_id):
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    services.delete_rule(current_user, assessment.id, section.id, rule_id)
    return _section_changed(assessment, section, _("The rule is removed from %(section)s.", section=section.name))


@blueprint.route("/assessments/<int:assessment_id>/sections/<int:section_id>/pick", methods=["GET", "POST"])
@login_required
def section_pick(assessment_id, section_id):
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    form = forms.PickForm()
    if form.validate_on_submit() and attempt(form, _coded(services.pick_questions), current_user, assessment.id,
                                             section.id, form.question_ids.data):
        flash(ngettext("%(num)d question is added to %(section)s.", "%(num)d questions are added to %(section)s.",
                       len(form.question_ids.data), section=section.name), "success")
        return _to_section(assessment.id, section.id)
    filters = forms.QuestionFilterForm([skill for skill, _ in bank.list_skills(current_user)], formdata=request.args)
    results = bank.search_questions(current_user, page=page_number(), **filters.filters())
    picked_in = {pick.question_id: other.name for other in assessment.sections for pick in other.picks}
    return render("console/assessments/pick.html", assessment=assessment, section=section, form=form, filters=filters,
                  results=results, picked_in=picked_in)


@blueprint.post("/assessments/<int:assessment_id>/sections/<int:section_id>/questions/<int:question_id>/remove")
@login_required
def question_remove(assessment_id, section_id, question_id):
    assessment = _editable(assessment_id)
    section = _section(assessment, section_id)
    services.unpick_question(current_user, assessment.id, section.id, question_id)
    return _section_changed(assessment, section, _("The question is removed from %(section)s.", section=section.name))


# Registration fields, preview ---------------------------------------------------------------------

@blueprint.route("/assessments/<int:assessment_id>/fields", methods=["GET", "POST"])
@login_required
def registration_fields(assessment_id):
    if request.method == "POST":
        require(current_user, Permission.EDIT_ASSESSMENTS)
    assessment = services.get_assessment(current_user, assessment_id)
    form = forms.registration_fields_form(assessment)
    if not form.edit_rows() and form.validate_on_submit() and attempt(
            form, _coded(services.set_registration_fields), current_user, assessment.id, form.fields()):
        flash(_("The registration fields are saved."), "success")
        return redirect(url_for(".assessment_detail", assessment_id=assessment.id))
    return render("console/assessments/fields.html", form=form, assessment=assessment)


@blueprint.get("/assessments/<int:assessment_id>/preview")
@login_required
def assessment_preview(assessment_id):
    show_key = request.args.get("key") == "1"
    assessment, paper, seed = services.preview_paper(current_user, assessment_id, request.args.get("seed", type=int),
                                                     with_key=show_key)
    return render("console/assessments/preview.html", assessment=assessment, paper=paper, seed=seed, show_key=show_key)


# The catalogue of pre-built tests -----------------------------------------------------------------

@blueprint.get("/assessments/catalogue")
@login_required
def catalogue():
    return render("console/assessments/catalogue.html", tests=prebuilt.catalogue(),
                  added=prebuilt.added_assessment_ids(current_user))


@blueprint.post("/assessments/catalogue/<slug>/add")
@login_required
def catalogue_add(slug):
    assessment = prebuilt.add_to_institute(current_user, slug)
    flash(_("%(name)s is now in your account, with its questions in your bank.", name=assessment.name), "success")
    return redirect(url_for(".assessment_detail", assessment_id=assessment.id))
