"""What a graded sitting means: the CEFR level a placement test reached, whether a certification was
passed, the candidate's percentile, and what follows (the candidate's level, a certificate, e-mails,
the graded callback). `sittings/taking.py` announces `events.sitting_graded` when the last mark is in;
`follow_grading` (subscribed in webapp.wiring) takes it from there.

The placement rule (overall and per skill, with its evidence) is webapp/results/placement.py's.

Certification: passed when the total is at least `pass_mark_percent` of the maximum. A failed
certification tells the candidate to continue their course package; a passed one moves them on to
the target level and, unless a proctoring violation withholds the result, issues a certificate.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import FrameClause, FrameClauseType

from webapp.assessments.models import AssessmentKind
from webapp.bank.models import CefrLevel
from webapp.core.extensions import db
from webapp.core.links import html_report_url, verify_url
from webapp.exams.models import Exam
from webapp.notifications.services import queue_emails
from webapp.proctoring.services import result_withheld
from webapp.results.certificates import reconcile
from webapp.results.models import Certificate
from webapp.results.placement import placement, skill_levels_in_words
from webapp.sittings import callbacks
from webapp.sittings.models import Sitting

def certification_passed(total_marks: float, max_marks: float, pass_mark_percent: float) -> bool:
    # Compared in whole hundredths of a percent, so that 13 of 20 passes a 65 % mark despite floats.
    return bool(max_marks) and round(100 * total_marks / max_marks, 4) >= pass_mark_percent


def percent(sitting: Sitting) -> float | None:
    if sitting.total_marks is None or not sitting.max_marks:
        return None
    return 100 * sitting.total_marks / sitting.max_marks


def score_ratio():
    """The SQL expression of a sitting's score as a share of its maximum (papers drawn from pools may
    differ in their maximum)."""
    return Sitting.total_marks / func.nullif(Sitting.max_marks, 0)


# Equal scores with different maxima (3/4 and 6/8) must count as equal despite floats.
TIE_MARGIN = 1e-9


def graded_peers(institute_id: int, assessment_id: int):
    """The condition on Sitting (joined with its Exam) of the sittings a percentile compares with: the
    graded sittings of the same assessment in the same institute."""
    return and_(Sitting.institute_id == institute_id, Sitting.graded_at.is_not(None), Sitting.max_marks > 0,
                Exam.assessment_id == assessment_id)


def percentile_of(at_or_below: int | None, everyone: int | None) -> float | None:
    return round(100 * at_or_below / everyone, 2) if everyone else None


def standing(institute_id: int, assessment_id: int):
    """A subquery of the graded sittings of the assessment in the institute: for each (`sitting_id`),
    how many of them score at or below it (`at_or_below`) and how many there are (`everyone`), counted
    by two window functions in one pass: the terms of cume_dist(), rounded by `percentile_of`."""
    at_or_below = func.count().over(
        order_by=score_ratio(), range_=FrameClause(None, TIE_MARGIN, FrameClauseType.UNBOUNDED,
                                                   FrameClauseType.FOLLOWING))
    return (select(Sitting.id.label("sitting_id"), at_or_below.label("at_or_below"),
                   func.count().over().label("everyone"))
            .join(Exam, Exam.id == Sitting.exam_id)
            .where(graded_peers(institute_id, assessment_id))
            .subquery("standing"))


def percentiles(sittings: list[Sitting]) -> dict[int, float | None]:
    """Each sitting's share of the assessment's graded sittings in its institute scoring at or below it,
    in percent (the best scores 100, as in Mettl's examples); None until graded. One query for each
    assessment among the sittings, however many sittings."""
    found: dict[int, float | None] = {sitting.id: None for sitting in sittings}
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for sitting in sittings:
        if sitting.graded_at is not None and sitting.max_marks:
            groups[(sitting.institute_id, sitting.exam.assessment_id)].append(sitting.id)
    for (institute_id, assessment_id), ids in groups.items():
        peers = standing(institute_id, assessment_id)
        for sitting_id, at_or_below, everyone in db.session.execute(
                select(peers.c.sitting_id, peers.c.at_or_below, peers.c.everyone)
                .where(peers.c.sitting_id.in_(ids))):
            found[sitting_id] = percentile_of(at_or_below, everyone)
    return found


def percentile(sitting: Sitting) -> float | None:
    return percentiles([sitting])[sitting.id]


def _apply_outcome(sitting: Sitting, items: list, responses: dict) -> Certificate | None:
    """Set the level and pass of a graded sitting, move the candidate on and keep the certificate in
    step (issued when earned, withdrawn when a correction fails the sitting). Returns the certificate."""
    assessment = sitting.exam.assessment
    sitting.level, sitting.passed, sitting.placement = None, None, None
    candidate = sitting.candidate
    if assessment.kind == AssessmentKind.PLACEMENT:
        sitting.placement = placement(items, responses, assessment.placement_bands)
        sitting.level = CefrLevel(sitting.placement["level"]) if sitting.placement["level"] else None
        if sitting.level:
            candidate.current_level = sitting.level
    elif assessment.kind == AssessmentKind.CERTIFICATION:
        sitting.passed = certification_passed(sitting.total_marks, sitting.max_marks, assessment.pass_mark_percent)
        if sitting.passed:
            sitting.level = assessment.target_level
            if candidate.current_level is None or candidate.current_level.rank < sitting.level.rank:
                candidate.current_level = sitting.level
    db.session.flush()   # the result is passed (or not) before the certificate follows
    return reconcile(sitting)


def follow_grading(sitting: Sitting, *, items: list, responses: dict, corrected: bool) -> None:
    (grade_corrected if corrected else sitting_graded)(sitting, items, responses)


def sitting_graded(sitting: Sitting, items: list, responses: dict) -> None:
    """The last mark is in: set the outcome, move the candidate on, issue the certificate and tell
    the candidate, the institute and the integrator."""
    certificate = _apply_outcome(sitting, items, responses)
    db.session.flush()
    callbacks.test_graded(sitting, percentile(sitting))
    if sitting.exam.assessment.kind != AssessmentKind.STANDARD:
        _queue_outcome_emails(sitting, certificate if certificate and certificate.is_valid else None)


def grade_corrected(sitting: Sitting, items: list, responses: dict) -> None:
    """A grader corrected a mark of a graded sitting: the outcome follows the new total. Nobody is told
    again; the console, the report, the API and the certificate's page show the corrected result."""
    _apply_outcome(sitting, items, responses)


def shown_to_candidate(sitting: Sitting) -> bool:
    """The one rule for what a candidate is shown of their result, on the done page, the report and the
    outcome e-mails: marks, level and outcome, unless a proctor's review found a violation that an admin
    has not released (then only that the result is withheld)."""
    return not result_withheld(sitting)


def _queue_outcome_emails(sitting: Sitting, certificate: Certificate | None) -> None:
    """The candidate hears of a placement or certification result, passed or failed, with the link to
    the report (and to the certificate's verification page when one was issued); the institute too
    when the exam's notify flag is on."""
    exam, candidate, assessment = sitting.exam, sitting.candidate, sitting.exam.assessment
    kind = assessment.kind.value
    score = percent(sitting)
    context = {"institute": exam.institute, "exam": exam, "assessment": assessment, "candidate": candidate,
               "level": sitting.level.value if sitting.level else None, "passed": sitting.passed,
               "skill_levels": skill_levels_in_words(sitting.placement),
               "percent": round(score, 1) if score is not None else None,
               "target_level": assessment.target_level.value if assessment.target_level else None,
               "pass_mark_percent": assessment.pass_mark_percent, "report_url": html_report_url(sitting),
               "certificate_code": certificate.code if certificate else None,
               "certificate_url": verify_url(certificate.code) if certificate else None}
    if kind == "placement":
        subject = f"Your placement result: {context['level'] or 'no level'}"
    else:
        subject = f"Your certification result: {'passed' if sitting.passed else 'not passed yet'}"
    message = {"template": f"{kind}_result", "topic": f"{kind}_result", "institute_id": exam.institute_id,
               "exam_id": exam.id}
    if shown_to_candidate(sitting):
        to_candidate = {**message, "subject": f"{subject} ({assessment.name})",
                        "context": {**context, "to_candidate": True}}
    else:
        # Not a word of the marks, level or outcome: only that the result is withheld, and the report's link.
        to_candidate = {"template": "result_withheld", "topic": "result_withheld", "institute_id": exam.institute_id,
                        "exam_id": exam.id, "subject": f"Your result is withheld ({assessment.name})",
                        "context": {key: context[key] for key in ("institute", "assessment", "candidate",
                                                                  "report_url")}}
    messages = [{**to_candidate, "to": candidate.email}]
    if exam.notify_client and exam.institute.contact_email:
        messages.append({**message, "to": exam.institute.contact_email,
                         "subject": f"{candidate.name}: {subject.removeprefix('Your ')} ({assessment.name})",
                         "context": {**context, "to_candidate": False}})
    queue_emails(messages)
