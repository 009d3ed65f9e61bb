"""Release: when a graded result reaches the candidate and the outside, and what a change after that tells
them. Every rule of it is here; `follow_grading` and `follow_review` (subscribed in webapp.wiring) and the
staff's `release` / `release_matching` are the ways in.

The release policy is the exam's own or, when it has none, its institute's default:
- at once: released when graded, unless proctoring left something for a reviewer (a proctor ended the
  test, a flag is still open, or a violation withholds the result): then it waits for a review;
- after the review: released when a proctor's review gives an outcome, on a proctored exam (image or ID
  proctoring, web proctoring or admission by a proctor); on an exam without proctoring it is released
  when graded, since nobody would review it;
- by hand: released when staff release it (one result, or every result the results page's filters select).
A clear or suspicious review releases a result waiting for it; a violation keeps it held (withheld) and
the candidate is told only that; an admin's override of the violation releases it (by hand: staff still
release it). Staff never release a withheld result.

Until released the candidate sees that the result is pending (no marks, level, outcome or certificate),
gets no outcome e-mail, no certificate is issued, no gradedAssessment callback is sent and the candidate's
level stays as it was. The release does all of that once and records what the candidate was told
(`Sitting.released_outcome`). A change after the release (a re-mark, a grader's correction, a re-score, a
resume, a review, an override) compares the outcome with what was told: when something the candidate
sees changed, one correction e-mail names each change, gradedAssessment is sent again with the new marks,
the certificate follows and the candidate's level is put right; a change nobody sees sends nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from webapp.accounts.models import ReleasePolicy, User
from webapp.assessments.models import AssessmentKind
from webapp.audit.services import audit
from webapp.candidates.models import Candidate
from webapp.core import events
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.exams.models import Exam
from webapp.proctoring.models import Flag, Review
from webapp.proctoring.services import result_withheld, review_of, sitting_label, withheld_sittings
from webapp.results import outcomes, services
from webapp.results.certificates import certificate_of, reconcile
from webapp.sittings import callbacks
from webapp.sittings.models import Sitting, SittingStatus


def policy_of(exam: Exam) -> ReleasePolicy:
    """The release policy in force: the exam's own, else its institute's default."""
    return exam.release_policy or exam.institute.default_release_policy


def is_proctored(exam: Exam) -> bool:
    """An exam whose sittings a proctor reviews: any proctoring setting that watches the candidate."""
    return bool(exam.image_proctoring or exam.candidate_auth_proctored or exam.web_proctoring_enabled
                or exam.admission_required)


def _left_for_a_reviewer(sitting: Sitting) -> bool:
    return sitting.terminated_by_proctor or bool(db.session.scalar(select(exists().where(
        Flag.sitting_id == sitting.id, Flag.resolved_at.is_(None)))))


def waits_for(sitting: Sitting) -> str | None:
    """What a graded result that is not released waits for: "override" (a violation withholds it),
    "staff", "review", or None (it is due now)."""
    if result_withheld(sitting):
        return "override"
    policy = policy_of(sitting.exam)
    if policy == ReleasePolicy.BY_HAND:
        return "staff"
    if review_of(sitting) is not None:
        return None
    if policy == ReleasePolicy.AFTER_REVIEW and is_proctored(sitting.exam):
        return "review"
    if policy == ReleasePolicy.AT_ONCE and _left_for_a_reviewer(sitting):
        return "review"
    return None


def result_state(sitting: Sitting) -> str:
    """What the candidate is shown of the result, on the done page, the report and in e-mails: "shown"
    (marks, level and outcome), "pending" (not graded or not released yet) or "withheld" (a proctor's
    review found a violation an admin has not overridden)."""
    if result_withheld(sitting):
        return "withheld"
    return "shown" if sitting.released_at is not None and sitting.graded_at is not None else "pending"


# What the candidate was told ------------------------------------------------------------------------

def outcome_now(sitting: Sitting) -> dict:
    """The result as the candidate would be told it now (the shape of `Sitting.released_outcome`)."""
    certificate = certificate_of(sitting)
    score = outcomes.percent(sitting)
    return {"total": sitting.total_marks, "max": sitting.max_marks,
            "percent": round(score, 1) if score is not None else None,
            "level": sitting.level.value if sitting.level else None, "passed": sitting.passed,
            "certificate": certificate.code if certificate and certificate.is_valid else None,
            "withheld": result_withheld(sitting)}


def _marks(told: dict):
    if told.get("percent") is not None:
        return f"{told['percent']:g} %"
    return _l("%(total)s of %(max)s marks", total=format(told.get("total") or 0, "g"),
              max=format(told.get("max") or 0, "g"))


def changes(told: dict, now: dict, kind: AssessmentKind) -> list:
    """Each change the candidate sees between what they were told and the result now, in words: lazy
    texts, read in the language of the e-mail they go into (the candidate's, not the grader's)."""
    found = []
    if told.get("withheld") and not now["withheld"]:
        found.append(_l("Result: no longer withheld"))
    if _marks(told) != _marks(now):
        found.append(_l("Score: %(before)s -> %(after)s", before=_marks(told), after=_marks(now)))
    if kind == AssessmentKind.PLACEMENT and told.get("level") != now["level"]:
        found.append(_l("Level: %(before)s -> %(after)s", before=told.get("level") or _l("no level"),
                        after=now["level"] or _l("no level")))
    if kind == AssessmentKind.CERTIFICATION and bool(told.get("passed")) != bool(now["passed"]):
        found.append(_l("Result: passed -> not passed") if told.get("passed") else _l("Result: not passed -> passed"))
    if now["certificate"] and now["certificate"] != told.get("certificate"):
        found.append(_l("Certificate issued: %(code)s", code=now["certificate"]))
    elif told.get("certificate") and not now["certificate"]:
        found.append(_l("Certificate withdrawn"))
    return found


def _tells_outcomes(sitting: Sitting) -> bool:
    """Placement and certification results are e-mailed to the candidate; a standard test's are not."""
    return sitting.exam.assessment.kind != AssessmentKind.STANDARD


