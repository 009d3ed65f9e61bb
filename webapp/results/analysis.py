"""Item analysis of an assessment: how each question worked across the graded sittings of all the
assessment's exams in the institute, and which questions deserve a second look.

For a question that n graded sittings had, each sitting s gives
- the item score x_s = awarded / marks, clipped to 0..1: 1 or 0 for a machine-scored item scored all or
  nothing (a negative mark counts as 0), the share of its parts right for one with partial credit (a fill-in
  text's blanks), the share of the marks a grader gave for a graded one (an essay, a file);
- the rest score y_s = (total_marks - awarded) / (max_marks - marks): the sitting's score ratio on the
  rest of its paper. Leaving the item out (the corrected item-total) keeps it from correlating with itself.

Facility p = mean(x_s): the share of the marks candidates earned, 0 (nobody) to 1 (everybody).

Discrimination r = the point-biserial correlation of x with y:
    r = (M1 - M0) / s_y * sqrt(p * (1 - p))
with M1 and M0 the mean rest scores of the sittings that got the item right and wrong and s_y the
(population) standard deviation of y. That is Pearson's correlation for a 0/1 variable, so it is
computed as r = cov(x, y) / (s_x * s_y), which also takes a grader's partial marks as they are.
r is None with fewer than 2 sittings, or when x or y does not vary (everyone right, or all rests equal).

Choices: how many sittings chose each option of a multiple-choice question, counted by option id
(options are shuffled per sitting, their ids are stable); the text is that of the latest sitting.

Reliability of the test, over the questions every analysed sitting had (papers drawn from pools may
differ) and their marks as awarded (negative marks included): with k such questions, n sittings, v_i
the variance of question i's marks and v the variance of the sittings' totals on them,
    alpha = k / (k - 1) * (1 - sum(v_i) / v)          (Cronbach's alpha)
which for questions scored all or nothing (0 or full marks) is KR-20, whose p_i * (1 - p_i) is v_i in
marks of 1. Variances are population variances (divided by n), as in KR-20; the ratio is the same
either way. The standard error of measurement is SEM = sqrt(v) * sqrt(1 - alpha), in marks. Alpha
needs at least 2 sittings and 2 questions and totals that vary; otherwise there is not enough data.
"Alpha if deleted" is alpha over the other k - 1 questions: a question whose removal raises alpha is
flagged, as it measures something else than the rest of the test.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.assessments.models import Assessment
from webapp.bank.models import QuestionType
from webapp.core.database import get_in_institute
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.exams.models import Exam
from webapp.sittings.models import Response, Sitting, SittingItem
from webapp.sittings.scoring import is_answered

TOO_HARD = 0.2          # facility below
TOO_EASY = 0.9          # facility above
WEAK = 0.2              # discrimination below
# Distractor analysis: the types whose answer chooses options. MATCHING and ORDERING are analysed by the
# share of their marks, as every type is (facility and discrimination), with no option table.
CHOICE_TYPES = frozenset(question_type for question_type in QuestionType if question_type.has_options)


@dataclass(frozen=True)
class OptionChoice:
    id: str
    html: str            # sanitised when the question was saved
    correct: bool
    chosen: int          # sittings that chose it
    share: float         # of the sittings that had the question, 0..1


@dataclass(frozen=True)
class ItemStatistics:
    question_id: int
    question_type: QuestionType
    skill_name: str
    stem: str
    sittings: int
    facility: float
    discrimination: float | None
    options: list[OptionChoice]     # multiple choice only
    unanswered: int
    flags: list[tuple[str, str]]    # (kind, label): "hard", "easy", "weak", "misleading", "lowers reliability"
    alpha_if_deleted: float | None  # the test's reliability without this question; None: not in it or no data


@dataclass(frozen=True)
class Reliability:
    name: str                       # "KR-20" (all or nothing questions) or "Cronbach's alpha"
    coefficient: float | None       # None: not enough data (`missing` says why)
    sem: float | None               # the standard error of measurement, in marks
    questions: int                  # the questions every analysed sitting had
    missing: str = ""


@dataclass(frozen=True)
class ItemAnalysis:
    assessment: Assessment
    sittings: int                   # the graded sittings analysed
    items: list[ItemStatistics]     # in the order of the paper
    reliability: Reliability


def point_biserial(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation of the item scores with the rest scores (see the module's docstring)."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var_x = sum((x - mean_x) ** 2 for x in xs) / n
    var_y = sum((y - mean_y) ** 2 for y in ys) / n
    # Below float noise a spread is no spread: equal scores must not give a correlation of noise.
    if var_x < 1e-12 or var_y < 1e-12:
        return None
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / n
    return covariance / math.sqrt(var_x * var_y)


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((value - mean) ** 2 for value in values) / len(values)


def cronbach_alpha(scores: list[list[float]]) -> float | None:
    """Alpha of a matrix of marks, one row per sitting and one column per question (see the module's
    docstring); None with fewer than 2 rows or columns, or when the totals do not vary."""
    if len(scores) < 2 or len(scores[0]) < 2:
        return None
    k = len(scores[0])
    total_variance = _variance([sum(row) for row in scores])
    # Below float noise a spread is no spread, as in point_biserial.
    if total_variance < 1e-12:
        return None
    item_variances = sum(_variance([row[column] for row in scores]) for column in range(k))
    return k / (k - 1) * (1 - item_variances / total_variance)


def reliability(scores: list[list[float]], maxima: list[float]) -> Reliability:
    """The test's reliability and SEM over the matrix of `cronbach_alpha`; `maxima` are the questions'
    marks, which tell KR-20's all-or-nothing questions from the rest."""
    dichotomous = all(row[column] in (0, maxima[column]) for row in scores for column in range(len(maxima)))
    name = "KR-20" if dichotomous else _("Cronbach's alpha")
    questions = len(maxima)
    if len(scores) < 2:
        return Reliability(name, None, None, questions, _("Not enough data: it needs at least 2 graded sittings."))
    if questions < 2:
        return Reliability(name, None, None, questions,
                           _("Not enough data: it needs at least 2 questions that every sitting had."))
    alpha = cronbach_alpha(scores)
    if alpha is None:
        return Reliability(name, None, None, questions, _("Not enough data: every sitting scored the same."))
    return Reliability(name, alpha, math.sqrt(_variance([sum(row) for row in scores])) * math.sqrt(1 - alpha),
                       questions)


