"""Console forms of the question bank. The rules live in the services; these forms only carry what
staff typed, in both directions: posted rows into a QuestionInput, a stored question into the form."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.bank.models import CefrLevel, Difficulty, QuestionStatus, QuestionType, Skill
from webapp.bank.services import QuestionInput

TYPE_CHOICES = [SelectChoice(qtype.value, qtype.label) for qtype in QuestionType]
DIFFICULTY_CHOICES = [SelectChoice(difficulty.value, difficulty.value.capitalize()) for difficulty in Difficulty]
LEVEL_CHOICES = [SelectChoice(level.value) for level in CefrLevel]
MIN_OPTION_ROWS = 4
ANSWER_SEPARATOR = re.compile(r"[|\n]")


def optional_int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _skill_choices(skills: list[Skill], empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(skill.id), skill.name) for skill in skills]


def _number(value: float) -> str:
    return f"{value:g}"


class SkillForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = StringField("Description")


class QuestionFilterForm(Form):
    """The GET form above the question list; its field names are search_questions' arguments."""

    text = StringField("Search")
    skill_id = SelectField("Skill", coerce=optional_int)
    type = SelectField("Type", default="", choices=[SelectChoice("", "All types")] + TYPE_CHOICES)
    difficulty = SelectField("Difficulty", default="",
                             choices=[SelectChoice("", "All difficulties")] + DIFFICULTY_CHOICES)
    level = SelectField("CEFR level", default="", choices=[SelectChoice("", "All levels")] + LEVEL_CHOICES)
    status = SelectField("Status", default=QuestionStatus.ACTIVE.value,
                         choices=[SelectChoice(QuestionStatus.ACTIVE.value, "Active"),
                                  SelectChoice(QuestionStatus.RETIRED.value, "Retired"), SelectChoice("", "All")])

    def __init__(self, skills: list[Skill], formdata):
        super().__init__(formdata)
        self.skill_id.choices = _skill_choices(skills, "All skills")

    def criteria(self) -> dict:
        """The filters to search with. A value that is none of the choices (a hand-edited URL) is
        shown as an error beside its field and left out of the search."""
        self.validate()
        return {name: field.data for name, field in self._fields.items() if not field.errors}


class OptionForm(Form):
    html = StringField("Option", default="")
    correct = BooleanField("Correct")


class BlankForm(Form):
    accepted = TextAreaField("Accepted answers", default="")
    case_sensitive = BooleanField("Case-sensitive")


class QuestionForm(FlaskForm):
    """One form for every question type; the page shows only the rows of the chosen type. Field names
    are the ones the services name in their errors, so a broken rule appears beside its field."""

    type = SelectField("Type", choices=TYPE_CHOICES, default=QuestionType.MCQ.value)
    skill_id = SelectField("Skill", coerce=optional_int)
    difficulty = SelectField("Difficulty", choices=DIFFICULTY_CHOICES, default=Difficulty.MEDIUM.value)
    cefr_level = SelectField("CEFR level", choices=[SelectChoice("", "None")] + LEVEL_CHOICES, default="")
    stem = TextAreaField("Question text", default="")
    marks = StringField("Marks for a correct answer", default="1")
    negative_marks = StringField("Marks for a wrong answer", default="0")
    explanation = TextAreaField("Explanation (shown to staff only)", default="")
    options = FieldList(FormField(OptionForm), min_entries=MIN_OPTION_ROWS)
    blanks = FieldList(FormField(BlankForm), min_entries=1)
    accepted_answers = TextAreaField("Accepted answers", default="")
    case_sensitive = BooleanField("Case-sensitive")

    def __init__(self, skills: list[Skill], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = _skill_choices(skills, "Choose a skill")

    @staticmethod
    def data_of(question: QuestionInput) -> dict:
        """The form's values for a stored question."""
        return {
            "type": question.type, "skill_id": question.skill_id, "difficulty": question.difficulty,
            "cefr_level": question.cefr_level or "", "stem": question.stem,
            "marks": _number(question.marks), "negative_marks": _number(question.negative_marks),
            "explanation": question.explanation,
            "options": [{"html": option["html"], "correct": option.get("correct", False)}
                        for option in question.options],
            "blanks": [{"accepted": "\n".join(blank["accepted"]), "case_sensitive": blank.get("case_sensitive", False)}
                       for blank in question.blanks],
            "accepted_answers": "\n".join(question.accepted_answers), "case_sensitive": question.case_sensitive,
        }

    def question_input(self) -> QuestionInput:
        # Rows left empty are not blanks; the service then reports a count that does not match the text.
        blanks = [row for row in self.blanks if row.accepted.data.strip()]
        return QuestionInput(
            type=self.type.data, skill_id=self.skill_id.data, difficulty=self.difficulty.data,
            cefr_level=self.cefr_level.data or None, stem=self.stem.data, explanation=self.explanation.data,
            marks=self.marks.data, negative_marks=self.negative_marks.data,
            options=[{"html": row.html.data, "correct": row.correct.data} for row in self.options],
            blanks=[{"accepted": ANSWER_SEPARATOR.split(row.accepted.data), "case_sensitive": row.case_sensitive.data}
                    for row in blanks],
            accepted_answers=self.accepted_answers.data.splitlines(), case_sensitive=self.case_sensitive.data,
        )

    # Empty rows whose names carry __index__, for the <template> that the add-row button clones.
    @property
    def option_row_template(self) -> OptionForm:
        return OptionForm(prefix="options-__index__-")

    @property
    def blank_row_template(self) -> BlankForm:
        return BlankForm(prefix="blanks-__index__-")
