"""Results: one sitting's result as the console, the shared report and the certificate show it, and
an exam's results table, chart and exports."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.accounts.permissions import Permission, require
from webapp.assessments.models import AssessmentKind
from webapp.database import get_in_institute
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.proctoring.models import Flag, Review, Snapshot
from webapp.reports.models import Certificate
from webapp.results import outcomes
from webapp.sittings import taking
from webapp.sittings.models import ProctorEvent, Sitting, SittingStatus
from webapp.sittings.scoring import result_summary
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
class SittingResult:
    sitting: Sitting
    summary: dict             # Mettl's result shape (scoring.result_summary), sections and skills included
    percent: float | None
    percentile: float | None
    kind: AssessmentKind
    level: str | None         # placement: the level reached; certification: the target level when passed
    passed: bool | None       # certification only
    continue_package: bool | None   # certification only: a failed one means continue the course package
    proctoring: ProctoringSummary
    certificate: Certificate | None

    @property
    def graded(self) -> bool:
        return self.sitting.graded_at is not None


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
    kind = sitting.exam.assessment.kind
    passed = sitting.passed if kind == AssessmentKind.CERTIFICATION else None
    return SittingResult(
        sitting=sitting, summary=result_summary(sitting, items, responses), percent=outcomes.percent(sitting),
        percentile=outcomes.percentile(sitting), kind=kind, level=sitting.level.value if sitting.level else None,
        passed=passed, continue_package=None if passed is None else not passed,
        proctoring=proctoring_summary(sitting),
        certificate=db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id)))


def sitting_result(actor: User, sitting_id) -> SittingResult:
    """For the console: a finished sitting of the actor's institute."""
    require(actor, Permission.VIEW_RESULTS)
    sitting = get_in_institute(Sitting, actor.institute_id, sitting_id, "Sitting")
    if sitting.status != SittingStatus.EXAM_FINISHED:
        raise NotFound("This candidate has no result yet.")
    return result_of(sitting)
