"""An adaptive placement test in real Chromium: a candidate takes it to its stopping rule, one question at a
time; offline, the page keeps the answer and waits for the server before the next question; the browser closed
mid-test, the link opens at the same question."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import adaptive_exam, build_adaptive_pool, register
from tests.e2e.test_candidate_journey import ALL_SAVED, contexts, question  # noqa: F401  (fixture: contexts)
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingStatus

pytestmark = pytest.mark.e2e


def _heading(page, number: int):
    expect(question(page).locator("h2")).to_have_text(f"Question {number} of at most 6")
    # The page's script has met the server's copy of the answer (none yet) before the candidate answers.
    page.wait_for_function("() => window.proctoraExam !== undefined")
    return question(page).get_attribute("data-item-id")


def _answer_and_go_on(page, number: int) -> str:
    item_id = _heading(page, number)
    question(page).get_by_label("right", exact=True).check()
    page.get_by_role("button", name="Confirm and continue").click()
    return item_id


def test_a_candidate_takes_the_adaptive_test_to_its_end_across_a_closed_browser(contexts, admin, factory):  # noqa: F811
    exam = adaptive_exam(factory, admin, build_adaptive_pool(admin), min_items=5, max_items=6,
                         target_standard_error=0.1)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    db.session.commit()
    token = sitting.access_token

    first = contexts(expected=("ERR_INTERNET_DISCONNECTED",))
    page = first.page()
    page.goto(f"/s/{token}")
    expect(page.get_by_text("You cannot see the questions ahead or go back to change an answer")).to_be_visible()
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("[data-palette], [data-goto], [data-prev]")).to_have_count(0)
    served = [_answer_and_go_on(page, 1), _answer_and_go_on(page, 2)]

    # Offline: the answer is kept on the device, and the page waits for the server to have it.
    third = _heading(page, 3)
    first.context.set_offline(True)
    question(page).get_by_label("right", exact=True).check()
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("alert").filter(has_text="You are offline")).to_be_visible()
    expect(question(page)).to_have_attribute("data-item-id", third)
    first.context.set_offline(False)
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED, timeout=15_000)
    page.get_by_role("button", name="Confirm and continue").click()
    served.append(third)
    fourth = _heading(page, 4)
    first.context.close()

    # Another browser: the link opens at the same question.
    page = contexts().page()
    page.goto(f"/s/{token}")
    assert _heading(page, 4) == fourth
    served += [_answer_and_go_on(page, 4), _answer_and_go_on(page, 5), _answer_and_go_on(page, 6)]
    expect(page.locator("[data-exam]")).to_have_count(0)

    db.session.expire_all()
    sitting = db.session.get(Sitting, sitting.id)
    assert sitting.status == SittingStatus.EXAM_FINISHED and sitting.adaptive["stop_reason"] == "length"
    assert [step["score"] for step in sitting.adaptive["path"]] == [1.0] * 6
    assert [str(item.id) for item in taking.items_and_responses(sitting)[0]] == served
    assert sitting.level is not None and sitting.placement["adaptive"]["items"] == 6
