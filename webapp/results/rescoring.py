"""A corrected key reaches the results already given. When a question's key, accepted answers or marks
change after candidates answered it, the examiner sees what a re-score would change (how many results,
how many outcomes, sitting by sitting) and applies it in one action, audited. A sitting's paper keeps
what the candidate saw (stem and options); only the key and the marks follow the question. Marks a
person set (a grader's, an examiner's re-mark) stand: the re-score leaves them and says so.

More results than RESCORE_IN_REQUEST_LIMIT are re-scored by the worker: applying queues a RescoreRun with
the sittings found outdated, and the periodic job `run_rescores` re-scores one batch of them per poll,
committed after each, so a crash loses at most the batch under way and the next poll resumes there. A
batch is claimed by moving the run's count on only where it still is what the worker read (and, on
PostgreSQL, under the run's row lock), so two workers never re-score the same sittings. The audit entry
is written when the last batch is done, as a re-score in the request writes it. One run per question is
active at a time."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number, gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.bank.models import Question
from webapp.bank.sanitize import first_words
from webapp.bank.services import get_question
from webapp.core.clock import utcnow
from webapp.core.database import claim_next_batch
from webapp.core.errors import Conflict
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.proctoring.services import sitting_label
from webapp.results.models import ACTIVE_RESCORE_STATES, RescoreRun, RescoreState
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RescoredSitting:
    sitting_id: int
    label: str                  # the candidate and the exam, as the audit log and results name them
    total_before: float | None
    total_after: float | None
    outcome_before: str
    outcome_after: str
    marked_by_person: bool      # the item's marks were set by a person and stand

    @property
    def result_changes(self) -> bool:
        return self.total_before != self.total_after

    @property
    def outcome_changes(self) -> bool:
        return self.outcome_before != self.outcome_after


@dataclass(frozen=True)
class Rescore:
    question: Question
    sittings: list[RescoredSitting]
    run: RescoreRun | None = None      # queued for the worker instead (then `sittings` is empty)

    @property
    def results_changing(self) -> int:
        return sum(sitting.result_changes for sitting in self.sittings)

    @property
    def outcomes_changing(self) -> int:
        return sum(sitting.outcome_changes for sitting in self.sittings)


def _key_as_frozen(question: Question, item: SittingItem) -> dict:
    """The question's key for this sitting's item: a choice key names only options the candidate saw."""
    key = taking.frozen_key(question)
    if "correct" in key:
        shown = {option["id"] for option in item.options}
        key = {**key, "correct": [option_id for option_id in key["correct"] if option_id in shown]}
    return _parts_as_shown(question, item, key)


def _parts_as_shown(question: Question, item: SittingItem, key: dict) -> dict:
    """MATCHING's targets and ORDERING's options carry ids drawn for each sitting (taking._shown_parts): the
    bank's ids are translated through their texts; a text the sitting did not show names no shown id."""
    if "order" in key:
        shown = {option["html"]: option["id"] for option in item.options}
        bank = {option["id"]: option["html"] for option in question.options}
        return {**key, "order": [shown.get(bank[option_id], "") for option_id in key["order"]]}
    if "pairs" in key:
        shown = {target["html"]: target["id"] for target in item.targets}
        bank = {target["id"]: target["html"] for target in question.targets}
        return {**key, "pairs": {premise: shown.get(bank[target], "") for premise, target in key["pairs"].items()}}
    return key


def _outdated_items(institute_id: int, question: Question,
                    sitting_ids: list[int] | None = None) -> list[tuple[SittingItem, Sitting]]:
    """The institute's finished sittings' items of the question whose key or marks are not the question's
    (of the sittings given, if any)."""
    query = (select(SittingItem, Sitting).join(Sitting, Sitting.id == SittingItem.sitting_id)
             .where(SittingItem.question_id == question.id, Sitting.institute_id == institute_id,
                    Sitting.status == SittingStatus.EXAM_FINISHED)
             .options(selectinload(Sitting.candidate), selectinload(Sitting.exam)).order_by(Sitting.id))
    if sitting_ids is not None:
        query = query.where(Sitting.id.in_(sitting_ids))
    rows = db.session.execute(query).all()
    return [(item, sitting) for item, sitting in rows if (item.key, item.marks, item.negative_marks)
            != (_key_as_frozen(question, item), question.marks, question.negative_marks)]


def _outcome(sitting: Sitting) -> str:
    if sitting.graded_at is None:
        return "waits for a grader"
    if sitting.passed is not None:       # a certification (its level is the target level when passed)
        return "passed" if sitting.passed else "not passed"
    return sitting.level.value if sitting.level is not None else "no outcome"


def _rescore(question: Question, items: list[tuple[SittingItem, Sitting]]) -> list[RescoredSitting]:
    """Give the items the question's key and marks and score their sittings again (the outcome follows
    through `events.sitting_graded`, as after any correction)."""
    # Whose marks a person set, read in one statement (scoring keeps those marks, so it is the same after).
    marked_by_person = set(db.session.scalars(select(Response.item_id).where(
        Response.item_id.in_([item.id for item, __ in items]), Response.marked_at.is_not(None))))
    done = []
    for item, sitting in items:
        before = (sitting.total_marks, _outcome(sitting))
        item.key = _key_as_frozen(question, item)
        item.marks, item.negative_marks = question.marks, question.negative_marks
        taking.score_sitting(sitting)
        done.append(RescoredSitting(sitting.id, sitting_label(sitting), before[0], sitting.total_marks, before[1],
                                    _outcome(sitting), item.id in marked_by_person))
    return done