def alpha_if_deleted(scores: list[list[float]], column: int) -> float | None:
    return cronbach_alpha([row[:column] + row[column + 1:] for row in scores])


# Removing a question must raise alpha by more than float noise to be flagged.
ALPHA_MARGIN = 1e-9


def flags(facility: float, discrimination: float | None, alpha: float | None = None,
          without: float | None = None) -> list[tuple[str, str]]:
    found = []
    if facility < TOO_HARD:
        found.append(("hard", _("Too hard")))
    elif facility > TOO_EASY:
        found.append(("easy", _("Too easy")))
    if discrimination is not None and discrimination < 0:
        found.append(("misleading", _("Misleading: stronger candidates do worse")))
    elif discrimination is not None and discrimination < WEAK:
        found.append(("weak", _("Weak discrimination")))
    if alpha is not None and without is not None and without > alpha + ALPHA_MARGIN:
        found.append(("lowers-reliability", _("The test is more reliable without it")))
    return found


@dataclass
class _Tally:
    position: int
    latest_item_id: int
    xs: list[float]
    rests: list[tuple[float, float]]      # (x, y) where the rest of the paper has marks
    chosen: dict[str, int]
    unanswered: int = 0
    marks: float = 0.0
    awarded: dict[int, float] = field(default_factory=dict)     # by sitting id


