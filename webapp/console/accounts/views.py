"""Log in and out, the dashboard, one's own password, staff management and institute settings."""
import hashlib

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from webapp.accounts import services, two_factor
from webapp.console.accounts.forms import (ChangePasswordForm, EditStaffForm, ForgotPasswordForm, InstituteForm,
                                           InviteStaffForm, LoginForm, PreferencesForm, SetPasswordForm,
                                           TwoFactorCodeForm, TwoFactorProofForm)
from webapp.core.clock import utcnow
from webapp.core.extensions import limiter
from webapp.core.permissions import MATRIX, Permission, Role, require
from webapp.results import dashboard as dashboards
from webapp.web import attempt, safe_next_url
from webapp.web.language import forget_chosen_language

blueprint = Blueprint("accounts", __name__)

LOGIN_FAILED = _l("Unknown e-mail or wrong password.")
# The session key of a sign-in whose password was right and whose second factor is awaited.
PENDING_SIGN_IN = "pending_sign_in"
# What a staff member who must first enrol in two-factor sign-in may still open.
OPEN_WHILE_ENROLLING = {"static", "accounts.logout", "accounts.two_factor_settings", "accounts.two_factor_begin",
                        "accounts.two_factor_confirm", "accounts.two_factor_qr_code", None}
OUTSIDE_THE_CONSOLE = {"candidate", "branding", "health", "mettl_v1", "euro_v1", "lti", "api_docs"}


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
        elif user.has_two_factor:
            # The password was right; the code comes next, within two_factor.PENDING_SIGN_IN_SECONDS.
            session[PENDING_SIGN_IN] = {"user": user.id, "at": utcnow().timestamp(), "next": form.next.data or ""}
            return redirect(url_for("accounts.login_code"))
        else:
            login_user(user)
            return redirect(safe_next_url(form.next.data, url_for("accounts.dashboard")))
    return render_template("console/accounts/login.html", form=form)


def _two_factor_rate_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _code_owner() -> str:
    """Whose codes are counted: the account signing in or signed in, whichever browser tries them."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"user:{(session.get(PENDING_SIGN_IN) or {}).get('user')}"


def _codes_limited() -> str:
    return _("Too many codes tried. Please wait a minute and try again.")


code_limit = limiter.shared_limit(_two_factor_rate_limit, scope="two-factor", key_func=_code_owner, methods=["POST"],
                                  error_message=_codes_limited)


@blueprint.route("/login/code", methods=["GET", "POST"])
@code_limit
def login_code():
    pending = session.get(PENDING_SIGN_IN) or {}
    user = two_factor.pending_sign_in(pending.get("user"), pending.get("at"))
    if user is None:
        session.pop(PENDING_SIGN_IN, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if two_factor.finish_sign_in(user, form.code.data) is None:
            form.code.errors = [str(two_factor.WRONG_CODE)]
        else:
            session.pop(PENDING_SIGN_IN, None)
            login_user(user)
            return redirect(safe_next_url(pending.get("next"), url_for("accounts.dashboard")))
    return render_template("console/accounts/login_code.html", form=form)


def _reset_rate_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_ip_rate_limit() -> str:
    return current_app.config["PASSWORD_RESET_IP_RATE_LIMIT"]


def _reset_address() -> str:
    # Hashed: the counters' storage may be shared and should not list people's addresses.
    return hashlib.sha256((request.form.get("email") or "").strip().lower().encode()).hexdigest()


def _reset_limited() -> str:
    return _("Too many password reset requests. Please wait an hour and try again.")


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_ip_rate_limit, methods=["POST"], error_message=_reset_limited)
@limiter.limit(_reset_rate_limit, methods=["POST"], key_func=_reset_address, error_message=_reset_limited)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same words whether the address is known or not.
        flash(_("If %(email)s belongs to an account, an e-mail with a link to choose a new password is on its way.",
                email=form.email.data.strip()), "info")
        return redirect(url_for("accounts.login"))
    return render_template("console/accounts/forgot_password.html", form=form)


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


@blueprint.before_app_request
def enrol_first():
    """Where the institute requires two-factor sign-in, a staff member without it sets it up before anything else."""
    # The door first: a candidate's request (thousands a minute) loads no staff member.
    if (request.blueprint not in OUTSIDE_THE_CONSOLE and request.endpoint not in OPEN_WHILE_ENROLLING
            and current_user.is_authenticated and two_factor.enrolment_required(current_user)):
        flash(_("Your institute requires two-factor sign-in. Set it up to continue."), "info")
        return redirect(url_for("accounts.two_factor_settings"))
    return None


@blueprint.get("/account/two-factor")
@login_required
def two_factor_settings():
    return render_template("console/accounts/two_factor.html", proof=TwoFactorProofForm(),
                           unused_codes=two_factor.unused_recovery_codes(current_user),
                           required=two_factor.enrolment_required(current_user))


@blueprint.post("/account/two-factor/begin")
@login_required
def two_factor_begin():
    two_factor.begin_enrolment(current_user)
    return redirect(url_for("accounts.two_factor_confirm"))


@blueprint.route("/account/two-factor/confirm", methods=["GET", "POST"])
@login_required
@code_limit
def two_factor_confirm():
    secret = two_factor.pending_secret(current_user)
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        codes = attempt(form, two_factor.confirm_enrolment, current_user, form.code.data)
        if codes:
            flash(_("Two-factor sign-in is on."), "success")
            return render_template("console/accounts/recovery_codes.html", codes=codes)
    return render_template("console/accounts/two_factor_confirm.html", form=form, secret=secret)


@blueprint.get("/account/two-factor/qr.svg")
@login_required
def two_factor_qr_code():
    return Response(two_factor.qr_code_svg(current_user), mimetype="image/svg+xml")


@blueprint.post("/account/two-factor/recovery-codes")
@login_required
@code_limit
def two_factor_recovery_codes():
    form = TwoFactorProofForm()
    codes = form.validate_on_submit() and attempt(form, two_factor.regenerate_recovery_codes, current_user,
                                                  password=form.password.data, code=form.code.data)
    if codes:
        return render_template("console/accounts/recovery_codes.html", codes=codes)
    return _two_factor_refused(form)


@blueprint.post("/account/two-factor/disable")
@login_required
@code_limit
def two_factor_disable():
    form = TwoFactorProofForm()
    if form.validate_on_submit() and attempt(form, two_factor.disable, current_user, password=form.password.data,
                                             code=form.code.data):
        flash(_("Two-factor sign-in is off."), "success")
        return redirect(url_for("accounts.two_factor_settings"))
    return _two_factor_refused(form)


def _two_factor_refused(form: TwoFactorProofForm):
    return render_template("console/accounts/two_factor.html", proof=form,
                           unused_codes=two_factor.unused_recovery_codes(current_user),
                           required=two_factor.enrolment_required(current_user)), 400


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


@blueprint.post("/staff/<int:user_id>/reset-two-factor")
@login_required
def staff_reset_two_factor(user_id):
    user = two_factor.reset_for_colleague(current_user, user_id)
    flash(_("The two-factor sign-in of %(name)s is off.", name=user.name), "success")
    return redirect(url_for("accounts.staff_edit", user_id=user.id))


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
