"""Skills and questions: validation, sanitising, search, duplication and retirement."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.accounts.models import User
from webapp.audit.services import audit, changed_fields
from webapp.bank.matching import OPTIONS, AnswerKey, Matching, read_number
from webapp.bank.media import media_ids_in_institute
from webapp.bank.models import CUSTOM_SOURCE, CefrLevel, Difficulty, Question, QuestionStatus, QuestionType, Skill
from webapp.bank.numeric import decimal, unit_name
from webapp.bank.sanitize import clean_html, first_words, is_media_url, media_elements, plain_text
from webapp.core import events
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.validation import single_line

BLANK = re.compile(r"\[\[(\d+)\]\]")
OPTION_IDS = "abcdefghijklmnopqrstuvwxyz"
MAX_OPTIONS = 10


# Skills -----------------------------------------------------------------------------------------

def list_skills(actor: User) -> list[tuple[Skill, int]]:
    """Every skill of the institute with its number of active questions."""
    require(actor, Permission.VIEW_BANK)
    active = func.count(Question.id).filter(Question.status == QuestionStatus.ACTIVE)
    rows = db.session.execute(
        select(Skill, active)
        .outerjoin(Question, Question.skill_id == Skill.id)
        .where(Skill.institute_id == actor.institute_id)
        .group_by(Skill.id)
        .order_by(func.lower(Skill.name))
    )
    return [(skill, count) for skill, count in rows]


def get_skill(actor: User, skill_id) -> Skill:
    require(actor, Permission.VIEW_BANK)
    return get_in_institute(Skill, actor.institute_id, skill_id, "Skill")


def skill_by_name(institute_id: int, name: str) -> Skill | None:
    return db.session.scalar(
        select(Skill).where(Skill.institute_id == institute_id, func.lower(Skill.name) == name.strip().lower())
    )


def _clean_skill_name(institute_id: int, name: str, skill_id: int | None = None) -> str:
    name = single_line(name, _("The skill name"), field="name")
    if not name:
        raise ValidationError(_("The skill needs a name."), field="name")
    if len(name) > 200:
        raise ValidationError(_("A skill name has at most 200 characters."), field="name")
    other = skill_by_name(institute_id, name)
    if other is not None and other.id != skill_id:
        raise Conflict(_("There is already a skill named '%(name)s'.", name=other.name), field="name")
    return name


def create_skill(actor: User, name: str, description: str = "") -> Skill:
    require(actor, Permission.EDIT_BANK)
    skill = Skill(institute_id=actor.institute_id, name=_clean_skill_name(actor.institute_id, name),
                  description=(description or "").strip())
    db.session.add(skill)
    db.session.flush()
    audit(actor, "skill.create", "skill", skill.id, {}, {"name": skill.name, "description": skill.description},
          label=skill.name)
    return skill


def update_skill(actor: User, skill_id, name: str, description: str = "") -> Skill:
    require(actor, Permission.EDIT_BANK)
    skill = get_skill(actor, skill_id)
    values = {"name": _clean_skill_name(actor.institute_id, name, skill.id), "description": (description or "").strip()}
    before, after = changed_fields(skill, values)
    if after:
        audit(actor, "skill.update", "skill", skill.id, before, after, label=values["name"])
    skill.name, skill.description = values["name"], values["description"]
    return skill


def ensure_skill(institute_id: int, name: str) -> Skill:
    """The institute's skill of this name, created if missing (used when copying catalogue tests)."""
    skill = skill_by_name(institute_id, name)
    if skill is None:
        skill = Skill(institute_id=institute_id, name=name.strip())
        db.session.add(skill)
        db.session.flush()
    return skill


# Questions --------------------------------------------------------------------------------------