def outdated_results(actor: User, question_id) -> int:
    """How many finished results used an earlier key or marks of the question: the question's page tells
    those who may re-score them (to others it is 0)."""
    question = get_question(actor, question_id)
    return len(_outdated_items(actor.institute_id, question)) if can(actor, Permission.GRADE_RESPONSES) else 0


def preview_rescore(actor: User, question_id) -> Rescore:
    """What a re-score would change, computed by re-scoring inside a savepoint that is then undone."""
    require(actor, Permission.GRADE_RESPONSES)
    question = get_question(actor, question_id)
    savepoint = db.session.begin_nested()
    try:
        sittings = _rescore(question, _outdated_items(actor.institute_id, question))
    finally:
        savepoint.rollback()
    return Rescore(question, sittings)


def _audit_rescore(actor: User, question: Question, results: int, results_changed: int, outcomes_changed: int,
                   changed: list[str]) -> None:
    audit(actor, "question.rescore", "question", question.id, {},
          {"results": results, "results changed": results_changed, "outcomes changed": outcomes_changed,
           "changed": changed}, label=first_words(question.stem))


def active_run(institute_id: int, question_id: int) -> RescoreRun | None:
    return db.session.scalar(select(RescoreRun).where(
        RescoreRun.institute_id == institute_id, RescoreRun.question_id == question_id,
        RescoreRun.state.in_(ACTIVE_RESCORE_STATES)))


def apply_rescore(actor: User, question_id) -> Rescore:
    """Every finished result that used an earlier key or marks of the question, scored with the current:
    at once, or, above RESCORE_IN_REQUEST_LIMIT results, by the worker (the Rescore then has the run)."""
    require(actor, Permission.GRADE_RESPONSES)
    question = get_question(actor, question_id)
    running = active_run(actor.institute_id, question.id)
    if running is not None:
        raise Conflict(_("A re-score of this question is running (%(done)s of %(total)s results re-scored): wait "
                         "for it to finish.", done=format_number(running.done), total=format_number(running.total)))
    items = _outdated_items(actor.institute_id, question)
    if len(items) > current_app.config["RESCORE_IN_REQUEST_LIMIT"]:
        run = RescoreRun(institute_id=actor.institute_id, question_id=question.id, started_by_id=actor.id,
                         state=RescoreState.QUEUED, created_at=utcnow(), total=len(items),
                         sitting_ids=[sitting.id for __, sitting in items], done=0, results_changed=0,
                         outcomes_changed=0, changed=[])
        try:
            with db.session.begin_nested():     # the unique index refuses a second one applied at this moment
                db.session.add(run)
        except IntegrityError:
            raise Conflict(_("A re-score of this question is running: wait for it to finish.")) from None
        return Rescore(question, [], run)
    rescore = Rescore(question, _rescore(question, items))
    if rescore.sittings:
        _audit_rescore(actor, question, len(rescore.sittings), rescore.results_changing, rescore.outcomes_changing,
                       [sitting.label for sitting in rescore.sittings if sitting.result_changes])
    return rescore


@dataclass(frozen=True)
class RescorePage:
    """The question's re-score page: the latest run of the worker (if any) and, unless one is running, the
    preview of what a re-score would change now."""

    question: Question
    run: RescoreRun | None
    preview: Rescore | None


def rescore_page(actor: User, question_id) -> RescorePage:
    require(actor, Permission.GRADE_RESPONSES)
    question = get_question(actor, question_id)
    run = db.session.scalar(select(RescoreRun).where(
        RescoreRun.institute_id == actor.institute_id, RescoreRun.question_id == question.id)
        .order_by(RescoreRun.id.desc()).limit(1))
    return RescorePage(question, run, None if run is not None and run.is_active else preview_rescore(actor, question_id))


def _claim_batch(batch_size: int) -> tuple[RescoreRun, list[int]] | None:
    """The oldest active run with its next batch of sittings, claimed for this worker; None: nothing to do
    (or another worker took the batch first)."""
    return claim_next_batch(select(RescoreRun).where(RescoreRun.state.in_(ACTIVE_RESCORE_STATES))
                            .order_by(RescoreRun.id), lambda run: run.sitting_ids, batch_size,
                            state=RescoreState.RUNNING)


def run_rescores(batch_size: int | None = None) -> int:
    """The worker's periodic job: re-score one batch of the oldest active run; the run is done (and
    audited) after its last batch, failed when a batch breaks. Returns how many sittings it re-scored."""
    claim = _claim_batch(batch_size or current_app.config["RESCORE_BATCH_SIZE"])
    if claim is None:
        return 0
    run, sitting_ids = claim
    question = db.session.get(Question, run.question_id)
    savepoint = db.session.begin_nested()
    try:
        rescored = _rescore(question, _outdated_items(run.institute_id, question, sitting_ids))
        savepoint.commit()
    except OperationalError:     # the database is away: the worker waits and the batch is done again later
        raise
    except Exception:
        savepoint.rollback()
        log.exception("Re-score run %s failed", run.id)
        run.state, run.finished_at = RescoreState.FAILED, utcnow()
        return 0
    run.results_changed += sum(sitting.result_changes for sitting in rescored)
    run.outcomes_changed += sum(sitting.outcome_changes for sitting in rescored)
    run.changed = [*run.changed, *(sitting.label for sitting in rescored if sitting.result_changes)]
    if run.done >= run.total:
        run.state, run.finished_at = RescoreState.DONE, utcnow()
        _audit_rescore(db.session.get(User, run.started_by_id), question, run.total, run.results_changed,
                       run.outcomes_changed, run.changed)
    return len(rescored)
