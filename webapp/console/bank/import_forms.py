"""Console forms of importing and exporting questions: they carry the file and the choices to the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField

from webapp.bank.models import Skill

IMPORT_FORMATS = [
    SelectChoice("auto", _l("Recognise it")),
    SelectChoice("qti", _l("IMS QTI (XML or content package)")),
    SelectChoice("moodle", _l("Moodle XML")),
    SelectChoice("gift", _l("GIFT")),
    SelectChoice("csv", _l("CSV (template)")),
    SelectChoice("xlsx", _l("Excel workbook (template)")),
]
EXPORT_FORMATS = [
    SelectChoice("qti", _l("IMS QTI 2.1 content package")),
    SelectChoice("moodle", _l("Moodle XML")),
    SelectChoice("csv", _l("CSV (template)")),
    SelectChoice("xlsx", _l("Excel workbook (template)")),
]


def _skill_choices(skills: list[Skill], empty_label) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(skill.id), skill.name) for skill in skills]


class ImportForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to import."))])
    format = SelectField(_l("Format"), choices=IMPORT_FORMATS, default="auto")
    skill_id = SelectField(_l("Skill"))

    def __init__(self, skills: list[Skill], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = _skill_choices(skills, _l("Each question's own (created as needed)"))


class ExportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=EXPORT_FORMATS, default="qti")
    skill_id = SelectField(_l("Skill"))

    def __init__(self, skills: list[Skill], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_id.choices = _skill_choices(skills, _l("Every skill"))
