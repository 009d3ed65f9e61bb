"""The console's form for issuing an API credential."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from webapp.core.permissions import Role


class CredentialForm(FlaskForm):
    name = StringField("Label", validators=[Length(max=200)],
                       description="What the credential is for, e.g. the system that uses it.")
    role = SelectField("Access", choices=[SelectChoice(Role.ADMIN.value, "Read and write (admin)"),
                                          SelectChoice(Role.SUPPORT.value, "Read only (support)")],
                       default=Role.ADMIN.value)
