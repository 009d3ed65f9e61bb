"""Adaptive vs fixed-form placement, and calibration recovery, on the adaptive English placement pool
(webapp/assessments/catalogue/english-adaptive-placement.json). No server, no database: the
arithmetic of bank/adaptive.py, the fixed form's rule (results/placement.py) and the calibration's estimate
(results/calibration.calibrate) are imported directly.

The world. Each pool item has a "true" 2PL parameter set: its prior difficulty (bank/adaptive.py: its CEFR
level and difficulty) plus normal noise of sd --noise, and a discrimination exp(N(0, 0.3)). Candidates have
abilities drawn uniformly over -3.5 .. 3.5 logits; their true level is the level of that ability under the
default cut scores (each level one logit wide, so every level is equally common). Every answer is right
with the 2PL probability of the true parameters.

The tests, answered by the same candidates:
- fixed form: as many items of each level as the catalogue's fixed English placement test has objective
  items of that level (its writing task left out), taken from the pool, placed by the fixed form's rule
  (results/placement.placement_level over each level's percentage, with its bands); its ability is the EAP
  estimate from all its answers with the priors;
- adaptive: bank/adaptive.py with the pool's rules (8 to 25 items, standard error 0.45, the most
  informative 3 drawn at random, Grammar : Vocabulary : Reading = 2 : 2 : 1), placed by its ability under the
  default cut scores, with the items' parameters taken as (a) their priors, (b) calibrated from a separate
  simulated sample of adaptive sittings (the calibration recovery check below), (c) the calibrated
  difficulties with every discrimination 1 (Rasch), (d) the true ones (the best the adaptive test could do).

Calibration recovery: --calibration-sample candidates (abilities N(0, 1.5)) take the adaptive test with the
priors; their answers (items not asked missing) are calibrated by results/calibration.calibrate; the
recovered difficulties are compared with the true ones (correlation, RMSE), beside the priors'.

    .venv/bin/python bench/adaptive_simulation.py --candidates 2000 --seed 1
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.assessments.catalogue import CATALOGUE_DIR, catalogue_test  # noqa: E402
from webapp.bank.adaptive import (DEFAULT_CUT_SCORES, AdaptiveRules, ItemParameters, PoolItem,  # noqa: E402
                                  choose_next, estimate, level_for, prior_parameters, stop_reason)
from webapp.bank.models import CefrLevel, Difficulty  # noqa: E402
from webapp.results.calibration import calibrate  # noqa: E402
from webapp.results.placement import is_writing, level_percentages, placement_level  # noqa: E402

POOL_FILE = CATALOGUE_DIR / "english-adaptive-placement.json"
LOWEST, HIGHEST = -3.5, 3.5


@dataclass(frozen=True)
class Item:
    key: str
    level: CefrLevel
    skill: str
    prior: ItemParameters
    true: ItemParameters


def pool(rng: np.random.Generator, noise: float) -> tuple[list[Item], dict]:
    data = json.loads(POOL_FILE.read_text(encoding="utf-8"))
    items = []
    for question in data["questions"]:
        prior = prior_parameters(CefrLevel(question["level"]), Difficulty(question["difficulty"]))
        items.append(Item(question["key"], CefrLevel(question["level"]), question["skill"], prior,
                          ItemParameters(prior.difficulty + rng.normal(0, noise), float(np.exp(rng.normal(0, 0.3))))))
    return items, data["adaptive"]


def right(rng: np.random.Generator, ability: float, item: Item) -> float:
    a, b = item.true.discrimination, item.true.difficulty
    return float(rng.random() < 1 / (1 + math.exp(-a * (ability - b))))


def fixed_form(items: list[Item]) -> tuple[list[Item], list[dict]]:
    """The pool's items in the number per level of the fixed placement test's objective items, and its bands."""
    data = catalogue_test("english-placement").data
    wanted: dict[str, int] = {}
    for question in data["questions"]:
        if not is_writing(SimpleNamespace(question_type=question["type"], skill_name=question["skill"])):
            wanted[question["level"]] = wanted.get(question["level"], 0) + 1
    form = []
    for level in CefrLevel:
        form += [item for item in items if item.level == level][:wanted.get(level.value, 0)]
    return form, data["placement_bands"]


def take_fixed(rng, ability: float, form: list[Item], bands: list[dict]) -> tuple[int, float, CefrLevel | None]:
    scores = [right(rng, ability, item) for item in form]
    frozen = [SimpleNamespace(id=index, cefr_level=item.level.value, marks=1, question_type="MCQ",
                              skill_name=item.skill) for index, item in enumerate(form)]
    responses = {index: SimpleNamespace(awarded=score) for index, score in enumerate(scores)}
    placed = placement_level(level_percentages(frozen, responses), bands)
    return len(form), estimate([(item.prior, score) for item, score in zip(form, scores)]).ability, placed


def take_adaptive(rng, choice: random.Random, ability: float, items: list[Item], parameters: dict,
                  rules: AdaptiveRules) -> tuple[int, float, CefrLevel, list[tuple[str, float]]]:
    """One adaptive sitting with the items' `parameters` by key: items given, ability, level, (key, score)s."""
    available = [PoolItem(item.key, parameters[item.key], item.skill) for item in items]
    by_key = {item.key: item for item in items}
    given, answers, current = [], [], estimate([])
    while stop_reason(len(given), current, rules, len(available) - len(given)) is None:
        chosen = choose_next(available, given, current.ability, rules, choice)
        given.append(chosen)
        answers.append((chosen.parameters, right(rng, ability, by_key[chosen.key])))
        current = estimate(answers)
    return (len(given), current.ability, level_for(current.ability, DEFAULT_CUT_SCORES),
            [(item.key, score) for item, (__, score) in zip(given, answers)])