def item_analysis(actor: User, assessment_id) -> ItemAnalysis:
    """Facility, discrimination and option choices per question over the institute's graded sittings of
    the assessment; three queries whatever the number of sittings."""
    require(actor, Permission.VIEW_RESULTS)
    assessment = get_in_institute(Assessment, actor.institute_id, assessment_id, "Assessment")
    rows = db.session.execute(
        select(SittingItem.id, SittingItem.question_id, SittingItem.question_type, SittingItem.position,
               SittingItem.marks, Response.awarded, Response.answer, Sitting.id, Sitting.total_marks,
               Sitting.max_marks)
        .join(Response, Response.item_id == SittingItem.id)
        .join(Sitting, Sitting.id == SittingItem.sitting_id)
        .join(Exam, Exam.id == Sitting.exam_id)
        .where(Exam.assessment_id == assessment.id, Sitting.institute_id == actor.institute_id,
               Sitting.graded_at.is_not(None))).all()
    tallies: dict[int, _Tally] = {}
    sittings = set()
    for item_id, question_id, question_type, position, marks, awarded, answer, sitting_id, total, maximum in rows:
        sittings.add(sitting_id)
        tally = tallies.setdefault(question_id, _Tally(position, item_id, [], [], defaultdict(int)))
        tally.position, tally.latest_item_id = min(tally.position, position), max(tally.latest_item_id, item_id)
        awarded = awarded or 0.0
        tally.marks, tally.awarded[sitting_id] = marks, awarded
        x = min(max(awarded / marks, 0.0), 1.0)
        tally.xs.append(x)
        if (maximum or 0) - marks > 0:
            tally.rests.append((x, ((total or 0.0) - awarded) / (maximum - marks)))
        if question_type in CHOICE_TYPES:
            if not is_answered(question_type, answer):
                tally.unanswered += 1
            else:
                for option_id in {answer["option"]} if QuestionType(question_type).is_single_choice \
                        else set(answer["options"]):
                    tally.chosen[option_id] += 1
    latest = {item.question_id: item for item in db.session.scalars(
        select(SittingItem).where(SittingItem.id.in_([tally.latest_item_id for tally in tallies.values()])))}
    ordered = sorted(tallies.items(), key=lambda pair: (pair[1].position, pair[0]))
    # The reliability's matrix: the questions every sitting had, in the order of the paper.
    common = [(question_id, tally) for question_id, tally in ordered if len(tally.awarded) == len(sittings)]
    order = sorted(sittings)
    scores = [[tally.awarded[sitting_id] for __, tally in common] for sitting_id in order]
    test = reliability(scores, [tally.marks for __, tally in common])
    without = {question_id: alpha_if_deleted(scores, column) if test.coefficient is not None else None
               for column, (question_id, __) in enumerate(common)}
    items = [_statistics(latest[question_id], tally, test.coefficient, without.get(question_id))
             for question_id, tally in ordered]
    return ItemAnalysis(assessment, len(sittings), items, test)


def _statistics(item: SittingItem, tally: _Tally, alpha: float | None, without: float | None) -> ItemStatistics:
    n = len(tally.xs)
    facility = sum(tally.xs) / n
    discrimination = point_biserial([x for x, __ in tally.rests], [y for __, y in tally.rests])
    correct = set(item.key.get("correct", []))
    # Only the frozen options count (an answer naming anything else is not an option anyone saw),
    # in the bank's order (a, b, c, ...) rather than the latest sitting's shuffle.
    options = [OptionChoice(option["id"], option["html"], option["id"] in correct, tally.chosen[option["id"]],
                            tally.chosen[option["id"]] / n)
               # Only choices have options to count (a fill-in text's are its blanks' lists, without ids).
               for option in sorted(item.options if item.type.has_options else [], key=lambda o: o["id"])]
    return ItemStatistics(item.question_id, QuestionType(item.question_type), item.skill_name, item.stem, n,
                          facility, discrimination, options, tally.unanswered,
                          flags(facility, discrimination, alpha, without), without)
