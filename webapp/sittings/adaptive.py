"""Adaptive delivery of a placement test: the items are served one at a time, each chosen by the server from the
answers so far (bank/adaptive.py's arithmetic), until a stopping rule is met or the time runs out.

The fixed form's machinery carries it. When the session opens, the assessment's paper (its sections' rules
and picks, drawn as for a fixed form) is frozen as the sitting's pool, `Sitting.adaptive_pool`: each item
exactly as a fixed form freezes it, with its parameters and skill. Only auto-scored items belong in it. An
item becomes a SittingItem (with its empty Response) only when it is served, at the next position: the
exam page, the versioned autosave, the time spent, scoring and every report see the served items alone, in
the order served. The course, `Sitting.adaptive`, records the rules and the start (copied, so that an edit
of the assessment never changes a running test), the pool entry served at each position and, for each
answer, its score and the estimate after it (the path the reports draw).

The exposure control's draw is seeded by the sitting and the step, so a sitting's sequence is reproducible.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import asdict

from sqlalchemy import insert

from webapp.bank.adaptive import (PRIOR_DIFFICULTY, PRIOR_SD, AdaptiveRules, Estimate, ItemParameters, PoolItem,
                                  choose_next, estimate, level_for, stop_reason)
from webapp.bank.calibration import cut_scores, item_parameters
from webapp.bank.models import CefrLevel, QuestionType
from webapp.core.extensions import db
from webapp.sittings.models import FinishMode, Response, Sitting, SittingItem

# The types scored without a person; a short answer only with accepted answers (its frozen key has them).
AUTO_SCORED = frozenset({QuestionType.MCQ, QuestionType.MCA, QuestionType.TRUE_FALSE, QuestionType.FITB,
                         QuestionType.MATCHING, QuestionType.ORDERING, QuestionType.NUMERIC})
# Below this many answers in a skill its own level rests on too little.
MIN_ITEMS_PER_SKILL = 3
# A start "from the candidate's level": the candidate's current level, else the middle of the scale.
CANDIDATE_LEVEL = "candidate"

STOP_REASONS = ("precision", "length", "pool", "time", "ended")


def auto_scored(question_type: str, key: dict) -> bool:
    return question_type in AUTO_SCORED or (question_type == QuestionType.SHORT_ANSWER and bool(key.get("accepted")))


def rules_of(settings: dict) -> AdaptiveRules:
    return AdaptiveRules(**{name: settings[name] for name in ("min_items", "max_items", "target_standard_error",
                                                              "exposure_choices", "skill_shares")})


def start_ability(settings: dict, sitting: Sitting) -> float:
    """The estimate before the first answer: the prior difficulty of the level the settings name (or of the
    candidate's own level), else 0, the middle of the scale."""
    named = settings.get("start_level")
    if named == CANDIDATE_LEVEL:
        named = sitting.candidate.current_level
    return PRIOR_DIFFICULTY[CefrLevel(named)] if named else 0.0


def freeze_pool(sitting: Sitting, settings: dict, frozen: list[tuple[object, dict]]) -> None:
    """Keep the auto-scored of the drawn items (question, frozen row) as the sitting's pool, with their
    parameters, and serve the first."""
    frozen = [(question, row) for question, row in frozen if auto_scored(row["question_type"], row["key"])]
    parameters = item_parameters(sitting.institute_id, [question for question, __ in frozen])
    sitting.adaptive_pool = [{"item": row, "skill": row["skill_name"],
                              "difficulty": parameters[question.id].difficulty,
                              "discrimination": parameters[question.id].discrimination}
                             for question, row in frozen]
    sitting.adaptive = {"rules": asdict(rules_of(settings)), "start": start_ability(settings, sitting),
                        "served": [], "path": [], "stop_reason": None}
    serve_next(sitting)


def _pool(sitting: Sitting) -> list[PoolItem]:
    return [PoolItem(index, ItemParameters(entry["difficulty"], entry["discrimination"]), entry["skill"])
            for index, entry in enumerate(sitting.adaptive_pool)]


def _rng(sitting: Sitting, step: int) -> random.Random:
    """The exposure control's draw at `step`: the same for the same sitting whenever it is asked."""
    seed = hashlib.sha256(f"{sitting.id}:{sitting.access_token}:adaptive:{step}".encode()).digest()[:8]
    return random.Random(int.from_bytes(seed, "big"))


def current_estimate(sitting: Sitting) -> Estimate:
    path = sitting.adaptive["path"]
    if not path:
        return Estimate(sitting.adaptive["start"], PRIOR_SD)
    return Estimate(path[-1]["ability"], path[-1]["standard_error"])


def serve_next(sitting: Sitting) -> int | None:
    """Choose the next item at the current estimate and make it the sitting's next position (a SittingItem
    with its Response); None when the pool is spent."""
    course = sitting.adaptive
    pool = _pool(sitting)
    given = [pool[index] for index in course["served"]]
    chosen = choose_next(pool, given, current_estimate(sitting).ability, AdaptiveRules(**course["rules"]),
                         _rng(sitting, len(given)))
    if chosen is None:
        return None
    position = len(given)
    row = {**sitting.adaptive_pool[chosen.key]["item"], "sitting_id": sitting.id, "position": position,
           "section_index": 0}
    item_id = db.session.scalar(insert(SittingItem).returning(SittingItem.id), [row])
    db.session.execute(insert(Response), [{"sitting_id": sitting.id, "item_id": item_id}])
    sitting.adaptive = {**course, "served": [*course["served"], chosen.key]}
    return position


def record_answer(sitting: Sitting, position: int, score: float) -> str | None:
    """The served item at `position` was answered with `score` (0 to 1): the estimate after it joins the
    path (replacing its step when the item counted already: the one shown when the time ran out, answered
    again after a resume). Returns why the test stops now, or None to go on."""
    course = sitting.adaptive
    pool = sitting.adaptive_pool
    path = [*(step for step in course["path"] if step["position"] != position),
            {"position": position, "score": score}]
    answers = [(ItemParameters(pool[course["served"][step["position"]]]["difficulty"],
                               pool[course["served"][step["position"]]]["discrimination"]), step["score"])
               for step in path]
    now = estimate(answers)
    path[-1].update(ability=now.ability, standard_error=now.standard_error)
    sitting.adaptive = {**course, "path": path}
    return stop_reason(len(path), now, AdaptiveRules(**course["rules"]), len(pool) - len(course["served"]))


def stop(sitting: Sitting, reason: str | None) -> None:
    """Why the test stopped; None when a proctor resumes it and it goes on."""
    sitting.adaptive = {**sitting.adaptive, "stop_reason": reason}


def stop_for_finish(mode: FinishMode) -> str:
    """Why a test that finishes otherwise than by its stopping rule stopped: its time, or someone ended it."""
    return "time" if mode == FinishMode.EXPIRED else "ended"


def placement_record(sitting: Sitting) -> dict:
    """The placement record (results/placement.py's shape) of a finished adaptive sitting: the level from the
    final estimate and the institute's cut scores, each skill's from its own answers where it had
    MIN_ITEMS_PER_SKILL, and the estimate, its standard error, the items answered, the stop reason and the path."""
    course, pool = sitting.adaptive, sitting.adaptive_pool
    cuts = cut_scores(sitting.institute_id)
    final = current_estimate(sitting)
    by_skill: dict[str, list] = {}
    for step in course["path"]:
        entry = pool[course["served"][step["position"]]]
        by_skill.setdefault(entry["skill"], []).append(
            (ItemParameters(entry["difficulty"], entry["discrimination"]), step["score"]))
    skills = []
    for name in sorted(by_skill):
        enough = len(by_skill[name]) >= MIN_ITEMS_PER_SKILL
        skill_level = level_for(estimate(by_skill[name]).ability, cuts).value if enough else None
        skills.append({"skill": name, "writing": False, "level": skill_level,
                       "note": None if enough else "not enough evidence", "levels": []})
    answered = bool(course["path"])
    return {"level": level_for(final.ability, cuts).value if answered else None, "levels": [], "skills": skills,
            "adaptive": {"ability": round(final.ability, 3) if answered else None,
                         "standard_error": round(final.standard_error, 3) if answered else None,
                         "items": len(course["path"]), "stop_reason": course["stop_reason"],
                         "path": [{"ability": round(step["ability"], 3),
                                   "standard_error": round(step["standard_error"], 3), "score": step["score"]}
                                  for step in course["path"]]}}
