from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

COLOR_HINT = "#1a5fb4"


class BrandingForm(FlaskForm):
    header_background_color = StringField(_l("Header colour"), validators=[Optional(), Length(max=7)])
    header_font_color = StringField(_l("Header text colour"), validators=[Optional(), Length(max=7)])
    button_color = StringField(_l("Button colour"), validators=[Optional(), Length(max=7)])
    button_font_color = StringField(_l("Button text colour"), validators=[Optional(), Length(max=7)])
    custom_test_url = StringField(_l("Custom test address"), validators=[Optional(), Length(max=100)])
    first_support_number = StringField(_l("Support telephone number"), validators=[Optional(), Length(max=30)])
    second_support_number = StringField(_l("Second support telephone number"), validators=[Optional(), Length(max=30)])
    favicon = FileField(_l("Favicon (PNG or ICO, up to 10 KB)"))
    cover = FileField(_l("Cover image behind the candidate pages (JPEG, PNG or GIF, up to 2 MB)"))
