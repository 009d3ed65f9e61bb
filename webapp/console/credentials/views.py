"""The console's API page: the institute's credentials (issue, with the secrets shown once; revoke; when
each was last used). The readable API documentation is the API's own (webapp/api/docs.py)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts import credentials as services
from webapp.console.credentials.forms import CredentialForm
from webapp.web import attempt

blueprint = Blueprint("api_console", __name__)


def _page(form: CredentialForm, issued: services.IssuedSecrets | None = None):
    return render_template("console/api/credentials.html", form=form, issued=issued,
                           credentials=services.list_credentials(current_user))


@blueprint.get("/settings/api")
@login_required
def credentials():
    return _page(CredentialForm())


@blueprint.post("/settings/api")
@login_required
def create():
    """The secrets are on this one answer only: the page is rendered, never redirected to."""
    form = CredentialForm()
    issued = None
    if form.validate_on_submit():
        created = attempt(form, services.create_credential, current_user, role=form.role.data, name=form.name.data)
        if created:
            issued = created[1]
            form = CredentialForm(formdata=None)
    return _page(form, issued)


@blueprint.post("/settings/api/<int:credential_id>/revoke")
@login_required
def revoke(credential_id):
    credential = services.revoke_credential(current_user, credential_id)
    flash(_("The credential %(key)s is revoked; requests made with it are refused.", key=credential.access_key),
          "success")
    return redirect(url_for("api_console.credentials"))
