"""Calibration: each item's parameters on the ability scale of bank/adaptive.py, estimated from the answers
of an institute's finished sittings, and the CEFR cut scores suggested from them.

The data. Every auto-scored item a finished sitting of the institute had (essays, files and short answers a
person marked are left out) gives a score 0 or 1: its share of the marks (awarded / marks, clipped to 0..1)
rounded, so half the marks or more of a partly right answer count as right, as the dichotomous models
below take only right or wrong. An item asked but not answered scores 0; an item a sitting was not asked is
missing, not wrong (an adaptive sitting asks few of its pool's items).

The estimate (girth, joint maximum likelihood: `onepl_jml`, `twopl_jml`). Items with fewer than
MIN_CALIBRATION_RESPONSES scores, or whose scores are all right or all wrong, are not estimated: they keep
their prior from their CEFR level (bank/calibration.item_parameters). The others get Rasch (1PL)
parameters, and 2PL ones (their own discrimination) when at least MIN_2PL_RESPONSES sittings answered them:
a discrimination rests on many more answers than a difficulty. A 2PL estimate on the bounds of girth's search
(the answers pin down no slope, as for an item only strong candidates were asked) is dropped for the 1PL one. Joint estimation is used, not girth's
marginal one, because the marginal one starts from each item's share of right answers as if every candidate
had been asked it: items given only to strong candidates (adaptive sittings) would come out far too easy.

The scale. girth fixes the candidates' abilities at mean 0 and standard deviation 1, a scale of its own. It
is linked to the priors' scale (the one the cut scores are set on) by mean and sigma: the calibrated
items' difficulties are stretched so that their spread is their priors' spread, then shifted so that their
mean is their priors' mean. A 1PL item keeps the discrimination 1 of the priors; a 2PL item's is its
slope relative to the 1PL's common one, so that the typical item's is about 1. The calibration so keeps the
levels' distances the priors define (one logit a level) and corrects where each item sits among the others;
calibrated and uncalibrated items stay comparable. Joint estimation overstates the candidates' spread when
each answers few items (an adaptive sitting), so the 1PL's common discrimination, the other way to set the
scale, came out 40 % too wide in bench/adaptive_simulation.py; it is used only when the calibrated items'
priors spread less than MIN_PRIOR_SPREAD (all of one level).

Standard errors from the information at the candidates' estimated abilities (the mean of each one's
likelihood over the calibrated scale):
se(difficulty) = 1 / sqrt(sum a^2 P (1 - P)) and, for 2PL, se(discrimination) = 1 / sqrt(sum (ability -
difficulty)^2 P (1 - P)), over the sittings that answered the item. Fit: with residuals x - P, the infit
mean square sum (x - P)^2 / sum P (1 - P) (weighted by the information, so it heeds candidates near the
item's difficulty) and the outfit mean square, the mean of (x - P)^2 / (P (1 - P)) (sensitive to surprises
far from it, a strong candidate missing an easy item). Both are 1 when the item fits; an item with either
outside FIT_RANGE is flagged as misfitting: below, it separates more than the model expects (often an item
that depends on another); above, its answers are noisy or contrary (an ambiguous key, a trick).

Suggested cut scores: the lowest ability of a level is the midpoint between the mean calibrated difficulty
of its items and of the level below's; where either level has no calibrated item the current cut stays.

The worker's job. Starting a calibration queues a CalibrationRun with the institute's finished sittings;
`run_calibrations` reads the answers of one batch of them per poll into the run, committed with the run's
progress, so a crash loses at most the batch under way and the next poll resumes there; after the last
batch it estimates and stores the parameters (upsert into ItemCalibration). One run per institute is active
at a time."""
from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import girth
import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.bank.adaptive import GRID, ItemParameters, prior_parameters
from webapp.bank.calibration import MIN_CALIBRATION_RESPONSES, cut_scores
from webapp.bank.models import CefrCutScore, CefrLevel, ItemCalibration, Question, QuestionType
from webapp.core.clock import utcnow
from webapp.core.database import UPSERTS, claim_next_batch
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.results.models import ACTIVE_RESCORE_STATES, CalibrationRun, RescoreState
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus

