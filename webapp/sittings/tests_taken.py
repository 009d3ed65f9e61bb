"""What was taken: pages of assessments and exams with how many tests each has had finished, in the
Mettl dialect's offset and sort. Counting sittings is this floor's; the assessments and exams below
know nothing of sittings."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.assessments.models import Assessment
from webapp.assessments.services import ASSESSMENT_DETAILS
from webapp.core.database import Page, direction, page_of
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.exams.models import Exam
from webapp.exams.services import EXAM_FILTERS
from webapp.sittings.models import Sitting, SittingStatus


def tests_taken_subquery(actor: User, group_column):
    """The institute's finished sittings per exam (Sitting.exam_id) or per assessment
    (Exam.assessment_id), as a subquery to join."""
    return (select(group_column.label("key"), func.count(Sitting.id).label("taken"))
            .select_from(Sitting).join(Exam, Exam.id == Sitting.exam_id)
            .where(Exam.institute_id == actor.institute_id, Sitting.status == SittingStatus.EXAM_FINISHED)
            .group_by(group_column).subquery())


def assessments_page(actor: User, *, offset: int, limit: int, sort: str, descending: bool) -> Page:
    """(assessment, tests taken) rows sorted by createdAt, name or testTaken."""
    require(actor, Permission.VIEW_ASSESSMENTS)
    taken = tests_taken_subquery(actor, Exam.assessment_id)
    tests_taken = func.coalesce(taken.c.taken, 0)
    query = (select(Assessment, tests_taken).outerjoin(taken, taken.c.key == Assessment.id)
             .where(Assessment.institute_id == actor.institute_id).options(*ASSESSMENT_DETAILS))
    column = {"createdAt": Assessment.created_at, "name": func.lower(Assessment.name), "testTaken": tests_taken}[sort]
    return page_of(query, [direction(column, descending), direction(Assessment.id, descending)], offset, limit)


def tests_taken(actor: User, assessment_id: int) -> int:
    require(actor, Permission.VIEW_ASSESSMENTS)
    return db.session.scalar(select(func.count(Sitting.id)).join(Exam, Exam.id == Sitting.exam_id).where(
        Exam.assessment_id == assessment_id, Exam.institute_id == actor.institute_id,
        Sitting.status == SittingStatus.EXAM_FINISHED))


def exams_page(actor: User, *, offset: int = 0, limit: int | None = None, sort: str = "createdAt",
               descending: bool = True, assessment_id: int | None = None, filters: dict | None = None) -> Page:
    """(exam, tests taken) rows, optionally of one assessment and matching `filters` (EXAM_FILTERS)."""
    require(actor, Permission.VIEW_EXAMS)
    unknown = set(filters or {}) - EXAM_FILTERS
    if unknown:
        raise ValidationError(_("Exams cannot be filtered by %(names)s.", names=", ".join(sorted(unknown))),
                              code="E400")
    taken = tests_taken_subquery(actor, Sitting.exam_id)
    tests_taken = func.coalesce(taken.c.taken, 0)
    query = (select(Exam, tests_taken).outerjoin(taken, taken.c.key == Exam.id)
             .where(Exam.institute_id == actor.institute_id).options(selectinload(Exam.assessment)))
    if assessment_id is not None:
        query = query.where(Exam.assessment_id == assessment_id)
    for name, value in (filters or {}).items():
        query = query.where(getattr(Exam, name) == value)
    column = {"createdAt": Exam.created_at, "name": func.lower(Exam.name), "testTaken": tests_taken}[sort]
    return page_of(query, [direction(column, descending), direction(Exam.id, descending)], offset, limit)