@dataclass
class QuestionInput:
    """A question as staff (or a catalogue file) describe it, before validation."""

    type: str
    skill_id: int | None
    difficulty: str
    stem: str
    cefr_level: str | None = None
    options: list[dict] = field(default_factory=list)     # [{"html": ..., "correct": bool}]
    # [{"accepted": [...], "case_sensitive": bool, "exact_spaces": bool, ..., "tolerance": "0.05"}]: the
    # matching options of bank/matching.py; one not given takes a new question's default (forgiving)
    blanks: list[dict] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    matching: dict = field(default_factory=dict)          # the short answer's other matching options
    marks: float = 1.0
    negative_marks: float = 0.0
    explanation: str = ""
    # The newer types' parts, as the Question model's columns of the same names describe them, except that
    # a MATCHING premise's "match" is given as the index of its target in `targets` (0-based).
    targets: list[dict] = field(default_factory=list)     # [{"html": ...}]
    partial_credit: bool = False
    units: list[dict] = field(default_factory=list)       # [{"unit": "cm", "factor": 0.01}]
    answer_file: dict = field(default_factory=dict)       # {"kinds": [...], "max_mb": 10}


def _answers(values, field_name: str) -> list[str]:
    answers = [str(value).strip() for value in values or [] if str(value).strip()]
    if len(set(answers)) != len(answers):
        raise ValidationError(_("An accepted answer is listed twice."), field=field_name)
    return answers