log = logging.getLogger(__name__)

# A discrimination of its own needs this many answers; below, the item is Rasch (1PL). With 200 to 900
# answers from adaptive sittings the discriminations came out too rough to choose items by: the simulation
# (bench/README.md, adaptive placement) placed worse with them than with the difficulties alone.
MIN_2PL_RESPONSES = 1000
# girth's twopl_jml searches the discrimination and the difficulty within these bounds.
TWOPL_BOUNDS = ((0.25, 4.0), (-6.0, 6.0))
# Calibrated items whose priors spread less than this (one level's items) set no scale: the 1PL's does.
MIN_PRIOR_SPREAD = 0.5
# Infit and outfit mean squares outside this range flag an item (Wright and Linacre's range for tests of
# moderate stakes).
FIT_RANGE = (0.7, 1.3)
# Essays and files are always marked by a person.
PERSON_MARKED_TYPES = (QuestionType.LONG_ANSWER.value, QuestionType.FILE_UPLOAD.value)
# A cut score is an ability on the scale of bank/adaptive.GRID.
LOWEST_CUT, HIGHEST_CUT = float(GRID[0]), float(GRID[-1])


@dataclass(frozen=True)
class ItemEstimate:
    key: Hashable
    model: str                          # "1PL" or "2PL"
    difficulty: float
    difficulty_se: float
    discrimination: float
    discrimination_se: float | None     # 2PL only
    responses: int
    infit: float
    outfit: float

    @property
    def misfit(self) -> bool:
        low, high = FIT_RANGE
        return not (low <= self.infit <= high and low <= self.outfit <= high)


def calibrate(keys: Sequence[Hashable], scores: np.ndarray, priors: Sequence[float],
              min_responses: int = MIN_CALIBRATION_RESPONSES) -> list[ItemEstimate]:
    """The items' estimates from `scores` (items x candidates: 1 right, 0 wrong, NaN not asked), on the scale
    of `priors` (each item's prior difficulty), for the items with enough scores that vary (see the module).
    Pure: the service and the simulation (bench/adaptive_simulation.py) call it."""
    scores = np.asarray(scores, dtype=float)
    asked = ~np.isnan(scores)
    counts = asked.sum(axis=1)
    rights = np.nansum(scores, axis=1)
    rows = np.flatnonzero((counts >= min_responses) & (rights > 0) & (rights < counts))
    if len(rows) < 2:
        return []
    data = scores[rows]
    tagged = np.where(np.isnan(data), girth.INVALID_RESPONSE, data).astype(int)
    onepl = girth.onepl_jml(tagged)
    difficulty = np.asarray(onepl["Difficulty"], dtype=float)
    discrimination = np.ones(len(rows))
    two = counts[rows] >= MIN_2PL_RESPONSES
    if two.any():
        twopl = girth.twopl_jml(tagged)
        slopes, places = np.asarray(twopl["Discrimination"], dtype=float), np.asarray(twopl["Difficulty"], dtype=float)
        # An estimate on the bounds of girth's search found no slope in the answers: the item stays Rasch.
        two &= (slopes > TWOPL_BOUNDS[0][0] + 0.01) & (slopes < TWOPL_BOUNDS[0][1] - 0.01) \
            & (np.abs(places) < TWOPL_BOUNDS[1][1] - 0.01)
        difficulty[two] = places[two]
        discrimination[two] = slopes[two] / float(onepl["Discrimination"])
    anchors = np.asarray(priors, dtype=float)[rows]
    stretch = anchors.std() / difficulty.std() if anchors.std() >= MIN_PRIOR_SPREAD and difficulty.std() > 0 \
        else float(onepl["Discrimination"])
    difficulty = anchors.mean() + (difficulty - difficulty.mean()) * stretch
    abilities = _abilities(data, difficulty, discrimination)
    estimates = []
    for index, row in enumerate(rows):
        taken = ~np.isnan(data[index])
        x, ability = data[index][taken], abilities[taken]
        a, b = discrimination[index], difficulty[index]
        p = 1.0 / (1.0 + np.exp(-a * (ability - b)))
        variance = p * (1.0 - p)
        estimates.append(ItemEstimate(
            keys[row], "2PL" if two[index] else "1PL", float(b), float(1.0 / np.sqrt((a * a * variance).sum())),
            float(a), float(1.0 / np.sqrt((((ability - b) ** 2) * variance).sum())) if two[index] else None,
            int(counts[row]), float(((x - p) ** 2).sum() / variance.sum()), float(((x - p) ** 2 / variance).mean())))
    return estimates


