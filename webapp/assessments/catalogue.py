"""The catalogue of pre-built tests that ships with Proctora (Mettl's PBTs). Adding one copies its
questions into the institute's bank and builds the assessment from them.

A test is one JSON file in catalogue/: "slug", "name", "kind", "description", "hero_message", "keywords",
"duration" (minutes), "instructions", the kind's settings ("placement_bands"; "target_level" and
"pass_mark_percent"), "questions" (each with its "key", "skill", "type", "difficulty", "level", "stem" and the
type's parts) and "sections" (each with its "name", optional "duration", "instructions",
"randomize_questions", "all_questions_mandatory", and "questions": the keys of its questions).

An adaptive placement test is a "placement" with an "adaptive" object, the settings of
services.check_adaptive: {"start_level", "min_items", "max_items", "target_standard_error",
"exposure_choices", "skill_shares"} (any left out take their defaults). Its questions are its pool; without
"sections" they all go into one section named after the test.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.assessments.models import Assessment, AssessmentKind
from webapp.assessments.services import AssessmentInput, SectionInput, create_for_institute
from webapp.bank.models import CATALOGUE_SOURCE
from webapp.bank.services import QuestionInput, add_question, ensure_skill
from webapp.core.errors import Conflict, NotFound
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


@dataclass(frozen=True)
class CatalogueTest:
    id: int               # stable number for the API (Mettl's pbtId)
    slug: str
    name: str
    kind: AssessmentKind
    description: str
    hero_message: str
    keywords: str
    duration: int
    question_count: int
    skills: tuple[str, ...]
    data: dict


@cache
def catalogue() -> tuple[CatalogueTest, ...]:
    return load_catalogue(CATALOGUE_DIR)


def load_catalogue(directory: Path) -> tuple[CatalogueTest, ...]:
    """The tests of the JSON files in `directory`, numbered in the order of their file names."""
    tests = []
    for number, path in enumerate(sorted(directory.glob("*.json")), start=1):
        data = json.loads(path.read_text(encoding="utf-8"))
        tests.append(CatalogueTest(
            id=number, slug=data["slug"], name=data["name"], kind=AssessmentKind(data["kind"]),
            description=data["description"],
            hero_message=data.get("hero_message", ""), keywords=data.get("keywords", ""),
            duration=data["duration"], question_count=len(data["questions"]),
            skills=tuple(sorted({question["skill"] for question in data["questions"]})), data=data,
        ))
    return tuple(tests)


def catalogue_test(slug_or_id) -> CatalogueTest:
    for test in catalogue():
        if str(slug_or_id) in (test.slug, str(test.id)):
            return test
    raise NotFound("Pre-built test")


def added_slugs(actor: User) -> set[str]:
    return set(added_assessment_ids(actor))


def added_assessment_ids(actor: User) -> dict[str, int]:
    """The catalogue tests the institute has added, by slug, with the assessment each became."""
    require(actor, Permission.VIEW_ASSESSMENTS)
    rows = db.session.execute(select(Assessment.catalogue_slug, Assessment.id).where(
        Assessment.institute_id == actor.institute_id, Assessment.catalogue_slug.is_not(None)))
    return {slug: assessment_id for slug, assessment_id in rows}


def add_to_institute(actor: User, slug_or_id) -> Assessment:
    """Copy a pre-built test into the actor's institute: its skills, questions and assessment."""
    require(actor, Permission.ADD_CATALOGUE_TEST)
    return add_test(actor, catalogue_test(slug_or_id))


def add_test(actor: User, test: CatalogueTest) -> Assessment:
    """Copy `test` into the actor's institute, once."""
    require(actor, Permission.ADD_CATALOGUE_TEST)
    if test.slug in added_slugs(actor):
        raise Conflict(_("%(name)s is already in your account.", name=test.name))
    institute_id = actor.institute_id
    question_ids = {}
    for item in test.data["questions"]:
        skill = ensure_skill(institute_id, item["skill"])
        question = add_question(institute_id, QuestionInput(
            type=item["type"], skill_id=skill.id, difficulty=item["difficulty"], stem=item["stem"],
            cefr_level=item.get("level"), options=item.get("options", []), blanks=item.get("blanks", []),
            accepted_answers=item.get("accepted", []), case_sensitive=item.get("case_sensitive", False),
            matching=item.get("matching", {}), targets=item.get("targets", []),
            partial_credit=item.get("partial_credit", False), units=item.get("units", []),
            answer_file=item.get("answer_file", {}),
            marks=item.get("marks", 1), negative_marks=item.get("negative_marks", 0),
        ), source=f"{CATALOGUE_SOURCE}{test.name}")
        question_ids[item["key"]] = question.id
    data = test.data
    definition = AssessmentInput(
        name=_free_name(institute_id, test.name), duration=data["duration"], instructions=data.get("instructions", ""),
        kind=data["kind"], placement_bands=data.get("placement_bands", []),
        target_level=data.get("target_level"), pass_mark_percent=data.get("pass_mark_percent"),
        adaptive=data.get("adaptive"),
        sections=[SectionInput(
            name=section["name"], duration=section.get("duration"), instructions=section.get("instructions", ""),
            all_questions_mandatory=section.get("all_questions_mandatory", False),
            randomize_questions=section.get("randomize_questions", False),
            question_ids=[question_ids[key] for key in section["questions"]],
        ) for section in data.get("sections") or [{"name": test.name, "questions": list(question_ids)}]],
    )
    return create_for_institute(institute_id, definition, created_by_id=actor.id, catalogue_slug=test.slug)


def _free_name(institute_id: int, name: str) -> str:
    """The test's own name, or with a number when the institute already uses that name. Compared without
    case, as assessment names are unique (rule E701)."""
    taken = {other.lower() for other in db.session.scalars(
        select(Assessment.name).where(Assessment.institute_id == institute_id))}
    candidate, number = name, 2
    while candidate.lower() in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate
