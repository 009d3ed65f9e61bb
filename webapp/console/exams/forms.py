"""Console forms of exams and of registering candidates. They only carry what staff typed; every rule
(E019, E020, E034, E789, the registration checks) lives in the services. Field names are the ones the
services name in their errors, so that a broken rule appears beside its field."""
from __future__ import annotations

import dataclasses

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, IntegerField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput

from webapp.accounts.models import ReleasePolicy
from webapp.console.assessments.forms import FilterForm
from webapp.console.bank.forms import optional_int
from webapp.core.i18n import LANGUAGES
from webapp.core.spreadsheets import decode_csv
from webapp.exams.models import AccessType, FixedAccessOption, IpRestriction, ScheduleType
from webapp.exams.services import ExamInput
from webapp.exams.windows import PLACE_NAMES
from webapp.sittings.models import SittingStatus
from webapp.web.forms import any_of

# The named zones offered as the time zone field is typed in (a datalist): only places, whose clocks follow
# daylight saving. A fixed offset such as UTC+05:30 (Mettl's form) may still be typed.
TIME_ZONES = PLACE_NAMES
LIST_FIELDS = ("ip_addresses", "grade_notification_recipients")
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]   # browsers send seconds when the time input has a step


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ExamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    assessment_id = SelectField(_l("Assessment"), coerce=optional_int,
                                validators=[DataRequired(_l("Choose the assessment to schedule."))])
    # Each language in its own name, as the language switchers offer it.
    language = SelectField(_l("Language of the candidate pages and e-mails"), default="", choices=[
        SelectChoice("", _l("The institute's language"))] + [
        SelectChoice(code, name) for code, name in LANGUAGES.items()])

    schedule_type = SelectField(_l("When"), default=ScheduleType.ALWAYS_ON.value, choices=[
        SelectChoice(ScheduleType.ALWAYS_ON.value, _l("Always on: candidates start at any time")),
        SelectChoice(ScheduleType.FIXED.value, _l("Fixed: only within a window"))])
    fixed_access_option = SelectField(_l("Window"), default=FixedAccessOption.EXACT_TIME.value, choices=[
        SelectChoice(FixedAccessOption.EXACT_TIME.value, _l("One window, from the start to the end")),
        SelectChoice(FixedAccessOption.SLOT_WISE.value, _l("A daily slot on each day of the range"))])
    starts_on_date = DateField(_l("Start date"), validators=[Optional()])
    ends_on_date = DateField(_l("End date"), validators=[Optional()])
    starts_on_time = TimeField(_l("Start time"), format=TIME_FORMATS, validators=[Optional()])
    ends_on_time = TimeField(_l("End time"), format=TIME_FORMATS, validators=[Optional()])
    # The id of the datalist exam_form.html fills with TIME_ZONES; the service says if a zone is unknown.
    time_zone = StringField(_l("Time zone"), validators=[Length(max=64)],
                            render_kw={"list": "time-zone-names", "autocomplete": "off", "spellcheck": "false"})
    time_zone_names = TIME_ZONES

    access_type = SelectField(_l("Access"), default=AccessType.OPEN_FOR_ALL.value, choices=[
        SelectChoice(AccessType.OPEN_FOR_ALL.value, _l("Open for all: anyone with the exam link registers")),
        SelectChoice(AccessType.BY_INVITATION.value,
                     _l("By invitation: only registered candidates, by their own links"))])
    email_on_invitation = BooleanField(_l("E-mail candidates their link when they are registered"))
    ip_restriction = SelectField(_l("IP restriction"), default=IpRestriction.NONE.value, choices=[
        SelectChoice(IpRestriction.NONE.value, _l("None: from anywhere")),
        SelectChoice(IpRestriction.SINGLE.value, _l("One address")),
        SelectChoice(IpRestriction.RANGE.value, _l("A list of ranges"))])
    ip_addresses = TextAreaField(_l("Allowed addresses"))

    image_proctoring = BooleanField(_l("Image proctoring (camera snapshots)"))
    candidate_auth_proctored = BooleanField(_l("Check the candidate's ID before the test"))
    web_proctoring_enabled = BooleanField(_l("Web proctoring (count leaving the test window)"))
    web_proctoring_count = IntegerField(_l("Times a candidate may leave the window"), default=3,
                                       validators=[Optional()])
    web_proctoring_show_remaining = BooleanField(_l("Show candidates how many times are left"), default=True)
    admission_required = BooleanField(_l("A proctor must admit each candidate"))
    allow_copy_paste = BooleanField(_l("Allow copy and paste"))
    exit_redirection_url = StringField(_l("Exit redirection URL"), validators=[Length(max=1000)])

    grade_notification_enabled = BooleanField(_l("E-mail the grades when a test is graded"))
    grade_notification_recipients = TextAreaField(_l("Recipients of the grades"))
    source_app = StringField(_l("Source application"), validators=[Length(max=200)])
    test_start_notification_url = StringField(_l("Test start callback URL"), validators=[Length(max=1000)])
    test_finish_notification_url = StringField(_l("Test finish callback URL"), validators=[Length(max=1000)])
    test_graded_notification_url = StringField(_l("Test graded callback URL"), validators=[Length(max=1000)])
    test_resume_enabled_for_expired_test_url = StringField(_l("Resume enabled (expired test) callback URL"),
                                                           validators=[Length(max=1000)])
    notify_client = BooleanField(_l("Notify the client application of these events"))
    release_policy = SelectField(_l("Release results to candidates"), default="")

    max_attempts = IntegerField(_l("Attempts per candidate"), default=1, validators=[Optional()])
    retake_wait_hours = IntegerField(_l("Hours to wait before a retake"), default=0, validators=[Optional()])

    def __init__(self, assessments: list[tuple[int, str]], default_release_policy: ReleasePolicy, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment_id.choices = [any_of(_("Choose an assessment"))] + [
            SelectChoice(assessment_id, name) for assessment_id, name in assessments]
        self.release_policy.choices = [
            SelectChoice("", _("The institute's default: %(policy)s", policy=default_release_policy.label))] + [
            SelectChoice(policy.value, policy.label) for policy in ReleasePolicy]

    @staticmethod
    def data_of(exam: ExamInput) -> dict:
        """The form's values for a stored exam."""
        values = dataclasses.asdict(exam)
        for name in LIST_FIELDS:
            values[name] = "\n".join(values[name])
        values["release_policy"] = values["release_policy"] or ""   # the select's "institute's default"
        return values

    def exam_input(self) -> ExamInput:
        values = {item.name: self[item.name].data for item in dataclasses.fields(ExamInput)}
        for name in LIST_FIELDS:
            values[name] = _lines(values[name])
        return ExamInput(**values)


class ExamFilterForm(FilterForm):
    text = StringField(_l("Name"))
    assessment_id = SelectField(_l("Assessment"), default="")

    def __init__(self, assessments: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment_id.choices = [any_of(_("All assessments"))] + [
            SelectChoice(str(assessment_id), name) for assessment_id, name in assessments]

    def criteria(self) -> dict:
        """The keyword arguments of services.list_exams."""
        values = self.filters()
        return {"text": values["text"] or "", "assessment_id": values["assessment_id"] or None}


class SittingFilterForm(FilterForm):
    text = StringField(_l("Candidate"))
    status = SelectField(_l("Status"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: the labels are read in the page's language.
        self.status.choices = [any_of(_("All statuses"))] + [
            SelectChoice(status.value, status.label) for status in SittingStatus]

    def criteria(self) -> dict:
        """The keyword arguments of sittings.services.exam_sittings."""
        values = self.filters()
        return {"text": values["text"] or "", "status": values["status"] or None}


class InvitationForm(FlaskForm):
    """The ticked sittings, or every sitting not yet started when `send_all` is pressed."""

    sitting_ids = SelectMultipleField(_l("Candidates"), coerce=int, validate_choice=False)
    send_all = BooleanField()

    def validate_sitting_ids(self, field):
        if not (self.send_all.data or field.data):
            raise ValidationError(_("Tick the candidates to invite first."))


class ProctorPoolForm(FlaskForm):
    proctors = SelectMultipleField(_l("Proctors"), coerce=int, option_widget=CheckboxInput())

    def __init__(self, staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Translators: a staff member in the list of possible proctors, e.g. "Pia Berg (Proctor)".
        self.proctors.choices = [SelectChoice(user.id, _("%(name)s (%(role)s)", name=user.name, role=user.role.label))
                                 for user in staff]


# Registering candidates ---------------------------------------------------------------------------

class BulkRegistrationForm(FlaskForm):
    csv_text = TextAreaField(_l("Paste the rows"))
    csv_file = FileField(_l("Or upload a .csv file"))
    send_email = BooleanField(_l("Send the invitation e-mails now"))

    def __init__(self, **kwargs):
        super().__init__(prefix="bulk", **kwargs)

    def csv_content(self) -> str:
        return decode_csv(self.csv_file.data.read()) if self.csv_file.data else self.csv_text.data
