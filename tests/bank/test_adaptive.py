"""The adaptive arithmetic (webapp/bank/adaptive.py) on known data, and the parameters and cut scores the
delivery reads (webapp/bank/calibration.py)."""
from __future__ import annotations

import math
import random

import pytest

from webapp.bank import adaptive
from webapp.bank.adaptive import AdaptiveRules, Estimate, ItemParameters, PoolItem
from webapp.bank.calibration import MIN_CALIBRATION_RESPONSES, cut_scores, item_parameters
from webapp.bank.models import CefrCutScore, CefrLevel, Difficulty, ItemCalibration
from webapp.core.extensions import db


def test_the_2pl_probability_and_information_at_known_points():
    item = ItemParameters(difficulty=1.0, discrimination=2.0)
    assert adaptive.probability_right(item, 1.0) == pytest.approx(0.5)
    assert adaptive.probability_right(item, 2.0) == pytest.approx(1 / (1 + math.exp(-2)))
    # a^2 p (1 - p): 4 * 0.25 at the item's difficulty, its highest.
    assert adaptive.information(item, 1.0) == pytest.approx(1.0)
    assert adaptive.information(item, 0.0) < adaptive.information(item, 1.0)


def test_the_estimate_without_answers_is_the_prior_and_narrows_with_each_answer():
    assert adaptive.estimate([]) == Estimate(pytest.approx(0.0, abs=1e-9), pytest.approx(adaptive.PRIOR_SD, rel=1e-3))
    items = [ItemParameters(b) for b in (-1.0, 0.0, 1.0)]
    right = adaptive.estimate([(item, 1.0) for item in items])
    wrong = adaptive.estimate([(item, 0.0) for item in items])
    assert right.ability > 0 > wrong.ability and right.ability == pytest.approx(-wrong.ability)
    assert right.standard_error < adaptive.PRIOR_SD
    half = adaptive.estimate([(ItemParameters(0.0), 0.5)])
    assert half.ability == pytest.approx(0.0, abs=1e-9)


def test_the_estimate_matches_a_hand_computed_posterior_mean():
    # One right answer to a Rasch item at 0: posterior ∝ N(0, 1.5²) × logistic(θ), integrated numerically.
    step = 0.001
    grid = [i * step for i in range(-8000, 8001)]
    weights = [math.exp(-0.5 * (t / 1.5) ** 2) / (1 + math.exp(-t)) for t in grid]
    mean = sum(t * w for t, w in zip(grid, weights)) / sum(weights)
    assert adaptive.estimate([(ItemParameters(0.0), 1.0)]).ability == pytest.approx(mean, abs=0.01)


def test_the_estimate_recovers_a_known_ability_from_many_simulated_answers():
    rng = random.Random(7)
    truth = 1.2
    items = [ItemParameters(rng.uniform(-3, 3), rng.uniform(0.8, 1.6)) for _ in range(400)]
    answers = [(item, 1.0 if rng.random() < adaptive.probability_right(item, truth) else 0.0) for item in items]
    found = adaptive.estimate(answers)
    assert abs(found.ability - truth) < 2.5 * found.standard_error and found.standard_error < 0.15


def _pool():
    return [PoolItem(f"{skill}-{b}", ItemParameters(b), skill)
            for skill in ("Grammar", "Reading") for b in (-2.0, -1.0, 0.0, 1.0, 2.0)]


def test_the_most_informative_item_is_chosen_without_exposure_control():
    rules = AdaptiveRules(exposure_choices=1)
    chosen = adaptive.choose_next(_pool(), [], 0.9, rules, random.Random(1))
    assert chosen.parameters.difficulty == 1.0
    given = [chosen]
    again = adaptive.choose_next(_pool(), given, 0.9, rules, random.Random(1))
    assert again.parameters.difficulty == 1.0 and again.key != chosen.key


