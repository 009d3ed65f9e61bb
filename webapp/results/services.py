"""Results: one sitting's result as the console, the shared report and the certificate show it, and
an exam's results table, chart and exports."""
from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased
from werkzeug.utils import secure_filename

from webapp.accounts.models import User
from webapp.assessments.models import AssessmentKind
from webapp.bank.matching import AnswerKey
from webapp.bank.numeric import NumericKey
from webapp.bank.models import CefrLevel, QuestionType
from webapp.candidates.models import Candidate, full_name
from webapp.core.database import RowPagination, direction, get_in_institute, paginate_rows
from webapp.core.errors import NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.spreadsheets import csv_buffer, safe_text, streamed_xlsx
from webapp.exams.models import Exam
from webapp.proctoring import conversations
from webapp.proctoring.models import CandidateMessage, Flag, Review, Snapshot
from webapp.proctoring.services import withheld_sittings
from webapp.results import outcomes
from webapp.results.adaptive import adaptive_view
from webapp.results.certificates import certificate_of
from webapp.results.models import Certificate
from webapp.results.placement import evidence_table
from webapp.sittings import taking
from webapp.sittings.models import (FinishMode, ProctorEvent, Response, Sitting, SittingItem, SittingStatus,
                                    attempt_seconds)
from webapp.sittings.scoring import is_answered, result_summary
from webapp.sittings.taking import BROWSING_EVENTS, COPY_EVENTS


@dataclass(frozen=True)
class ProctoringSummary:
    browsing_events: int      # tab hidden, window left, fullscreen left
    copy_attempts: int
    flags: int
    snapshots: int
    review: Review | None
    withheld: bool            # a violation withholds the result until an admin overrides it


@dataclass(frozen=True)
class ShownOption:
    id: str
    html: str                 # sanitised when the question was saved to the bank
    chosen: bool              # the candidate chose it
    correct: bool             # the key


@dataclass(frozen=True)
class ShownPair:
    """A MATCHING premise with the target the candidate chose and the key's (sanitised HTML, "" for none)."""
    premise: str
    chosen: str
    key: str
    right: bool


@dataclass(frozen=True)
class ShownPlace:
    """An ORDERING option where the candidate put it: `place` and its right place, both counted from 1."""
    html: str
    place: int
    right_place: int


@dataclass(frozen=True)
class AnsweredItem:
    """One item of a sitting as the candidate saw it, with their answer and its marks."""

    number: int               # 1, 2, ... in the order the candidate saw the items
    section: str
    item: SittingItem
    response: Response
    marked_by: str | None     # the person who set the marks; None when scoring did

    @property
    def question_type(self) -> QuestionType:
        return QuestionType(self.item.question_type)

    @property
    def answered(self) -> bool:
        return is_answered(self.item.question_type, self.response.answer)

    @property
    def options(self) -> list[ShownOption]:
        """A multiple-choice item's options in the candidate's order, the chosen ones and the key marked."""
        if not self.question_type.has_options:
            return []
        answer, correct = self.response.answer or {}, set(self.item.key.get("correct") or [])
        chosen = {answer.get("option")} | set(answer.get("options") or [])
        return [ShownOption(option["id"], option["html"], option["id"] in chosen, option["id"] in correct)
                for option in self.item.options]

    @property
    def pairs(self) -> list[ShownPair]:
        """A matching item's premises in the candidate's order, each with the chosen target and the key's."""
        if self.question_type != QuestionType.MATCHING:
            return []
        targets = {target["id"]: target["html"] for target in self.item.targets}
        given, key = (self.response.answer or {}).get("pairs") or {}, self.item.key.get("pairs") or {}
        return [ShownPair(premise["html"], targets.get(given.get(premise["id"]), ""), targets.get(key.get(premise["id"]), ""),
                          given.get(premise["id"]) == key.get(premise["id"]))
                for premise in self.item.premises]

    @property
    def places(self) -> list[ShownPlace]:
        """An ordering item's options in the order the candidate left them (none when not answered)."""
        if self.question_type != QuestionType.ORDERING:
            return []
        options = {option["id"]: option["html"] for option in self.item.options}
        order = self.item.key.get("order") or []
        given = [option_id for option_id in (self.response.answer or {}).get("order") or [] if option_id in options]
        return [ShownPlace(options[option_id], place, order.index(option_id) + 1 if option_id in order else 0)
                for place, option_id in enumerate(given, start=1)]

    @property
    def key_order(self) -> list[str]:
        """An ordering item's options in their right order."""
        options = {option["id"]: option["html"] for option in self.item.options}
        return [options[option_id] for option_id in self.item.key.get("order") or [] if option_id in options]

    @property
    def typed(self) -> list[str]:
        """What the candidate typed: a text answer, or the blanks one by one."""
        answer = self.response.answer or {}
        if self.question_type == QuestionType.FITB:
            return [str(text) for text in answer.get("blanks") or []]
        return [str(answer["text"])] if answer.get("text") else []

    @property
    def file(self) -> dict | None:
        """A file answer: {"id", "name", "size", "type"}."""
        return (self.response.answer or {}).get("file")

    @property
    def accepted(self) -> list[str]:
        """The key of a typed answer as it was frozen for this sitting: each blank's (or the short answer's)
        accepted answers, joined with " | ", and how an answer is matched with them."""
        if self.question_type == QuestionType.NUMERIC:
            return [NumericKey.from_key(self.item.key).summary]
        keys = self.item.key.get("blanks") or [] if self.question_type == QuestionType.FITB else [self.item.key]
        return [f"{' | '.join(key.accepted)}. {key.matching.summary}"
                for key in map(AnswerKey.from_key, keys) if key.accepted]

    @property
    def seconds_spent(self) -> int:
        """Whole seconds the candidate spent on the item (sittings finished before revision 0008: 0)."""
        return round(self.response.seconds_spent or 0)

    @property
    def pending(self) -> bool:
        return self.response.needs_grading

    @property
    def marks_given_by_hand(self) -> bool:
        return self.response.marked_at is not None