# The candidate's level ------------------------------------------------------------------------------

def _put_level_right(candidate: Candidate) -> None:
    """The candidate's level from their released, not withheld results in release order, starting from the
    level they had before the earliest of them: a withdrawn B1 goes back to what it was."""
    released = list(db.session.scalars(select(Sitting).where(
        Sitting.candidate_id == candidate.id, Sitting.released_at.is_not(None))
        .order_by(Sitting.released_at, Sitting.id)))
    if not released:
        return
    withheld = withheld_sittings([sitting.id for sitting in released])
    level = released[0].level_before_release
    for sitting in released:
        if sitting.id not in withheld:
            level = outcomes.level_after(level, sitting)
    candidate.current_level = level


# Following grading and reviews -------------------------------------------------------------------------

def follow_grading(sitting: Sitting, *, items: list, responses: dict, corrected: bool) -> None:
    """The last mark of a sitting is in, or a mark of a graded one changed (`corrected`; a resumed sitting
    graded again is a change too, when its result was released): the outcome follows, then the release."""
    outcomes.apply_outcome(sitting, items, responses)
    db.session.flush()
    _follow(sitting)


def follow_review(sitting: Sitting) -> None:
    """A proctor reviewed the sitting or an admin overrode a violation."""
    if sitting.graded_at is not None:
        _follow(sitting)


def _follow(sitting: Sitting) -> None:
    if sitting.released_at is not None:
        _correct(sitting)
    elif waits_for(sitting) is None:
        _release(sitting, None)
    elif result_withheld(sitting):
        _tell_withheld(sitting)
    events.result_changed.send(sitting)


def _release(sitting: Sitting, actor: User | None) -> None:
    """Everything the candidate and the outside hear of a result, once."""
    candidate = sitting.candidate
    sitting.released_at, sitting.released_by_id = utcnow(), actor.id if actor else None
    sitting.level_before_release = candidate.current_level
    candidate.current_level = outcomes.level_after(candidate.current_level, sitting)
    db.session.flush()
    certificate = reconcile(sitting)
    db.session.flush()
    callbacks.test_graded(sitting, outcomes.percentile(sitting))
    if _tells_outcomes(sitting):
        outcomes.queue_outcome_emails(sitting, certificate if certificate and certificate.is_valid else None)
    sitting.released_outcome = outcome_now(sitting)


def _tell_withheld(sitting: Sitting) -> None:
    """A violation withholds the result: the candidate is told that, once, and nothing else."""
    told = sitting.released_outcome or {}
    if told.get("withheld"):
        return
    if _tells_outcomes(sitting):
        outcomes.queue_withheld_email(sitting)
    sitting.released_outcome = {**told, "withheld": True}


