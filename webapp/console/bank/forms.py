"""Console forms of the question bank. The rules live in the services; these forms only carry what
staff typed, in both directions: posted rows into a QuestionInput, a stored question into the form."""
from __future__ import annotations

import re

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, Form, FormField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.utils import unset_value
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Length

from webapp.bank.matching import OPTIONS
from webapp.bank.models import CefrLevel, Difficulty, QuestionStatus, QuestionType, Skill
from webapp.bank.services import ANSWER_FILE_KIND_LABELS, QuestionInput


def labelled_choices(enum_class) -> list[SelectChoice]:
    """A select's choices for an enum's members, each with its label in the language of the page."""
    return [SelectChoice(member.value, LazyString(lambda member=member: member.label)) for member in enum_class]


TYPE_CHOICES = labelled_choices(QuestionType)
DIFFICULTY_CHOICES = labelled_choices(Difficulty)
LEVEL_CHOICES = [SelectChoice(level.value) for level in CefrLevel]
# Translators: the choice for a question without a CEFR level.
NO_LEVEL = SelectChoice("", _l("None"))
MIN_OPTION_ROWS = 4
ANSWER_SEPARATOR = re.compile(r"[|\n]")



def split_choices(text: str) -> list[str]:
    """A blank's choices, "went | go | gone" or "went, go, gone" (with a |, commas belong to the choices)."""
    return text.split("|") if "|" in text else text.split(",")


def optional_int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _skill_choices(skills: list[Skill], empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(skill.id), skill.name) for skill in skills]


def _number(value: float) -> str:
    return f"{value:g}"


class SkillForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = StringField(_l("Description"))


class QuestionFilterForm(Form):
    """The GET form above the question list; its field names are search_questions' arguments."""

    text = StringField(_l("Search"))
    skill_id = SelectField(_l("Skill"), coerce=optional_int)
    type = SelectField(_l("Type"), default="", choices=[SelectChoice("", _l("All types"))] + TYPE_CHOICES)
    difficulty = SelectField(_l("Difficulty"), default="",
                             choices=[SelectChoice("", _l("All difficulties"))] + DIFFICULTY_CHOICES)
    level = SelectField(_l("CEFR level"), default="", choices=[SelectChoice("", _l("All levels"))] + LEVEL_CHOICES)
    status = SelectField(_l("Status"), default=QuestionStatus.ACTIVE.value,
                         choices=labelled_choices(QuestionStatus) + [SelectChoice("", _l("All"))])

    def __init__(self, skills: list[Skill], formdata):
        super().__init__(formdata)
        self.skill_id.choices = _skill_choices(skills, _("All skills"))

    def criteria(self) -> dict:
        """The filters to search with. A value that is none of the choices (a hand-edited URL) is
        shown as an error beside its field and left out of the search."""
        self.validate()
        return {name: field.data for name, field in self._fields.items() if not field.errors}


