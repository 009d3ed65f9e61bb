from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from webapp.accounts.models import ReleasePolicy
from webapp.core.i18n import LANGUAGES
from webapp.core.permissions import Role

ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, _l("Administrator: everything, including staff and institute settings")),
    SelectChoice(Role.EXAMINER.value, _l("Examiner: question bank, assessments, exams, grading")),
    SelectChoice(Role.PROCTOR.value, _l("Proctor: supervises exams of their pools")),
    SelectChoice(Role.SUPPORT.value, _l("Help desk: reads everything, changes nothing")),
]
# Each language in its own name, whatever the page's language.
LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])


class TwoFactorCodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class TwoFactorProofForm(FlaskForm):
    """The password and a code: proof enough to change or turn off two-factor sign-in."""
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    code = StringField(_l("Code from your app or a recovery code"), validators=[DataRequired(), Length(max=40)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirmation = PasswordField(_l("New password again"), validators=[DataRequired()])


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirmation = PasswordField(_l("Password again"), validators=[DataRequired()])


class PreferencesForm(FlaskForm):
    language = SelectField(_l("Language"),
                           choices=[SelectChoice("", _l("The institute's language")), *LANGUAGE_CHOICES], default="")


class InviteStaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.EXAMINER.value)


class EditStaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may log in)"))


class InstituteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    legal_name = StringField(_l("Legal name"), validators=[Optional(), Length(max=300)])
    address = TextAreaField(_l("Address"), validators=[Optional()])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=320)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=500)])
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, up to 100 KB)"))
    language = SelectField(_l("Language"),
                           choices=[SelectChoice("", _l("The browser's language")), *LANGUAGE_CHOICES], default="")
    time_zone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])
    blind_grading = BooleanField(_l("Blind grading: graders see no candidate names or e-mails"))
    require_two_factor = BooleanField(_l("Require two-factor sign-in of all staff (an authenticator app)"))
    default_release_policy = SelectField(_l("Release results to candidates (exams that do not choose)"),
                                         choices=lambda: [SelectChoice(policy.value, policy.label)
                                                          for policy in ReleasePolicy])
