"""Console forms for assessments. They only shape the input; every rule lives in services.check_definition."""
import dataclasses

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField, SelectChoice,
                     SelectField, SelectMultipleField, StringField, TextAreaField, URLField)
from wtforms.validators import DataRequired, Length, Optional

from webapp.assessments.models import AssessmentKind, FieldType
from webapp.assessments.services import (ADAPTIVE_DEFAULTS, EMAIL_FIELD, START_FROM_CANDIDATE, FieldInput, RuleInput,
                                         SectionInput, assessment_input, default_placement_bands)
from webapp.bank.models import CefrLevel, Difficulty, QuestionType
from webapp.console.bank.forms import labelled_choices
from webapp.web.forms import any_of

KIND_CHOICES = [
    SelectChoice(AssessmentKind.STANDARD.value, _l("Standard: a score")),
    SelectChoice(AssessmentKind.PLACEMENT.value, _l("Placement: a CEFR level from the score")),
    SelectChoice(AssessmentKind.CERTIFICATION.value, _l("Certification: pass or fail at a target level")),
]
LEVEL_CHOICES = [SelectChoice(level.value) for level in CefrLevel]
DIFFICULTY_CHOICES = labelled_choices(Difficulty)
TYPE_CHOICES = labelled_choices(QuestionType)


class RowsForm(FlaskForm):
    """A form with repeating rows (a FieldList of subforms). Its "Add a row" and "Remove" buttons are
    submit buttons, so that they work without JavaScript: the view re-renders the form with the row
    added or removed instead of saving. With JavaScript, app.js does the same in the page."""

    rows_name: str
    row_form: type[Form]

    def row_template(self) -> Form:
        """An empty row named with `__index__`, for the <template> that app.js clones."""
        return self.row_form(prefix=f"{self.rows_name}-__index__-")

    def edit_rows(self) -> bool:
        """Apply an add/remove button press to the rows; True when one was pressed (nothing to save)."""
        if not self.is_submitted():
            return False
        rows = getattr(self, self.rows_name)
        if "add_row" in request.form:
            rows.append_entry()
            return True
        remove = request.form.get("remove_row")
        if remove is not None:
            rows.entries = [entry for entry in rows.entries if entry.name != remove]
            return True
        return False


# Settings ---------------------------------------------------------------------------------------

class BandForm(Form):
    level = SelectField(_l("Level"), choices=[any_of("-")] + LEVEL_CHOICES, validators=[Optional()])
    min_percent = FloatField(_l("Reached at %"), validators=[Optional()])


class FilterForm(FlaskForm):
    """Search filters of a list page: read from the query string, so without a CSRF token."""

    class Meta:
        csrf = False

    def filters(self) -> dict:
        """The filter values, keeping only choices a select offers: a tampered query string is ignored."""
        return {name: (value if self[name].type != "SelectField" or value in self._offered(self[name]) else "")
                for name, value in self.data.items()}

    @staticmethod
    def _offered(select: SelectField) -> set[str]:
        return {value for value, *_ in select.iter_choices()}


class AssessmentFilterForm(FilterForm):
    text = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), choices=[any_of(_l("All kinds"))] + labelled_choices(AssessmentKind))