def _number(value, field_name: str, message: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    # "nan" and "inf" parse as floats but are no marks, and NaN slips past every comparison.
    if not math.isfinite(number):
        raise ValidationError(message, field=field_name)
    return number


def _validated(institute_id: int, data: QuestionInput) -> dict:
    """Every rule a question must satisfy; returns the column values to store."""
    qtype = parse_enum(QuestionType, data.type, "type", _("question type"))
    _check_media(institute_id, data)
    values = {
        "type": qtype,
        "difficulty": parse_enum(Difficulty, data.difficulty, "difficulty", _("difficulty")),
        "cefr_level": parse_enum(CefrLevel, data.cefr_level, "cefr_level", _("CEFR level")) if data.cefr_level else None,
        "skill_id": get_in_institute(Skill, institute_id, data.skill_id, "Skill").id if data.skill_id else None,
        "stem": clean_html(data.stem),
        "explanation": clean_html(data.explanation),
        "marks": _number(data.marks, "marks", _("The marks for a correct answer must be a number.")),
        "negative_marks": _number(data.negative_marks, "negative_marks",
                                  _("The marks for a wrong answer must be a number.")),
        "options": [], "blanks": [], "accepted_answers": [], "case_sensitive": False, "matching": {},
        "units": [], "answer_file": {},
    }
    if values["skill_id"] is None:
        raise ValidationError(_("Choose the question's skill."), field="skill_id")
    if not _shown(values["stem"]):
        raise ValidationError(_("The question needs a text."), field="stem")
    if values["marks"] <= 0:
        raise ValidationError(_("The marks for a correct answer must be greater than 0."), field="marks")
    if values["negative_marks"] > 0:
        raise ValidationError(_("The marks for a wrong answer must be 0 or less."), field="negative_marks")

    # Only the types whose answers have parts keep the choice; the others are all or nothing.
    values["partial_credit"] = qtype.offers_partial_credit and bool(data.partial_credit)
    values["targets"] = []

    if qtype.has_options:
        values["options"] = _validated_options(qtype, data.options)
    elif qtype == QuestionType.MATCHING:
        values["options"], values["targets"] = _validated_pairs(data.options, data.targets)
    elif qtype == QuestionType.ORDERING:
        values["options"] = _validated_order(data.options)
    elif qtype == QuestionType.FITB:
        values["blanks"] = _validated_blanks(values["stem"], data.blanks)
    elif qtype == QuestionType.NUMERIC:
        values.update(_validated_numeric(data))
    elif qtype == QuestionType.FILE_UPLOAD:
        values["answer_file"] = _validated_answer_file(data.answer_file)
    elif qtype == QuestionType.SHORT_ANSWER:
        key = _answer_key({**data.matching, "accepted": data.accepted_answers, "case_sensitive": data.case_sensitive},
                          "accepted_answers", "tolerance", None)
        values["accepted_answers"] = list(key.accepted)
        values["case_sensitive"] = key.matching.case_sensitive
        values["matching"] = {name: value for name, value in key.matching.as_key().items() if name != "case_sensitive"}
    return values


def _check_media(institute_id: int, data: QuestionInput) -> None:
    """Pictures, audio and video come from the institute's own media (the sanitiser would drop any other
    source silently: the author is told instead), and every picture says what it shows (alt text)."""
    texts = [("stem", data.stem), ("explanation", data.explanation)] + [
        (name, part.get("html")) for name, parts in (("options", data.options), ("targets", data.targets))
        for part in parts or [] if isinstance(part, dict)]
    elements = [(name, tag, attributes) for name, html in texts if isinstance(html, str)
                for tag, attributes in media_elements(html)]
    own = media_ids_in_institute(institute_id, [attributes.get("src") for __, __, attributes in elements])
    for name, tag, attributes in elements:
        source = attributes.get("src")
        if source is not None and not (is_media_url(source) and source.strip() in own):
            raise ValidationError(_("%(url)s is not a file of this question bank: add pictures, audio and video "
                                    "with “Insert picture, audio or video”.", url=source.strip()[:80]),
                                  field=name)
        if tag == "img" and not attributes.get("alt", "").strip():
            raise ValidationError(_("Every picture needs a text alternative (alt) that says what it shows, for "
                                    "candidates who cannot see it."), field=name)


def _answer_key(values: dict, answers_field: str, tolerance_field: str, blank: int | None) -> AnswerKey:
    """Accepted answers with their matching options; an option not given takes a new question's default.
    `blank` is the number of the blank they belong to, None for a short answer's."""
    accepted = _answers(values.get("accepted"), answers_field)
    given = values.get("tolerance")
    tolerance = Decimal(0) if given in (None, "") else read_number(str(given).strip())   # either separator
    if tolerance is None or tolerance < 0:
        raise ValidationError(_("The tolerance of blank %(number)s must be a number, 0 or more.", number=blank)
                              if blank else _("The tolerance of the answer must be a number, 0 or more."),
                              field=tolerance_field)
    matching = Matching(**{name: bool(values.get(name, getattr(Matching, name))) for name in OPTIONS},
                        tolerance=tolerance)
    if tolerance and matching.exact_numbers:
        raise ValidationError(
            _("The numbers of blank %(number)s are compared as text: a tolerance needs them compared as numbers.",
              number=blank) if blank else
            _("The numbers of the answer are compared as text: a tolerance needs them compared as numbers."),
            field=tolerance_field)
    if tolerance and not any(matching.number(answer) is not None for answer in accepted):
        raise ValidationError(_("Give blank %(number)s an accepted answer that is a number, or no tolerance.",
                                number=blank) if blank else
                              _("Give the answer an accepted answer that is a number, or no tolerance."),
                              field=tolerance_field)
    return AnswerKey(tuple(accepted), matching)


def _shown(html: str) -> bool:
    """Whether HTML shows anything, a text or a picture, recording or video: a row left empty is no option."""
    return bool(plain_text(html)) or bool(media_elements(html))


def _shown_as(html: str) -> tuple:
    """What a row shows, to tell rows apart: its text (in any case) and its media files."""
    return plain_text(html).lower(), tuple(attributes.get("src", "") for __, attributes in media_elements(html))


def _distinct_rows(rows: list[dict], field_name: str, message: str, too_few: str | None = None) -> None:
    """At least two rows, at most MAX_OPTIONS, no two with the same text."""
    if len(rows) < 2:
        raise ValidationError(too_few or _("Give at least two options."), field=field_name)
    if len(rows) > MAX_OPTIONS:
        raise ValidationError(_("Give at most %(count)d options.", count=MAX_OPTIONS), field=field_name)
    if len({_shown_as(row["html"]) for row in rows}) != len(rows):
        raise ValidationError(message, field=field_name)


def _validated_options(qtype: QuestionType, options: list[dict]) -> list[dict]:
    cleaned = []
    for option in options or []:
        html = clean_html(option.get("html"))
        if _shown(html):
            cleaned.append({"html": html, "correct": bool(option.get("correct"))})
    _distinct_rows(cleaned, "options", _("Two options have the same text."))
    if qtype == QuestionType.TRUE_FALSE and len(cleaned) != 2:
        raise ValidationError(_("A true-or-false question has exactly two options."), field="options")
    for option_id, option in zip(OPTION_IDS, cleaned):
        option["id"] = option_id
    correct = sum(option["correct"] for option in cleaned)
    if qtype.is_single_choice and correct != 1:
        raise ValidationError(_("Mark exactly one option as correct."), field="options")
    if qtype == QuestionType.MCA and correct < 1:
        raise ValidationError(_("Mark at least one option as correct."), field="options")
    return cleaned


def _validated_pairs(premises: list[dict], targets: list[dict]) -> tuple[list[dict], list[dict]]:
    """MATCHING: premises [{"html", "match": index into `targets`}] and targets [{"html"}]. Rows left empty
    are dropped; a premise's match counts the targets as given, empty rows included."""
    kept, cleaned_targets = {}, []
    for index, target in enumerate(targets or []):
        html = clean_html(target.get("html"))
        if _shown(html):
            kept[index] = f"t{len(cleaned_targets) + 1}"
            cleaned_targets.append({"id": kept[index], "html": html})
    _distinct_rows(cleaned_targets, "targets", _("Two answers to match have the same text."),
                   _("Give at least two answers to match."))
    cleaned = []
    for premise in premises or []:
        html = clean_html(premise.get("html"))
        if not _shown(html):
            continue
        match = premise.get("match")
        index = int(match) if isinstance(match, int) or (isinstance(match, str) and match.isdigit()) else None
        if index not in kept:
            raise ValidationError(_("Choose the matching answer of '%(premise)s'.", premise=first_words(html)),
                                  field="options")
        cleaned.append({"html": html, "match": kept[index]})
    _distinct_rows(cleaned, "options", _("Two items to match have the same text."),
                   _("Give at least two items to match."))
    return [{"id": option_id, **premise} for option_id, premise in zip(OPTION_IDS, cleaned)], cleaned_targets


def _validated_order(options: list[dict]) -> list[dict]:
    """ORDERING: the options in their correct order."""
    cleaned = [{"html": html} for html in (clean_html(option.get("html")) for option in options or []) if _shown(html)]
    _distinct_rows(cleaned, "options", _("Two options have the same text."))
    for option_id, option in zip(OPTION_IDS, cleaned):
        option["id"] = option_id
    return cleaned


def _validated_blanks(stem: str, blanks: list[dict]) -> list[dict]:
    numbers = [int(number) for number in BLANK.findall(stem)]
    if not numbers:
        raise ValidationError(_("Mark each blank in the text as [[1]], [[2]], ..."), field="stem")
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValidationError(_("Number the blanks [[1]], [[2]], ... in order, each once."), field="stem")
    blanks = blanks or []
    if len(blanks) != len(numbers):
        raise ValidationError(_("The text has %(blanks)d blank(s) but %(lists)d answer list(s) are given.",
                                blanks=len(numbers), lists=len(blanks)), field="blanks")
    cleaned = []
    for number, blank in enumerate(blanks, start=1):
        key = _answer_key(blank, "blanks", "blanks", number)
        if not key.accepted:
            raise ValidationError(_("Blank %(number)d needs at least one accepted answer.", number=number), field="blanks")
        cleaned.append({**key.as_key(), **_blank_choices(blank.get("choices"), key, number)})
    return cleaned


def _blank_choices(choices, key: AnswerKey, number: int) -> dict:
    """A blank chosen from an inline list: its choices, of which the accepted answers are the right ones.
    No choices: a typed blank."""
    if choices is not None and not isinstance(choices, list):
        raise ValidationError(_("Give blank %(number)d its choices as a list.", number=number), field="blanks")
    choices = [str(choice).strip() for choice in choices or [] if str(choice).strip()]
    if not choices:
        return {}
    if len(choices) < 2:
        raise ValidationError(_("Give blank %(number)d at least two choices, or none for a typed answer.",
                                number=number), field="blanks")
    if len(choices) > MAX_OPTIONS:
        raise ValidationError(_("Give blank %(number)d at most %(count)d choices.", number=number, count=MAX_OPTIONS),
                              field="blanks")
    if len(set(choices)) != len(choices):
        raise ValidationError(_("A choice of blank %(number)d is listed twice.", number=number), field="blanks")
    if not all(answer in choices for answer in key.accepted):
        raise ValidationError(_("Each accepted answer of blank %(number)d must be one of its choices.", number=number),
                              field="blanks")
    return {"choices": choices}


MAX_UNITS = 10


def _validated_numeric(data: QuestionInput) -> dict:
    """A numeric question's accepted numbers (in its first unit), tolerance and units (webapp/bank/numeric.py)."""
    accepted = _answers(data.accepted_answers, "accepted_answers")
    if not accepted:
        raise ValidationError(_("Give at least one accepted number."), field="accepted_answers")
    numbers = [read_number(answer) for answer in accepted]
    if None in numbers:
        raise ValidationError(_("Each accepted answer must be a number, such as 9.81 (its unit is the first unit)."),
                              field="accepted_answers")
    given = (data.matching or {}).get("tolerance")
    tolerance = Decimal(0) if given in (None, "") else read_number(str(given).strip())
    if tolerance is None or tolerance < 0:
        raise ValidationError(_("The tolerance must be a number, 0 or more."), field="tolerance")
    units = []
    for unit in data.units or []:
        if not isinstance(unit, dict):
            raise ValidationError(_("Give each unit as a name and a factor."), field="units")
        name = unit_name(unit.get("unit") or "")
        if not name:
            continue
        # The first unit needs no factor: it is the accepted numbers' own.
        given = unit.get("factor")
        factor = decimal(given) if given not in (None, "") else (Decimal(1) if not units else None)
        if factor is None or factor <= 0:
            raise ValidationError(
                _("Give the unit %(unit)s a factor greater than 0 (what one %(unit)s is in the first unit).", unit=name),
                field="units")
        if len(name) > 20:
            raise ValidationError(_("A unit has at most 20 characters."), field="units")
        # A number, as the interchange shapes have it (1, 0.01).
        units.append({"unit": name, "factor": int(factor) if factor == int(factor) else float(factor)})
    if units and units[0]["factor"] != 1:
        raise ValidationError(_("The first unit is the one of the accepted numbers: its factor is 1."), field="units")
    if len({unit["unit"] for unit in units}) != len(units):
        raise ValidationError(_("A unit is listed twice."), field="units")
    if len(units) > MAX_UNITS:
        raise ValidationError(_("Give at most %(count)d units.", count=MAX_UNITS), field="units")
    unit_required = bool((data.matching or {}).get("unit_required"))
    if unit_required and not units:
        raise ValidationError(_("A unit can only be required when the question has units."), field="units")
    return {"accepted_answers": accepted, "units": units,
            "matching": {"tolerance": format(tolerance, "f"),
                         "tolerance_percent": bool((data.matching or {}).get("tolerance_percent")),
                         "unit_required": unit_required}}


# What a candidate may send as a file answer (webapp/sittings/answer_files.py checks the bytes), and the largest.
ANSWER_FILE_KINDS = ("pdf", "image", "audio", "document", "text")
MAX_ANSWER_FILE_MB = 20
ANSWER_FILE_KIND_LABELS = {"pdf": _l("PDF"), "image": _l("image"), "audio": _l("audio recording"),
                           "document": _l("office document (Word, Excel, PowerPoint, OpenDocument)"),
                           "text": _l("plain text")}


def answer_file_kinds(answer_file: dict) -> str:
    """The kinds of file a file-upload item allows, in the reader's words: "PDF, image"."""
    return _(", ").join(str(ANSWER_FILE_KIND_LABELS[kind]) for kind in (answer_file or {}).get("kinds") or []
                        if kind in ANSWER_FILE_KIND_LABELS)


def _validated_answer_file(answer_file: dict) -> dict:
    answer_file = answer_file if isinstance(answer_file, dict) else {}
    given = answer_file.get("kinds")
    given = given if isinstance(given, list) and all(isinstance(kind, str) for kind in given) else []
    kinds = [kind for kind in ANSWER_FILE_KINDS if kind in given]
    if not kinds or set(given) - set(ANSWER_FILE_KINDS):
        raise ValidationError(_("Choose the kinds of file the candidate may send."), field="answer_file")
    try:
        max_mb = float(answer_file.get("max_mb") or 0)
    except (TypeError, ValueError):
        max_mb = 0
    if not (0 < max_mb <= MAX_ANSWER_FILE_MB):
        raise ValidationError(_("The largest file must be between 0 and %(max)d MB.", max=MAX_ANSWER_FILE_MB),
                              field="answer_file")
    return {"kinds": kinds, "max_mb": int(max_mb) if max_mb == int(max_mb) else max_mb}


def create_question(actor: User, data: QuestionInput, *, source: str = CUSTOM_SOURCE) -> Question:
    require(actor, Permission.EDIT_BANK)
    question = add_question(actor.institute_id, data, source=source)
    _audit_question(actor, "question.create", question, {}, {"type": question.type.value, "stem": question.stem})
    return question


def _audit_question(actor: User, action: str, question: Question, before: dict, after: dict) -> None:
    audit(actor, action, "question", question.id, before, after, label=first_words(question.stem))


def add_question(institute_id: int, data: QuestionInput, *, source: str = CUSTOM_SOURCE) -> Question:
    """Validate and store a question for an institute (callers have checked the permission)."""
    question = Question(institute_id=institute_id, source=source, **_validated(institute_id, data))
    db.session.add(question)
    db.session.flush()
    return question


def update_question(actor: User, question_id, data: QuestionInput) -> Question:
    require(actor, Permission.EDIT_BANK)
    question = get_question(actor, question_id)
    values = _validated(actor.institute_id, data)
    before, after = changed_fields(question, values)
    for name, value in values.items():
        setattr(question, name, value)
    if after:
        _audit_question(actor, "question.update", question, before, after)
    return question


def question_input(question: Question) -> QuestionInput:
    """The editable form of a stored question (for the edit form and for duplication)."""
    return QuestionInput(
        type=question.type.value, skill_id=question.skill_id, difficulty=question.difficulty.value,
        stem=question.stem, cefr_level=question.cefr_level.value if question.cefr_level else None,
        options=[_option_input(question, option) for option in question.options], blanks=[dict(blank) for blank in question.blanks],
        accepted_answers=list(question.accepted_answers), case_sensitive=question.case_sensitive,
        matching=dict(question.matching), marks=question.marks, negative_marks=question.negative_marks,
        explanation=question.explanation, partial_credit=question.partial_credit,
        targets=[{"html": target["html"]} for target in question.targets],
        units=[dict(unit) for unit in question.units], answer_file=dict(question.answer_file),
    )


def _option_input(question: Question, option: dict) -> dict:
    """A stored option as QuestionInput gives it: a MATCHING premise names its target by its index."""
    if question.type == QuestionType.MATCHING:
        target_ids = [target["id"] for target in question.targets]
        return {"html": option["html"], "match": target_ids.index(option["match"])}
    return dict(option)


def duplicate_question(actor: User, question_id) -> Question:
    require(actor, Permission.EDIT_BANK)
    original = get_question(actor, question_id)
    return add_question(actor.institute_id, question_input(original), source=original.source)


def get_question(actor: User, question_id) -> Question:
    require(actor, Permission.VIEW_BANK)
    return get_in_institute(Question, actor.institute_id, question_id, "Question")


def retire_question(actor: User, question_id) -> Question:
    require(actor, Permission.EDIT_BANK)
    question = get_question(actor, question_id)
    _set_status(actor, "question.retire", question, QuestionStatus.RETIRED)
    return question


def _set_status(actor: User, action: str, question: Question, status: QuestionStatus) -> None:
    if question.status != status:
        _audit_question(actor, action, question, *changed_fields(question, {"status": status}))
    question.status = status


def reactivate_question(actor: User, question_id) -> Question:
    require(actor, Permission.EDIT_BANK)
    question = get_question(actor, question_id)
    _set_status(actor, "question.reactivate", question, QuestionStatus.ACTIVE)
    return question


def delete_question(actor: User, question_id) -> None:
    """Only a question that nothing uses may go; one in use can be retired instead."""
    require(actor, Permission.EDIT_BANK)
    question = get_question(actor, question_id)
    events.question_deleting.send(question)
    _audit_question(actor, "question.delete", question, {"type": question.type.value, "stem": question.stem}, {})
    db.session.delete(question)


def search_questions(actor: User, *, text: str = "", skill_id=None, type=None, difficulty=None, level=None,
                     status: str | None = QuestionStatus.ACTIVE.value, page: int = 1, per_page: int = 25):
    """A page of the institute's questions matching the filters, newest first."""
    require(actor, Permission.VIEW_BANK)
    query = select(Question).options(joinedload(Question.skill)).where(Question.institute_id == actor.institute_id)
    if text and text.strip():
        # The stem is stored as sanitised HTML, where "&" and "<" are written as entities.
        stored = escape(text.strip(), quote=False).lower()
        query = query.where(func.lower(Question.stem).contains(stored, autoescape=True))
    if skill_id:
        try:
            query = query.where(Question.skill_id == int(skill_id))
        except (TypeError, ValueError):
            raise ValidationError(_("Invalid skill '%(skill)s'.", skill=skill_id), field="skill_id") from None
    if type:
        query = query.where(Question.type == parse_enum(QuestionType, type, "type", _("question type")))
    if difficulty:
        query = query.where(Question.difficulty == parse_enum(Difficulty, difficulty, "difficulty", _("difficulty")))
    if level:
        query = query.where(Question.cefr_level == parse_enum(CefrLevel, level, "level", _("CEFR level")))
    if status:
        query = query.where(Question.status == parse_enum(QuestionStatus, status, "status", _("status")))
    query = query.order_by(Question.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def matching_questions(institute_id: int, *, skill_id: int, difficulty=None, question_type=None,
                       cefr_level=None) -> list[int]:
    """Ids of the active questions that a selection rule may draw from."""
    query = select(Question.id).where(
        Question.institute_id == institute_id, Question.skill_id == skill_id,
        Question.status == QuestionStatus.ACTIVE,
    )
    if difficulty is not None:
        query = query.where(Question.difficulty == difficulty)
    if question_type is not None:
        query = query.where(Question.type == question_type)
    if cefr_level is not None:
        query = query.where(Question.cefr_level == cefr_level)
    return list(db.session.scalars(query.order_by(Question.id)))


def matching_counts(institute_id: int, criteria: list[tuple]) -> list[int]:
    """For each (skill_id, difficulty, question_type, cefr_level), None meaning any as in
    `matching_questions`, how many active questions match: one grouped query for them all."""
    skill_ids = {skill_id for skill_id, *_ in criteria}
    if not skill_ids:
        return []
    groups = db.session.execute(
        select(Question.skill_id, Question.difficulty, Question.type, Question.cefr_level, func.count(Question.id))
        .where(Question.institute_id == institute_id, Question.skill_id.in_(skill_ids),
               Question.status == QuestionStatus.ACTIVE)
        .group_by(Question.skill_id, Question.difficulty, Question.type, Question.cefr_level)).all()
    return [sum(count for *group, count in groups
                if all(wanted is None or wanted == value for wanted, value in zip(criterion, group)))
            for criterion in criteria]


def bank_profile(institute_id: int, skill_id: int) -> dict:
    """What a skill holds: active question counts by (difficulty, type). Used by the rule checks."""
    rows = db.session.execute(
        select(Question.difficulty, Question.type, func.count(Question.id))
        .where(Question.institute_id == institute_id, Question.skill_id == skill_id,
               Question.status == QuestionStatus.ACTIVE)
        .group_by(Question.difficulty, Question.type)
    )
    return {(difficulty, qtype): count for difficulty, qtype, count in rows}


def bank_counts(actor: User) -> dict[str, int]:
    """The console's front page: the institute's skills and active questions."""
    def count(model, *conditions) -> int:
        return db.session.scalar(select(func.count(model.id)).where(model.institute_id == actor.institute_id,
                                                                    *conditions))

    return {"skills": count(Skill), "questions": count(Question, Question.status == QuestionStatus.ACTIVE)}