def figures(results: list[tuple[float, CefrLevel, int, float, CefrLevel | None]]) -> dict:
    """Mean items, share placed at the true level and within one, RMSE of the ability."""
    n = len(results)
    distance = [abs(placed.rank - level.rank) if placed else len(CefrLevel) for __, level, __, __, placed in results]
    return {"items": sum(count for __, __, count, __, __ in results) / n,
            "exact": sum(d == 0 for d in distance) / n, "within one": sum(d <= 1 for d in distance) / n,
            "rmse": math.sqrt(sum((found - ability) ** 2 for ability, __, __, found, __ in results) / n)}


def calibration_check(rng, choice, items: list[Item], rules: AdaptiveRules, sample: int) -> dict[str, ItemParameters]:
    """Calibrate the pool from `sample` simulated adaptive sittings (with the priors); print the recovery."""
    keys = [item.key for item in items]
    row = {key: index for index, key in enumerate(keys)}
    matrix = np.full((len(items), sample), np.nan)
    priors = {item.key: item.prior for item in items}
    for column in range(sample):
        __, __, __, answered = take_adaptive(rng, choice, float(rng.normal(0, 1.5)), items, priors, rules)
        for key, score in answered:
            matrix[row[key], column] = score
    started = time.perf_counter()
    estimates = calibrate(keys, matrix, [item.prior.difficulty for item in items])
    seconds = time.perf_counter() - started
    found = {estimate.key: estimate for estimate in estimates}
    truth = np.array([item.true.difficulty for item in items if item.key in found])
    recovered = np.array([found[item.key].difficulty for item in items if item.key in found])
    prior = np.array([item.prior.difficulty for item in items if item.key in found])
    answers = np.sum(~np.isnan(matrix), axis=1)
    print(f"\ncalibration from {sample} adaptive sittings (answers per item: median {int(np.median(answers))}, "
          f"min {int(answers.min())}): {len(found)} of {len(items)} items calibrated "
          f"({sum(e.model == '2PL' for e in estimates)} 2PL, {sum(e.misfit for e in estimates)} flagged misfit) "
          f"in {seconds:.1f} s")
    print("| difficulties | correlation with the true | RMSE |\n|---|---|---|")
    for name, values in (("priors (CEFR level)", prior), ("calibrated", recovered)):
        print(f"| {name} | {np.corrcoef(values, truth)[0, 1]:.3f} | {math.sqrt(np.mean((values - truth) ** 2)):.3f} |")
    return {item.key: ItemParameters(found[item.key].difficulty, found[item.key].discrimination)
            if item.key in found else item.prior for item in items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--calibration-sample", type=int, default=2000)
    parser.add_argument("--noise", type=float, default=0.5, help="sd of the true difficulties around the priors")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng, choice = np.random.default_rng(args.seed), random.Random(args.seed)
    items, settings = pool(rng, args.noise)
    rules = AdaptiveRules(**settings)
    form, bands = fixed_form(items)
    calibrated = calibration_check(rng, choice, items, rules, args.calibration_sample)
    designs = {"fixed form (placement rule)": None,
               "adaptive, priors": {item.key: item.prior for item in items},
               "adaptive, calibrated": calibrated,
               "adaptive, calibrated difficulties only (Rasch)":
                   {key: ItemParameters(parameters.difficulty) for key, parameters in calibrated.items()},
               "adaptive, true parameters": {item.key: item.true for item in items}}
    results: dict[str, list] = {name: [] for name in designs}
    for __ in range(args.candidates):
        ability = float(rng.uniform(LOWEST, HIGHEST))
        level = level_for(ability, DEFAULT_CUT_SCORES)
        for name, parameters in designs.items():
            count, found, placed = take_fixed(rng, ability, form, bands) if parameters is None else \
                take_adaptive(rng, choice, ability, items, parameters, rules)[:3]
            results[name].append((ability, level, count, found, placed))
    print(f"\n{args.candidates} candidates, abilities uniform over {LOWEST:g} .. {HIGHEST:g}, pool of {len(items)} "
          f"items (true difficulties: priors + N(0, {args.noise:g})), seed {args.seed}")
    print("| test | mean items | placed at the true level | within one level | RMSE of ability |\n|---|---|---|---|---|")
    for name, rows in results.items():
        shown = figures(rows)
        print(f"| {name} | {shown['items']:.1f} | {shown['exact']:.0%} | {shown['within one']:.0%} | {shown['rmse']:.2f} |")


if __name__ == "__main__":
    main()
