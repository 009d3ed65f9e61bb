"""The institute's certificate settings form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.results.models import CandidateIdentifier

IDENTIFIER_CHOICES = [
    SelectChoice(CandidateIdentifier.NONE.value, _l("None: the name only")),
    SelectChoice(CandidateIdentifier.USERNAME.value, _l("The candidate's username")),
    SelectChoice(CandidateIdentifier.EMAIL.value, _l("The candidate's e-mail address")),
    SelectChoice(CandidateIdentifier.REGISTRATION_FIELD.value, _l("The answer to a registration field (name it below)")),
]


class CertificateSettingsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Wording"), validators=[Optional()])
    signatory_name = StringField(_l("Signatory's name"), validators=[Optional(), Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[Optional(), Length(max=200)])
    signature = FileField(_l("Signature image (PNG or JPEG, up to 512 KB)"))
    remove_signature = BooleanField(_l("Remove the signature image"))
    identifier = SelectField(_l("Candidate identifier"), choices=IDENTIFIER_CHOICES,
                             default=CandidateIdentifier.NONE.value)
    identifier_field = StringField(_l("Registration field"), validators=[Optional(), Length(max=100)])

    def settings(self) -> dict:
        """The values for certificates.update_certificate_settings."""
        upload = self.signature.data
        return dict(title=self.title.data or "", body=self.body.data or "", signatory_name=self.signatory_name.data or "",
                    signatory_title=self.signatory_title.data or "", identifier=self.identifier.data,
                    identifier_field=self.identifier_field.data or "",
                    signature=upload.read() if upload and getattr(upload, "filename", "") else None,
                    remove_signature=self.remove_signature.data)