def answer_sheet(sitting: Sitting, items: list[SittingItem], responses: dict[int, Response]) -> list[AnsweredItem]:
    """Every item of the sitting in the order the candidate saw it."""
    marker_ids = {response.marked_by_id for response in responses.values() if response.marked_by_id}
    markers = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(marker_ids))).all()) \
        if marker_ids else {}
    sections = [section["name"] for section in sitting.sections]
    return [AnsweredItem(number, sections[item.section_index] if item.section_index < len(sections) else "",
                         item, responses[item.id], markers.get(responses[item.id].marked_by_id))
            for number, item in enumerate(items, start=1)]


@dataclass(frozen=True)
class SittingResult:
    sitting: Sitting
    summary: dict             # Mettl's result shape (scoring.result_summary), sections and skills included
    percent: float | None
    percentile: float | None
    kind: AssessmentKind
    level: str | None         # placement: the level reached; certification: the target level when passed
    passed: bool | None       # certification only
    continue_package: bool | None   # certification only: a failed one means continue the course package
    placement: dict | None    # placement only: placement.evidence_table, None when not recorded
    adaptive: dict | None     # an adaptive placement only: adaptive.adaptive_view (estimate, path chart)
    proctoring: ProctoringSummary
    certificate: Certificate | None
    answers: list[AnsweredItem]     # every item with the candidate's answer and its marks
    # The conversation with the proctors: staff's documents only, never the candidate's (staff_result).
    conversation: tuple[CandidateMessage, ...] = ()

    @property
    def graded(self) -> bool:
        return self.sitting.graded_at is not None

    @property
    def release_state(self) -> str:
        return release_state(self.sitting, self.proctoring.withheld)

    @property
    def awaiting_release(self) -> bool:
        """Graded, neither released nor withheld: staff may release it."""
        return self.release_state == "unreleased"

    @property
    def released_by(self) -> str | None:
        """Who released the result; None when it was released automatically (or is not released)."""
        user = db.session.get(User, self.sitting.released_by_id) if self.sitting.released_by_id else None
        return user.name if user else None