def _abilities(data: np.ndarray, difficulty: np.ndarray, discrimination: np.ndarray) -> np.ndarray:
    """Each candidate's ability from their scores (the columns of `data`): the mean of the likelihood over
    bank/adaptive.py's grid, without the delivery's prior, whose pull toward 0 would narrow the abilities'
    spread and make every item look steeper than the model (mean squares below 1)."""
    log_posterior = np.zeros((data.shape[1], len(GRID)))
    for index in range(len(difficulty)):
        p = np.clip(1.0 / (1.0 + np.exp(-discrimination[index] * (GRID - difficulty[index]))), 1e-12, 1 - 1e-12)
        x = data[index][:, None]
        log_posterior += np.where(np.isnan(x), 0.0, np.nan_to_num(x) * np.log(p) + (1 - np.nan_to_num(x)) * np.log(1 - p))
    posterior = np.exp(log_posterior - log_posterior.max(axis=1, keepdims=True))
    return (posterior * GRID).sum(axis=1) / posterior.sum(axis=1)


# -- the institute's calibration ------------------------------------------------------------------------


def _active_run(institute_id: int) -> CalibrationRun | None:
    return db.session.scalar(select(CalibrationRun).where(
        CalibrationRun.institute_id == institute_id, CalibrationRun.state.in_(ACTIVE_RESCORE_STATES)))


def start_calibration(actor: User) -> CalibrationRun:
    """Queue a calibration of the institute's items from its finished sittings, for the worker."""
    require(actor, Permission.EDIT_BANK)
    if _active_run(actor.institute_id) is not None:
        raise Conflict(_("A calibration is running: wait for it to finish."))
    sitting_ids = list(db.session.scalars(select(Sitting.id).where(
        Sitting.institute_id == actor.institute_id, Sitting.status == SittingStatus.EXAM_FINISHED)
        .order_by(Sitting.id)))
    run = CalibrationRun(institute_id=actor.institute_id, started_by_id=actor.id, state=RescoreState.QUEUED,
                         created_at=utcnow(), sitting_ids=sitting_ids, total=len(sitting_ids), done=0, scores=[],
                         items_calibrated=0)
    try:
        with db.session.begin_nested():     # the unique index refuses a second one started at this moment
            db.session.add(run)
    except IntegrityError:
        raise Conflict(_("A calibration is running: wait for it to finish.")) from None
    return run


def _read_scores(institute_id: int, sitting_ids: list[int]) -> list[list[int]]:
    """[sitting id, question id, 0 or 1] of each auto-scored item of the sittings (see the module)."""
    rows = db.session.execute(
        select(SittingItem.sitting_id, SittingItem.question_id, SittingItem.marks, Response.awarded,
               Response.needs_grading, Response.marked_at)
        .join(Sitting, Sitting.id == SittingItem.sitting_id)
        .outerjoin(Response, Response.item_id == SittingItem.id)
        .where(SittingItem.sitting_id.in_(sitting_ids), Sitting.institute_id == institute_id,
               Sitting.status == SittingStatus.EXAM_FINISHED,
               SittingItem.question_type.not_in(PERSON_MARKED_TYPES))
        .order_by(SittingItem.sitting_id, SittingItem.position)).all()
    return [[sitting_id, question_id, int(min(max((awarded or 0.0) / marks, 0.0), 1.0) >= 0.5)]
            for sitting_id, question_id, marks, awarded, needs_grading, marked_at in rows
            if not needs_grading and marked_at is None and marks > 0]


