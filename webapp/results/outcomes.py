"""What a graded sitting means: the CEFR level a placement test reached, whether a certification was
passed, the candidate's percentile, and the e-mails that tell of it. `sittings/taking.py` announces
`events.sitting_graded` when the last mark is in; `release.follow_grading` (subscribed in webapp.wiring)
sets the outcome here and releases the result when its policy says so (the candidate's level, the
certificate, the e-mails and the graded callback follow the release).

The placement rule (overall and per skill, with its evidence) is webapp/results/placement.py's.

Certification: passed when the total is at least `pass_mark_percent` of the maximum. A failed
certification tells the candidate to continue their course package; a passed one moves them on to
the target level and, once released and unless a proctoring violation withholds the result, issues a
certificate.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from flask_babel import format_number, gettext as _
from sqlalchemy import Float, and_, func, literal_column, select

from webapp.assessments.models import AssessmentKind
from webapp.bank.models import CefrLevel
from webapp.core.extensions import db
from webapp.core.links import html_report_url, verify_url
from webapp.exams.models import Exam
from webapp.exams.services import language_to_write_in
from webapp.notifications.services import queue_emails, writing_in
from webapp.results.models import Certificate
from webapp.results.placement import placement, skill_levels_in_words
from webapp.sittings.adaptive import placement_record as adaptive_placement
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
    differ in their maximum). The 0 is written into the statement, not bound, so that PostgreSQL matches
    the expression with the index on it (migration 0019_scale_indexes)."""
    return Sitting.total_marks / func.nullif(Sitting.max_marks, literal_column("0"), type_=Float)


def ranked(sitting) -> bool:
    """Whether the sitting has a percentile: graded with a maximum above 0 (`graded_peers`). `sitting`
    may be a row with these columns."""
    return sitting.graded_at is not None and bool(sitting.max_marks)


# Equal scores with different maxima (3/4 and 6/8) must count as equal despite floats.
TIE_MARGIN = 1e-9


def graded_peers(institute_id: int, assessment_id: int):
    """The condition on Sitting (joined with its Exam) of the sittings a percentile compares with: the
    graded sittings of the same assessment in the same institute."""
    return and_(Sitting.institute_id == institute_id, Sitting.graded_at.is_not(None), Sitting.max_marks > 0,
                Exam.assessment_id == assessment_id)


def percentile_of(at_or_below: int | None, everyone: int | None) -> float | None:
    return round(100 * at_or_below / everyone, 2) if everyone else None


@dataclass(frozen=True)
class Ladder:
    """The distinct scores (shares of the maximum) of the graded sittings a percentile compares with, in
    ascending order, each with how many of them score at or below it."""

    scores: list[float]
    at_or_below: list[int]

    def percentile(self, sitting) -> float | None:
        """The share of the peers scoring at or below the sitting (a score within TIE_MARGIN above counts as
        equal), in percent: the best scores 100, as in Mettl's examples. None until graded. `sitting` may
        be a row with the columns `ranked` reads and total_marks."""
        if not ranked(sitting) or not self.scores:
            return None
        reached = bisect_right(self.scores, sitting.total_marks / sitting.max_marks + TIE_MARGIN)
        return percentile_of(self.at_or_below[reached - 1] if reached else 0, self.at_or_below[-1])


def ladder(institute_id: int, assessment_id: int) -> Ladder:
    """The Ladder of the assessment's graded sittings in the institute: one grouped query, whose rows are
    as many as the distinct scores (a few hundred for marks in whole or half points), however many sittings."""
    scores, at_or_below, counted = [], [], 0
    score = score_ratio()
    for value, count in db.session.execute(
            select(score, func.count()).join(Exam, Exam.id == Sitting.exam_id)
            .where(graded_peers(institute_id, assessment_id)).group_by(score).order_by(score)):
        counted += count
        scores.append(value)
        at_or_below.append(counted)
    return Ladder(scores, at_or_below)


def percentiles(sittings: list[Sitting]) -> dict[int, float | None]:
    """Each sitting's percentile (`Ladder.percentile`): one query for each assessment among the sittings,
    however many sittings."""
    ladders: dict[tuple[int, int], Ladder] = {}
    found: dict[int, float | None] = {}
    for sitting in sittings:
        key = (sitting.institute_id, sitting.exam.assessment_id)
        if ranked(sitting) and key not in ladders:
            ladders[key] = ladder(*key)
        found[sitting.id] = ladders[key].percentile(sitting) if key in ladders else None
    return found


def percentile(sitting: Sitting) -> float | None:
    return percentiles([sitting])[sitting.id]


def apply_outcome(sitting: Sitting, items: list, responses: dict) -> None:
    """Set the level and pass of a graded sitting. What follows (the candidate's level, the certificate,
    e-mails, the callback) waits for the result's release: webapp/results/release.py."""
    assessment = sitting.exam.assessment
    sitting.level, sitting.passed, sitting.placement = None, None, None
    if assessment.kind == AssessmentKind.PLACEMENT:
        # An adaptive placement is placed by its ability estimate, a fixed form by its bands.
        sitting.placement = adaptive_placement(sitting) if sitting.adaptive is not None \
            else placement(items, responses, assessment.placement_bands)
        sitting.level = CefrLevel(sitting.placement["level"]) if sitting.placement["level"] else None
    elif assessment.kind == AssessmentKind.CERTIFICATION:
        sitting.passed = certification_passed(sitting.total_marks, sitting.max_marks, assessment.pass_mark_percent)
        if sitting.passed:
            sitting.level = assessment.target_level


