"""The candidate's test in another language, in real Chromium: in Arabic the page reads right to left while
an English question keeps reading left to right, and switching to Spanish mid-test loses neither an answer
nor a second (the answers go out before the page changes; the clock is the server's)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import register, start
from tests.e2e.test_candidate_journey import (  # noqa: F401  (fixtures: contexts, make_exam, paper)
    contexts, make_exam, paper, palette_button, question, stored)
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.sittings import taking

pytestmark = pytest.mark.e2e


def _direction(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).direction")


def _seconds(timer: str) -> int:
    minutes, seconds = (int(part) for part in timer.split(":"))
    return minutes * 60 + seconds


def test_an_arabic_page_mirrors_and_an_english_question_reads_left_to_right(contexts, admin, make_exam):
    exam = make_exam(access_type="ByInvitation", assessment={"on_screen_calculator": True})
    exam.language = "ar"
    db.session.commit()
    sitting = start(register(admin, exam))
    page = contexts().page()
    page.goto(f"/s/{sitting.access_token}")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert _direction(page.locator("body")) == "rtl"
    expect(page.locator("[data-save-status]")).to_have_text("تم حفظ جميع الإجابات")
    stem = question(page).locator(".stem p")
    expect(stem).to_have_text("What is 2 + 2?")
    assert _direction(stem) == "ltr"
    assert _direction(question(page).locator(".option span").first) == "ltr"
    # Mirrored: the palette stands left of the question, and the timer's bar starts at the right.
    palette, main = page.locator(".palette").bounding_box(), page.locator(".exam-main").bounding_box()
    assert palette["x"] + palette["width"] <= main["x"]
    timer, toggle = page.locator(".timer").bounding_box(), page.locator("[data-calculator-toggle]").bounding_box()
    assert timer["x"] > toggle["x"]
    # The calculator's digits stay left to right.
    page.locator("[data-calculator-toggle]").click()
    assert _direction(page.locator("[data-calculator-display]")) == "ltr"
    for key in "12":
        page.locator(f"[data-key='{key}']").click()
    expect(page.locator("[data-calculator-display]")).to_have_text("12")
    # What the scripts say comes from the page's catalogue, in Arabic.
    question(page).get_by_role("radio").first.check()
    expect(page.locator("[data-save-status]")).to_have_text("تم حفظ جميع الإجابات")
    expect(palette_button(page, 1)).to_have_attribute("aria-label", re.compile("^السؤال 1: تمت الإجابة عنه"))


def test_switching_to_spanish_mid_test_keeps_the_answers_and_the_clock(contexts, admin, make_exam):
    sitting = register(admin, make_exam(access_type="ByInvitation"))
    start(sitting, now=utcnow() - timedelta(minutes=10))   # 20 of the 30 minutes left
    page = contexts().page()
    page.goto(f"/s/{sitting.access_token}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^(20:00|19:\d\d)$"))

    question(page).get_by_label("4", exact=True).check()
    palette_button(page, 4).click()
    question(page).get_by_label("Your answer").fill("Paris")
    # At once, before the autosave's pause is over: the switch itself sends the answers first.
    page.locator("[data-languages] a[hreflang=es]").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("[data-save-status]")).to_have_text("Todas las respuestas guardadas")
    answers = stored(sitting)
    assert answers["MCQ"].answer == {"option": "a"} and answers["SHORT_ANSWER"].answer == {"text": "Paris"}
    db.session.refresh(sitting.candidate)
    assert sitting.candidate.language == "es"
    # The page comes back on the question the candidate was on, with both answers shown.
    expect(question(page).get_by_label("Su respuesta")).to_have_value("Paris")
    palette_button(page, 1).click()
    expect(question(page).get_by_label("4", exact=True)).to_be_checked()
    # The clock carried on: the time left is the server's, not a fresh 30 minutes.
    left = _seconds(page.locator("[data-timer]").inner_text())
    db.session.expire_all()
    assert left <= 20 * 60 and abs(left - taking.remaining_seconds(sitting)) <= 3
