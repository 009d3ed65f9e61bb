"""Console forms of candidates: the search filters and the edit form. The rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from webapp.console.assessments.forms import LEVEL_CHOICES, FilterForm
from webapp.web.forms import any_of


class CandidateFilterForm(FilterForm):
    """The GET form above the candidate list; its field names are search_candidates' arguments."""

    text = StringField(_l("Search"))
    level = SelectField(_l("Level"), default="", choices=[any_of(_l("All levels"))] + LEVEL_CHOICES)
    include_sub_institutes = BooleanField(_l("Include sub-institutes"))
    sort = SelectField(_l("Sort by"), default="name", choices=[
        SelectChoice("name", _l("Name")), SelectChoice("email", _l("E-mail")),
        SelectChoice("newest", _l("Newest first")), SelectChoice("level", _l("Level"))])

    def criteria(self) -> dict:
        """The keyword arguments of services.search_candidates."""
        values = self.filters()
        return {"text": values["text"] or "", "level": values["level"] or None, "sort": values["sort"] or "name",
                "include_sub_institutes": values["include_sub_institutes"]}


class CandidateForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=120)])
    last_name = StringField(_l("Last name"), validators=[Length(max=120)])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=120)])
    current_level = SelectField(_l("Current level"), default="", choices=[any_of(_l("Not known"))] + LEVEL_CHOICES)

    @staticmethod
    def data_of(candidate) -> dict:
        return {"first_name": candidate.first_name, "last_name": candidate.last_name,
                "username": candidate.username,
                "current_level": candidate.current_level.value if candidate.current_level else ""}

    def changes(self) -> dict:
        """The keyword arguments of services.update_candidate."""
        return {"first_name": self.first_name.data, "last_name": self.last_name.data,
                "username": self.username.data, "current_level": self.current_level.data or None}
