"""A corrected key reaches the results already given. When a question's key, accepted answers or marks
change after candidates answered it, the examiner sees what a re-score would change (how many results,
how many outcomes, sitting by sitting) and applies it in one action, audited. A sitting's paper keeps
what the candidate saw (stem and options); only the key and the marks follow the question. Marks a
person set (a grader's, an examiner's re-mark) stand: the re-score leaves them and says so."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.bank.models import Question
from webapp.bank.sanitize import first_words
from webapp.bank.services import get_question
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.proctoring.services import sitting_label
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem, SittingStatus


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
    return key


def _outdated_items(actor: User, question: Question) -> list[tuple[SittingItem, Sitting]]:
    """The institute's finished sittings' items of the question whose key or marks are not the question's."""
    rows = db.session.execute(
        select(SittingItem, Sitting).join(Sitting, Sitting.id == SittingItem.sitting_id)
        .where(SittingItem.question_id == question.id, Sitting.institute_id == actor.institute_id,
               Sitting.status == SittingStatus.EXAM_FINISHED)
        .options(selectinload(Sitting.candidate), selectinload(Sitting.exam)).order_by(Sitting.id)).all()
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
        Response.item_id.in_([item.id for item, _ in items]), Response.marked_at.is_not(None))))
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
    return len(_outdated_items(actor, question)) if can(actor, Permission.GRADE_RESPONSES) else 0


def preview_rescore(actor: User, question_id) -> Rescore:
    """What a re-score would change, computed by re-scoring inside a savepoint that is then undone."""
    require(actor, Permission.GRADE_RESPONSES)
    question = get_question(actor, question_id)
    savepoint = db.session.begin_nested()
    try:
        sittings = _rescore(question, _outdated_items(actor, question))
    finally:
        savepoint.rollback()
    return Rescore(question, sittings)


def apply_rescore(actor: User, question_id) -> Rescore:
    """Every finished result that used an earlier key or marks of the question, scored with the current."""
    require(actor, Permission.GRADE_RESPONSES)
    question = get_question(actor, question_id)
    rescore = Rescore(question, _rescore(question, _outdated_items(actor, question)))
    if rescore.sittings:
        audit(actor, "question.rescore", "question", question.id, {},
              {"results": len(rescore.sittings), "results changed": rescore.results_changing,
               "outcomes changed": rescore.outcomes_changing,
               "changed": [sitting.label for sitting in rescore.sittings if sitting.result_changes]},
              label=first_words(question.stem))
    return rescore
