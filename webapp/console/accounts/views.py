"""Log in and out, the dashboard, one's own password, staff management and institute settings."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from webapp.accounts import services
from webapp.console.accounts.forms import (ChangePasswordForm, EditStaffForm, InstituteForm, InviteStaffForm, LoginForm,
                                           PreferencesForm, SetPasswordForm)
from webapp.core.extensions import limiter
from webapp.core.permissions import MATRIX, Permission, Role, require
from webapp.results import dashboard as dashboards
from webapp.web import attempt, safe_next_url
from webapp.web.language import forget_chosen_language

blueprint = Blueprint("accounts", __name__)

LOGIN_FAILED = _l("Unknown e-mail or wrong password.")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(url_for("accounts.dashboard"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(str(LOGIN_FAILED))
        else:
            login_user(user)
            return redirect(safe_next_url(form.next.data, url_for("accounts.dashboard")))
    return render_template("console/accounts/login.html", form=form)


@blueprint.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.get("/")
@login_required
def dashboard():
    return render_template("console/accounts/dashboard.html", board=dashboards.dashboard(current_user))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit() and attempt(
        form, services.change_password, current_user,
        current=form.current_password.data, new=form.new_password.data, confirmation=form.confirmation.data,
    ):
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("accounts.dashboard"))
    return render_template("console/accounts/change_password.html", form=form,
                           min_length=services.MIN_PASSWORD_LENGTH)


@blueprint.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit() and attempt(form, services.set_own_language, current_user, form.language.data):
        # The choice saved here outranks one made earlier with a page's language links.
        forget_chosen_language()
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("accounts.preferences"))
    return render_template("console/accounts/preferences.html", form=form)


@blueprint.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    user = services.user_for_password_token(token)
    form = SetPasswordForm()
    if form.validate_on_submit() and attempt(
        form, services.set_password_with_token, token, form.new_password.data, form.confirmation.data
    ):
        logout_user()
        flash(_("Your password is set. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("console/accounts/set_password.html", form=form, user=user,
                           min_length=services.MIN_PASSWORD_LENGTH)


@blueprint.get("/staff")
@login_required
def staff_list():
    return render_template("console/accounts/staff_list.html", staff=services.list_staff(current_user),
                           form=InviteStaffForm(), roles=list(Role), permissions=list(Permission), matrix=MATRIX)


@blueprint.route("/staff/invite", methods=["GET", "POST"])
@login_required
def staff_invite():
    require(current_user, Permission.MANAGE_STAFF)
    form = InviteStaffForm()
    if form.validate_on_submit():
        user = attempt(form, services.invite_staff, current_user,
                       email=form.email.data, name=form.name.data, role=form.role.data)
        if user:
            flash(_("%(name)s is invited; an e-mail with a link to choose a password is on its way.", name=user.name),
                  "success")
            return redirect(url_for("accounts.staff_list"))
    return render_template("console/accounts/staff_invite.html", form=form)


@blueprint.route("/staff/<int:user_id>", methods=["GET", "POST"])
@login_required
def staff_edit(user_id):
    member = services.get_staff(current_user, user_id)
    form = EditStaffForm(obj=member, role=member.role.value)
    if form.validate_on_submit():
        if attempt(form, services.update_staff, current_user, user_id,
                   name=form.name.data, role=form.role.data, active=form.active.data):
            flash(_("%(name)s is updated.", name=member.name), "success")
            return redirect(url_for("accounts.staff_list"))
    return render_template("console/accounts/staff_edit.html", form=form, member=member)


@blueprint.post("/staff/<int:user_id>/resend-invitation")
@login_required
def staff_resend_invitation(user_id):
    user = services.resend_invitation(current_user, user_id)
    flash(_("A new invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.staff_list"))


@blueprint.route("/institute", methods=["GET", "POST"])
@login_required
def institute_settings():
    require(current_user, Permission.MANAGE_INSTITUTE)
    institute = current_user.institute
    form = InstituteForm(obj=institute)
    if form.validate_on_submit():
        details = {field: getattr(form, field).data for field in services.INSTITUTE_FIELDS}
        saved = attempt(form, services.update_institute, current_user, **details)
        logo = form.logo.data
        if saved and logo and logo.filename:
            saved = attempt(form, services.set_logo, current_user, logo.read())
        if saved:
            flash(_("The institute's details are saved."), "success")
            return redirect(url_for("accounts.institute_settings"))
    return render_template("console/accounts/institute.html", form=form, institute=institute,
                           time_zones=services.time_zones())


@blueprint.get("/institute/logo")
@login_required
def institute_logo():
    institute = current_user.institute
    if not institute.logo:
        abort(404)
    response = Response(institute.logo, mimetype=institute.logo_mimetype)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
