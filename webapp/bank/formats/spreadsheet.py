"""The CSV/XLSX template: one row per question under a header row naming the columns (README: "Importing
questions"). Column names are read with case, spaces and hyphens ignored; columns may come in any order;
unknown columns refuse the file (a misspelt column would otherwise lose its values silently).

| column | holds |
|---|---|
| type | MCQ, MCA, TRUE_FALSE, FITB, SHORT_ANSWER, LONG_ANSWER, MATCHING, ORDERING, NUMERIC or FILE_UPLOAD |
| skill | the skill's name (created when missing); empty: the skill chosen for the import |
| difficulty | EASY, MEDIUM (when empty) or DIFFICULT |
| cefr_level | Pre-A1, A1 ... C2, or empty |
| marks, negative_marks | 1 and 0 when empty; negative marks are 0 or less |
| stem | the question (HTML allowed); FITB marks its blanks [[1]], [[2]] ... |
| option_1 ... option_10 | MCQ/MCA options; TRUE_FALSE the words for true and false (default True, False); MATCHING "premise => target" (a cell "=> target" adds a distractor); ORDERING the options in the right order |
| correct | MCQ/MCA the right option letters ("b", "a,c": a is option_1); TRUE_FALSE "true" or "false" |
| accepted_answers | SHORT_ANSWER and NUMERIC answers separated by "|"; FITB one group per blank separated by "||" ("went|had gone||home"); FILE_UPLOAD the kinds of file (pdf|image|audio|document) |
| tolerance | SHORT_ANSWER and NUMERIC: "0.05", or "5%" for a share of the answer (NUMERIC) |
| units | NUMERIC: "m/s2 | cm/s2=0.01": the first is the answers' unit, the others with their factor to it |
| partial_credit | yes/no: MCA, MATCHING, ORDERING and FITB give marks in proportion to the parts right |
| explanation | shown to staff (HTML allowed) |

A cell starting with = + - or @ is read as text, never as a formula; a quote in front of one (how the
template and spreadsheets protect them: "'-1") is dropped."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.bank.interchange import Format, ItemDraft, ParsedBank, Problem
from webapp.core.spreadsheets import FORMULA_STARTS, csv_buffer, csv_dialect, decode_csv, safe_text

MAX_ROWS = 5000
OPTION_COLUMNS = tuple(f"option_{number}" for number in range(1, 11))
COLUMNS = ("type", "skill", "difficulty", "cefr_level", "marks", "negative_marks", "stem", *OPTION_COLUMNS,
           "correct", "accepted_answers", "tolerance", "units", "partial_credit", "explanation")
# What each column holds, for the template's second sheet (option_2 ... option_10 as option_1).
COLUMN_HELP = {
    "type": _l("The question type: MCQ, MCA, TRUE_FALSE, FITB, SHORT_ANSWER, LONG_ANSWER, MATCHING, ORDERING, "
               "NUMERIC or FILE_UPLOAD."),
    "skill": _l("The skill's name; a skill that does not exist is created. Empty: the skill chosen for the import, "
                "or one named after the file."),
    "difficulty": _l("EASY, MEDIUM or DIFFICULT; empty means MEDIUM."),
    "cefr_level": _l("Pre-A1, A1, A2, B1, B2, C1 or C2; may be empty."),
    "marks": _l("Marks for a correct answer; empty means 1."),
    "negative_marks": _l("Marks for a wrong answer, 0 or less; empty means 0."),
    "stem": _l("The question. HTML is allowed. Fill in the blanks: mark each blank as [[1]], [[2]], ..."),
    "option_1": _l("option_1 to option_10: the options (a is option_1, b is option_2, ...). True or false: the "
                   "words for true and false. Matching: “premise => target”; “=> target” adds a target that "
                   "matches nothing. Ordering: the options in the right order."),
    "correct": _l("Multiple choice: the letters of the correct options, such as b or a,c. True or false: true "
                  "or false."),
    "accepted_answers": _l("Short answer and numeric: the accepted answers separated by |. Fill in the blanks: "
                           "the answers of each blank, blanks separated by ||. File upload: the kinds of file "
                           "allowed (pdf|image|audio|document)."),
    "tolerance": _l("Short answer and numeric: how far a number may be from an accepted answer, such as "
                    "%(tolerance)s, or %(percent)s for a numeric question.", tolerance="0.05", percent="5%"),
    "units": _l("Numeric: the units separated by |, the accepted answers' unit first; another unit with its "
                "factor, such as cm=0.01."),
    "partial_credit": _l("yes: marks in proportion to the parts answered right (several answers, matching, "
                         "ordering, fill in the blanks)."),
    "explanation": _l("An explanation for staff. HTML is allowed."),
}
TYPE_ALIASES = {"FILE_UPLOAD": "FU", "TRUE/FALSE": "TRUE_FALSE", "TF": "TRUE_FALSE"}
YES = frozenset({"yes", "y", "true", "1", "x"})
FILE_KINDS = ("pdf", "image", "audio", "document")
PAIR = "=>"


def _column(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _unquoted(text: str) -> str:
    """A cell's text, without the quote that keeps a formula character from starting a formula."""
    text = text.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


