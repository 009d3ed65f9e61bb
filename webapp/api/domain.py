"""Reads and rules the API needs beyond what the console's services offer: pages with an offset and a
sort (Mettl's limit/offset/sort), lookups by access key and e-mail, sittings filtered across
sub-institutes, deleting a result, and the institute's white-labelling. Like the domain services,
each function takes the acting user (or credential), checks its permission and keeps to its institute.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Institute, User
from webapp.accounts.permissions import Permission, require
from webapp.api.common import MAX_ID
from webapp.api.models import DeletedRecord, WhiteLabel
from webapp.assessments.models import Assessment, Section, SectionQuestion, SelectionRule
from webapp.assessments.services import get_assessment
from webapp.bank.models import CefrLevel, Question
from webapp.candidates.models import Candidate
from webapp.candidates.services import institute_and_descendants
from webapp.errors import Conflict, DomainError, NotFound, ValidationError, parse_enum
from webapp.exams.models import Exam
from webapp.exams.services import exam_by_access_key
from webapp.extensions import db
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus
from webapp.sittings.services import get_sitting


class Deleted(NotFound):
    """The record existed and was deleted (Mettl's E007 and E008)."""

    def __init__(self, what: str, **kwargs):
        DomainError.__init__(self, f"{what} has been deleted.", **kwargs)


@dataclass
class Page:
    items: list
    total: int


def _page(query, order: list, offset: int, limit: int | None) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return Page(list(db.session.execute(query).all()), total)


def _direction(column, descending: bool):
    return column.desc() if descending else column.asc()


def _was_deleted(actor, kind: str, key) -> bool:
    return db.session.scalar(select(DeletedRecord.key).where(
        DeletedRecord.kind == kind, DeletedRecord.key == str(key),
        DeletedRecord.institute_id == actor.institute_id)) is not None


def _tests_taken(actor, group_column):
    """The institute's finished sittings per exam (Sitting.exam_id) or per assessment
    (Exam.assessment_id), as a subquery to join."""
    return (select(group_column.label("key"), func.count(Sitting.id).label("taken"))
            .select_from(Sitting).join(Exam, Exam.id == Sitting.exam_id)
            .where(Exam.institute_id == actor.institute_id, Sitting.status == SittingStatus.EXAM_FINISHED)
            .group_by(group_column).subquery())


# Assessments ------------------------------------------------------------------------------------------

ASSESSMENT_DETAILS = (
    selectinload(Assessment.sections).selectinload(Section.rules).selectinload(SelectionRule.skill),
    selectinload(Assessment.sections).selectinload(Section.picks).selectinload(SectionQuestion.question)
    .selectinload(Question.skill),
    selectinload(Assessment.registration_fields),
)


def assessment(actor, assessment_id) -> Assessment:
    """The institute's assessment; one it deleted is Deleted (E007), any other unknown id NotFound (E001)."""
    if not str(assessment_id).isdigit() or int(assessment_id) > MAX_ID:
        raise NotFound("Assessment")
    try:
        return get_assessment(actor, assessment_id)
    except NotFound:
        if _was_deleted(actor, "assessment", assessment_id):
            raise Deleted("Assessment", code="E007") from None
        raise


def assessments_page(actor, *, offset: int, limit: int, sort: str, descending: bool) -> Page:
    """(assessment, tests taken) rows sorted by createdAt, name or testTaken."""
    require(actor, Permission.VIEW_ASSESSMENTS)
    taken = _tests_taken(actor, Exam.assessment_id)
    tests_taken = func.coalesce(taken.c.taken, 0)
    query = (select(Assessment, tests_taken).outerjoin(taken, taken.c.key == Assessment.id)
             .where(Assessment.institute_id == actor.institute_id).options(*ASSESSMENT_DETAILS))
    column = {"createdAt": Assessment.created_at, "name": func.lower(Assessment.name), "testTaken": tests_taken}[sort]
    return _page(query, [_direction(column, descending), _direction(Assessment.id, descending)], offset, limit)


def tests_taken(actor, assessment_id: int) -> int:
    require(actor, Permission.VIEW_ASSESSMENTS)
    return db.session.scalar(select(func.count(Sitting.id)).join(Exam, Exam.id == Sitting.exam_id).where(
        Exam.assessment_id == assessment_id, Exam.institute_id == actor.institute_id,
        Sitting.status == SittingStatus.EXAM_FINISHED))


# Exams ------------------------------------------------------------------------------------------------

# The exam settings a list may be filtered by (Mettl's schedule `filter`).
EXAM_FILTERS = frozenset({"image_proctoring", "candidate_auth_proctored", "web_proctoring_enabled",
                          "web_proctoring_count", "web_proctoring_show_remaining", "access_type", "schedule_type"})


def exam_for_access_key(actor, access_key: str) -> Exam:
    """The institute's exam with this access key: Deleted (E008) if it deleted it, else NotFound (E002)."""
    require(actor, Permission.VIEW_EXAMS)
    exam = exam_by_access_key(access_key)
    if exam is not None and exam.institute_id == actor.institute_id:
        return exam
    if _was_deleted(actor, "exam", access_key):
        raise Deleted("Schedule", code="E008")
    raise NotFound("Schedule", code="E002")


def exams_page(actor, *, offset: int = 0, limit: int | None = None, sort: str = "createdAt",
               descending: bool = True, assessment_id: int | None = None, filters: dict | None = None) -> Page:
    """(exam, tests taken) rows, optionally of one assessment and matching `filters` (EXAM_FILTERS)."""
    require(actor, Permission.VIEW_EXAMS)
    unknown = set(filters or {}) - EXAM_FILTERS
    if unknown:
        raise ValidationError(f"Exams cannot be filtered by {', '.join(sorted(unknown))}.", code="E400")
    taken = _tests_taken(actor, Sitting.exam_id)
    tests_taken = func.coalesce(taken.c.taken, 0)
    query = (select(Exam, tests_taken).outerjoin(taken, taken.c.key == Exam.id)
             .where(Exam.institute_id == actor.institute_id).options(selectinload(Exam.assessment)))
    if assessment_id is not None:
        query = query.where(Exam.assessment_id == assessment_id)
    for name, value in (filters or {}).items():
        query = query.where(getattr(Exam, name) == value)
    column = {"createdAt": Exam.created_at, "name": func.lower(Exam.name), "testTaken": tests_taken}[sort]
    return _page(query, [_direction(column, descending), _direction(Exam.id, descending)], offset, limit)


def registered_candidates(actor, exam_ids: list[int]) -> dict[int, list[Candidate]]:
    """The candidates registered to each exam, in registration order, in one query."""
    require(actor, Permission.VIEW_CANDIDATES)
    found: dict[int, list[Candidate]] = {exam_id: [] for exam_id in exam_ids}
    for exam_id, candidate in db.session.execute(
            select(Sitting.exam_id, Candidate).join(Candidate, Candidate.id == Sitting.candidate_id)
            .where(Sitting.exam_id.in_(exam_ids), Sitting.institute_id == actor.institute_id).order_by(Sitting.id)):
        found[exam_id].append(candidate)
    return found


# Sittings and candidates -----------------------------------------------------------------------------

def exam_sittings_page(actor, exam: Exam, *, offset: int, limit: int, sort: str, descending: bool) -> Page:
    """The exam's sittings sorted by testStartTime (those not started last) or by candidate name."""
    require(actor, Permission.VIEW_CANDIDATES)
    query = (select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id)
             .where(Sitting.exam_id == exam.id, Sitting.institute_id == actor.institute_id)
             .options(selectinload(Sitting.candidate)))
    if sort == "testStartTime":
        order = [_direction(Sitting.started_at, descending).nulls_last()]
    else:
        order = [_direction(func.lower(Candidate.first_name), descending),
                 _direction(func.lower(Candidate.last_name), descending)]
    page = _page(query, [*order, _direction(Sitting.id, descending)], offset, limit)
    return Page([sitting for sitting, in page.items], page.total)