def _store(run: CalibrationRun) -> int:
    """Estimate the run's items from the scores read and upsert their calibrations; how many were stored."""
    sittings = sorted({sitting_id for sitting_id, __, __ in run.scores})
    questions = {question.id: question for question in db.session.scalars(select(Question).where(
        Question.institute_id == run.institute_id,
        Question.id.in_({question_id for __, question_id, __ in run.scores})).order_by(Question.id))}
    keys = list(questions)
    row_of = {question_id: index for index, question_id in enumerate(keys)}
    column_of = {sitting_id: index for index, sitting_id in enumerate(sittings)}
    matrix = np.full((len(keys), len(sittings)), np.nan)
    for sitting_id, question_id, score in run.scores:
        if question_id in row_of:
            matrix[row_of[question_id], column_of[sitting_id]] = score
    priors = [prior_parameters(questions[key].cefr_level, questions[key].difficulty).difficulty for key in keys]
    estimates = calibrate(keys, matrix, priors)
    now = utcnow()
    table = ItemCalibration.__table__
    for estimate in estimates:
        values = {"model": estimate.model, "difficulty": estimate.difficulty, "difficulty_se": estimate.difficulty_se,
                  "discrimination": estimate.discrimination, "discrimination_se": estimate.discrimination_se,
                  "responses": estimate.responses, "infit": estimate.infit, "outfit": estimate.outfit,
                  "misfit": estimate.misfit, "calibrated_at": now}
        db.session.execute(UPSERTS[db.session.get_bind().dialect.name](table)
                           .values(question_id=estimate.key, institute_id=run.institute_id, **values)
                           .on_conflict_do_update(index_elements=[table.c.question_id], set_=values))
    return len(estimates)


def run_calibrations(batch_size: int | None = None) -> int:
    """The worker's periodic job: read the answers of one batch of the oldest active run's sittings; after
    its last batch, estimate and store the parameters. Returns how many sittings it read."""
    claim = claim_next_batch(select(CalibrationRun).where(CalibrationRun.state.in_(ACTIVE_RESCORE_STATES))
                             .order_by(CalibrationRun.id), lambda run: run.sitting_ids,
                             batch_size or current_app.config["CALIBRATION_BATCH_SIZE"], state=RescoreState.RUNNING)
    if claim is None:
        return 0
    run, sitting_ids = claim
    savepoint = db.session.begin_nested()
    try:
        if sitting_ids:
            run.scores = [*run.scores, *_read_scores(run.institute_id, sitting_ids)]
        if run.done >= run.total:
            run.items_calibrated = _store(run)
            run.state, run.finished_at, run.scores = RescoreState.DONE, utcnow(), []
            audit(db.session.get(User, run.started_by_id), "items.calibrate", "calibration_run", run.id, {},
                  {"sittings": run.total, "items calibrated": run.items_calibrated}, label=str(run.total))
        savepoint.commit()
    except OperationalError:     # the database is away: the worker waits and the batch is done again later
        raise
    except Exception:
        savepoint.rollback()
        log.exception("Calibration run %s failed", run.id)
        run.state, run.finished_at = RescoreState.FAILED, utcnow()
    return len(sitting_ids)


@dataclass(frozen=True)
class CalibratedItem:
    question: Question
    prior: ItemParameters
    calibration: ItemCalibration


@dataclass(frozen=True)
class CalibrationPage:
    run: CalibrationRun | None          # the latest
    items: list[CalibratedItem]         # by CEFR level, then difficulty
    min_responses: int = MIN_CALIBRATION_RESPONSES
    min_2pl_responses: int = MIN_2PL_RESPONSES
    fit_range: tuple[float, float] = FIT_RANGE


