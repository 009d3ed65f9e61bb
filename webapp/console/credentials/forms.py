"""The console's form for issuing an API credential."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from webapp.core.permissions import Role


class CredentialForm(FlaskForm):
    name = StringField(_l("Label"), validators=[Length(max=200)],
                       description=_l("What the credential is for, e.g. the system that uses it."))
    role = SelectField(_l("Access"), choices=[SelectChoice(Role.ADMIN.value, _l("Read and write (admin)")),
                                              SelectChoice(Role.SUPPORT.value, _l("Read only (support)"))],
                       default=Role.ADMIN.value)