def proctoring_summary(sitting: Sitting) -> ProctoringSummary:
    counts = dict(db.session.execute(
        select(ProctorEvent.kind, func.count()).where(
            ProctorEvent.sitting_id == sitting.id, ProctorEvent.kind.in_(BROWSING_EVENTS | COPY_EVENTS))
        .group_by(ProctorEvent.kind)).all())
    review = db.session.scalar(select(Review).where(Review.sitting_id == sitting.id))
    return ProctoringSummary(
        browsing_events=sum(counts.get(kind, 0) for kind in BROWSING_EVENTS),
        copy_attempts=sum(counts.get(kind, 0) for kind in COPY_EVENTS),
        flags=db.session.scalar(select(func.count()).select_from(Flag).where(Flag.sitting_id == sitting.id)) or 0,
        snapshots=db.session.scalar(select(func.count()).select_from(Snapshot)
                                    .where(Snapshot.sitting_id == sitting.id)) or 0,
        review=review, withheld=bool(review and review.withholds_result))


def result_of(sitting: Sitting) -> SittingResult:
    """The result of a finished sitting, whoever asks (callers check who may see it)."""
    items, responses = taking.items_and_responses(sitting)
    return SittingResult(
        sitting=sitting, summary=result_summary(sitting, items, responses), percent=outcomes.percent(sitting),
        percentile=outcomes.percentile(sitting), kind=sitting.exam.assessment.kind,
        level=sitting.level.value if sitting.level else None, passed=sitting.passed,
        continue_package=sitting.continue_package, placement=evidence_table(sitting.placement),
        adaptive=adaptive_view(sitting.placement, sitting.institute_id),
        proctoring=proctoring_summary(sitting),
        certificate=certificate_of(sitting), answers=answer_sheet(sitting, items, responses))


def release_state(sitting: Sitting, withheld: bool) -> str:
    """grading (an item waits for a grader), withheld (a violation), released, or unreleased (waiting for a
    review or for staff: webapp/results/release.py)."""
    if withheld:
        return "withheld"
    if sitting.released_at is not None:
        return "released"
    return "grading" if sitting.graded_at is None else "unreleased"


@dataclass(frozen=True)
class Standing:
    """What the API tells of a result beside its marks."""

    percentile: float | None
    withheld: bool
    released: bool                    # the candidate has been told the result (and no violation withholds it)
    released_at: datetime | None


def standings(sittings: list[Sitting]) -> dict[int, Standing]:
    """The percentile of each sitting, whether a violation withholds its result and whether it is
    released, in a bounded number of queries for a whole page of sittings."""
    ranks = outcomes.percentiles(sittings)
    withheld = withheld_sittings([sitting.id for sitting in sittings])
    return {sitting.id: Standing(ranks[sitting.id], sitting.id in withheld,
                                 sitting.released_at is not None and sitting.id not in withheld, sitting.released_at)
            for sitting in sittings}


def finished_sitting(actor: User, sitting_id) -> Sitting:
    """For the console: a finished sitting of the actor's institute."""
    require(actor, Permission.VIEW_RESULTS)
    sitting = get_in_institute(Sitting, actor.institute_id, sitting_id, "Sitting")
    if sitting.status != SittingStatus.EXAM_FINISHED:
        raise NotFound("Result")   # "Result not found.": the sitting is not finished
    return sitting


def staff_result(sitting: Sitting) -> SittingResult:
    """The result as staff read it: with the sitting's conversation."""
    return replace(result_of(sitting), conversation=tuple(conversations.messages_of(sitting)))


def sitting_result(actor: User, sitting_id) -> SittingResult:
    """For the console: the result of a finished sitting of the actor's institute."""
    return staff_result(finished_sitting(actor, sitting_id))


# An exam's results table -------------------------------------------------------------------------

PAGE_SIZE = 25
STATUSES = ("all", "graded", "pending")
# A result not released yet (waiting for a review or for staff), released, or withheld by a violation.
RELEASE_STATES = ("unreleased", "released", "withheld")
OUTCOMES = ("passed", "failed")
SORTS = ("score", "percentile", "name", "finished", "time")
ATTEMPTS = ("all", "latest")