class _Skip(Exception):
    """A row that cannot be a question: it becomes a draft with this reason to skip."""


def _correct_letters(text: str) -> set[str]:
    letters = set()
    for part in re.split(r"[\s,;]+", text.strip().lower()):
        if part.isdigit() and 1 <= int(part) <= len(OPTION_COLUMNS):
            letters.add("abcdefghij"[int(part) - 1])
        elif part:
            letters.add(part)
    return letters


def _matching(options: list[tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    premises, targets = [], []
    for _letter, text in options:
        if PAIR not in text:
            raise _Skip(_("Write each pair of a matching question as “premise => target”."))
        premise, target = (part.strip() for part in text.split(PAIR, 1))
        if target not in targets:
            targets.append(target)
        if premise:
            premises.append({"html": premise, "match": targets.index(target)})
    return premises, [{"html": target} for target in targets]


def _numeric(values: dict) -> dict:
    tolerance = values["tolerance"].replace(" ", "")
    units = []
    for position, part in enumerate(_split(values["units"], "|")):
        unit, _sep, factor = (piece.strip() for piece in part.partition("="))
        try:
            units.append({"unit": unit, "factor": float(factor.replace(",", ".")) if factor else 1.0})
        except ValueError:
            raise _Skip(_("The unit “%(unit)s” needs a number as its factor, such as cm=0.01.", unit=part)) from None
    return {"accepted_answers": _split(values["accepted_answers"], "|"), "units": units,
            "matching": {"tolerance": tolerance.removesuffix("%"), "tolerance_percent": tolerance.endswith("%"),
                         "unit_required": False}}


def _fields(values: dict) -> dict:
    """A row's values (column -> text) as the fields of a QuestionInput."""
    qtype = values["type"].upper().replace(" ", "_")
    qtype = TYPE_ALIASES.get(qtype, qtype)
    level = values["cefr_level"]
    fields = {"type": qtype, "difficulty": values["difficulty"].upper() or "MEDIUM", "stem": values["stem"],
              "cefr_level": ("Pre-A1" if level.lower() == "pre-a1" else level.upper()) or None,
              "marks": values["marks"] or 1, "negative_marks": values["negative_marks"] or 0,
              "explanation": values["explanation"], "partial_credit": values["partial_credit"].lower() in YES}
    options = [(letter, values[column]) for letter, column in zip("abcdefghij", OPTION_COLUMNS) if values[column]]
    if qtype in ("MCQ", "MCA"):
        correct = _correct_letters(values["correct"])
        fields["options"] = [{"html": text, "correct": letter in correct} for letter, text in options]
    elif qtype == "TRUE_FALSE":
        answer = values["correct"].lower()
        if answer not in ("true", "false"):
            raise _Skip(_("Write true or false in the column “correct”."))
        words = [text for _letter, text in options] or ["True", "False"]
        fields["options"] = [{"html": word, "correct": (position == 0) == (answer == "true")}
                             for position, word in enumerate(words)]
    elif qtype == "MATCHING":
        fields["options"], fields["targets"] = _matching(options)
    elif qtype == "ORDERING":
        fields["options"] = [{"html": text} for _letter, text in options]
    elif qtype == "FITB":
        fields["blanks"] = [{"accepted": _split(group, "|")} for group in values["accepted_answers"].split("||")
                            if group.strip()]
    elif qtype == "SHORT_ANSWER":
        fields["accepted_answers"] = _split(values["accepted_answers"], "|")
        fields["matching"] = {"tolerance": values["tolerance"]} if values["tolerance"] else {}
    elif qtype == "NUMERIC":
        fields.update(_numeric(values))
    elif qtype == "FU":
        fields["answer_file"] = {"kinds": [kind.lower() for kind in _split(values["accepted_answers"], "|")]
                                 or list(FILE_KINDS), "max_mb": 10}
    return fields


def _bank(format_name: str, filename: str, rows: list[list[str]]) -> ParsedBank:
    """The drafts of a sheet's rows (the first non-empty one names the columns)."""
    bank = ParsedBank(format_name)
    numbered = [(number, [(cell or "").strip() for cell in cells]) for number, cells in enumerate(rows, start=1)
                if any((cell or "").strip() for cell in cells)]
    if not numbered:
        bank.problems.append(Problem(filename, _("The file holds no questions.")))
        return bank
    header = [_column(name) for name in numbered[0][1]]
    unknown = [name for name in header if name and name not in COLUMNS]
    missing = [name for name in ("type", "stem") if name not in header]
    if unknown or missing:
        bank.problems.append(Problem(filename, _(
            "The header row must name the template's columns: unknown %(unknown)s, missing %(missing)s.",
            unknown=", ".join(unknown) or "-", missing=", ".join(missing) or "-")))
        return bank
    if len(numbered) - 1 > MAX_ROWS:
        bank.problems.append(Problem(filename, _("%(rows)d rows are more than one file may hold (%(most)d); split it.",
                                                 rows=len(numbered) - 1, most=MAX_ROWS)))
        return bank
    for number, cells in numbered[1:]:
        values = dict.fromkeys(COLUMNS, "")
        values.update({name: _unquoted(cell) for name, cell in zip(header, cells) if name})
        ref = _("line %(number)d", number=number)
        try:
            bank.items.append(ItemDraft(ref, _fields(values), skill=values["skill"] or None))
        except _Skip as reason:
            bank.items.append(ItemDraft(ref, {"type": values["type"], "stem": values["stem"]},
                                        skill=values["skill"] or None, skipped=str(reason)))
    return bank


def parse_csv(filename: str, data: bytes) -> ParsedBank:
    text = decode_csv(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), csv_dialect(text)))
    except csv.Error as error:
        return ParsedBank("csv", problems=[Problem(filename, _("The CSV file cannot be read: %(error)s", error=error))])
    return _bank("csv", filename, rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_xlsx(filename: str, data: bytes) -> ParsedBank:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        rows = [[_cell_text(value) for value in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    except Exception:    # whatever breaks the reader (a bad zip, missing parts, broken XML) is no workbook
        return ParsedBank("xlsx", problems=[Problem(filename, _("The file is not an Excel workbook (.xlsx) that "
                                                                "can be read."))])
    return _bank("xlsx", filename, rows)


def is_csv(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".csv")


def is_xlsx(filename: str, data: bytes) -> bool:
    if filename.lower().endswith(".xlsx"):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "xl/workbook.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


# The template: a header row and one example row per type.
EXAMPLES = [
    {"type": "MCQ", "skill": "Geography", "difficulty": "EASY", "stem": "Which city is the capital of France?",
     "option_1": "Lyon", "option_2": "Paris", "option_3": "Marseille", "correct": "b"},
    {"type": "MCA", "skill": "Geography", "stem": "Which of these are rivers?", "option_1": "Rhine",
     "option_2": "Alps", "option_3": "Danube", "correct": "a,c", "partial_credit": "yes"},
    {"type": "TRUE_FALSE", "skill": "Geography", "stem": "The Danube flows into the Black Sea.", "correct": "true"},
    {"type": "FITB", "skill": "Grammar", "cefr_level": "A2", "stem": "Yesterday I [[1]] to the [[2]].",
     "accepted_answers": "went||cinema|movies"},
    {"type": "SHORT_ANSWER", "skill": "Grammar", "stem": "The past tense of “go”?", "accepted_answers": "went"},
    {"type": "LONG_ANSWER", "skill": "Writing", "difficulty": "DIFFICULT", "marks": "10",
     "stem": "Describe your last holiday in about 150 words."},
    {"type": "MATCHING", "skill": "Geography", "stem": "Match each country with its capital.",
     "option_1": "France => Paris", "option_2": "Spain => Madrid", "option_3": "=> Lisbon", "partial_credit": "yes"},
    {"type": "ORDERING", "skill": "History", "stem": "Put these events in order, earliest first.",
     "option_1": "The fall of Rome", "option_2": "The printing press", "option_3": "The moon landing"},
    {"type": "NUMERIC", "skill": "Physics", "marks": "2", "negative_marks": "-0.5",
     "stem": "The acceleration of free fall on Earth?", "accepted_answers": "9.81", "tolerance": "0.05",
     "units": "m/s2|cm/s2=0.01", "explanation": "About 9.81 m/s² at sea level."},
    {"type": "FILE_UPLOAD", "skill": "Writing", "stem": "Upload your essay as a PDF.", "accepted_answers": "pdf"},
]


def _template_rows() -> list[list[str]]:
    return [list(COLUMNS), *([safe_text(example.get(column, "")) for column in COLUMNS] for example in EXAMPLES)]


def template(format_name: str) -> tuple[bytes, str]:
    """The downloadable template ("csv" or "xlsx") as (bytes, file name)."""
    rows = _template_rows()
    if format_name == "csv":
        text = csv_buffer()
        csv.writer(text).writerows(rows)
        return text.getvalue().encode(), "questions-template.csv"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Questions")[:31]
    for row in rows:
        sheet.append(row)
    help_sheet = workbook.create_sheet(_("Columns")[:31])
    help_sheet.append([_("Column"), _("What it holds")])
    for column in COLUMNS:
        if column in COLUMN_HELP:
            help_sheet.append([column, safe_text(str(COLUMN_HELP[column]))])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue(), "questions-template.xlsx"


def _number(value) -> str:
    return f"{value:g}"


def _row(question) -> dict:
    """A stored question as the template's row (the inverse of `_fields`)."""
    qtype = question.type.value
    row = {"type": "FILE_UPLOAD" if qtype == "FU" else qtype, "skill": question.skill.name,
           "difficulty": question.difficulty.value, "cefr_level": question.cefr_level.value if question.cefr_level else "",
           "marks": _number(question.marks), "negative_marks": _number(question.negative_marks),
           "stem": question.stem, "explanation": question.explanation,
           "partial_credit": "yes" if question.partial_credit else ""}
    options = list(question.options)
    if qtype == "MATCHING":
        targets = {target.get("id"): target.get("html", "") for target in question.targets}
        matched = {option.get("match") for option in options}
        cells = [f"{option['html']} {PAIR} {targets.get(option.get('match'), '')}" for option in options]
        cells += [f"{PAIR} {html}" for target_id, html in targets.items() if target_id not in matched]
    else:
        cells = [option.get("html", "") for option in options]
    row.update(zip(OPTION_COLUMNS, cells))
    if qtype in ("MCQ", "MCA"):
        row["correct"] = ",".join(option["id"] for option in options if option.get("correct"))
    elif qtype == "TRUE_FALSE":
        row["correct"] = "true" if options and options[0].get("correct") else "false"
    elif qtype == "FITB":
        row["accepted_answers"] = "||".join("|".join(blank.get("accepted", [])) for blank in question.blanks)
    elif qtype in ("SHORT_ANSWER", "NUMERIC"):
        row["accepted_answers"] = "|".join(question.accepted_answers)
        tolerance = str(question.matching.get("tolerance") or "")
        row["tolerance"] = tolerance + ("%" if tolerance and question.matching.get("tolerance_percent") else "")
        row["units"] = "|".join(unit["unit"] if position == 0 else f"{unit['unit']}={unit['factor']:g}"
                                for position, unit in enumerate(question.units))
    elif qtype == "FU":
        row["accepted_answers"] = "|".join(question.answer_file.get("kinds", []))
    return row


def _rows(questions) -> list[list[str]]:
    return [list(COLUMNS), *([safe_text(str(row.get(column) or "")) for column in COLUMNS]
                             for row in map(_row, questions))]


def write_csv(questions, media, title) -> tuple[bytes, str]:
    """The questions as the CSV template (their HTML as it is: media stay links into this bank)."""
    text = csv_buffer()
    csv.writer(text).writerows(_rows(questions))
    return text.getvalue().encode(), "csv"


def write_xlsx(questions, media, title) -> tuple[bytes, str]:
    workbook = openpyxl.Workbook()
    workbook.active.title = _("Questions")[:31]
    for row in _rows(questions):
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue(), "xlsx"


CSV = Format("csv", _l("CSV (template)"), is_csv, parse_csv, write_csv)
XLSX = Format("xlsx", _l("Excel workbook (template)"), is_xlsx, parse_xlsx, write_xlsx)
