"""The arithmetic of adaptive testing on one ability scale (logits): the item response model, the ability
estimate after each answer, the choice of the next item and the stopping rules. Pure: no database, no
request; the sitting's delivery (sittings), the calibration (results) and the simulation (bench/) share it.

The model is the two-parameter logistic (2PL), P(right | ability) = 1 / (1 + exp(-a (ability - b))) with
difficulty b and discrimination a; Rasch (1PL) is a = 1. An answer's score is its share of the marks
(0 to 1), so partial credit counts as a fraction of a right answer in the likelihood.

The ability is estimated by EAP (the mean of the posterior over a fixed grid) with a normal prior of
mean 0 and standard deviation PRIOR_SD: it exists after any number of answers, all right or all wrong
included, where the maximum likelihood estimate would run off to infinity. Its standard error is the
posterior's standard deviation.

catsim (the Python CAT library) does the same but draws in matplotlib, scikit-learn and numexpr; these few
lines of numpy are all the delivery needs.

Items without calibration get a prior from their CEFR level and difficulty (PRIOR_DIFFICULTY,
DIFFICULTY_SHIFT): the levels spaced evenly from -3 to 3 logits, a difficult item of a level half a step
above its easy one. DEFAULT_CUT_SCORES put each level's lowest ability half-way between its own and the
level below's prior difficulty.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Hashable, Sequence

import numpy as np

from webapp.bank.models import CefrLevel, Difficulty

GRID = np.linspace(-6.0, 6.0, 121)
PRIOR_SD = 1.5
_PRIOR = np.exp(-0.5 * (GRID / PRIOR_SD) ** 2)

PRIOR_DIFFICULTY: dict[CefrLevel, float] = {
    CefrLevel.PRE_A1: -3.0, CefrLevel.A1: -2.0, CefrLevel.A2: -1.0, CefrLevel.B1: 0.0,
    CefrLevel.B2: 1.0, CefrLevel.C1: 2.0, CefrLevel.C2: 3.0,
}
DIFFICULTY_SHIFT: dict[Difficulty, float] = {Difficulty.EASY: -0.25, Difficulty.MEDIUM: 0.0,
                                             Difficulty.DIFFICULT: 0.25}
# An item with no CEFR level sits at B1 until calibrated.
UNLEVELLED = CefrLevel.B1
# Each level from the ability half-way between its prior difficulty and the level below's.
DEFAULT_CUT_SCORES: dict[CefrLevel, float] = {
    level: (PRIOR_DIFFICULTY[level] + PRIOR_DIFFICULTY[below]) / 2
    for below, level in zip(list(CefrLevel), list(CefrLevel)[1:])
}


@dataclass(frozen=True)
class ItemParameters:
    difficulty: float
    discrimination: float = 1.0


def prior_parameters(level: CefrLevel | None, difficulty: Difficulty | None) -> ItemParameters:
    """An uncalibrated item's parameters from its CEFR level and difficulty (Rasch: discrimination 1)."""
    return ItemParameters(PRIOR_DIFFICULTY[level or UNLEVELLED] + DIFFICULTY_SHIFT.get(difficulty, 0.0))


def probability_right(item: ItemParameters, ability: float | np.ndarray) -> float | np.ndarray:
    return 1.0 / (1.0 + np.exp(-item.discrimination * (ability - item.difficulty)))


def information(item: ItemParameters, ability: float | np.ndarray) -> float | np.ndarray:
    """Fisher information of the item at `ability`: how much an answer to it narrows the estimate there."""
    p = probability_right(item, ability)
    return item.discrimination ** 2 * p * (1.0 - p)


@dataclass(frozen=True)
class Estimate:
    ability: float
    standard_error: float


def estimate(answers: Sequence[tuple[ItemParameters, float]]) -> Estimate:
    """EAP estimate from (item, score 0..1) pairs; with no answers, the prior (0 and PRIOR_SD)."""
    log_posterior = np.log(_PRIOR)
    for item, score in answers:
        p = np.clip(probability_right(item, GRID), 1e-12, 1 - 1e-12)
        log_posterior = log_posterior + score * np.log(p) + (1.0 - score) * np.log(1.0 - p)
    posterior = np.exp(log_posterior - log_posterior.max())
    posterior /= posterior.sum()
    mean = float((GRID * posterior).sum())
    return Estimate(mean, float(np.sqrt(((GRID - mean) ** 2 * posterior).sum())))


@dataclass(frozen=True)
class PoolItem:
    key: Hashable              # what the caller knows the item by (a question id)
    parameters: ItemParameters
    skill: str = ""


@dataclass(frozen=True)
class AdaptiveRules:
    """How an adaptive test chooses and stops. `skill_shares` balances content: the skill furthest below its
    share of the items given so far is served next (shares need not sum to 1; skills not named get none).
    `exposure_choices` is the randomesque exposure control: the next item is drawn from the most
    informative few, so that the best items are not given to every candidate."""

    min_items: int = 5
    max_items: int = 30
    target_standard_error: float = 0.4
    exposure_choices: int = 3
    skill_shares: dict[str, float] = field(default_factory=dict)


def choose_next(pool: Sequence[PoolItem], given: Sequence[PoolItem], ability: float, rules: AdaptiveRules,
                rng: random.Random) -> PoolItem | None:
    """The next item for a candidate whose estimate is `ability` after `given`: the most informative there
    among the skill due, one of the best `exposure_choices` drawn at random. None when the pool is spent."""
    given_keys = {item.key for item in given}
    left = [item for item in pool if item.key not in given_keys]
    due = _skill_due(left, given, rules.skill_shares)
    if due is not None:
        left = [item for item in left if item.skill == due]
    if not left:
        return None
    ranked = sorted(left, key=lambda item: (-information(item.parameters, ability), str(item.key)))
    return rng.choice(ranked[:max(1, rules.exposure_choices)])


def _skill_due(left: Sequence[PoolItem], given: Sequence[PoolItem], shares: dict[str, float]) -> str | None:
    """The skill with items left that lags furthest behind its share of what was given (counting this next
    item), or None without shares."""
    available = {item.skill for item in left} & {skill for skill, share in shares.items() if share > 0}
    if not available:
        return None
    total = sum(shares[skill] for skill in available)
    counts = {skill: 0 for skill in available}
    for item in given:
        if item.skill in counts:
            counts[item.skill] += 1
    served = sum(counts.values()) + 1
    return max(sorted(available), key=lambda skill: shares[skill] / total * served - counts[skill])


def stop_reason(given: int, current: Estimate, rules: AdaptiveRules, items_left: int) -> str | None:
    """Why the test ends now, or None to go on: "precision" (the standard error reached the target after
    the minimum number of items), "length" (the maximum number of items) or "pool" (nothing left to ask).
    The time limit is the sitting's own clock."""
    if given >= rules.max_items:
        return "length"
    if items_left == 0:
        return "pool"
    if given >= rules.min_items and current.standard_error <= rules.target_standard_error:
        return "precision"
    return None


def level_for(ability: float, cut_scores: dict[CefrLevel, float] | None = None) -> CefrLevel:
    """The highest CEFR level whose lowest ability the estimate reaches (Pre-A1 below every cut)."""
    cuts = cut_scores or DEFAULT_CUT_SCORES
    reached = [level for level in CefrLevel if level in cuts and ability >= cuts[level]]
    return max(reached, key=lambda level: level.rank, default=CefrLevel.PRE_A1)
