from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class MailWordingForm(FlaskForm):
    # Lengths and placeholders are the service's rules (notifications/mail_templates.py).
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Text"))


class ReminderForm(FlaskForm):
    hours_before_opening = StringField(_l("Hours before the window opens"))
    hours_before_closing = StringField(_l("Hours before the window closes"))
