"""The placement rule: the CEFR level a placement test reached, overall and for each skill, with the
evidence (the share right at each level). `outcomes.apply_outcome` records it on the sitting.

The rule, as examiners read it (also in the README and the assessment's settings page):
1. For each level the paper tests (it has items tagged with the level and the assessment gives the level
   a band in `placement_bands`), the candidate's share of the marks of that level's objective items
   (grammar, vocabulary, reading...: every item but essays; negative marks count, below zero counts as
   zero) is compared with the band's minimum.
2. Levels are taken from the lowest up; a single missed level is a slip and is forgiven when the next
   level tested is reached, but two levels missed in a row end the climb. The placement is the highest
   level reached; a candidate who reaches no level is placed one level below the lowest tested (never
   below Pre-A1). A paper without tagged items places nobody.
3. Each skill gets a level by the same rule over its own items, once it has items at two levels tested
   or more (otherwise "not enough evidence"). Writing (the essays) is a skill of its own, never a gate:
   once marked, its level is the highest level whose essays reach their band.

bench/placement_simulation.py compares this rule with the earlier "stop at the first level missed" on
simulated candidates of known level (README, "Placement").
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.bank.models import CefrLevel, QuestionType

LEVELS = list(CefrLevel)
WRITING = "Writing"
NOT_ENOUGH_EVIDENCE = "not enough evidence"
NOT_MARKED = "not marked yet"


@dataclass
class Share:
    """One level's items on a paper and what the candidate scored on them."""
    items: int = 0
    marks: float = 0.0
    awarded: float = 0.0

    @property
    def percent(self) -> float:
        return 100 * max(self.awarded, 0.0) / self.marks if self.marks else 0.0


def is_writing(item) -> bool:
    return QuestionType(item.question_type).is_essay


def level_shares(items: list, responses: dict) -> dict[CefrLevel, Share]:
    """The candidate's marks on each level's items (untagged items and items without marks left out)."""
    shares: dict[CefrLevel, Share] = defaultdict(Share)
    for item in items:
        if item.cefr_level and item.marks:
            share = shares[CefrLevel(item.cefr_level)]
            share.items += 1
            share.marks += item.marks
            share.awarded += responses[item.id].awarded or 0.0
    return dict(shares)


def level_percentages(items: list, responses: dict) -> dict[CefrLevel, float]:
    """The candidate's score on each level's items, in percent of their marks."""
    return {level: share.percent for level, share in level_shares(items, responses).items()}


def _thresholds(bands: list[dict]) -> dict[CefrLevel, float]:
    return {CefrLevel(band["level"]): float(band["min_percent"]) for band in bands}


def _reached(percentage: float, minimum: float) -> bool:
    # Rounded as in certification_passed: 3 of 5 items of 0.3 marks sum to 59.999... %, not 60 %.
    return round(percentage, 4) >= minimum


def placement_level(percentages: dict[CefrLevel, float], bands: list[dict]) -> CefrLevel | None:
    """The module's rule (point 2) over `level_percentages` of the objective items and the bands."""
    thresholds = _thresholds(bands)
    tested = sorted((level for level in percentages if level in thresholds), key=lambda level: level.rank)
    if not tested:
        return None
    reached, slipped = None, False
    for level in tested:
        if _reached(percentages[level], thresholds[level]):
            reached, slipped = level, False
        elif slipped:
            break
        else:
            slipped = True
    return reached or LEVELS[max(tested[0].rank - 1, 0)]


def _evidence(shares: dict[CefrLevel, Share], thresholds: dict[CefrLevel, float]) -> list[dict]:
    return [{"level": level.value, "items": shares[level].items, "marks": shares[level].marks,
             "awarded": max(shares[level].awarded, 0.0), "percent": round(shares[level].percent, 2),
             "min_percent": thresholds[level], "reached": _reached(shares[level].percent, thresholds[level])}
            for level in sorted(shares, key=lambda level: level.rank) if level in thresholds]


def _skill_record(name: str, items: list, responses: dict, thresholds: dict, bands: list[dict]) -> dict:
    shares = level_shares(items, responses)
    evidence = _evidence(shares, thresholds)
    enough = len(evidence) >= 2
    level = placement_level({level: share.percent for level, share in shares.items()}, bands) if enough else None
    return {"skill": name, "writing": False, "level": level.value if level else None,
            "note": None if enough else NOT_ENOUGH_EVIDENCE, "levels": evidence}


def _writing_record(items: list, responses: dict, thresholds: dict) -> dict:
    evidence = _evidence(level_shares(items, responses), thresholds)
    record = {"skill": WRITING, "writing": True, "level": None, "note": None, "levels": evidence}
    if any(responses[item.id].awarded is None for item in items):
        record["note"] = NOT_MARKED
    elif not evidence:
        record["note"] = NOT_ENOUGH_EVIDENCE
    else:
        reached = [row["level"] for row in evidence if row["reached"]]
        record["level"] = reached[-1] if reached else None
        # The essays show a level only where they reach it; below that, the level they were set at.
        record["note"] = None if reached else f"below {evidence[0]['level']}"
    return record


def placement(items: list, responses: dict, bands: list[dict]) -> dict:
    """The placement record of a graded sitting (stored as `Sitting.placement`): the overall level and
    each skill's, each with the share right at every level tested."""
    thresholds = _thresholds(bands)
    objective = [item for item in items if not is_writing(item)]
    essays = [item for item in items if is_writing(item)]
    by_skill: dict[str, list] = defaultdict(list)
    for item in objective:
        by_skill[item.skill_name].append(item)
    shares = level_shares(objective, responses)
    level = placement_level({level: share.percent for level, share in shares.items()}, bands)
    skills = [_skill_record(name, by_skill[name], responses, thresholds, bands) for name in sorted(by_skill)]
    if essays:
        skills.append(_writing_record(essays, responses, thresholds))
    return {"level": level.value if level else None, "levels": _evidence(shares, thresholds), "skills": skills}


def evidence_table(record: dict | None) -> dict | None:
    """The pages' view of a placement record: a column for the overall placement and each skill (its
    level, or why there is none), a row for each level tested with each column's share right there."""
    if record is None:
        return None
    columns = [{"name": _("Overall"), "level": record["level"], "note": None, "levels": record["levels"]},
               *({"name": skill["skill"], "level": skill["level"], "note": note_in_words(skill["note"]),
                  "levels": skill["levels"]} for skill in record["skills"])]
    levels = sorted({row["level"] for column in columns for row in column["levels"]},
                    key=lambda level: CefrLevel(level).rank)
    cells = [{row["level"]: row for row in column["levels"]} for column in columns]
    return {"columns": [{key: column[key] for key in ("name", "level", "note")} for column in columns],
            "rows": [{"level": level, "cells": [by_level.get(level) for by_level in cells]} for level in levels]}


def note_in_words(note: str | None) -> str | None:
    """A stored note ("not marked yet", "below B1") in the reader's language; the record keeps the English."""
    if note == NOT_MARKED:
        return _("not marked yet")
    if note == NOT_ENOUGH_EVIDENCE:
        return _("not enough evidence")
    if note and note.startswith("below "):
        return _("below %(level)s", level=note.removeprefix("below "))
    return note


def skill_levels_in_words(record: dict | None) -> list[str]:
    """Each skill's level for the outcome e-mails ("Reading: B1", "Writing: not marked yet")."""
    return [f"{skill['skill']}: {skill['level'] or skill['note']}" for skill in (record or {}).get("skills", [])]