def test_exposure_control_draws_among_the_best_few():
    rules = AdaptiveRules(exposure_choices=2)
    seen = {adaptive.choose_next(_pool(), [], 0.0, rules, random.Random(seed)).key for seed in range(40)}
    # Four items are equally informative at 0 and 1 is next: only the best two ranks are drawn.
    assert len(seen) == 2 and all(key.endswith("-0.0") for key in seen)


def test_content_balancing_serves_the_skill_behind_its_share():
    rules = AdaptiveRules(exposure_choices=1, skill_shares={"Grammar": 2, "Reading": 1})
    given: list[PoolItem] = []
    for _ in range(6):
        given.append(adaptive.choose_next(_pool(), given, 0.0, rules, random.Random(3)))
    assert [item.skill for item in given].count("Grammar") == 4
    assert [item.skill for item in given].count("Reading") == 2
    assert adaptive.choose_next([], given, 0.0, rules, random.Random(3)) is None


def test_the_stopping_rules():
    rules = AdaptiveRules(min_items=3, max_items=10, target_standard_error=0.5)
    precise, vague = Estimate(0.0, 0.4), Estimate(0.0, 0.9)
    assert adaptive.stop_reason(2, precise, rules, items_left=5) is None
    assert adaptive.stop_reason(3, precise, rules, items_left=5) == "precision"
    assert adaptive.stop_reason(3, vague, rules, items_left=5) is None
    assert adaptive.stop_reason(4, vague, rules, items_left=0) == "pool"
    assert adaptive.stop_reason(10, vague, rules, items_left=5) == "length"


def test_levels_from_the_default_cut_scores():
    assert adaptive.level_for(-5.0) == CefrLevel.PRE_A1
    assert adaptive.level_for(-2.4) == CefrLevel.A1
    assert adaptive.level_for(0.0) == CefrLevel.B1
    assert adaptive.level_for(2.6) == CefrLevel.C2
    assert adaptive.level_for(0.0, {**adaptive.DEFAULT_CUT_SCORES, CefrLevel.B1: 0.1}) == CefrLevel.A2


def test_priors_follow_the_level_and_difficulty():
    assert adaptive.prior_parameters(CefrLevel.B2, Difficulty.DIFFICULT) == ItemParameters(1.25)
    assert adaptive.prior_parameters(None, None) == ItemParameters(0.0)


def test_calibrated_parameters_replace_the_prior_only_with_enough_answers(factory, admin):
    levelled, calibrated, thin = (section_question.question for section_question in
                                  factory.assessment(admin, questions=3).sections[0].picks)
    levelled.cefr_level, calibrated.cefr_level, thin.cefr_level = CefrLevel.A2, CefrLevel.A2, CefrLevel.C1
    thin.difficulty = Difficulty.MEDIUM
    db.session.add_all([
        ItemCalibration(question_id=calibrated.id, institute_id=admin.institute_id, model="2PL", difficulty=-0.4,
                        discrimination=1.3, responses=MIN_CALIBRATION_RESPONSES),
        ItemCalibration(question_id=thin.id, institute_id=admin.institute_id, model="1PL", difficulty=0.0,
                        responses=MIN_CALIBRATION_RESPONSES - 1),
        CefrCutScore(institute_id=admin.institute_id, level=CefrLevel.B1, lowest_ability=-0.2),
    ])
    db.session.commit()

    parameters = item_parameters(admin.institute_id, [levelled, calibrated, thin])
    assert parameters == {levelled.id: ItemParameters(-1.25), calibrated.id: ItemParameters(-0.4, 1.3),
                          thin.id: ItemParameters(2.0)}
    cuts = cut_scores(admin.institute_id)
    assert cuts[CefrLevel.B1] == -0.2 and cuts[CefrLevel.B2] == adaptive.DEFAULT_CUT_SCORES[CefrLevel.B2]
    # Another institute's cut scores are its own.
    other = factory.institute("Other School")[1]
    assert cut_scores(other.institute_id)[CefrLevel.B1] == adaptive.DEFAULT_CUT_SCORES[CefrLevel.B1]
