"""The questions of the exam page, rendered once and kept: rendering them was over half of the page's CPU, and
the page is the heaviest request a candidate sends (bench/README.md, issue 17).

A frozen question renders the same for every sitting that shows it in one language, apart from its item's id,
its position and its number. It is rendered with stand-ins for those three, kept by what it shows (its type,
text, options, key, marks, heading and section, and the language), and each page puts its own values in.
Nothing is ever stale: anything that changes what a question shows (a key correction, a recording's plays
left, a media link with the sitting's token) is part of what it is kept by, so it is rendered again.
"""
from __future__ import annotations

import json
from functools import lru_cache

from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from webapp.sittings.models import Sitting, SittingItem

# Stand-ins no question's text holds by chance; only the page's own markup has them.
_ITEM_ID = "proctora-item-id-7f3a"
_POSITION = "proctora-position-7f3a"
_NUMBER = "proctora-number-7f3a"
# Per process; a question of a paper with its media (token-bound links) is kept per sitting, so the oldest
# go first. About 2 kB each.
KEPT_QUESTIONS = 2048


def question_bodies(sitting: Sitting, items: list[SittingItem], total: int) -> dict[int, Markup]:
    """Each shown item's heading, text, inputs and flag in the page's language, by the item's id; `total` is
    the number of questions of the whole paper."""
    locale = str(get_locale())
    sections = sitting.sections if len(sitting.sections) > 1 else None
    # An adaptive test's heading says at most how many questions it asks, a fixed paper how many it has.
    at_most = sitting.adaptive["rules"]["max_items"] if sitting.adaptive is not None else None
    total = None if at_most is not None else total
    bodies = {}
    for item in items:
        body = _rendered(locale, item.question_type, item.stem, json.dumps(item.options), json.dumps(item.key),
                         item.marks, total, at_most, sections[item.section_index]["name"] if sections else None)
        bodies[item.id] = Markup(body.replace(_ITEM_ID, str(item.id)).replace(_POSITION, str(item.position))
                                 .replace(_NUMBER, str(item.position + 1)))
    return bodies


@lru_cache(maxsize=KEPT_QUESTIONS)
def _rendered(locale: str, question_type: str, stem: str, options: str, key: str, marks: float,
              total: int | None, at_most: int | None, section_name: str | None) -> str:
    # `locale` is the request's own language, which the macro's texts are translated in; it is in the
    # arguments so that each language is kept apart.
    stand_in = SittingItem(id=_ITEM_ID, position=_POSITION, question_type=question_type, stem=stem,
                           options=json.loads(options), key=json.loads(key), marks=marks)
    question_body = get_template_attribute("candidate/_question.html", "question_body")
    return str(question_body(stand_in, _NUMBER, total, at_most, section_name))