def _calibrated_items(institute_id: int) -> list[CalibratedItem]:
    rows = db.session.execute(select(Question, ItemCalibration).join(
        ItemCalibration, ItemCalibration.question_id == Question.id).where(
        Question.institute_id == institute_id, ItemCalibration.institute_id == institute_id)).all()
    items = [CalibratedItem(question, prior_parameters(question.cefr_level, question.difficulty), calibration)
             for question, calibration in rows]
    return sorted(items, key=lambda item: (item.question.cefr_level.rank if item.question.cefr_level else -1,
                                           item.calibration.difficulty, item.question.id))


def calibration_page(actor: User) -> CalibrationPage:
    require(actor, Permission.EDIT_BANK)
    run = db.session.scalar(select(CalibrationRun).where(CalibrationRun.institute_id == actor.institute_id)
                            .order_by(CalibrationRun.id.desc()).limit(1))
    return CalibrationPage(run, _calibrated_items(actor.institute_id))


# -- cut scores -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutScoreRow:
    level: CefrLevel
    current: float
    suggested: float
    items: int                  # the level's calibrated items with enough answers
    mean_difficulty: float | None


def cut_score_rows(actor: User) -> list[CutScoreRow]:
    """Each level from A1 up: its current cut, the suggested one and what the suggestion rests on."""
    require(actor, Permission.EDIT_BANK)
    current = cut_scores(actor.institute_id)
    by_level: dict[CefrLevel, list[float]] = {}
    for item in _calibrated_items(actor.institute_id):
        if item.question.cefr_level is not None and item.calibration.responses >= MIN_CALIBRATION_RESPONSES:
            by_level.setdefault(item.question.cefr_level, []).append(item.calibration.difficulty)
    means = {level: sum(values) / len(values) for level, values in by_level.items()}
    levels = list(CefrLevel)
    rows = []
    for below, level in zip(levels, levels[1:]):
        suggested = (means[below] + means[level]) / 2 if below in means and level in means else current[level]
        rows.append(CutScoreRow(level, current[level], round(suggested, 2), len(by_level.get(level, [])),
                                means.get(level)))
    return rows


def set_cut_scores(actor: User, lowest_abilities: dict[CefrLevel, float]) -> dict[CefrLevel, float]:
    """Save the lowest ability of each level from A1 up (within the scale, increasing with the level); the
    cut scores saved."""
    require(actor, Permission.EDIT_BANK)
    levels = list(CefrLevel)[1:]
    if set(lowest_abilities) != set(levels):
        raise ValidationError(_("Give a cut score for every level from A1 to C2."))
    previous = None
    for level in levels:
        value = lowest_abilities[level]
        if not LOWEST_CUT <= value <= HIGHEST_CUT:
            raise ValidationError(_("The cut score of %(level)s must be between %(low)s and %(high)s.",
                                    level=level.value, low=LOWEST_CUT, high=HIGHEST_CUT),
                                  field=level.name.lower())
        if previous is not None and value <= lowest_abilities[previous]:
            raise ValidationError(_("The cut score of %(level)s must be higher than that of %(below)s.",
                                    level=level.value, below=previous.value),
                                  field=level.name.lower())
        previous = level
    before = {level.value: value for level, value in cut_scores(actor.institute_id).items()}
    db.session.execute(delete(CefrCutScore).where(CefrCutScore.institute_id == actor.institute_id))
    db.session.add_all(CefrCutScore(institute_id=actor.institute_id, level=level, lowest_ability=value,
                                    updated_at=utcnow()) for level, value in lowest_abilities.items())
    audit(actor, "cut_scores.update", "institute", actor.institute_id, before,
          {level.value: value for level, value in lowest_abilities.items()}, label=actor.institute.name)
    return lowest_abilities
