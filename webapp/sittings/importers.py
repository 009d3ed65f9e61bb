"""Reading candidates to register from CSV text, as staff paste it or export it from a spreadsheet."""
from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _

from webapp.assessments.services import STANDARD_FIELDS
from webapp.core.errors import ValidationError
from webapp.core.spreadsheets import csv_dialect

MAX_ROWS = 5000
# What a header row's first cell says, with case, spaces, hyphens and underscores ignored.
EMAIL_HEADINGS = frozenset({"email", "emailaddress", "emailid", "mail"})


def candidate_columns(field_names: list[str]) -> list[str]:
    """The columns in order: e-mail, first name, last name, then the assessment's other fields."""
    return [*STANDARD_FIELDS, *(name for name in field_names if name not in STANDARD_FIELDS)]


def _is_heading(cell: str) -> bool:
    return re.sub(r"[\s_-]", "", cell.lower()) in EMAIL_HEADINGS


def parse_candidate_rows(text: str, field_names: list[str]) -> list[dict]:
    """One dict per candidate (registration field name -> value) from CSV text whose columns are
    `candidate_columns(field_names)`. Separated by commas or semicolons; an optional header row is
    skipped, and so are blank lines; missing cells are empty and extra cells are ignored. Values are
    not checked here: registration reports each row's problems."""
    text = (text or "").lstrip("\ufeff")
    columns = candidate_columns(field_names)
    rows = [cells for cells in csv.reader(io.StringIO(text, newline=""), csv_dialect(text))
            if any(cell.strip() for cell in cells)]
    if rows and _is_heading(rows[0][0]):
        rows = rows[1:]
    if not rows:
        raise ValidationError(_("There are no candidates to register: paste their rows or choose a file."),
                              field="csv_text")
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("%(rows)d rows are more than one upload takes (%(most)d); split the list.",
                                rows=len(rows), most=MAX_ROWS),
                              field="csv_text")
    return [{name: (cells[position].strip() if position < len(cells) else "") for position, name in enumerate(columns)}
            for cells in rows]
