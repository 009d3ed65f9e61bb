"""Form pieces both the console and the candidate pages use: the form of one candidate's registration
fields (staff register a candidate; a candidate registers through an exam's open link)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField

from webapp.assessments.models import FieldType


def any_of(label: str) -> SelectChoice:
    """The empty first choice of an optional select."""
    return SelectChoice("", label)


def one_candidate_form(fields, **kwargs) -> FlaskForm:
    """A form with the assessment's registration fields in order. Their names are free text, so the
    inputs are named by position; `row()` gives the values by registration field name."""

    class OneCandidateForm(FlaskForm):
        send_email = BooleanField(_l("Send the invitation e-mail now"))

        def row(self) -> dict:
            return {item.name: self[_input_name(position)].data or "" for position, item in enumerate(fields)}

        def input_for(self, field_name: str):
            return next(self[_input_name(position)] for position, item in enumerate(fields) if item.name == field_name)

        def inputs(self) -> list:
            return [self[_input_name(position)] for position in range(len(fields))]

    for position, item in enumerate(fields):
        label = f"{item.name} *" if item.required else item.name
        if item.field_type == FieldType.SELECT_BOX:
            entry = SelectField(label, choices=[any_of("-")] + [SelectChoice(value) for value in item.values],
                                validate_choice=False)
        else:
            entry = StringField(label)
        setattr(OneCandidateForm, _input_name(position), entry)
    return OneCandidateForm(prefix="one", **kwargs)


def _input_name(position: int) -> str:
    return f"field-{position}"
