"""Assessments: one place that enforces every rule of a test definition (Mettl's E701-E710 and E789),
shared by the console, the API and the catalogue. Console edits change one part of the definition,
then the whole definition is checked and written."""
from __future__ import annotations

import dataclasses
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.assessments.models import (Assessment, AssessmentKind, FieldType, RegistrationField, Section,
                                       SectionQuestion, SelectionRule)
from webapp.audit.services import audit, differences
from webapp.bank import services as bank
from webapp.bank.models import (TYPES_WITHOUT_ITEMS, CefrLevel, Difficulty, Question, QuestionStatus, QuestionType,
                                Skill)
from webapp.bank.sanitize import clean_html
from webapp.core import events
from webapp.core.database import get_in_institute, parse_id, was_deleted
from webapp.core.errors import Conflict, Deleted, NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.validation import single_line

FORBIDDEN_NAME_CHARACTERS = re.compile(r'["<>?*\\]')
MAX_DURATION = 24 * 60
EMAIL_FIELD = "Email Address"
STANDARD_FIELDS = (EMAIL_FIELD, "First Name", "Last Name")


def invalid(message: str, field_name: str | None = None) -> ValidationError:
    return ValidationError(message, code="E789", field=field_name)


# What a definition is made of, before it is checked -----------------------------------------------

@dataclass
class RuleInput:
    skill: str                       # the skill's name, as Mettl's API gives it
    difficulty: str
    question_count: int
    question_type: str | None = None  # None or "AllType": every type
    cefr_level: str | None = None
    correct_grade: float = 1.0
    incorrect_grade: float = 0.0
    pooling: bool = True
    id: int | None = None
    fixed_question_ids: list[int] = field(default_factory=list)


@dataclass
class SectionInput:
    name: str
    duration: int | None = None
    instructions: str = ""
    all_questions_mandatory: bool = False
    randomize_questions: bool = False
    rules: list[RuleInput] = field(default_factory=list)
    question_ids: list[int] = field(default_factory=list)
    id: int | None = None


@dataclass
class FieldInput:
    name: str
    field_type: str = FieldType.TEXT_BOX.value
    required: bool = False
    values: list[str] = field(default_factory=list)


@dataclass
class AssessmentInput:
    name: str
    duration: int | None = None       # minutes; derived from the sections when they are timed
    instructions: str = ""
    kind: str = AssessmentKind.STANDARD.value
    allow_copy_paste: bool = False
    exit_redirection_url: str = ""
    show_report_to_candidate_on_exit: bool = False
    show_answers_in_report: bool = False
    on_screen_calculator: bool = False
    target_level: str | None = None
    pass_mark_percent: float | None = None
    certificate_validity_months: int | None = None   # certification: None, its certificates never expire
    placement_bands: list[dict] = field(default_factory=list)
    adaptive: dict | None = None      # placement given adaptively: check_adaptive's settings; None: a fixed form
    sections: list[SectionInput] = field(default_factory=list)
    registration_fields: list[FieldInput] = field(default_factory=list)


def assessment_input(assessment: Assessment) -> AssessmentInput:
    """The stored assessment as an editable definition."""
    return AssessmentInput(
        name=assessment.name, duration=assessment.duration_minutes, instructions=assessment.instructions,
        kind=assessment.kind.value, allow_copy_paste=assessment.allow_copy_paste,
        exit_redirection_url=assessment.exit_redirection_url,
        show_report_to_candidate_on_exit=assessment.show_report_to_candidate_on_exit,
        show_answers_in_report=assessment.show_answers_in_report,
        on_screen_calculator=assessment.on_screen_calculator,
        target_level=assessment.target_level.value if assessment.target_level else None,
        pass_mark_percent=assessment.pass_mark_percent,
        certificate_validity_months=assessment.certificate_validity_months,
        placement_bands=[dict(band) for band in assessment.placement_bands],
        adaptive=dict(assessment.adaptive) if assessment.adaptive is not None else None,
        sections=[
            SectionInput(
                id=section.id, name=section.name, duration=section.duration_minutes,
                instructions=section.instructions, all_questions_mandatory=section.all_questions_mandatory,
                randomize_questions=section.randomize_questions,
                rules=[
                    RuleInput(id=rule.id, skill=rule.skill.name, difficulty=rule.difficulty.value,
                              question_count=rule.question_count,
                              question_type=rule.question_type.value if rule.question_type else None,
                              cefr_level=rule.cefr_level.value if rule.cefr_level else None,
                              correct_grade=rule.correct_grade, incorrect_grade=rule.incorrect_grade,
                              pooling=rule.pooling, fixed_question_ids=list(rule.fixed_question_ids))
                    for rule in section.rules
                ],
                question_ids=[pick.question_id for pick in section.picks],
            )
            for section in assessment.sections
        ],
        registration_fields=[
            FieldInput(name=f.name, field_type=f.field_type.value, required=f.required, values=list(f.values))
            for f in assessment.registration_fields
        ],
    )


# The checks -------------------------------------------------------------------------------------

@dataclass
class _CheckedRule:
    section: str
    skill: Skill
    difficulty: Difficulty
    question_type: QuestionType | None
    cefr_level: CefrLevel | None
    matching: list[int]
    source: RuleInput