@dataclass(frozen=True)
class ResultRow:
    """A row of the results table: the sitting, its candidate and its percentile (from the page's query)."""

    sitting: Sitting
    candidate: Candidate
    percentile: float | None       # None while grading is pending
    withheld: bool                 # a proctor's violation withholds the result

    @property
    def release_state(self) -> str:
        """grading, unreleased, released or withheld (what the candidate sees of the result)."""
        return release_state(self.sitting, self.withheld)

    @property
    def percent(self) -> float | None:
        return outcomes.percent(self.sitting)

    @property
    def level(self) -> str | None:
        return self.sitting.level.value if self.sitting.level else None

    @property
    def passed(self) -> bool | None:
        return self.sitting.passed

    @property
    def continue_package(self) -> bool | None:
        return self.sitting.continue_package

    @property
    def attempt_seconds(self) -> int | None:
        return self.sitting.attempt_seconds

    @property
    def pending(self) -> bool:
        """An item still waits for a grader."""
        return self.sitting.graded_at is None


def withholding():
    """The condition on Sitting that a proctor's violation withholds its result."""
    return exists().where(Review.sitting_id == Sitting.id, Review.withholds_result)


def _finished(exam: Exam) -> list:
    """The conditions on Sitting of the exam's finished sittings."""
    return [Sitting.exam_id == exam.id, Sitting.institute_id == exam.institute_id,
            Sitting.status == SittingStatus.EXAM_FINISHED]


def _latest_finished_attempts(query):
    """Only each candidate's latest finished attempt: no later attempt of theirs in the exam is finished."""
    later = aliased(Sitting)
    return query.where(~exists().where(later.exam_id == Sitting.exam_id, later.candidate_id == Sitting.candidate_id,
                                       later.attempt > Sitting.attempt,
                                       later.status == SittingStatus.EXAM_FINISHED))


def _exam(actor: User, exam_id) -> Exam:
    require(actor, Permission.VIEW_RESULTS)
    return get_in_institute(Exam, actor.institute_id, exam_id, "Exam")


def _choice(value, allowed: tuple, field: str, label: str):
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ValidationError(_("Invalid %(label)s \"%(value)s\"; use one of %(allowed)s.", label=label, value=value,
                                allowed=", ".join(allowed)), field=field)
    return value


def matching(query, *, status: str | None = None, level: str | None = None, outcome: str | None = None,
             release: str | None = None, attempts: str | None = None, search: str = ""):
    """The query narrowed to the results page's filters (the results table and a release of the whole
    selection read the same rows): every attempt of a candidate, unless `attempts` is "latest"."""
    if _choice(attempts, ATTEMPTS, "attempts", "attempts") == "latest":
        query = _latest_finished_attempts(query)
    status = _choice(status, STATUSES, "status", "status")
    if status == "graded":
        query = query.where(Sitting.graded_at.is_not(None))
    elif status == "pending":
        query = query.where(Sitting.graded_at.is_(None))
    if level not in (None, ""):
        query = query.where(Sitting.level == parse_enum(CefrLevel, level, "level", _("level")))
    outcome = _choice(outcome, OUTCOMES, "outcome", "outcome")
    if outcome:
        query = query.where(Sitting.passed.is_(outcome == "passed"))
    release = _choice(release, RELEASE_STATES, "release", "release")
    if release == "released":
        query = query.where(Sitting.released_at.is_not(None), ~withholding())
    elif release == "unreleased":
        query = query.where(Sitting.released_at.is_(None), ~withholding())
    elif release == "withheld":
        query = query.where(withholding())
    if search and search.strip():
        # A subquery rather than a join, so that counts read no candidate unless searching.
        needle = search.strip().lower()
        query = query.where(Sitting.candidate_id.in_(select(Candidate.id).where(or_(
            *(func.lower(column).contains(needle, autoescape=True) for column in
              (Candidate.email, Candidate.username, Candidate.first_name, Candidate.last_name))))))
    return query


