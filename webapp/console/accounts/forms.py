from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from webapp.accounts.models import ReleasePolicy
from webapp.core.permissions import Role

ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, "Administrator: everything, including staff and institute settings"),
    SelectChoice(Role.EXAMINER.value, "Examiner: question bank, assessments, exams, grading"),
    SelectChoice(Role.PROCTOR.value, "Proctor: supervises exams of their pools"),
    SelectChoice(Role.SUPPORT.value, "Support: read-only help desk"),
]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirmation = PasswordField("New password again", validators=[DataRequired()])


class SetPasswordForm(FlaskForm):
    new_password = PasswordField("Password", validators=[DataRequired()])
    confirmation = PasswordField("Password again", validators=[DataRequired()])


class InviteStaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.EXAMINER.value)


class EditStaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (may log in)")


class InstituteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    legal_name = StringField("Legal name", validators=[Optional(), Length(max=300)])
    address = TextAreaField("Address", validators=[Optional()])
    country = StringField("Country (ISO code)", validators=[Optional(), Length(max=2)])
    contact_email = EmailField("Contact e-mail", validators=[Optional(), Length(max=320)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    website = StringField("Website", validators=[Optional(), Length(max=500)])
    logo = FileField("Logo (PNG, JPEG, GIF or WebP, up to 100 KB)")
    blind_grading = BooleanField("Blind grading: graders see no candidate names or e-mails")
    default_release_policy = SelectField("Release results to candidates (exams that do not choose)",
                                         choices=[SelectChoice(policy.value, policy.label) for policy in ReleasePolicy])