def _check_name(institute_id: int, name: str, assessment_id: int | None) -> str:
    name = single_line(name, _("The assessment name"), field="name", code="E701")
    if not name or len(name) > 200 or FORBIDDEN_NAME_CHARACTERS.search(name):
        raise ValidationError(
            _('Invalid assessment name provided (cannot be empty, contain special characters such as ",<,>,?,*,\\ '
              "or be the same as an existing assessment name)"), code="E701", field="name")
    other = db.session.scalar(select(Assessment.id).where(
        Assessment.institute_id == institute_id, func.lower(Assessment.name) == name.lower()))
    if other is not None and other != assessment_id:
        raise ValidationError(
            _("Invalid assessment name provided: an assessment named '%(name)s' already exists.", name=name),
            code="E701", field="name")
    return name


def _positive_minutes(value, section: str | None, field_name: str) -> int | None:
    """Whole minutes from 1 to MAX_DURATION, or None for none: of the section named `section`, or of the
    assessment when None."""
    if value in (None, "", 0, "0"):
        return None
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise invalid(_("Invalid value provided: the duration of section %(section)s must be a whole number of "
                        "minutes.", section=section) if section is not None else
                      _("Invalid value provided: the assessment duration must be a whole number of minutes."),
                      field_name) from None
    if not 0 < minutes <= MAX_DURATION:
        raise invalid(_("Invalid value provided: the duration of section %(section)s must be between 1 and %(max)d "
                        "minutes.", section=section, max=MAX_DURATION) if section is not None else
                      _("Invalid value provided: the assessment duration must be between 1 and %(max)d minutes.",
                        max=MAX_DURATION), field_name)
    return minutes


def _check_durations(data: AssessmentInput) -> int:
    section_minutes = [_positive_minutes(s.duration, s.name, "duration") for s in data.sections]
    total = _positive_minutes(data.duration, None, "duration")
    timed = [minutes for minutes in section_minutes if minutes]
    if timed and len(timed) != len(section_minutes):
        raise ValidationError(_("Invalid section durations - provide all or none of the section durations for "
                                "timed/un-timed sections."), code="E703", field="duration")
    if timed:
        if total is not None and total != sum(timed):
            raise ValidationError(_("Invalid assessment duration - does not match total of individual section "
                                    "durations (%(minutes)d minutes).", minutes=sum(timed)), code="E702",
                                  field="duration")
        return sum(timed)
    if total is None:
        raise ValidationError(_("Missing assessment duration as all sections are un-timed."), code="E704",
                              field="duration")
    return total


