"""White-labelling in the console: the candidate pages' colours (each text colour checked against its
background for WCAG contrast by the service), the favicon, the cover image, the support numbers and the
custom test address, with a preview of the candidate page in the saved colours."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts import services
from webapp.console.branding.forms import BrandingForm
from webapp.web import attempt

blueprint = Blueprint("branding_console", __name__, url_prefix="/institute/branding")


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def branding():
    label = services.branding_settings(current_user)
    form = BrandingForm(data=services.branding_form_values(label))
    if form.validate_on_submit():
        numbers = [number for number in (form.first_support_number.data, form.second_support_number.data) if number]
        images = {kind: getattr(form, kind).data.read() for kind in ("favicon", "cover")
                  if getattr(form, kind).data and getattr(form, kind).data.filename}
        saved = attempt(form, services.update_white_label, current_user,
                        settings={field: getattr(form, field).data or "" for field in services.BRANDING_FIELDS},
                        support_numbers=numbers or None, images=images)
        if saved:
            flash(_("The candidate pages' branding is saved."), "success")
            return redirect(url_for("branding_console.branding"))
    return render_template("console/branding/branding.html", form=form, label=label,
                           institute=current_user.institute, theme_version=services.theme_version(current_user.institute_id))