class AssessmentForm(RowsForm):
    """The assessment's settings: used to create one (with its first section) and to edit them."""

    rows_name = "placement_bands"
    row_form = BandForm

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default=AssessmentKind.STANDARD.value)
    duration = IntegerField(_l("Duration (minutes)"), validators=[Optional()])
    instructions = TextAreaField(_l("Instructions for candidates"), validators=[Optional()])
    allow_copy_paste = BooleanField(_l("Allow copy and paste"))
    exit_redirection_url = URLField(_l("Exit redirection URL"), validators=[Optional(), Length(max=1000)])
    show_report_to_candidate_on_exit = BooleanField(_l("Show the report to the candidate on exit"))
    show_answers_in_report = BooleanField(_l("Show the answers in the candidate's report"))
    on_screen_calculator = BooleanField(_l("On-screen calculator"))
    target_level = SelectField(_l("Target level"), choices=[any_of("-")] + LEVEL_CHOICES, validators=[Optional()])
    pass_mark_percent = FloatField(_l("Pass mark (%)"), validators=[Optional()])
    certificate_validity_months = IntegerField(_l("Certificates valid for (months)"), validators=[Optional()])
    placement_bands = FieldList(FormField(BandForm))
    adaptive = BooleanField(_l("Adaptive: one question at a time, each chosen from the answers so far"))
    adaptive_start_level = SelectField(_l("Start at"), choices=[
        SelectChoice("", _l("The middle of the scale (B1)")),
        SelectChoice(START_FROM_CANDIDATE, _l("The candidate's current level (else B1)")), *LEVEL_CHOICES],
        validators=[Optional()])
    adaptive_min_items = IntegerField(_l("Fewest questions"), validators=[Optional()])
    adaptive_max_items = IntegerField(_l("Most questions"), validators=[Optional()])
    adaptive_target_standard_error = FloatField(_l("Stop at a standard error of (logits)"), validators=[Optional()])
    adaptive_exposure_choices = IntegerField(_l("Draw each question from the best"), validators=[Optional()])
    adaptive_skill_shares = TextAreaField(_l("Share of the questions by skill"), validators=[Optional()])
    section_name = StringField(_l("Name of the first section"), default=_l("Section 1"),
                               validators=[DataRequired(), Length(max=200)])

    def settings(self) -> dict:
        """The values for services.update_settings / AssessmentInput; empty band rows are dropped."""
        return dict(
            name=self.name.data, kind=self.kind.data, duration=self.duration.data,
            instructions=self.instructions.data or "", allow_copy_paste=self.allow_copy_paste.data,
            exit_redirection_url=self.exit_redirection_url.data or "",
            show_report_to_candidate_on_exit=self.show_report_to_candidate_on_exit.data,
            show_answers_in_report=self.show_answers_in_report.data,
            on_screen_calculator=self.on_screen_calculator.data,
            target_level=self.target_level.data or None, pass_mark_percent=self.pass_mark_percent.data,
            certificate_validity_months=self.certificate_validity_months.data,
            placement_bands=[{"level": band.level.data, "min_percent": band.min_percent.data}
                             for band in (entry.form for entry in self.placement_bands)
                             if band.level.data or band.min_percent.data is not None],
            adaptive=self.adaptive_settings() if self.adaptive.data else None,
        )

    def adaptive_settings(self) -> dict:
        """The adaptive fields as services.check_adaptive reads them; the shares one "skill: share" a line."""
        shares = {}
        for line in (self.adaptive_skill_shares.data or "").splitlines():
            if line.strip():
                name, __, share = line.rpartition(":")
                shares[name.strip() or share.strip()] = share.strip() if name.strip() else None
        return {"start_level": self.adaptive_start_level.data or "", "min_items": self.adaptive_min_items.data,
                "max_items": self.adaptive_max_items.data,
                "target_standard_error": self.adaptive_target_standard_error.data,
                "exposure_choices": self.adaptive_exposure_choices.data, "skill_shares": shares}


class SettingsForm(AssessmentForm):
    """Editing settings: the sections are edited in the builder."""

    section_name = None


def new_assessment_form() -> AssessmentForm:
    return AssessmentForm(data={"placement_bands": default_placement_bands(), **adaptive_fields(ADAPTIVE_DEFAULTS)})


def settings_form(assessment) -> SettingsForm:
    """The stored settings; the default bands and adaptive settings are offered for a switch to them."""
    settings = dataclasses.asdict(assessment_input(assessment))
    settings["placement_bands"] = settings["placement_bands"] or default_placement_bands()
    adaptive = settings.pop("adaptive")
    settings.update(adaptive_fields(adaptive or ADAPTIVE_DEFAULTS), adaptive=adaptive is not None)
    return SettingsForm(data=settings)


def adaptive_fields(adaptive: dict) -> dict:
    return {**{f"adaptive_{name}": value for name, value in adaptive.items() if name != "skill_shares"},
            "adaptive_skill_shares": "\n".join(f"{name}: {share:g}"
                                                for name, share in adaptive["skill_shares"].items())}


# Sections and rules -----------------------------------------------------------------------------

class SectionForm(FlaskForm):
    name = StringField(_l("Section name"), validators=[DataRequired(), Length(max=200)])
    duration = IntegerField(_l("Duration (minutes, for a timed section)"), validators=[Optional()])
    instructions = TextAreaField(_l("Instructions"), validators=[Optional()])
    all_questions_mandatory = BooleanField(_l("Every question must be answered"))
    randomize_questions = BooleanField(_l("Shuffle the questions for each candidate"))

    def changes(self) -> dict:
        return dict(name=self.name.data, duration=self.duration.data, instructions=self.instructions.data or "",
                    all_questions_mandatory=self.all_questions_mandatory.data,
                    randomize_questions=self.randomize_questions.data)

    def section(self) -> SectionInput:
        return SectionInput(**self.changes())


class SectionTimingRow(Form):
    section_id = HiddenField()
    duration = IntegerField(_l("Minutes"), validators=[Optional()])


class TimingForm(FlaskForm):
    """Every section's duration at once: the sections are all timed or none is (rule E703)."""

    sections = FieldList(FormField(SectionTimingRow))

    def durations(self) -> dict:
        return {entry.form.section_id.data: entry.form.duration.data for entry in self.sections}