def level_after(level: CefrLevel | None, sitting: Sitting) -> CefrLevel | None:
    """The candidate's level once this result is released: a placement sets it, a passed certification
    raises it (never lowers it)."""
    kind = sitting.exam.assessment.kind
    if kind == AssessmentKind.PLACEMENT and sitting.level:
        return sitting.level
    if kind == AssessmentKind.CERTIFICATION and sitting.passed and sitting.level \
            and (level is None or level.rank < sitting.level.rank):
        return sitting.level
    return level


def _context(sitting: Sitting, certificate: Certificate | None) -> dict:
    exam, candidate, assessment = sitting.exam, sitting.candidate, sitting.exam.assessment
    score = percent(sitting)
    return {"institute": exam.institute, "exam": exam, "assessment": assessment, "candidate": candidate,
            "level": sitting.level.value if sitting.level else None, "passed": sitting.passed,
            "skill_levels": skill_levels_in_words(sitting.placement),
            "adaptive": (sitting.placement or {}).get("adaptive"),
            "percent": round(score, 1) if score is not None else None,
            "target_level": assessment.target_level.value if assessment.target_level else None,
            "pass_mark_percent": assessment.pass_mark_percent, "report_url": html_report_url(sitting),
            "certificate_code": certificate.code if certificate else None,
            "certificate_url": verify_url(certificate.code) if certificate else None}


def _in_percent(value) -> str:
    return _("%(percent)s %%", percent=format_number(value)) if value is not None else ""


def _placeholders(context: dict) -> dict:
    """The values of a result e-mail's placeholders (webapp/notifications/mail_templates.py), worded in the
    language of the moment."""
    level = context["level"] or (_("not placed at a level")
                                  if context["assessment"].kind == AssessmentKind.PLACEMENT else "")
    return {"candidate_name": context["candidate"].name, "exam_name": context["exam"].name,
            "test_name": context["assessment"].name, "institute_name": context["institute"].name,
            "level": level, "score": _in_percent(context["percent"]),
            "pass_mark": _in_percent(context["pass_mark_percent"]),
            "outcome": _("passed at level %(level)s", level=level) if context["passed"] else _("not passed yet"),
            "report_link": context["report_url"], "certificate_code": context["certificate_code"] or "",
            "certificate_link": context["certificate_url"] or ""}


def _to_candidate_and_institute(sitting: Sitting, message: dict, context_of, worded: bool = False) -> list[dict]:
    """The candidate's e-mail in their language, and the institute's copy in its own when the exam's notify
    flag is on. `context_of()` words the template's context in the language of the moment. A `worded`
    e-mail reaches the candidate in the institute's own wording when it has one in their language."""
    exam, candidate = sitting.exam, sitting.candidate
    readers = [(candidate.email, language_to_write_in(exam, candidate.language), True)]
    if exam.notify_client and exam.institute.contact_email:
        readers.append((exam.institute.contact_email, exam.institute.language, False))
    messages = []
    for to, language, to_candidate in readers:
        with writing_in(language):
            context = {**context_of(), "to_candidate": to_candidate}
            messages.append({**message, "to": to, "language": language, "context": context,
                             **({"placeholders": _placeholders(context)} if worded and to_candidate else {})})
    return messages


def queue_outcome_emails(sitting: Sitting, certificate: Certificate | None) -> None:
    """The candidate hears of a released placement or certification result, passed or failed, with the
    link to the report (and to the certificate's verification page when one was issued); the institute
    too when the exam's notify flag is on."""
    exam, kind = sitting.exam, sitting.exam.assessment.kind.value
    message = {"template": f"{kind}_result", "topic": f"{kind}_result", "institute_id": exam.institute_id,
               "exam_id": exam.id}
    queue_emails(_to_candidate_and_institute(sitting, message, lambda: _context(sitting, certificate), worded=True))


def queue_withheld_email(sitting: Sitting) -> None:
    """Not a word of the marks, level or outcome: only that the result is withheld, and the report's link."""
    exam = sitting.exam
    context = _context(sitting, None)
    queue_emails([{"template": "result_withheld", "topic": "result_withheld", "institute_id": exam.institute_id,
                   "exam_id": exam.id, "to": sitting.candidate.email,
                   "language": language_to_write_in(exam, sitting.candidate.language),
                   "context": {key: context[key] for key in ("institute", "assessment", "candidate", "report_url")}}])


def queue_correction_emails(sitting: Sitting, certificate: Certificate | None, changes: list[str]) -> None:
    """A released result changed in what the candidate was told: one e-mail that names each change and
    gives the result as it stands (the institute's copy when the exam's notify flag is on)."""
    exam, kind = sitting.exam, sitting.exam.assessment.kind.value
    message = {"template": "result_corrected", "topic": "result_corrected", "institute_id": exam.institute_id,
               "exam_id": exam.id}
    queue_emails(_to_candidate_and_institute(
        sitting, message, lambda: {**_context(sitting, certificate), "changes": changes, "kind": kind}))