def sitting_for_email(actor, exam: Exam, email: str) -> Sitting | None:
    """The exam's sitting of the candidate with this (normalised) e-mail."""
    require(actor, Permission.VIEW_CANDIDATES)
    return db.session.scalar(select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id).where(
        Sitting.exam_id == exam.id, Sitting.institute_id == actor.institute_id, Candidate.email == email))


def candidate_for_email(actor, email: str) -> Candidate | None:
    require(actor, Permission.VIEW_CANDIDATES)
    return db.session.scalar(select(Candidate).where(Candidate.institute_id == actor.institute_id,
                                                     Candidate.email == email))


def student_sessions(actor, *, exam_id: int | None = None, candidate_id: int | None = None,
                     status: str | None = None, email: str | None = None, username: str | None = None,
                     level: str | None = None, include_sub_institutes: bool = False, page: int = 1,
                     per_page: int = 25):
    """Sittings of the institute (and its branches if asked), filtered, in registration order."""
    require(actor, Permission.VIEW_CANDIDATES)
    institutes = (institute_and_descendants(actor.institute_id) if include_sub_institutes
                  else [actor.institute_id])
    query = (select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id)
             .where(Sitting.institute_id.in_(institutes)).options(selectinload(Sitting.candidate)))
    if exam_id is not None:
        query = query.where(Sitting.exam_id == exam_id)
    if candidate_id is not None:
        query = query.where(Sitting.candidate_id == candidate_id)
    if status:
        query = query.where(Sitting.status == parse_enum(SittingStatus, status, "status", "status"))
    if email:
        query = query.where(Candidate.email == email.strip().lower())
    if username:
        query = query.where(Candidate.username == username.strip())
    if level:
        query = query.where(Candidate.current_level == parse_enum(CefrLevel, level, "level", "CEFR level"))
    return db.paginate(query.order_by(Sitting.id), page=page, per_page=per_page, error_out=False)


