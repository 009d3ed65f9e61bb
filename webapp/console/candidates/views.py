"""The candidates console: the searchable list (optionally across sub-institutes) and a candidate's page
with their details, the edit form and all their sittings."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.candidates import services
from webapp.console.candidates.forms import CandidateFilterForm, CandidateForm
from webapp.core.permissions import Permission, can, require
from webapp.sittings import services as sittings
from webapp.web import attempt, page_number, render

blueprint = Blueprint("candidates", __name__)


@blueprint.get("/candidates")
@login_required
def candidate_list():
    filters = CandidateFilterForm(formdata=request.args)
    criteria = filters.criteria()
    page = services.search_candidates(current_user, **criteria, page=page_number())
    institutes = (services.institute_names({candidate.institute_id for candidate in page.items})
                  if criteria["include_sub_institutes"] else None)
    return render("console/candidates/candidate_list.html", "console/candidates/_candidate_rows.html", page=page, filters=filters,
                  sittings=sittings.sitting_counts_by_candidate(current_user, [candidate.id for candidate in page.items]), institutes=institutes)


def _candidate_page(candidate, form: CandidateForm | None = None):
    # Only the institute's own candidates are edited here; a branch's are edited by the branch.
    editable = can(current_user, Permission.EDIT_CANDIDATES) and candidate.institute_id == current_user.institute_id
    if editable and form is None:
        form = CandidateForm(formdata=None, data=CandidateForm.data_of(candidate))
    return render_template("console/candidates/candidate_detail.html", candidate=candidate, form=form if editable else None,
                           sittings=sittings.candidate_sitting_rows(current_user, candidate))


@blueprint.get("/candidates/<int:candidate_id>")
@login_required
def candidate_detail(candidate_id):
    return _candidate_page(services.get_candidate(current_user, candidate_id))


@blueprint.post("/candidates/<int:candidate_id>")
@login_required
def candidate_update(candidate_id):
    require(current_user, Permission.EDIT_CANDIDATES)
    candidate = services.get_candidate(current_user, candidate_id, include_sub_institutes=False)
    form = CandidateForm()
    if form.validate_on_submit() and attempt(form, services.update_candidate, current_user, candidate.id,
                                             **form.changes()):
        flash(_("%(name)s is saved.", name=candidate.name), "success")
        return redirect(url_for(".candidate_detail", candidate_id=candidate.id))
    return _candidate_page(candidate, form)
