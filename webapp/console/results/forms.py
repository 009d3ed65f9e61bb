"""The calibration console's form: the lowest ability of each CEFR level from A1 up."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import InputRequired

from webapp.bank.models import CefrLevel

# Pre-A1 is where every ability below A1's cut lands: it has no cut of its own.
CUT_LEVELS = list(CefrLevel)[1:]


class CutScoreForm(FlaskForm):
    def lowest_abilities(self) -> dict[CefrLevel, float]:
        return {level: self[level.name.lower()].data for level in CUT_LEVELS}


for _level in CUT_LEVELS:
    setattr(CutScoreForm, _level.name.lower(), FloatField(_level.value, validators=[InputRequired()]))
