"""The typed item types in real Chromium on a phone-sized screen (390 x 844), answered with the keyboard: a
number with its unit, a cloze with an inline list and a typed blank, and a file sent as the answer (offline
first: it stays chosen and goes out when the connection is back). A reload finds every answer kept, and the
marks are the ones computed by hand."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import items_by_type, register, start
from tests.e2e.test_candidate_journey import ALL_SAVED, question
from tests.sittings.test_typed_items import skill, typed_paper  # noqa: F401 (fixtures)
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import Response

pytestmark = pytest.mark.e2e

ESSAY = b"%PDF-1.4\n% my essay\n"


def test_a_candidate_answers_the_typed_items_on_a_phone(browser, live_server, admin, typed_paper):  # noqa: F811
    sitting = start(register(admin, typed_paper))
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/s/{sitting.access_token}")

    # 1. A number with its unit, typed.
    expect(question(page).get_by_text("Write the number, then its unit: m/s2, cm/s2.")).to_be_visible()
    question(page).get_by_label("Your answer").focus()
    page.keyboard.type("981 cm/s2")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Next").click()
    # 2. The inline list chosen with the keyboard (type-ahead), the other blank typed.
    question(page).get_by_label("Blank 1").focus()
    page.keyboard.type("we")
    expect(question(page).get_by_label("Blank 1")).to_have_value("went")
    page.keyboard.press("Tab")
    expect(question(page).get_by_label("Blank 2")).to_be_focused()
    page.keyboard.type("drunk")
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    page.get_by_role("button", name="Next").click()

    # 3. A file chosen offline stays chosen, is "not sent", and goes out when the connection is back.
    context.set_offline(True)
    question(page).get_by_label("Your file").set_input_files(
        {"name": "essay.pdf", "mimeType": "application/pdf", "buffer": ESSAY})
    expect(question(page).locator("[data-file-state]")).to_contain_text("No connection: your file essay.pdf")
    expect(question(page).locator("[data-item-state]")).to_have_text("File not sent yet")
    assert items_response(sitting, "FU").answer is None
    context.set_offline(False)
    expect(question(page).locator("[data-file-sent]")).to_have_text("Sent: essay.pdf (20 byte)", timeout=15_000)
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    expect(question(page).locator("[data-item-state]")).to_have_text("Saved")

    # A reload finds every answer kept.
    page.reload()
    page.locator("[data-goto='2']").click()
    expect(question(page).locator("[data-file-sent]")).to_have_text("Sent: essay.pdf (20 byte)")
    page.locator("[data-goto='0']").click()
    expect(question(page).get_by_label("Your answer")).to_have_value("981 cm/s2")
    page.locator("[data-goto='1']").click()
    expect(question(page).get_by_label("Blank 1")).to_have_value("went")
    expect(question(page).get_by_label("Blank 2")).to_have_value("drunk")
    assert not errors
    context.close()

    # Marks by hand: 2 for the number (981 cm/s2 is 9.81 m/s2), 4 x 1/2 for the cloze; the file waits.
    taking.finish(sitting)
    db.session.commit()
    assert (items_response(sitting, "NUMERIC").awarded, items_response(sitting, "FITB").awarded) == (2.0, 2.0)
    file_answer = items_response(sitting, "FU")
    assert file_answer.needs_grading and file_answer.answer["file"]["name"] == "essay.pdf"
    assert file_answer.answer["file"]["size"] == len(ESSAY) and sitting.total_marks == 4.0


def items_response(sitting, question_type: str) -> Response:
    db.session.expire_all()
    item = items_by_type(sitting)[question_type]
    return db.session.scalar(select(Response).where(Response.item_id == item.id))