def institute_staff(actor, institute_id, *, page: int = 1, per_page: int = 25):
    """The staff of the actor's institute or of one of its branches; any other institute is not found."""
    require(actor, Permission.VIEW_STAFF)
    if institute_id not in institute_and_descendants(actor.institute_id):
        raise NotFound("Institute")
    return db.paginate(select(User).where(User.institute_id == institute_id).order_by(func.lower(User.name), User.id),
                       page=page, per_page=per_page, error_out=False)


# Results ----------------------------------------------------------------------------------------------

def papers(sittings: list[Sitting]) -> dict[int, tuple[list[SittingItem], dict[int, Response]]]:
    """The frozen items and responses of several sittings in two queries (for a page of results)."""
    ids = [sitting.id for sitting in sittings]
    found: dict[int, tuple[list, dict]] = {sitting_id: ([], {}) for sitting_id in ids}
    if not ids:
        return found
    for item in db.session.scalars(select(SittingItem).where(SittingItem.sitting_id.in_(ids))
                                   .order_by(SittingItem.sitting_id, SittingItem.position)):
        found[item.sitting_id][0].append(item)
    for response in db.session.scalars(select(Response).where(Response.sitting_id.in_(ids))):
        found[response.sitting_id][1][response.item_id] = response
    return found


def delete_report(actor, sitting_id) -> None:
    """Delete the result of a finished test (Mettl 6.4): a test in progress is kept (E005), and a
    test not taken has no report to delete (E006)."""
    require(actor, Permission.EDIT_CANDIDATES)
    sitting = get_sitting(actor, sitting_id)
    if sitting.status == SittingStatus.EXAM_STARTED:
        raise Conflict("Test is in progress, cannot be deleted", code="E005")
    if sitting.status != SittingStatus.EXAM_FINISHED:
        raise NotFound("Report", code="E006")
    # Items, responses and proctor events go with it (ON DELETE CASCADE).
    db.session.delete(sitting)


# White-labelling --------------------------------------------------------------------------------------

COLOR_FIELDS = {"header_background_color": "Header", "header_font_color": "Header Text",
                "button_color": "Button", "button_font_color": "Button Text"}
HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
SUPPORT_NUMBER = re.compile(r"\+?[0-9][0-9 ()\-]{4,24}")
TEST_URL_SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")
MAX_SUPPORT_NUMBERS = 2
# Mettl's limits: a favicon of up to 10 KB, a cover image of up to 2 MB.
IMAGE_RULES = {
    "favicon": ("Favicon", {"image/png", "image/x-icon", "image/vnd.microsoft.icon"}, 10 * 1024),
    "cover": ("Cover Image", {"image/jpeg", "image/png", "image/gif"}, 2 * 1024 * 1024),
}


def white_label(institute_id: int) -> WhiteLabel | None:
    """The institute's white-labelling, for the candidate pages and the account endpoint."""
    return db.session.get(WhiteLabel, institute_id)


def _color(field: str, value: str | None) -> str:
    if not value:
        return ""
    match = HEX_COLOR.fullmatch(str(value).strip())
    if match is None:
        raise ValidationError(f"Invalid {COLOR_FIELDS[field]} Color", code="E015", field=field)
    digits = match.group(1).lower()
    return digits if len(digits) == 6 else "".join(digit * 2 for digit in digits)


def _support_numbers(numbers: list) -> list[str]:
    if not 1 <= len(numbers) <= MAX_SUPPORT_NUMBERS:
        raise ValidationError("Invalid Support Number count: give one or two numbers.", code="E017",
                              field="support_numbers")
    if not all(isinstance(number, str) and SUPPORT_NUMBER.fullmatch(number.strip()) for number in numbers):
        raise ValidationError("Invalid Support Number(s)", code="E016", field="support_numbers")
    return [number.strip() for number in numbers]


def _custom_test_url(institute_id: int, slug: str | None) -> str | None:
    if not slug:
        return None
    if not TEST_URL_SLUG.fullmatch(slug):
        raise ValidationError("Invalid custom test URL: use letters, digits, - and _ only.", code="E789",
                              field="custom_test_url")
    owner = db.session.scalar(select(WhiteLabel.institute_id).where(WhiteLabel.custom_test_url == slug))
    if owner is not None and owner != institute_id:
        raise Conflict("This custom test URL is taken.", code="E789", field="custom_test_url")
    return slug


def _image(kind: str, data: bytes, mimetype: str) -> bytes:
    label, allowed, limit = IMAGE_RULES[kind]
    if mimetype not in allowed:
        raise ValidationError(f"Invalid file format {mimetype or 'unknown'} for {label}", code="E014", field=kind)
    if not data or len(data) > limit:
        raise ValidationError(f"File Size Exceeded for {label}", code="E013", field=kind)
    return data


def update_white_label(actor, *, settings: dict, support_numbers: list | None = None,
                       images: dict[str, tuple[bytes, str]] | None = None) -> WhiteLabel:
    """Change the settings given (colours and `custom_test_url`; an empty value clears one), the
    support numbers if given, and the images given ({"favicon" or "cover": (data, mimetype)})."""
    require(actor, Permission.MANAGE_INSTITUTE)
    unknown = set(settings) - set(COLOR_FIELDS) - {"custom_test_url"}
    if unknown:
        raise ValidationError(f"Unknown white-labelling settings: {', '.join(sorted(unknown))}.", code="E400")
    label = white_label(actor.institute_id) or WhiteLabel(institute_id=actor.institute_id, support_numbers=[])
    for field, value in settings.items():
        setattr(label, field, _custom_test_url(actor.institute_id, value) if field == "custom_test_url"
                else _color(field, value))
    if support_numbers is not None:
        label.support_numbers = _support_numbers(support_numbers)
    for kind, (data, mimetype) in (images or {}).items():
        setattr(label, kind, _image(kind, data, mimetype))
        setattr(label, f"{kind}_mimetype", mimetype)
    db.session.add(label)
    db.session.flush()
    return label


def branding_image(institute_id: int, kind: str) -> tuple[bytes, str] | None:
    """An institute's logo, favicon or cover image with its type; they are public, like the candidate
    pages that show them."""
    if kind == "logo":
        institute = db.session.get(Institute, institute_id)
        found = (institute.logo, institute.logo_mimetype) if institute else (None, "")
    else:
        label = white_label(institute_id)
        found = (getattr(label, kind), getattr(label, f"{kind}_mimetype")) if label else (None, "")
    return found if found[0] else None