class RowList(FieldList):
    """Posted rows with at least `min_entries` rows. WTForms pads with the posted data at the index after the
    rows it renumbered, which is a posted row's own index once a row was removed in the browser (rows 0, 1, 3
    padded with "row 3" again): here the padding rows are empty."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        min_entries, self.min_entries = self.min_entries, 0
        super().process(formdata, data, extra_filters)
        self.min_entries = min_entries
        while len(self.entries) < min_entries:
            self._add_entry()


class OptionForm(Form):
    html = TextAreaField(_l("Option"), default="")
    correct = BooleanField(_l("Correct"))
    match = StringField(_l("Its match"), default="")     # MATCHING: the text of the premise's target


class MatchingFields:
    """The matching options of a blank or a short answer (webapp/bank/matching.py). Each box marks what must
    match exactly, so a form left as it is (or a row added in the browser) is forgiving."""

    case_sensitive = BooleanField(_l("Case-sensitive"))
    exact_spaces = BooleanField(_l("Extra spaces count"))
    exact_quotes = BooleanField(_l("Curly and straight quotes differ"))
    exact_unicode = BooleanField(_l("Look-alike characters differ (no Unicode NFKC)"))
    exact_end_punctuation = BooleanField(_l("Punctuation at the end counts"))
    exact_numbers = BooleanField(_l("Numbers are compared as text"))
    tolerance = StringField(_l("Numbers may differ by (±)"), default="0")

    @property
    def option_fields(self) -> list:
        return [self[name] for name in OPTIONS]

    def matching_options(self) -> dict:
        return {**{name: self[name].data for name in OPTIONS}, "tolerance": self.tolerance.data}

    @staticmethod
    def data_of(key: dict) -> dict:
        return {**{name: bool(key.get(name)) for name in OPTIONS}, "tolerance": _number(float(key.get("tolerance") or 0))}


class BlankForm(MatchingFields, Form):
    accepted = TextAreaField(_l("Accepted answers"), default="")
    # Empty: the candidate types the answer; else an inline list of these, the accepted answers among them.
    choices = StringField(_l("Choose from (leave empty for a typed answer)"), default="")


class QuestionForm(MatchingFields, FlaskForm):
    """One form for every question type; the page shows only the rows of the chosen type. Field names
    are the ones the services name in their errors, so a broken rule appears beside its field."""

    type = SelectField(_l("Type"), choices=TYPE_CHOICES, default=QuestionType.MCQ.value)
    skill_id = SelectField(_l("Skill"), coerce=optional_int)
    difficulty = SelectField(_l("Difficulty"), choices=DIFFICULTY_CHOICES, default=Difficulty.MEDIUM.value)
    cefr_level = SelectField(_l("CEFR level"), choices=[NO_LEVEL] + LEVEL_CHOICES, default="")
    stem = TextAreaField(_l("Question text"), default="")
    marks = StringField(_l("Marks for a correct answer"), default="1")
    negative_marks = StringField(_l("Marks for a wrong answer"), default="0")
    explanation = TextAreaField(_l("Explanation (shown to staff only)"), default="")
    options = RowList(FormField(OptionForm), min_entries=MIN_OPTION_ROWS)
    blanks = RowList(FormField(BlankForm), min_entries=1)
    accepted_answers = TextAreaField(_l("Accepted answers"), default="")
    partial_credit = BooleanField(_l("Partial credit: marks in proportion to the parts answered right"))
    # NUMERIC: one unit a line, "cm/s2 = 0.01" (what one of it is in the first unit, which needs no factor).
    units = TextAreaField(_l("Units"), default="")
    tolerance_percent = BooleanField(_l("The tolerance is a percentage of the accepted number"))
    unit_required = BooleanField(_l("A unit is required"))
    # FILE_UPLOAD: the kinds of file the candidate may send, and the largest.
    answer_file = SelectMultipleField(_l("Kinds of file allowed"), choices=[
        SelectChoice(kind, label) for kind, label in ANSWER_FILE_KIND_LABELS.items()],
        default=["pdf", "document"], widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    answer_file_max_mb = StringField(_l("Largest file (MB)"), default="10")
    # MATCHING: targets that match no premise, one per line (the premises' own targets are their rows' matches)
    targets = TextAreaField(_l("Answers that match nothing (distractors)"), default="")

    def __init__(self, skills: list[Skill], *args, type_switch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = _skill_choices(skills, _("Choose a skill"))
        if type_switch:
            self._type_defaults()

    def _type_defaults(self) -> None:
        """Another type was chosen (or a new question of a type asked for): its defaults. Matching and
        ordering give partial credit unless unticked; a true-or-false question starts with both words."""
        self.partial_credit.data = self.question_type in (QuestionType.MATCHING, QuestionType.ORDERING)
        if self.question_type == QuestionType.TRUE_FALSE and not any(row.html.data.strip() for row in self.options):
            for row, word in zip(self.options, (_("True"), _("False"))):
                row.html.data = word

    @property
    def question_type(self) -> QuestionType:
        """The chosen type. A value that is none of the types (a hand-made request) shows no type's fields,
        as an essay has none; saving it is refused beside the type."""
        try:
            return QuestionType(self.type.data)
        except ValueError:
            return QuestionType.LONG_ANSWER

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
            "blanks": [{"accepted": "\n".join(blank["accepted"]), **MatchingFields.data_of(blank),
                        "choices": " | ".join(blank.get("choices") or [])}
                       for blank in question.blanks],
            "accepted_answers": "\n".join(question.accepted_answers),
            **MatchingFields.data_of({**question.matching, "case_sensitive": question.case_sensitive}),
            "partial_credit": question.partial_credit,
            "units": "\n".join(f"{unit['unit']} = {_number(float(unit['factor']))}" for unit in question.units),
            "tolerance_percent": bool(question.matching.get("tolerance_percent")),
            "unit_required": bool(question.matching.get("unit_required")),
            "answer_file": list(question.answer_file.get("kinds") or []) or ["pdf", "document"],
            "answer_file_max_mb": _number(float(question.answer_file.get("max_mb") or 10)),
            **QuestionForm._pairs_data(question),
        }

    @staticmethod
    def _pairs_data(question: QuestionInput) -> dict:
        """MATCHING: each premise's row carries its target's text; the targets no premise names are listed apart."""
        if question.type != QuestionType.MATCHING.value:
            return {}
        matched = {option["match"] for option in question.options}
        return {"options": [{"html": option["html"], "match": question.targets[option["match"]]["html"]}
                            for option in question.options],
                "targets": "\n".join(target["html"] for index, target in enumerate(question.targets)
                                     if index not in matched)}

    def _pairs_input(self) -> dict:
        """MATCHING: the targets are the rows' matches (one per distinct text) and then the distractors."""
        targets: list[str] = []
        for row in self.options:
            if row.match.data.strip() and row.match.data.strip() not in targets:
                targets.append(row.match.data.strip())
        targets += [line.strip() for line in self.targets.data.splitlines()
                    if line.strip() and line.strip() not in targets]
        return {"targets": [{"html": html} for html in targets],
                "options": [{"html": row.html.data,
                             "match": targets.index(row.match.data.strip()) if row.match.data.strip() else None}
                            for row in self.options]}

    def question_input(self) -> QuestionInput:
        # Rows left empty are not blanks; the service then reports a count that does not match the text.
        blanks = [row for row in self.blanks if row.accepted.data.strip()]
        matching = self.matching_options()
        pairs = self._pairs_input() if self.question_type == QuestionType.MATCHING else {}
        return QuestionInput(
            type=self.type.data, skill_id=self.skill_id.data, difficulty=self.difficulty.data,
            cefr_level=self.cefr_level.data or None, stem=self.stem.data, explanation=self.explanation.data,
            marks=self.marks.data, negative_marks=self.negative_marks.data,
            options=pairs.get("options") or [{"html": row.html.data, "correct": row.correct.data} for row in self.options],
            targets=pairs.get("targets", []),
            blanks=[{"accepted": ANSWER_SEPARATOR.split(row.accepted.data), **row.matching_options(),
                     "choices": split_choices(row.choices.data)} for row in blanks],
            accepted_answers=ANSWER_SEPARATOR.split(self.accepted_answers.data),
            case_sensitive=matching.pop("case_sensitive"),
            matching={**matching, "tolerance_percent": self.tolerance_percent.data,
                      "unit_required": self.unit_required.data},
            partial_credit=self.partial_credit.data, units=self.unit_rows(),
            answer_file={"kinds": self.answer_file.data, "max_mb": self.answer_file_max_mb.data},
        )

    def unit_rows(self) -> list[dict]:
        """The units typed one a line as "cm/s2 = 0.01"; a unit without "=" has no factor (the first needs none)."""
        rows = []
        for line in self.units.data.splitlines():
            unit, __, factor = line.partition("=")
            if unit.strip():
                rows.append({"unit": unit.strip(), "factor": factor.strip() or None})
        return rows

    # Empty rows whose names carry __index__, for the <template> that the add-row button clones.
    @property
    def option_row_template(self) -> OptionForm:
        return OptionForm(prefix="options-__index__-")

    @property
    def blank_row_template(self) -> BlankForm:
        return BlankForm(prefix="blanks-__index__-")
