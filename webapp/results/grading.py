"""Manual grading: the queue of essays and manually marked short answers, and the grader's mark.
When the last waiting item of a sitting is marked the sitting is graded, which fires the grade
notification e-mails, the graded webhook and the placement or certification outcome."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from webapp.accounts.models import User
from webapp.accounts.permissions import Permission, require
from webapp.candidates.models import Candidate
from webapp.database import Page, page_of, parse_id, utcnow
from webapp.errors import Conflict, NotFound, ValidationError
from webapp.exams.models import Exam
from webapp.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus

MAX_COMMENT = 5_000


@dataclass(frozen=True)
class QueueEntry:
    response: Response
    item: SittingItem
    sitting: Sitting
    exam: Exam
    candidate: Candidate


def _entries(actor: User) -> Select:
    return (select(Response, SittingItem, Sitting, Exam, Candidate)
            .join(SittingItem, SittingItem.id == Response.item_id)
            .join(Sitting, Sitting.id == Response.sitting_id)
            .join(Exam, Exam.id == Sitting.exam_id)
            .join(Candidate, Candidate.id == Sitting.candidate_id)
            .where(Sitting.institute_id == actor.institute_id))


def grading_queue(actor: User, *, exam_id=None, offset: int = 0, limit: int | None = 25) -> Page:
    """The items waiting for a grader (as QueueEntry), oldest finished sitting first, optionally of one exam."""
    require(actor, Permission.GRADE_RESPONSES)
    query = _entries(actor).where(Response.needs_grading.is_(True), Sitting.status == SittingStatus.EXAM_FINISHED)
    if exam_id:
        query = query.where(Exam.id == parse_id(exam_id))
    page = page_of(query, [Sitting.finished_at, Sitting.id, SittingItem.position], offset, limit)
    return Page([QueueEntry(*row) for row in page.items], page.total)


def queue_entry(actor: User, response_id) -> QueueEntry:
    """One response of the institute's finished sittings, waiting or already marked (to correct it)."""
    require(actor, Permission.GRADE_RESPONSES)
    row = db.session.execute(_entries(actor).where(Response.id == parse_id(response_id))).one_or_none()
    if row is None:
        raise NotFound("This response does not exist.")
    return QueueEntry(*row)


def next_in_queue(actor: User, *, exam_id=None) -> QueueEntry | None:
    page = grading_queue(actor, exam_id=exam_id, limit=1)
    return page.items[0] if page.items else None


def _marks(value, maximum: float) -> float:
    try:
        marks = float(value)
    except (TypeError, ValueError):
        raise ValidationError("Give the marks as a number.", field="marks") from None
    if not 0 <= marks <= maximum or marks != marks:
        raise ValidationError(f"The marks must be between 0 and {maximum:g}.", field="marks")
    return marks


def grade_response(actor: User, response_id, marks, comment: str = "") -> QueueEntry:
    """A grader's mark (0 to the item's marks) and comment. The answer counts as correct when it earns at
    least half the marks. The sitting's totals are recomputed; with the last mark in, it is graded."""
    entry = queue_entry(actor, response_id)
    if entry.sitting.status != SittingStatus.EXAM_FINISHED:
        raise Conflict("Only a finished test is graded.")
    if not entry.response.needs_grading and entry.response.marked_at is None:
        raise Conflict("This answer is scored by the machine.")
    awarded = _marks(marks, entry.item.marks)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(f"Keep the comment under {MAX_COMMENT} characters.", field="comment")
    response = entry.response
    response.awarded, response.correct, response.needs_grading = awarded, awarded * 2 >= entry.item.marks, False
    response.marked_at, response.marked_by_id, response.grader_comment = utcnow(), actor.id, comment
    taking.score_sitting(entry.sitting)
    return entry