def _correct(sitting: Sitting) -> None:
    """A released result changed: the certificate and the candidate's level follow, and whoever was told
    hears what changed, once."""
    reconcile(sitting)
    db.session.flush()
    told, now = sitting.released_outcome or {}, outcome_now(sitting)
    if any(told.get(key) != now[key] for key in ("level", "passed", "withheld")):
        _put_level_right(sitting.candidate)
    if now["withheld"]:
        _tell_withheld(sitting)
        return
    said = changes(told, now, sitting.exam.assessment.kind)
    if not said:
        sitting.released_outcome = now
        return
    # Integrators may receive gradedAssessment again for a corrected result (documented with the callback).
    callbacks.test_graded(sitting, outcomes.percentile(sitting))
    if _tells_outcomes(sitting):
        certificate = certificate_of(sitting)
        outcomes.queue_correction_emails(sitting, certificate if certificate and certificate.is_valid else None,
                                         said)
    sitting.released_outcome = now


# Staff release -----------------------------------------------------------------------------------------

def _refusal(sitting: Sitting) -> str | None:
    """Why staff may not release this sitting's result now, or None."""
    if sitting.status != SittingStatus.EXAM_FINISHED or sitting.graded_at is None:
        return _("This result is not graded yet.")
    if sitting.released_at is not None:
        return _("This result is released already.")
    if result_withheld(sitting):
        return _("A proctoring violation withholds this result: an administrator overrides the review before it "
                 "can be released.")
    return None


def _release_by(actor: User, sitting: Sitting) -> None:
    _release(sitting, actor)
    events.result_changed.send(sitting)
    audit(actor, "result.release", "sitting", sitting.id, {"released": False}, {"released": True},
          label=sitting_label(sitting))


def release(actor: User, sitting_id) -> Sitting:
    """Staff release one result of their institute."""
    require(actor, Permission.RELEASE_RESULTS)
    sitting = get_in_institute(Sitting, actor.institute_id, sitting_id, "Sitting")
    refusal = _refusal(sitting)
    if refusal:
        raise Conflict(refusal)
    _release_by(actor, sitting)
    return sitting


@dataclass(frozen=True)
class ReleaseCount:
    """What releasing the results page's selection does: how many results it releases and how many of
    the selected results it leaves, and why."""

    releasable: int
    withheld: int      # a violation withholds them: an admin overrides the review first
    ungraded: int      # an item still waits for a grader

    @property
    def skipped(self) -> int:
        return self.withheld + self.ungraded


def _selection(actor: User, exam_id, criteria: dict, *columns):
    """A select of `columns` over the exam's unreleased finished sittings that the filters select."""
    require(actor, Permission.RELEASE_RESULTS)
    exam = get_in_institute(Exam, actor.institute_id, exam_id, "Exam")
    query = select(*columns).select_from(Sitting).where(
        Sitting.exam_id == exam.id, Sitting.institute_id == exam.institute_id,
        Sitting.status == SittingStatus.EXAM_FINISHED, Sitting.released_at.is_(None))
    return services.matching(query, **criteria)


def release_count(actor: User, exam_id, **criteria) -> ReleaseCount:
    """How many unreleased results of the exam the filters (`services.matching`'s) select, by what
    releasing them would do, in one query."""
    # Joined rather than an EXISTS in each count's filter, which PostgreSQL would run once per sitting;
    # aliased, so that the filters' own EXISTS on reviews (release="withheld") still reads the table.
    review = aliased(Review)
    withheld = review.id.is_not(None)
    graded = Sitting.graded_at.is_not(None)
    return ReleaseCount(*db.session.execute(_selection(
        actor, exam_id, criteria, func.count().filter(graded, ~withheld), func.count().filter(graded, withheld),
        func.count().filter(~graded)).outerjoin(review, and_(review.sitting_id == Sitting.id,
                                                             review.withholds_result))).one())


def release_matching(actor: User, exam_id, **criteria) -> ReleaseCount:
    """Release every releasable result the filters select; a withheld or ungraded one is left (counted)."""
    count = release_count(actor, exam_id, **criteria)
    sittings = db.session.scalars(_selection(actor, exam_id, criteria, Sitting).where(
        Sitting.graded_at.is_not(None), ~services.withholding()).order_by(Sitting.id)).all()
    for sitting in sittings:
        _release_by(actor, sitting)
    return ReleaseCount(len(sittings), count.withheld, count.ungraded)
