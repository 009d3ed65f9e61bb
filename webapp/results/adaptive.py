"""What the pages show of an adaptive placement's result (webapp/sittings/adaptive.py records it): the estimate,
its standard error, the items answered, why it stopped, and the path as a small chart drawn on the server (an
SVG the templates fill in: no script, no inline style)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.bank.calibration import cut_scores

STOP_REASON_WORDS = {
    "precision": _l("the level was known precisely enough"),
    "length": _l("the most questions were asked"),
    "pool": _l("no questions were left to ask"),
    "time": _l("the time ran out"),
    "ended": _l("the test was ended before its rule"),
}

# The chart's frame in SVG units; the ability axis is clipped to what placements use.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 480, 220, 48, 12, 12, 28
LOWEST, HIGHEST = -4.0, 4.0


def adaptive_view(record: dict | None, institute_id: int) -> dict | None:
    """The adaptive part of a placement record for the pages, or None for a fixed form (or none recorded)."""
    course = (record or {}).get("adaptive")
    if course is None:
        return None
    return {"ability": course["ability"], "standard_error": course["standard_error"], "items": course["items"],
            "stop_reason": str(STOP_REASON_WORDS.get(course["stop_reason"], course["stop_reason"] or "")),
            "chart": _chart(course["path"], cut_scores(institute_id)) if course["path"] else None}


def _y(ability: float) -> float:
    clipped = min(max(ability, LOWEST), HIGHEST)
    return round(TOP + (HIGHEST - clipped) / (HIGHEST - LOWEST) * (HEIGHT - TOP - BOTTOM), 1)


def _chart(path: list[dict], cuts: dict) -> dict:
    """The geometry of the path: the ability after each item as a line with its ±SE band, each level's lowest
    ability as a labelled line across."""
    steps = len(path)
    span = WIDTH - LEFT - RIGHT

    def x(step: int) -> float:
        return round(LEFT + (step + 0.5) * span / steps, 1)

    upper = [f"{x(n)},{_y(step['ability'] + step['standard_error'])}" for n, step in enumerate(path)]
    lower = [f"{x(n)},{_y(step['ability'] - step['standard_error'])}" for n, step in enumerate(path)]
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "bottom": HEIGHT - BOTTOM,
        "line": " ".join(f"{x(n)},{_y(step['ability'])}" for n, step in enumerate(path)),
        "band": " ".join(upper + lower[::-1]),
        "points": [{"x": x(n), "y": _y(step["ability"]), "number": n + 1, "right": step["score"] >= 1,
                    "ability": step["ability"], "standard_error": step["standard_error"]}
                   for n, step in enumerate(path)],
        "cuts": [{"y": _y(lowest), "level": level.value} for level, lowest in cuts.items()
                 if LOWEST < lowest < HIGHEST],
    }
