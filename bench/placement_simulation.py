"""How well the placement rule places: simulated candidates of known level answer the catalogue's English
placement test, and each rule's placement is compared with their true level. No server, no database:
the rule functions are imported directly.

Response model (Rasch with a guessing floor and a lapse rate): a candidate of true level L has the
ability theta = rank(L) + 0.5 (the middle of the level; Pre-A1 is rank 0, C2 rank 6); an item tagged with
level B has the difficulty b = rank(B); the candidate answers it right with the probability
    P = g + (1 - g - lapse) / (1 + exp(-1.7 (theta - b)))
where g, the guessing floor, is 1/options for multiple choice and 0 for typed answers, and lapse is the
chance of a careless slip on an item well below one's level (0, the pure Rasch model, and 0.1). The essay (5 marks,
tagged B1) is marked near the true level: round(5 / (1 + exp(-1.7 (theta - b))) + noise), noise normal
with sd 0.75, clipped to 0..5. Without lapses a candidate answers about 70 % of their own level's typed
items right, 93 % of the level below and 30 % of the level above.

    .venv/bin/python bench/placement_simulation.py --candidates 1000 --seed 1
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.assessments.catalogue import catalogue_test  # noqa: E402
from webapp.bank.models import CefrLevel  # noqa: E402
from webapp.results.placement import is_writing, level_percentages, placement_level  # noqa: E402

LEVELS = list(CefrLevel)
SLOPE = 1.7
ESSAY_NOISE = 0.75
LAPSES = (0.0, 0.1)


def first_miss_level(percentages: dict, bands: list[dict]):
    """The rule before issue 13: levels from the lowest up, stop at the first level missed; the essay's
    marks counted in its level like any item's."""
    thresholds = {CefrLevel(band["level"]): float(band["min_percent"]) for band in bands}
    tested = sorted((level for level in percentages if level in thresholds), key=lambda level: level.rank)
    if not tested:
        return None
    reached = None
    for level in tested:
        if round(percentages[level], 4) < thresholds[level]:
            break
        reached = level
    return reached or LEVELS[max(tested[0].rank - 1, 0)]


RULES = {
    "stop at the first miss, essay counted (before)":
        lambda items, responses, bands: first_miss_level(level_percentages(items, responses), bands),
    "stop at the first miss, essay left out":
        lambda items, responses, bands: first_miss_level(_objective_percentages(items, responses), bands),
    "one slip forgiven, essay left out (now)":
        lambda items, responses, bands: placement_level(_objective_percentages(items, responses), bands),
}


def _objective_percentages(items: list, responses: dict) -> dict:
    return level_percentages([item for item in items if not is_writing(item)], responses)


def catalogue_paper() -> tuple[list, list[dict]]:
    """The English placement test's items as frozen items (every question once) and its bands."""
    data = catalogue_test("english-placement").data
    items = [SimpleNamespace(id=number, cefr_level=question.get("level"), marks=question.get("marks", 1),
                             question_type=question["type"], skill_name=question["skill"],
                             options=len(question.get("options", [])))
             for number, question in enumerate(data["questions"])]
    return items, data["placement_bands"]


def _chance(theta: float, item) -> float:
    return 1 / (1 + math.exp(-SLOPE * (theta - CefrLevel(item.cefr_level).rank)))


def answer(rng: random.Random, theta: float, items: list, lapse: float) -> dict:
    """One simulated candidate's marks on each item, under the module's response model."""
    responses = {}
    for item in items:
        if not item.cefr_level:
            awarded = 0.0
        elif is_writing(item):
            mark = round(item.marks * _chance(theta, item) + rng.gauss(0, ESSAY_NOISE))
            awarded = float(min(max(mark, 0), item.marks))
        else:
            guess = 1 / item.options if item.options else 0.0
            awarded = item.marks if rng.random() < guess + (1 - guess - lapse) * _chance(theta, item) else 0.0
        responses[item.id] = SimpleNamespace(awarded=awarded)
    return responses


def simulate(candidates: int, seed: int, lapse: float = 0.0) -> dict[str, dict[CefrLevel, tuple[float, float]]]:
    """For each rule and true level: the share of `candidates` placed exactly and within one level."""
    rng = random.Random(seed)
    items, bands = catalogue_paper()
    counts = {rule: {level: [0, 0] for level in LEVELS} for rule in RULES}
    for level in LEVELS:
        for _ in range(candidates):
            responses = answer(rng, level.rank + 0.5, items, lapse)
            for rule, place in RULES.items():
                placed = place(items, responses, bands)
                distance = abs(placed.rank - level.rank) if placed else len(LEVELS)
                counts[rule][level][0] += distance == 0
                counts[rule][level][1] += distance <= 1
    return {rule: {level: (exact / candidates, within / candidates) for level, (exact, within) in by_level.items()}
            for rule, by_level in counts.items()}


def overall(by_level: dict[CefrLevel, tuple[float, float]]) -> tuple[float, float]:
    """The shares over every simulated candidate (as many at each true level)."""
    return (sum(exact for exact, _ in by_level.values()) / len(by_level),
            sum(within for _, within in by_level.values()) / len(by_level))


def table(results: dict) -> str:
    header = "| rule | " + " | ".join(level.value for level in LEVELS) + " | all |"
    lines = [header, "|---" * (len(LEVELS) + 2) + "|"]
    for rule, by_level in results.items():
        cells = [f"{exact:.0%} / {within:.0%}" for exact, within in (*by_level.values(), overall(by_level))]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=1000, help="simulated candidates per true level")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lapse", type=float, action="append", help="lapse rates to simulate (0 and 0.1)")
    args = parser.parse_args()
    for lapse in args.lapse or LAPSES:
        print(f"\nlapse {lapse:g}, {args.candidates} candidates per true level, seed {args.seed}: "
              "placed exactly / within one level")
        print(table(simulate(args.candidates, args.seed, lapse)))


if __name__ == "__main__":
    main()
