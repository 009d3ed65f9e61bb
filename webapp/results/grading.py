"""Manual grading: the queue of essays and manually marked short answers, the grader's mark, and the
re-mark of any item of a finished sitting from its result page (machine-scored ones included). Both set
"the marks of a response" the same way (`_mark`). When the last waiting item of a sitting is marked the
sitting is graded, which fires the grade notification e-mails, the graded webhook and the placement or
certification outcome; a later re-mark updates the outcome through the same scoring."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, gettext as _
from sqlalchemy import Select, and_, func, or_, select

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.bank.models import Question, QuestionType
from webapp.bank.sanitize import first_words
from webapp.candidates.models import Candidate
from webapp.core.clock import utcnow
from webapp.core.database import RowPagination, paginate_rows, parse_id
from webapp.core.errors import Conflict, NotFound, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.exams.models import Exam
from webapp.proctoring.services import sitting_label
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus

MAX_COMMENT = 5_000
# An item waits for a grader while its finished sitting has a response nobody has marked yet.
WAITING = and_(Response.needs_grading.is_(True), Sitting.status == SittingStatus.EXAM_FINISHED)


def blind_name(sitting: Sitting) -> str:
    """How blind grading names a candidate, on the grading pages and in the audit log: by the sitting."""
    return _("Candidate #%(number)d", number=sitting.id)


@dataclass(frozen=True)
class QueueEntry:
    response: Response
    item: SittingItem
    sitting: Sitting
    exam: Exam
    candidate: Candidate | None    # None when the institute grades blind: the name never reaches a page
    guidance: str                  # the question's explanation in the bank (sanitised HTML, staff only)

    @property
    def question_type(self) -> QuestionType:
        return QuestionType(self.item.question_type)

    @property
    def candidate_label(self) -> str:
        return self.candidate.name if self.candidate else blind_name(self.sitting)


def _entries(actor: User) -> Select:
    return (select(Response, SittingItem, Sitting, Exam, Candidate, Question.explanation)
            .join(SittingItem, SittingItem.id == Response.item_id)
            .join(Sitting, Sitting.id == Response.sitting_id)
            .join(Exam, Exam.id == Sitting.exam_id)
            .join(Candidate, Candidate.id == Sitting.candidate_id)
            .join(Question, Question.id == SittingItem.question_id)
            .where(Sitting.institute_id == actor.institute_id))


def _entry(row, blind: bool) -> QueueEntry:
    response, item, sitting, exam, candidate, guidance = row
    return QueueEntry(response, item, sitting, exam, None if blind else candidate, guidance or "")


def grading_queue(actor: User, *, exam_id=None, page: int = 1, per_page: int = 25) -> RowPagination:
    """The items waiting for a grader (as QueueEntry), oldest finished sitting first, optionally of one exam."""
    require(actor, Permission.GRADE_RESPONSES)
    query = _entries(actor).where(WAITING)
    if exam_id:
        query = query.where(Exam.id == parse_id(exam_id, "Exam"))
    query = query.order_by(Sitting.finished_at, Sitting.id, SittingItem.position)
    blind = actor.institute.blind_grading
    return paginate_rows(query, lambda *row: _entry(row, blind), page=page, per_page=per_page)


def waiting_count(actor: User) -> int:
    """How many answers of the institute wait for a grader (the dashboard's reminder, for graders only)."""
    if not can(actor, Permission.GRADE_RESPONSES):
        return 0
    return db.session.scalar(select(func.count(Response.id)).join(Sitting, Sitting.id == Response.sitting_id)
                             .where(Sitting.institute_id == actor.institute_id, WAITING)) or 0


def exams_with_waiting(actor: User) -> list[tuple[Exam, int]]:
    """The institute's exams that have items waiting for a grader, by name, with how many wait."""
    require(actor, Permission.GRADE_RESPONSES)
    return [tuple(row) for row in db.session.execute(
        select(Exam, func.count(Response.id))
        .join(Sitting, Sitting.exam_id == Exam.id)
        .join(Response, Response.sitting_id == Sitting.id)
        .where(Exam.institute_id == actor.institute_id, WAITING)
        .group_by(Exam.id).order_by(Exam.name))]


def _response_entry(actor: User, response_id, *conditions) -> QueueEntry:
    require(actor, Permission.GRADE_RESPONSES)
    row = db.session.execute(_entries(actor).where(
        Response.id == parse_id(response_id, "Response"), *conditions)).one_or_none()
    if row is None:
        raise NotFound("Response")
    return _entry(row, actor.institute.blind_grading)


def queue_entry(actor: User, response_id) -> QueueEntry:
    """One manually graded response of the institute: waiting, or already marked (to correct it)."""
    return _response_entry(actor, response_id,
                           or_(Response.needs_grading.is_(True), Response.marked_at.is_not(None)))


def next_in_queue(actor: User, *, exam_id=None) -> QueueEntry | None:
    page = grading_queue(actor, exam_id=exam_id, per_page=1)
    return page.items[0] if page.items else None


def _marks(value, minimum: float, maximum: float) -> float:
    try:
        marks = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(_("Give the marks as a number."), field="marks") from None
    if not minimum <= marks <= maximum or marks != marks:
        raise ValidationError(_("The marks must be between %(lowest)s and %(highest)s.", lowest=format_decimal(minimum),
                                highest=format_decimal(maximum)), field="marks")
    return marks


def _marker(response: Response) -> str:
    """Who set the marks a re-mark replaces, by name."""
    if response.marked_by_id is None:
        return "automatic scoring"
    marker = db.session.get(User, response.marked_by_id)
    return marker.name if marker else "a former member of staff"


def _mark(actor: User, entry: QueueEntry, marks, comment) -> QueueEntry:
    """The one way a person sets the marks of a response: from the item's negative marks (0 when it has
    none) to its marks. Changing marks that were already set (by scoring or by a grader) needs a reason,
    kept as the comment. The answer counts as correct when it earns at least half the marks. The
    sitting's totals and outcome are recomputed by the same scoring that graded it (taking.score_sitting);
    with the last mark in, it is graded (once: a correction changes the totals but sends nothing again)."""
    # Two graders marking the last two items of one sitting at once must not both miss the other's
    # mark (and leave the sitting ungraded for good): the second waits here for the first to commit,
    # then reads the sitting afresh.
    db.session.execute(select(Sitting).where(Sitting.id == entry.sitting.id).with_for_update()
                       .execution_options(populate_existing=True))
    if entry.sitting.status != SittingStatus.EXAM_FINISHED:
        raise Conflict(_("Only a finished test is graded; this one is running again."))
    item, response = entry.item, entry.response
    awarded = _marks(marks, item.lowest_marks, item.marks)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("Keep the comment under %(most)d characters.", most=MAX_COMMENT), field="comment")
    before = {}
    if response.awarded is not None:
        if not comment:
            raise ValidationError(_("Give the reason for changing the marks."), field="comment")
        before = {"awarded": response.awarded, "comment": response.grader_comment, "marked by": _marker(response)}
    response.awarded, response.correct, response.needs_grading = awarded, awarded * 2 >= item.marks, False
    response.marked_at, response.marked_by_id, response.grader_comment = utcnow(), actor.id, comment
    taking.score_sitting(entry.sitting)
    # Marks are results: who gave or changed which, and when, is kept in the audit log.
    # Graders read the audit log too: under blind grading its label names the sitting, not the candidate.
    whose = (f"{blind_name(entry.sitting)} in {entry.sitting.exam.name}" if actor.institute.blind_grading
             else sitting_label(entry.sitting))
    audit(actor, "response.grade", "response", response.id, before,
          {"awarded": awarded, "comment": comment, "marked by": actor.name, "sitting": entry.sitting.id},
          label=f"Item {item.position + 1}: {first_words(item.stem)} ({whose})")
    return entry


def grade_response(actor: User, response_id, marks, comment: str = "") -> QueueEntry:
    """A grader's mark of an item in the grading queue (0 to the item's marks) and comment, first or corrected."""
    return _mark(actor, queue_entry(actor, response_id), marks, comment)


def remark(actor: User, sitting_id, response_id, marks, reason: str) -> QueueEntry:
    """An examiner's new marks for any item of a finished sitting, machine-scored ones included, with the
    reason for the change (from the sitting's result page)."""
    entry = _response_entry(actor, response_id, Sitting.id == parse_id(sitting_id, "Sitting"))
    return _mark(actor, entry, marks, reason)
