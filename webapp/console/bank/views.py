"""The question bank console: skills, the searchable question list, the question form and its preview."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import format_number, ngettext
from flask_login import current_user, login_required

from webapp.bank import media, services
from webapp.console.bank.forms import QuestionFilterForm, QuestionForm, SkillForm
from webapp.core.errors import Conflict
from webapp.core.permissions import Permission, require
from webapp.results import rescoring
from webapp.web import attempt, page_number, render
from webapp.web.media import send_media

blueprint = Blueprint("bank", __name__)


@blueprint.context_processor
def _media_limits():
    """The upload's size limits (MB by kind) for the question form's media dialog."""
    return {"media_limits": {kind.value: limit // media.MB for kind, limit in media.MAX_BYTES.items()}}


def _skills() -> list:
    return [skill for skill, _count in services.list_skills(current_user)]


# Skills -----------------------------------------------------------------------------------------

def _skill_page(new_form: SkillForm, edited: SkillForm | None = None, edited_id: int | None = None):
    skills = services.list_skills(current_user)
    forms = {skill.id: SkillForm(formdata=None, obj=skill, prefix=f"skill-{skill.id}") for skill, _ in skills}
    if edited is not None:
        forms[edited_id] = edited
    return render_template("console/bank/skill_list.html", skills=skills, forms=forms, new_form=new_form,
                           edited_id=edited_id)


@blueprint.get("/bank/skills")
@login_required
def skill_list():
    return _skill_page(SkillForm(prefix="new"))


@blueprint.post("/bank/skills/new")
@login_required
def skill_create():
    require(current_user, Permission.EDIT_BANK)
    form = SkillForm(prefix="new")
    if form.validate_on_submit():
        skill = attempt(form, services.create_skill, current_user, form.name.data, form.description.data)
        if skill:
            flash(_("The skill %(name)s is added.", name=skill.name), "success")
            return redirect(url_for("bank.skill_list"))
    return _skill_page(form)


@blueprint.post("/bank/skills/<int:skill_id>")
@login_required
def skill_update(skill_id):
    require(current_user, Permission.EDIT_BANK)
    skill = services.get_skill(current_user, skill_id)
    form = SkillForm(prefix=f"skill-{skill.id}")
    if form.validate_on_submit() and attempt(form, services.update_skill, current_user, skill.id,
                                             form.name.data, form.description.data):
        flash(_("The skill %(name)s is saved.", name=skill.name), "success")
        return redirect(url_for("bank.skill_list"))
    return _skill_page(SkillForm(prefix="new"), edited=form, edited_id=skill_id)


# Questions --------------------------------------------------------------------------------------

@blueprint.get("/bank/questions")
@login_required
def question_list():
    filters = QuestionFilterForm(_skills(), request.args)
    page = services.search_questions(current_user, **filters.criteria(), page=page_number())
    return render("console/bank/question_list.html", "console/bank/_question_rows.html", filters=filters, page=page)


def _question_form(**kwargs) -> QuestionForm:
    # A GET with values is the type <select> asking for the rows of another type, carrying the rows
    # typed so far; a plain GET shows the stored or default values.
    formdata = request.form if request.method == "POST" else (request.args or None)
    return QuestionForm(_skills(), formdata=formdata, type_switch=request.method != "POST" and bool(request.args),
                        **kwargs)


@blueprint.route("/bank/questions/new", methods=["GET", "POST"])
@login_required
def question_new():
    require(current_user, Permission.EDIT_BANK)
    form = _question_form()
    if form.validate_on_submit():
        question = attempt(form, services.create_question, current_user, form.question_input())
        if question:
            flash(_("Question %(id)s is saved.", id=question.id), "success")
            return redirect(url_for("bank.question_detail", question_id=question.id))
    return render("console/bank/question_form.html", "console/bank/_type_fields.html", form=form, question=None)


@blueprint.route("/bank/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(question_id):
    require(current_user, Permission.EDIT_BANK)
    question = services.get_question(current_user, question_id)
    form = _question_form(data=QuestionForm.data_of(services.question_input(question)))
    if form.validate_on_submit() and attempt(form, services.update_question, current_user, question.id,
                                             form.question_input()):
        flash(_("Question %(id)s is saved.", id=question.id), "success")
        return redirect(url_for("bank.question_detail", question_id=question.id))
    return render("console/bank/question_form.html", "console/bank/_type_fields.html", form=form, question=question)


@blueprint.get("/bank/questions/<int:question_id>")
@login_required
def question_detail(question_id):
    return render_template("console/bank/question_detail.html",
                           question=services.get_question(current_user, question_id),
                           outdated_results=rescoring.outdated_results(current_user, question_id))


@blueprint.get("/bank/questions/<int:question_id>/rescore")
@login_required
def question_rescore_preview(question_id):
    # htmx polls the run's progress partial while the worker re-scores.
    page = rescoring.rescore_page(current_user, question_id)
    return render("console/bank/rescore.html", "console/bank/_rescore_run.html", page=page, run=page.run,
                  rescore=page.preview)


@blueprint.post("/bank/questions/<int:question_id>/rescore")
@login_required
def question_rescore(question_id):
    rescore = rescoring.apply_rescore(current_user, question_id)
    if rescore.run is not None:
        flash(ngettext("%(count)s result is re-scored in the background; this page shows how far it got.",
                       "%(count)s results are re-scored in the background; this page shows how far it got.",
                       rescore.run.total, count=format_number(rescore.run.total)), "success")
        return redirect(url_for("bank.question_rescore_preview", question_id=question_id))
    flash(_("%(count)s result(s) re-scored with the current key: %(changed)s changed, %(outcomes)s outcome(s) changed.",
            count=len(rescore.sittings), changed=rescore.results_changing, outcomes=rescore.outcomes_changing),
          "success")
    return redirect(url_for("bank.question_detail", question_id=question_id))


@blueprint.post("/bank/questions/<int:question_id>/duplicate")
@login_required
def question_duplicate(question_id):
    copy = services.duplicate_question(current_user, question_id)
    flash(_("Question %(copy)s is a copy of question %(id)s; change what you need.", copy=copy.id, id=question_id),
          "success")
    return redirect(url_for("bank.question_edit", question_id=copy.id))


@blueprint.post("/bank/questions/<int:question_id>/retire")
@login_required
def question_retire(question_id):
    services.retire_question(current_user, question_id)
    flash(_("Question %(id)s is retired: no new assessment can use it.", id=question_id), "success")
    return redirect(url_for("bank.question_detail", question_id=question_id))


@blueprint.post("/bank/questions/<int:question_id>/reactivate")
@login_required
def question_reactivate(question_id):
    services.reactivate_question(current_user, question_id)
    flash(_("Question %(id)s is active again.", id=question_id), "success")
    return redirect(url_for("bank.question_detail", question_id=question_id))


@blueprint.post("/bank/questions/<int:question_id>/delete")
@login_required
def question_delete(question_id):
    try:
        services.delete_question(current_user, question_id)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("bank.question_detail", question_id=question_id))
    flash(_("Question %(id)s is deleted.", id=question_id), "success")
    return redirect(url_for("bank.question_list"))


# Media: the files question HTML shows, for the institute's staff; and the form's upload -----------

@blueprint.get("/media/<int:media_id>")
@blueprint.get("/media/<int:media_id>/<filename>")
@login_required
def media_file(media_id, filename=None):
    return send_media(media.get_media(current_user.institute_id, media_id))


@blueprint.post("/bank/media")
@login_required
def media_upload():
    """JSON for the form's script: {url, kind, filename}, or the error (the file named) as JSON."""
    request.max_content_length = media.MAX_UPLOAD_BYTES + 64 * 1024   # the form's fields besides the file
    upload = request.files.get("file")
    stored = media.upload_media(current_user, upload.filename if upload else "", upload.read() if upload else None)
    return {"url": media.media_url(stored), "kind": stored.kind.value, "filename": stored.filename}