def exam_results(actor: User, exam_id, *, status: str | None = None, level: str | None = None,
                 outcome: str | None = None, release: str | None = None, attempts: str | None = None,
                 search: str = "", sort: str = "score", descending: bool = True, page: int = 1,
                 per_page: int = PAGE_SIZE) -> tuple[Exam, RowPagination]:
    """The exam and a page of its finished sittings as ResultRow, filtered (`matching`) and sorted, with
    their percentiles from the assessment's Ladder."""
    exam = _exam(actor, exam_id)
    filters = {"status": status, "level": level, "outcome": outcome, "release": release, "attempts": attempts,
               "search": search}
    ladder = outcomes.ladder(exam.institute_id, exam.assessment_id)
    query = matching(select(Sitting, Candidate, withholding().label("withheld"))
                     .join(Candidate, Candidate.id == Sitting.candidate_id).where(*_finished(exam)), **filters)
    # A percentile grows with the score: ordered by the score of the ranked sittings, the others last.
    ranked_score = case((and_(Sitting.graded_at.is_not(None), Sitting.max_marks > 0), outcomes.score_ratio()))
    order = {
        "score": [direction(outcomes.score_ratio(), descending).nulls_last()],
        "percentile": [direction(ranked_score, descending).nulls_last()],
        "name": [direction(func.lower(Candidate.first_name), descending),
                 direction(func.lower(Candidate.last_name), descending)],
        "finished": [direction(Sitting.finished_at, descending).nulls_last()],
        "time": [direction(Sitting.seconds_spent, descending)],
    }[_choice(sort, SORTS, "sort", "sort") or "score"]
    return exam, paginate_rows(
        query.order_by(*order, direction(Sitting.id, descending)),
        lambda sitting, candidate, withheld: ResultRow(sitting, candidate, ladder.percentile(sitting), bool(withheld)),
        page=page, per_page=per_page,
        count=matching(select(func.count()).select_from(Sitting).where(*_finished(exam)), **filters))


# The score distribution ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    low: int      # percent, inclusive
    high: int     # percent, exclusive but for the last bucket, which holds 100
    count: int


@dataclass(frozen=True)
class Distribution:
    buckets: list[Bucket]
    count: int
    mean: float | None
    median: float | None
    highest: float | None
    lowest: float | None

    @property
    def tallest(self) -> int:
        return max(bucket.count for bucket in self.buckets)


