"""The console's form for registering a learning platform (LTI 1.3)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)], description=_l("What your staff call it, e.g. Campus Moodle."))
    issuer = StringField(_l("Issuer"), validators=[Length(max=500)],
                         description=_l("The platform's issuer (iss), e.g. https://moodle.example.edu."))
    client_id = StringField(_l("Client ID"), validators=[Length(max=255)])
    deployment_ids = TextAreaField(_l("Deployment IDs"), description=_l("One a line."))
    auth_login_url = StringField(_l("Authentication request URL"), validators=[Length(max=1000)])
    jwks_url = StringField(_l("Public keyset URL"), validators=[Length(max=1000)])
    token_url = StringField(_l("Access token URL"), validators=[Length(max=1000)])
