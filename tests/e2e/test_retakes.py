"""A retake in real Chromium: the candidate finishes, the done page names when the next attempt opens, the
test's clock moves past the waiting period (the served app reads the same clock), and the candidate takes
attempt 2 through the check to its own paper, after which no attempt is left."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import build_paper, paper_assessment, register, start
from webapp.core import clock
from webapp.core.extensions import db
from webapp.sittings.models import Sitting, SittingItem, SittingStatus

pytestmark = pytest.mark.e2e


def test_a_candidate_finishes_waits_and_takes_attempt_2(page, factory, admin):
    exam = factory.exam(admin, assessment=paper_assessment(admin, build_paper(admin)), access_type="ByInvitation",
                        max_attempts=2, retake_wait_hours=2)
    now = clock.freeze(clock.utcnow())
    first = start(register(admin, exam))
    db.session.commit()

    page.goto(f"/s/{first.access_token}")
    page.get_by_role("button", name="Finish the test…").click()
    page.get_by_role("button", name="Submit my answers and finish").click()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    opens = now + timedelta(hours=2)
    expect(page.locator("[data-retake-reason]")).to_have_text(
        f"You may take this test again from {opens:%a}, {opens:%b} {opens.day}, {opens.year}, {opens:%H:%M} (UTC).")
    expect(page.locator("[data-retake-start]")).to_have_count(0)

    clock.move(timedelta(hours=2))
    page.reload()
    page.get_by_role("button", name="Take the test again (attempt 2 of 2)").click()
    expect(page.get_by_role("heading", name="Before the test: a quick check")).to_be_visible()
    db.session.expire_all()
    retake = db.session.scalar(select(Sitting).where(Sitting.exam_id == exam.id, Sitting.attempt == 2))
    assert page.url.endswith(f"/s/{retake.access_token}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("[data-question]:not([hidden])").get_by_role("heading")).to_have_text("Question 1 of 5")
    page.get_by_role("button", name="Finish the test…").click()
    page.get_by_role("button", name="Submit my answers and finish").click()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    expect(page.locator("[data-retake-reason]")).to_have_text(
        "You have used both attempts this test allows; no attempts are left.")

    db.session.expire_all()
    first, retake = db.session.get(Sitting, first.id), db.session.get(Sitting, retake.id)
    assert (first.status, retake.status) == (SittingStatus.EXAM_FINISHED, SittingStatus.EXAM_FINISHED)
    papers = {sitting.id: set(db.session.scalars(select(SittingItem.id).where(SittingItem.sitting_id == sitting.id)))
              for sitting in (first, retake)}
    assert len(papers[first.id]) == len(papers[retake.id]) == 5 and not papers[first.id] & papers[retake.id]