def _check_settings(data: AssessmentInput) -> dict:
    url = (data.exit_redirection_url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid(_("Invalid redirection URL"), "exit_redirection_url")
    kind = parse_enum(AssessmentKind, data.kind, "kind", _("kind"))
    values = {"kind": kind, "exit_redirection_url": url, "target_level": None, "pass_mark_percent": None,
              "certificate_validity_months": None, "placement_bands": [], "adaptive": None}
    if kind == AssessmentKind.CERTIFICATION:
        if not data.target_level:
            raise invalid(_("Invalid value provided: a certification needs a target level."), "target_level")
        values["target_level"] = parse_enum(CefrLevel, data.target_level, "target_level", _("CEFR level"))
        try:
            pass_mark = float(data.pass_mark_percent)
        except (TypeError, ValueError):
            raise invalid(_("Invalid value provided: give the pass mark in percent."), "pass_mark_percent") from None
        if not 0 < pass_mark <= 100:
            raise invalid(_("Invalid value provided: the pass mark is a percentage above 0, at most 100."),
                          "pass_mark_percent")
        values["pass_mark_percent"] = pass_mark
        values["certificate_validity_months"] = _validity_months(data.certificate_validity_months)
    if kind == AssessmentKind.PLACEMENT:
        values["placement_bands"] = _check_bands(data.placement_bands or default_placement_bands())
        if data.adaptive is not None:
            values["adaptive"] = check_adaptive(data.adaptive)
    return values


# An adaptive placement's settings (webapp/sittings/adaptive.py delivers it; webapp/bank/adaptive.py's
# AdaptiveRules are its rules). The pool is the questions the sections draw, auto-scored ones only.
ADAPTIVE_DEFAULTS = {"start_level": "", "min_items": 5, "max_items": 30, "target_standard_error": 0.4,
                     "exposure_choices": 3, "skill_shares": {}}
MAX_ADAPTIVE_ITEMS = 200
# Above the prior's own spread (1.5 logits) no answer would ever be needed.
MAX_STANDARD_ERROR = 1.5
MAX_EXPOSURE_CHOICES = 20
START_FROM_CANDIDATE = "candidate"


def check_adaptive(settings: dict) -> dict:
    """An adaptive placement's settings, checked, with defaults for what is not given: "start_level" ("" for
    the middle of the scale, a CEFR level, or "candidate": the candidate's own level), "min_items",
    "max_items", "target_standard_error" (logits), "exposure_choices" (the next item is drawn from the most
    informative few) and "skill_shares" ({skill name: share of the items}, content balancing)."""
    if not isinstance(settings, dict):
        raise invalid(_("Invalid value provided: the adaptive settings are an object."), "adaptive")
    unknown = set(settings) - set(ADAPTIVE_DEFAULTS)
    if unknown:
        raise invalid(_("Invalid value provided: unknown settings %(names)s.", names=", ".join(sorted(unknown))),
                      "adaptive")
    values = {**ADAPTIVE_DEFAULTS, **{name: value for name, value in settings.items() if value is not None}}
    start = values["start_level"] or ""
    if start not in ("", START_FROM_CANDIDATE):
        start = parse_enum(CefrLevel, start, "start_level", _("CEFR level")).value
    min_items = _whole(values["min_items"], "min_items", 1, MAX_ADAPTIVE_ITEMS)
    max_items = _whole(values["max_items"], "max_items", 1, MAX_ADAPTIVE_ITEMS)
    if max_items < min_items:
        raise invalid(_("Invalid value provided: the most items cannot be fewer than the fewest."), "max_items")
    try:
        target = float(values["target_standard_error"])
    except (TypeError, ValueError):
        target = math.nan
    if not 0 < target <= MAX_STANDARD_ERROR:
        raise invalid(_("Invalid value provided: the target standard error is above 0, at most %(max)s.",
                        max=MAX_STANDARD_ERROR), "target_standard_error")
    return {"start_level": start, "min_items": min_items, "max_items": max_items, "target_standard_error": target,
            "exposure_choices": _whole(values["exposure_choices"], "exposure_choices", 1, MAX_EXPOSURE_CHOICES),
            "skill_shares": _skill_shares(values["skill_shares"])}


def _whole(value, name: str, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit() \
            or not lowest <= int(value) <= highest:
        raise invalid(_("Invalid value provided: %(name)s is a whole number from %(lowest)d to %(highest)d.",
                        name=name, lowest=lowest, highest=highest), name)
    return int(value)


def _skill_shares(shares) -> dict[str, float]:
    if not isinstance(shares, dict):
        raise invalid(_("Invalid value provided: the skill shares name a skill and its share."), "skill_shares")
    checked = {}
    for name, share in shares.items():
        try:
            share = float(share)
        except (TypeError, ValueError):
            share = math.nan
        if not isinstance(name, str) or not name.strip() or not 0 <= share <= 100:
            raise invalid(_("Invalid value provided: each skill's share is a number from 0 to 100."), "skill_shares")
        checked[single_line(name, _("skill"), field="skill_shares", max_length=200, code="E789")] = share
    return checked


MAX_VALIDITY_MONTHS = 1200


def _validity_months(months) -> int | None:
    """A certificate's validity in whole months (1 to 100 years), or None (empty): it never expires."""
    if months in (None, ""):
        return None
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise invalid(_("Invalid value provided: give the validity in whole months."),
                      "certificate_validity_months") from None
    if not 1 <= months <= MAX_VALIDITY_MONTHS:
        raise invalid(_("Invalid value provided: the validity is 1 to %(max)d months, or empty for certificates "
                        "that never expire.", max=MAX_VALIDITY_MONTHS), "certificate_validity_months")
    return months


PLACEMENT_THRESHOLD_PERCENT = 60.0
# Fewer items than this at a level and one slip or one lucky guess decides whether it is reached.
MIN_ITEMS_TO_PLACE = 6


def default_placement_bands() -> list[dict]:
    """Every CEFR level reached at 60 % of its items; institutes tune them to their own test."""
    return [{"level": level.value, "min_percent": PLACEMENT_THRESHOLD_PERCENT} for level in CefrLevel]


def _check_bands(bands: list[dict]) -> list[dict]:
    """Placement bands: for each level, the share of that level's items a candidate must score to reach
    it (the rule itself is webapp/results/outcomes.py's `placement_level`)."""
    cleaned, last_rank = [], -1
    for band in bands:
        level = parse_enum(CefrLevel, band.get("level"), "placement_bands", _("CEFR level"))
        try:
            percent = float(band.get("min_percent"))
        except (TypeError, ValueError):
            raise invalid(_("Invalid value provided: each level needs a minimum percentage."),
                          "placement_bands") from None
        if level.rank <= last_rank:
            raise invalid(_("Invalid value provided: list the placement levels once each, from the lowest up."),
                          "placement_bands")
        if not 0 < percent <= 100:
            raise invalid(_("Invalid value provided: a level's minimum is a percentage above 0, at most 100."),
                          "placement_bands")
        cleaned.append({"level": level.value, "min_percent": percent})
        last_rank = level.rank
    if not cleaned:
        raise invalid(_("Invalid value provided: a placement test needs at least one level."), "placement_bands")
    return cleaned


def _check_fields(fields: list[FieldInput]) -> list[FieldInput]:
    by_name = {}
    for item in fields:
        name = single_line(item.name, _("A registration field's name"), field="registration_fields")
        if not name or len(name) > 100:
            raise invalid(_("Invalid value provided: a registration field needs a name (up to 100 characters)."),
                          "registration_fields")
        if name.lower() in by_name:
            raise invalid(_("Invalid value provided: the registration field '%(name)s' is listed twice.", name=name),
                          "registration_fields")
        field_type = parse_enum(FieldType, item.field_type, "registration_fields", _("field type"))
        values = [single_line(str(value), _("A choice of %(field)s", field=name), field="registration_fields")
                  for value in item.values or [] if str(value).strip()]
        if field_type == FieldType.SELECT_BOX and not values:
            raise invalid(_("Invalid value provided: the choice field '%(name)s' needs its choices.", name=name),
                          "registration_fields")
        by_name[name.lower()] = FieldInput(name=name, field_type=field_type.value, required=bool(item.required),
                                           values=values if field_type == FieldType.SELECT_BOX else [])
    by_name.pop(EMAIL_FIELD.lower(), None)
    # The e-mail identifies the candidate, so it is always asked first and always required.
    return [FieldInput(name=EMAIL_FIELD, required=True, field_type=FieldType.TEXT_BOX.value), *by_name.values()]


def _check_rule(institute_id: int, section: str, rule: RuleInput) -> _CheckedRule:
    skill = bank.skill_by_name(institute_id, rule.skill or "")
    if skill is None:
        raise ValidationError(_("In section %(section)s, the added skill %(skill)s doesn't exist in your question "
                                "bank.", section=section, skill=rule.skill), code="E705", field="skill")
    difficulty = parse_enum(Difficulty, (rule.difficulty or "").upper(), "difficulty", _("difficulty level"))
    qtype, asked_type = None, (rule.question_type or "").upper()
    without_items = asked_type in TYPES_WITHOUT_ITEMS
    if asked_type and asked_type not in ("ALLTYPE", "ALL") and not without_items:
        qtype = parse_enum(QuestionType, asked_type, "question_type", _("question type"))
    level = parse_enum(CefrLevel, rule.cefr_level, "cefr_level", _("CEFR level")) if rule.cefr_level else None
    type_label = asked_type if qtype or without_items else "AllType"
    label = f"{section} {skill.name} {difficulty.value} {type_label}"
    try:
        correct, incorrect = float(rule.correct_grade), float(rule.incorrect_grade or 0)
    except (TypeError, ValueError):
        raise invalid(_("Invalid value provided: the grades of %(rule)s must be numbers.", rule=label),
                      "correct_grade") from None
    # float() accepts "nan" and "inf": NaN slips past every comparison and an infinite grade is no grade.
    if not math.isfinite(correct) or correct <= 0:
        raise invalid(_("Invalid grade value for correct grade - %(rule)s, greater than 0.", rule=label),
                      "correct_grade")
    if not math.isfinite(incorrect) or incorrect > 0:
        raise invalid(_("Invalid grade value for incorrect grade - %(rule)s, should be less than or equal to 0.",
                        rule=label), "incorrect_grade")
    try:
        count = int(rule.question_count)
    except (TypeError, ValueError):
        count = 0
    if count < 1:
        raise invalid(_("Invalid value provided: the number of questions of %(rule)s must be at least 1.",
                        rule=label), "question_count")

    profile = bank.bank_profile(institute_id, skill.id)
    if not profile:
        raise ValidationError(_("In section %(section)s, there are no questions present in skill %(skill)s.",
                                section=section, skill=skill.name), code="E710", field="skill")
    if without_items or (qtype and not any(t == qtype for (_, t) in profile)):
        raise ValidationError(_("In section %(section)s, questiontype %(type)s doesn't exists in skill %(skill)s of "
                                "your question bank.", section=section, type=type_label, skill=skill.name),
                              code="E706", field="question_type")
    if not any(d == difficulty for (d, _) in profile):
        raise ValidationError(_("In section %(section)s, difficulty level %(difficulty)s of skill %(skill)s doesn't "
                                "exists in your question bank.", section=section, difficulty=difficulty.value,
                                skill=skill.name), code="E707", field="difficulty")
    matching = bank.matching_questions(institute_id, skill_id=skill.id, difficulty=difficulty,
                                       question_type=qtype, cefr_level=level)
    if count > len(matching):
        values = dict(section=section, skill=skill.name, difficulty=difficulty.value, type=type_label,
                      available=len(matching))
        raise ValidationError(
            _("In section %(section)s, no of questions in skill %(skill)s, difficulty level %(difficulty)s, "
              "questiontype %(type)s, level %(level)s exceeds that in your question bank (%(available)d available).",
              level=level.value, **values) if level else
            _("In section %(section)s, no of questions in skill %(skill)s, difficulty level %(difficulty)s, "
              "questiontype %(type)s exceeds that in your question bank (%(available)d available).", **values),
            code="E708", field="question_count")
    rule.question_count, rule.correct_grade, rule.incorrect_grade = count, correct, incorrect
    return _CheckedRule(section, skill, difficulty, qtype, level, matching, rule)


def _rules_overlap(a: _CheckedRule, b: _CheckedRule) -> bool:
    return (a.skill.id == b.skill.id and a.difficulty == b.difficulty
            and (a.question_type is None or b.question_type is None or a.question_type == b.question_type)
            and (a.cefr_level is None or b.cefr_level is None or a.cefr_level == b.cefr_level))


def _overlap_error(first: str, second: str) -> ValidationError:
    return ValidationError(_("Overlap in section %(first)s and Section %(second)s Questions in some sections are "
                             "overlapping, might lead to occurrence of same question more than once.",
                             first=first, second=second), code="E709")


def _check_sections(institute_id: int, sections: list[SectionInput],
                    already_picked: frozenset[int] = frozenset()) -> list[_CheckedRule]:
    if not sections:
        raise invalid(_("Invalid value provided: an assessment needs at least one section."), "sections")
    names: set[str] = set()
    checked: list[_CheckedRule] = []
    picked: dict[int, str] = {}
    wanted = {int(question_id) for section in sections for question_id in section.question_ids}
    questions = {question.id: question for question in db.session.scalars(
        select(Question).where(Question.institute_id == institute_id, Question.id.in_(wanted)))} if wanted else {}
    for section in sections:
        section.name = single_line(section.name, _("A section name"), field="name")
        if not section.name or len(section.name) > 200:
            raise invalid(_("Invalid value provided: every section needs a name (up to 200 characters)."), "name")
        if section.name.lower() in names:
            raise invalid(_("Invalid value provided: the section name '%(name)s' is used twice.", name=section.name),
                          "name")
        names.add(section.name.lower())
        section_rules: list[_CheckedRule] = []
        for rule in section.rules:
            this = _check_rule(institute_id, section.name, rule)
            for other in section_rules:
                if other.skill.id == this.skill.id and other.difficulty == this.difficulty:
                    raise invalid(_("In section %(section)s, same skill with same difficulty level has been added - "
                                    "%(skill)s %(difficulty)s", section=section.name, skill=this.skill.name,
                                    difficulty=this.difficulty.value), "skill")
            for other in checked:
                if _rules_overlap(other, this):
                    raise _overlap_error(other.section, section.name)
            section_rules.append(this)
        checked.extend(section_rules)
        for question_id in section.question_ids:
            question = questions.get(int(question_id))
            if question is None:
                raise NotFound("Question")
            # A question retired after it was picked stays where it is; only new picks must be active.
            if question.status != QuestionStatus.ACTIVE and question.id not in already_picked:
                raise invalid(_("Invalid value provided: question %(id)s is retired.", id=question.id), "question_ids")
            if question.id in picked:
                raise _overlap_error(picked[question.id], section.name)
            picked[question.id] = section.name
    for question_id, section_name in picked.items():
        for rule in checked:
            if question_id in rule.matching:
                raise _overlap_error(rule.section, section_name)
    return checked


def check_definition(institute_id: int, data: AssessmentInput, assessment_id: int | None = None,
                     already_picked: frozenset[int] = frozenset()) -> dict:
    """Every rule of an assessment definition, in the order Mettl reports them. Returns the checked
    values; raises ValidationError with the Mettl code of the first rule broken."""
    values = {"name": _check_name(institute_id, data.name, assessment_id)}
    values["duration_minutes"] = _check_durations(data)
    values.update(_check_settings(data))
    _check_sections(institute_id, data.sections, already_picked)
    data.registration_fields = _check_fields(data.registration_fields)
    return values


# Writing ----------------------------------------------------------------------------------------

def _sync(existing: list, wanted: list, key, build, update) -> list:
    """Match wanted inputs to existing children by id: update those kept, build new ones; the rest go."""
    by_id = {child.id: child for child in existing}
    result = []
    for position, item in enumerate(wanted):
        child = by_id.pop(key(item), None) if key(item) is not None else None
        child = update(child, item) if child is not None else build(item)
        child.position = position
        result.append(child)
    return result


def _fixed_ids(rule: RuleInput, matching: list[int]) -> list[int]:
    """Questions everyone gets from a rule without pooling: kept while still valid, else drawn anew."""
    if rule.pooling:
        return []
    kept = [question_id for question_id in rule.fixed_question_ids if question_id in set(matching)]
    if len(kept) == rule.question_count:
        return kept
    return sorted(random.sample(matching, rule.question_count))


def _write(assessment: Assessment, data: AssessmentInput, values: dict) -> Assessment:
    for name, value in values.items():
        setattr(assessment, name, value)
    assessment.instructions = clean_html(data.instructions)
    assessment.allow_copy_paste = bool(data.allow_copy_paste)
    assessment.show_report_to_candidate_on_exit = bool(data.show_report_to_candidate_on_exit)
    assessment.show_answers_in_report = bool(data.show_answers_in_report)
    assessment.on_screen_calculator = bool(data.on_screen_calculator)
    institute_id = assessment.institute_id

    def rule_values(rule: RuleInput) -> dict:
        skill = bank.skill_by_name(institute_id, rule.skill)
        difficulty = Difficulty(rule.difficulty.upper())
        qtype = None if not rule.question_type or rule.question_type.lower() in ("alltype", "all") \
            else QuestionType(rule.question_type.upper())
        level = CefrLevel(rule.cefr_level) if rule.cefr_level else None
        matching = bank.matching_questions(institute_id, skill_id=skill.id, difficulty=difficulty,
                                           question_type=qtype, cefr_level=level)
        return dict(skill_id=skill.id, difficulty=difficulty, question_type=qtype, cefr_level=level,
                    question_count=rule.question_count, correct_grade=rule.correct_grade,
                    incorrect_grade=rule.incorrect_grade, pooling=bool(rule.pooling),
                    fixed_question_ids=_fixed_ids(rule, matching))

    def set_attributes(target, attributes: dict):
        for name, value in attributes.items():
            setattr(target, name, value)
        return target

    def section_values(item: SectionInput) -> dict:
        return dict(name=item.name, duration_minutes=_positive_minutes(item.duration, item.name, "duration"),
                    instructions=clean_html(item.instructions),
                    all_questions_mandatory=bool(item.all_questions_mandatory),
                    randomize_questions=bool(item.randomize_questions))

    def fill_section(section: Section, item: SectionInput) -> Section:
        set_attributes(section, section_values(item))
        section.rules = _sync(section.rules, item.rules, key=lambda r: r.id,
                              build=lambda r: SelectionRule(**rule_values(r)),
                              update=lambda existing, r: set_attributes(existing, rule_values(r)))
        kept = {pick.question_id: pick for pick in section.picks}
        section.picks = [kept.get(question_id) or SectionQuestion(question_id=question_id)
                         for question_id in item.question_ids]
        for position, pick in enumerate(section.picks):
            pick.position = position
        return section

    assessment.sections = _sync(assessment.sections, data.sections, key=lambda s: s.id,
                                build=lambda s: fill_section(Section(), s), update=fill_section)
    kept_fields = {f.name.lower(): f for f in assessment.registration_fields}
    assessment.registration_fields = []
    for position, item in enumerate(data.registration_fields):
        record = kept_fields.get(item.name.lower()) or RegistrationField()
        set_attributes(record, dict(name=item.name, field_type=FieldType(item.field_type), required=item.required,
                                    values=item.values, position=position))
        assessment.registration_fields.append(record)
    db.session.flush()
    return assessment


def create_assessment(actor: User, data: AssessmentInput) -> Assessment:
    require(actor, Permission.EDIT_ASSESSMENTS)
    assessment = create_for_institute(actor.institute_id, data, created_by_id=actor.id)
    audit(actor, "assessment.create", "assessment", assessment.id, {}, {"name": assessment.name},
          label=assessment.name)
    return assessment


def create_for_institute(institute_id: int, data: AssessmentInput, **extra) -> Assessment:
    if not data.registration_fields:
        data.registration_fields = [FieldInput(EMAIL_FIELD, required=True), FieldInput("First Name", required=True),
                                    FieldInput("Last Name", required=True)]
    values = check_definition(institute_id, data)
    assessment = Assessment(institute_id=institute_id, **extra)
    db.session.add(assessment)
    return _write(assessment, data, values)


def get_assessment(actor: User, assessment_id) -> Assessment:
    require(actor, Permission.VIEW_ASSESSMENTS)
    return get_in_institute(Assessment, actor.institute_id, assessment_id, "Assessment")


class Builder(NamedTuple):
    assessment: Assessment
    pool_sizes: dict[int, int]              # rule id -> how many active questions it may draw from
    thin_bands: list[tuple[str, int]]       # placement levels with too few items: (level, items)


def builder(actor: User, assessment_id) -> Builder:
    """The assessment with its sections, rules (and their skills) and picked questions loaded together,
    how many active questions each rule may draw from, and the placement levels too thin to place: a
    fixed number of statements, whatever the number of sections and rules."""
    assessment = get_assessment(actor, assessment_id)
    db.session.execute(select(Assessment).where(Assessment.id == assessment.id).options(
        selectinload(Assessment.sections).options(
            selectinload(Section.rules).joinedload(SelectionRule.skill),
            selectinload(Section.picks).joinedload(SectionQuestion.question)))).all()
    rules = [rule for section in assessment.sections for rule in section.rules]
    counts = bank.matching_counts(assessment.institute_id, [
        (rule.skill_id, rule.difficulty, rule.question_type, rule.cefr_level) for rule in rules])
    return Builder(assessment, {rule.id: count for rule, count in zip(rules, counts)}, thin_placement_bands(assessment))


def thin_placement_bands(assessment: Assessment) -> list[tuple[str, int]]:
    """The placement levels that every fixed-form paper tests with fewer than MIN_ITEMS_TO_PLACE items: picked
    questions tagged with the level, and questions drawn by rules for that level (a rule without a level
    may draw any, so it counts for none)."""
    if not assessment.kind.is_placement or assessment.adaptive is not None:   # adaptive: placed by its estimate
        return []
    items = Counter()
    for section in assessment.sections:
        items.update(pick.question.cefr_level.value for pick in section.picks if pick.question.cefr_level)
        for rule in section.rules:
            if rule.cefr_level:
                items[rule.cefr_level.value] += rule.question_count
    return [(band["level"], items[band["level"]]) for band in assessment.placement_bands
            if items[band["level"]] < MIN_ITEMS_TO_PLACE]


def change_assessment(actor: User, assessment_id, change) -> Assessment:
    """Apply `change(definition)` to the stored definition, check the whole result, then write it.
    Every console edit (settings, a section, a rule, picked questions, fields) goes through here."""
    require(actor, Permission.EDIT_ASSESSMENTS)
    assessment = get_assessment(actor, assessment_id)
    data, original = assessment_input(assessment), dataclasses.asdict(assessment_input(assessment))
    change(data)
    if data.sections and any(section.duration for section in data.sections):
        # With timed sections the total follows from them; only the API states both (rule E702).
        data.duration = None
    already_picked = frozenset(pick.question_id for section in assessment.sections for pick in section.picks)
    values = check_definition(actor.institute_id, data, assessment.id, already_picked)
    before, after = differences(original, dataclasses.asdict(data))
    if after:
        audit(actor, "assessment.update", "assessment", assessment.id, before, after, label=data.name)
    return _write(assessment, data, values)


def update_settings(actor: User, assessment_id, settings: dict) -> Assessment:
    """Name, duration, instructions, kind and the candidate-facing switches."""
    allowed = {f.name for f in dataclasses.fields(AssessmentInput)} - {"sections", "registration_fields"}
    unknown = set(settings) - allowed
    if unknown:
        raise invalid(_("Invalid value provided: unknown settings %(names)s.", names=", ".join(sorted(unknown))))

    def apply(data: AssessmentInput) -> None:
        for name, value in settings.items():
            setattr(data, name, value)

    return change_assessment(actor, assessment_id, apply)


def _section_index(data: AssessmentInput, section_id) -> int:
    for index, section in enumerate(data.sections):
        if section.id is not None and str(section.id) == str(section_id):
            return index
    raise NotFound("Section")


def add_section(actor: User, assessment_id, section: SectionInput) -> Assessment:
    return change_assessment(actor, assessment_id, lambda data: data.sections.append(section))


def update_section(actor: User, assessment_id, section_id, **changes) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        target = data.sections[_section_index(data, section_id)]
        for name, value in changes.items():
            setattr(target, name, value)

    return change_assessment(actor, assessment_id, apply)


def set_section_durations(actor: User, assessment_id, durations: dict) -> Assessment:
    """Time every section at once, or none ({section id: minutes or None}). Timing them one by one
    cannot work: each edit in between would break rule E703 (all or none of the sections timed)."""
    def apply(data: AssessmentInput) -> None:
        minutes = {str(section_id): value for section_id, value in durations.items()}
        for section in data.sections:
            section.duration = minutes.get(str(section.id))

    return change_assessment(actor, assessment_id, apply)


def delete_section(actor: User, assessment_id, section_id) -> Assessment:
    return change_assessment(actor, assessment_id, lambda data: data.sections.pop(_section_index(data, section_id)))


def move_section(actor: User, assessment_id, section_id, offset: int) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        index = _section_index(data, section_id)
        target = max(0, min(len(data.sections) - 1, index + offset))
        data.sections.insert(target, data.sections.pop(index))

    return change_assessment(actor, assessment_id, apply)


def add_rule(actor: User, assessment_id, section_id, rule: RuleInput) -> Assessment:
    return change_assessment(
        actor, assessment_id, lambda data: data.sections[_section_index(data, section_id)].rules.append(rule))


def delete_rule(actor: User, assessment_id, section_id, rule_id) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        section = data.sections[_section_index(data, section_id)]
        section.rules = [rule for rule in section.rules if str(rule.id) != str(rule_id)]

    return change_assessment(actor, assessment_id, apply)


def pick_questions(actor: User, assessment_id, section_id, question_ids: list[int]) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        section = data.sections[_section_index(data, section_id)]
        # New picks join in the bank's order (oldest first), whatever order the picker listed them in.
        section.question_ids += sorted({parse_id(q, "Question") for q in question_ids} - set(section.question_ids))

    return change_assessment(actor, assessment_id, apply)


def unpick_question(actor: User, assessment_id, section_id, question_id) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        section = data.sections[_section_index(data, section_id)]
        section.question_ids = [q for q in section.question_ids if str(q) != str(question_id)]

    return change_assessment(actor, assessment_id, apply)


def set_registration_fields(actor: User, assessment_id, fields: list[FieldInput]) -> Assessment:
    def apply(data: AssessmentInput) -> None:
        data.registration_fields = fields

    return change_assessment(actor, assessment_id, apply)


def delete_assessment(actor: User, assessment_id) -> None:
    """Delete an assessment that no exam uses (an exam's sittings and results need its definition)."""
    require(actor, Permission.EDIT_ASSESSMENTS)
    assessment = get_assessment(actor, assessment_id)
    events.assessment_deleting.send(assessment)
    audit(actor, "assessment.delete", "assessment", assessment.id, {"name": assessment.name}, {},
          label=assessment.name)
    db.session.delete(assessment)


def list_assessments(actor: User, *, text: str = "", kind: str | None = None, page: int = 1, per_page: int = 25):
    require(actor, Permission.VIEW_ASSESSMENTS)
    query = select(Assessment).where(Assessment.institute_id == actor.institute_id)
    if text and text.strip():
        query = query.where(func.lower(Assessment.name).contains(text.strip().lower(), autoescape=True))
    if kind:
        query = query.where(Assessment.kind == parse_enum(AssessmentKind, kind, "kind", _("kind")))
    # The list shows question counts and max marks, which read every section's rules and picked questions.
    sections = selectinload(Assessment.sections)
    query = query.options(sections.selectinload(Section.rules),
                          sections.selectinload(Section.picks).selectinload(SectionQuestion.question))
    return db.paginate(query.order_by(Assessment.created_at.desc(), Assessment.id.desc()),
                       page=page, per_page=per_page, error_out=False)


def assessment_choices(actor: User) -> list[tuple[int, str]]:
    """The institute's assessments for a choice list: ids and names only, without their sections."""
    require(actor, Permission.VIEW_ASSESSMENTS)
    return [tuple(row) for row in db.session.execute(
        select(Assessment.id, Assessment.name).where(Assessment.institute_id == actor.institute_id)
        .order_by(func.lower(Assessment.name)))]


def assessments_using_question(question: Question) -> list[Assessment]:
    """Assessments that picked the question by hand or fixed it through a rule without pooling."""
    picked = select(Section.assessment_id).join(SectionQuestion).where(SectionQuestion.question_id == question.id)
    users = set(db.session.scalars(select(Assessment).where(Assessment.id.in_(picked))))
    fixed_rules = db.session.scalars(
        select(SelectionRule).where(SelectionRule.skill_id == question.skill_id, SelectionRule.pooling.is_(False)))
    users.update(rule.section.assessment for rule in fixed_rules if question.id in rule.fixed_question_ids)
    return sorted(users, key=lambda assessment: assessment.name)


def refuse_deleting_a_used_question(question: Question) -> None:
    """Only a question that no assessment uses may go; one in use can be retired instead."""
    users = assessments_using_question(question)
    if users:
        names = ", ".join(assessment.name for assessment in users)
        raise Conflict(_("The question is used by %(names)s; retire it instead of deleting it.", names=names))


# Lookups and pages with an offset and a sort (the Mettl dialect's) -------------------------------

ASSESSMENT_DETAILS = (
    selectinload(Assessment.sections).selectinload(Section.rules).selectinload(SelectionRule.skill),
    selectinload(Assessment.sections).selectinload(Section.picks).selectinload(SectionQuestion.question)
    .selectinload(Question.skill),
    selectinload(Assessment.registration_fields),
)


def get_assessment_or_deleted(actor: User, assessment_id) -> Assessment:
    """The institute's assessment; one it deleted is Deleted (E007), any other unknown id NotFound (E001)."""
    assessment_id = parse_id(assessment_id, "Assessment")
    try:
        return get_assessment(actor, assessment_id)
    except NotFound:
        if was_deleted(actor.institute_id, "assessment", assessment_id):
            raise Deleted("Assessment", code="E007") from None
        raise


# Drawing a paper --------------------------------------------------------------------------------

@dataclass
class PaperItem:
    question: Question
    marks: float
    negative_marks: float


@dataclass
class PaperSection:
    section: Section
    items: list[PaperItem]


def draw_paper(assessment: Assessment, rng: random.Random) -> list[PaperSection]:
    """The questions one candidate gets: pools drawn, order shuffled where the section says so.
    The preview uses it, and a sitting freezes its result when the exam starts. Each section's
    questions (with their skills) are loaded in one query."""
    paper = []
    for section in assessment.sections:
        wanted: list[tuple[int, float | None, float | None]] = [(pick.question_id, None, None) for pick in section.picks]
        for rule in section.rules:
            if rule.pooling:
                matching = bank.matching_questions(assessment.institute_id, skill_id=rule.skill_id,
                                                   difficulty=rule.difficulty, question_type=rule.question_type,
                                                   cefr_level=rule.cefr_level)
                chosen = rng.sample(matching, min(rule.question_count, len(matching)))
            else:
                chosen = list(rule.fixed_question_ids)
            wanted += [(question_id, rule.correct_grade, rule.incorrect_grade) for question_id in chosen]
        by_id = {question.id: question for question in db.session.scalars(
            select(Question).where(Question.id.in_([question_id for question_id, _, _ in wanted]))
            .options(selectinload(Question.skill)))} if wanted else {}
        # A picked question scores its own marks; a drawn one the grades of its rule.
        items = [PaperItem(by_id[question_id],
                           by_id[question_id].marks if correct is None else correct,
                           by_id[question_id].negative_marks if incorrect is None else incorrect)
                 for question_id, correct, incorrect in wanted if question_id in by_id]
        if section.randomize_questions:
            rng.shuffle(items)
        paper.append(PaperSection(section, items))
    return paper


def preview_paper(actor: User, assessment_id, seed: int | None = None, *,
                  with_key: bool = False) -> tuple[Assessment, list[PaperSection], int]:
    """A paper drawn as a candidate would get it (again from the same seed); with the answer key only
    for those who may read the bank: proctors supervise exams but never see answers."""
    if with_key:
        require(actor, Permission.VIEW_BANK)
    assessment = get_assessment(actor, assessment_id)
    seed = seed if seed is not None else random.randrange(1, 10**6)
    return assessment, draw_paper(assessment, random.Random(seed)), seed


def max_marks(assessment: Assessment) -> float:
    total = 0.0
    for section in assessment.sections:
        total += sum(pick.question.marks for pick in section.picks)
        total += sum(rule.correct_grade * rule.question_count for rule in section.rules)
    return total


def question_count(assessment: Assessment) -> int:
    return sum(len(section.picks) + sum(rule.question_count for rule in section.rules)
               for section in assessment.sections)


def assessment_count(actor: User) -> int:
    """The console's front page: how many assessments the institute has."""
    return db.session.scalar(select(func.count(Assessment.id)).where(Assessment.institute_id == actor.institute_id))