def timing_form(assessment, formdata=None) -> TimingForm:
    """Blank unless given the submitted data; each row is labelled with its section's name."""
    rows = [{"section_id": s.id, "duration": s.duration_minutes} for s in assessment.sections]
    form = TimingForm(formdata=formdata, data={"sections": rows}, prefix="timing")
    names = {str(s.id): s.name for s in assessment.sections}
    for entry in form.sections:
        name = names.get(str(entry.form.section_id.data)) or _("Section")
        entry.form.duration.label.text = _("%(section)s (minutes)", section=name)
    return form


class RuleForm(FlaskForm):
    """Draw questions of one skill from the bank. Skills are chosen by name, as the rules store them."""

    skill = SelectField(_l("Skill"), choices=[])
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES)
    question_type = SelectField(_l("Type"), choices=[any_of(_l("All types"))] + TYPE_CHOICES, validators=[Optional()])
    cefr_level = SelectField(_l("Level"), choices=[any_of(_l("Any level"))] + LEVEL_CHOICES, validators=[Optional()])
    question_count = IntegerField(_l("Questions"), default=1, validators=[Optional()])
    correct_grade = FloatField(_l("Correct"), default=1.0, validators=[Optional()])
    incorrect_grade = FloatField(_l("Incorrect"), default=0.0, validators=[Optional()])
    pooling = BooleanField(_l("Each candidate draws their own (pooling)"), default=True)

    def __init__(self, skill_names: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill.choices = [SelectChoice(name) for name in skill_names]

    def rule(self) -> RuleInput:
        return RuleInput(
            skill=self.skill.data, difficulty=self.difficulty.data, question_count=self.question_count.data,
            question_type=self.question_type.data or None, cefr_level=self.cefr_level.data or None,
            correct_grade=self.correct_grade.data, incorrect_grade=self.incorrect_grade.data,
            pooling=self.pooling.data)


def rule_form(section_id: int, skill_names: list[str], formdata=None, csrf: bool = True) -> RuleForm:
    """The add-rule form of one section, blank unless given the submitted data. The prefix keeps the
    ids of the forms of several sections on one page apart."""
    # Only ever switch CSRF off (for the GET hint); otherwise the app's setting applies.
    return RuleForm(skill_names, formdata=formdata, prefix=f"rule-{section_id}", meta={} if csrf else {"csrf": False})


# Hand-picked questions --------------------------------------------------------------------------

class QuestionFilterForm(FilterForm):
    """The bank search of the picker page, with the filters of bank.services.search_questions."""

    text = StringField(_l("Text"))
    skill_id = SelectField(_l("Skill"), choices=[])
    type = SelectField(_l("Type"), choices=[any_of(_l("All types"))] + TYPE_CHOICES)
    difficulty = SelectField(_l("Difficulty"), choices=[any_of(_l("Any difficulty"))] + DIFFICULTY_CHOICES)
    level = SelectField(_l("Level"), choices=[any_of(_l("Any level"))] + LEVEL_CHOICES)

    def __init__(self, skills, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = [any_of(_("All skills"))] + [SelectChoice(str(skill.id), skill.name) for skill in skills]


class PickForm(FlaskForm):
    question_ids = SelectMultipleField(_l("Questions"), coerce=int, validate_choice=False,
                                       validators=[DataRequired(_l("Tick at least one question."))])


# Registration fields ----------------------------------------------------------------------------

class FieldRowForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    field_type = SelectField(_l("Type"), choices=labelled_choices(FieldType))
    required = BooleanField(_l("Required"))
    values = TextAreaField(_l("Choices (one per line)"), validators=[Optional()])


class RegistrationFieldsForm(RowsForm):
    """Every field after the e-mail address, which is always asked first and always required."""

    rows_name = "registration_fields"
    row_form = FieldRowForm

    registration_fields = FieldList(FormField(FieldRowForm))

    def fields(self) -> list[FieldInput]:
        """The rows with a name, in order; a row left without a name is dropped."""
        return [FieldInput(name=row.name.data.strip(), field_type=row.field_type.data, required=row.required.data,
                           values=(row.values.data or "").splitlines())
                for row in (entry.form for entry in self.registration_fields) if (row.name.data or "").strip()]


def registration_fields_form(assessment) -> RegistrationFieldsForm:
    rows = [{"name": f.name, "field_type": f.field_type.value, "required": f.required, "values": "\n".join(f.values)}
            for f in assessment.registration_fields if f.name != EMAIL_FIELD]
    return RegistrationFieldsForm(data={"registration_fields": rows})
