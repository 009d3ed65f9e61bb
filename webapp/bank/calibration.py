"""What the adaptive delivery reads of the calibration: each question's parameters (calibrated where the
calibration rests on enough answers, else the prior from its CEFR level) and the institute's cut scores."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from webapp.bank.adaptive import DEFAULT_CUT_SCORES, ItemParameters, prior_parameters
from webapp.bank.models import CefrCutScore, CefrLevel, ItemCalibration, Question
from webapp.core.extensions import db

# Below this many answers a calibrated difficulty is less trustworthy than the prior from the item's level.
MIN_CALIBRATION_RESPONSES = 30


def item_parameters(institute_id: int, questions: Iterable[Question]) -> dict[int, ItemParameters]:
    """Every question's parameters by its id, in one query."""
    questions = list(questions)
    calibrated = {
        calibration.question_id: ItemParameters(calibration.difficulty, calibration.discrimination)
        for calibration in db.session.scalars(select(ItemCalibration).where(
            ItemCalibration.institute_id == institute_id,
            ItemCalibration.question_id.in_([question.id for question in questions]),
            ItemCalibration.responses >= MIN_CALIBRATION_RESPONSES))
    }
    return {question.id: calibrated.get(question.id) or prior_parameters(question.cefr_level, question.difficulty)
            for question in questions}


def cut_scores(institute_id: int) -> dict[CefrLevel, float]:
    """The lowest ability of each level from Pre-A1's next up: the institute's where set, else the default."""
    chosen = {row.level: row.lowest_ability for row in db.session.scalars(
        select(CefrCutScore).where(CefrCutScore.institute_id == institute_id))}
    return {level: chosen.get(level, default) for level, default in DEFAULT_CUT_SCORES.items()}