def score_distribution(actor: User, exam_id) -> Distribution:
    """The percentages of the exam's graded sittings in ten buckets of ten points, with their summary,
    from one grouped query (a row per distinct score)."""
    exam = _exam(actor, exam_id)
    score = outcomes.score_ratio()
    # Rounded so that a float sum just below a boundary (29.999999999999996) lands in its bucket.
    grouped = [(round(100 * ratio, 6), count) for ratio, count in db.session.execute(
        select(score, func.count()).where(Sitting.exam_id == exam.id, Sitting.institute_id == exam.institute_id,
                                          Sitting.graded_at.is_not(None), Sitting.max_marks > 0)
        .group_by(score).order_by(score))]
    counts = [0] * 10
    for value, count in grouped:
        counts[min(max(int(value // 10), 0), 9)] += count
    values, weights = [value for value, __ in grouped], [count for __, count in grouped]
    everyone = sum(weights)
    return Distribution(
        buckets=[Bucket(10 * index, 10 * index + 10, count) for index, count in enumerate(counts)],
        count=everyone, mean=round(statistics.fmean(values, weights), 2) if grouped else None,
        median=round(_median(values, weights, everyone), 2) if grouped else None,
        highest=values[-1] if grouped else None, lowest=values[0] if grouped else None)


def _median(values: list[float], weights: list[int], everyone: int) -> float:
    """statistics.median of the ascending `values`, each counted `weights` times."""
    middle = [(everyone - 1) // 2, everyone // 2]
    found, seen = [], 0
    for value, weight in zip(values, weights):
        seen += weight
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return (found[0] + found[1]) / 2


# Exports of the whole exam ------------------------------------------------------------------------

EXPORT_BATCH = 500


def _two_places(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _utc(moment) -> datetime | None:
    # Spreadsheets know no time zones: the header says UTC.
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def _header(exam: Exam) -> list[str]:
    return [_("Name"), _("E-mail"), _("Username"), _("Status"), _("How the test ended"), _("Started (UTC)"),
            _("Finished (UTC)"), _("Attempt time (s)"), _("Marks"), _("Max marks"), _("Percent"), _("Percentile"),
            _("Level"), _("Passed"), _("Continue package"), _("Attempt"),
            *(_("%(section)s marks", section=section.name) for section in exam.assessment.sections)]


def _section_marks(exam: Exam, sections: int):
    """A subquery of the marks of each finished sitting of the exam (`sitting_id`) in each section
    (`section_0`, ...): summed by the database in one pass, joined to the export's rows."""
    return (select(Response.sitting_id, *(func.sum(Response.awarded).filter(SittingItem.section_index == index)
                                          .label(f"section_{index}") for index in range(sections)))
            .join(SittingItem, SittingItem.id == Response.item_id)
            .where(Response.sitting_id.in_(select(Sitting.id).where(*_finished(exam))))
            .group_by(Response.sitting_id).subquery("section_marks"))


def _export_rows(exam: Exam) -> Iterator[list]:
    """One list of cell values per finished sitting (text, numbers, naive UTC datetimes), read as plain
    columns through a server-side cursor in batches, so that a large exam is never held in memory at once."""
    sections = len(exam.assessment.sections)
    ladder = outcomes.ladder(exam.institute_id, exam.assessment_id)
    # Worded once, not per row.
    grading, yes_no = {True: _("pending"), False: _("graded")}, {None: None, True: _("yes"), False: _("no")}
    endings = {mode: mode.label for mode in FinishMode} | {None: None}
    marks = _section_marks(exam, sections)
    query = (select(Candidate.first_name, Candidate.last_name, Candidate.email, Candidate.username,
                    Sitting.finish_mode, Sitting.started_at, Sitting.finished_at, Sitting.seconds_spent,
                    Sitting.total_marks, Sitting.max_marks, Sitting.graded_at, Sitting.level, Sitting.passed,
                    Sitting.attempt, *list(marks.c)[1:])
             .join(Candidate, Candidate.id == Sitting.candidate_id)
             .outerjoin(marks, marks.c.sitting_id == Sitting.id).where(*_finished(exam))
             .order_by(Sitting.finished_at, Sitting.id).execution_options(yield_per=EXPORT_BATCH))
    for row in db.session.execute(query):
        yield [full_name(row.first_name, row.last_name, row.email), row.email, row.username,
               grading[row.graded_at is None], endings[row.finish_mode], _utc(row.started_at),
               _utc(row.finished_at), attempt_seconds(row), _two_places(row.total_marks),
               _two_places(row.max_marks), _two_places(outcomes.percent(row)), ladder.percentile(row),
               row.level.value if row.level else None, yes_no[row.passed],
               yes_no[None if row.passed is None else not row.passed], row.attempt,
               *(round(row[-sections + index] or 0.0, 2) for index in range(sections))]


def export_filename(exam: Exam, extension: str) -> str:
    """An ASCII file name from the exam's name, safe in a Content-Disposition header."""
    return f"{secure_filename(exam.name) or f'exam-{exam.id}'}-results.{extension}"


def _csv_value(value) -> str | float | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return safe_text(value) if isinstance(value, str) else value


def _sheet(exam_id: int, header: list[str]) -> Iterator[list]:
    """The header, then the rows. Runs while the response is sent, after the request's session is gone:
    the exam is read afresh."""
    yield header
    yield from _export_rows(db.session.get(Exam, exam_id))


def _csv_lines(exam_id: int, header: list[str]) -> Iterator[str]:
    buffer = csv_buffer()
    writer = csv.writer(buffer)
    for number, row in enumerate(_sheet(exam_id, header)):
        writer.writerow([_csv_value(value) for value in row] if number else row)
        if number % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def results_csv(actor: User, exam_id) -> tuple[str, Iterator[str]]:
    """The file name and the lines of the exam's CSV export. The permission and the exam are checked
    now; the rows are read while the lines are sent."""
    exam = _exam(actor, exam_id)
    # The heading is written now, while the staff member is loaded: it settles the language the rows are
    # written in, which choosing later (from the signed-in user) would need the session that is gone by then.
    return export_filename(exam, "csv"), _csv_lines(exam.id, _header(exam))


def results_xlsx(actor: User, exam_id) -> tuple[str, Iterator[bytes]]:
    """The file name and the bytes of the exam's XLSX export, checked now and written while they are sent,
    as results_csv's (text cells are always text, never formulas)."""
    exam = _exam(actor, exam_id)
    return export_filename(exam, "xlsx"), streamed_xlsx(_("Results"), _sheet(exam.id, _header(exam)))
