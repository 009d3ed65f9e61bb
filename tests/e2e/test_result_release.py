"""Release in real Chromium: a proctored certification's result is held (the candidate's page says it is
pending) until a proctor's review releases it: the candidate then sees it and gets one e-mail, and one
certificate is issued, however often the review changes. A re-mark from the result page that turns a
fail into a pass sends one correction that names what changed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import browser_login
from tests.results.helpers import answering, tagged_assessment
from webapp.core.extensions import db
from webapp.notifications.worker import deliver_due
from webapp.results.models import Certificate
from webapp.sittings.models import Response, SittingItem

pytestmark = pytest.mark.e2e


def _certification(admin, factory, **exam_settings):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65, show_report_to_candidate_on_exit=True)
    return factory.exam(admin, assessment, name="December session", **exam_settings)


def _received(smtp_server) -> list:
    deliver_due()
    return [mail for mail in smtp_server.received if mail.rcpt_tos == ["zoe@example.com"]]


def test_a_proctored_certification_is_held_until_the_review_then_released_once(page, admin, factory, smtp_server):
    exam = _certification(admin, factory, release_policy="after_review", web_proctoring_enabled=True)
    sitting = factory.finished_sitting(admin, exam, email="zoe@example.com", first_name="Zoë", last_name="Quist",
                                       answer=answering({"B1": 20}))

    page.goto(f"/s/{sitting.access_token}")
    expect(page.locator("[data-result-pending]")).to_contain_text("Your result is pending")
    expect(page.locator("[data-total-marks]")).to_have_count(0)
    assert _received(smtp_server) == [] and db.session.scalars(select(Certificate)).all() == []

    browser_login(page, admin.email)
    page.goto(f"/sittings/{sitting.id}/result")
    expect(page.locator("[data-field=release] [data-release-state]")).to_have_text("not yet")
    page.goto(f"/proctoring/sittings/{sitting.id}")
    page.get_by_label("Review").select_option("clear")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("[data-review]")).to_contain_text("Clear")
    # A second look changes the review: nothing is told twice.
    page.get_by_label("Review").select_option("suspicious")
    page.get_by_label("Comment").fill("Looked away often, nothing found.")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("[data-review]")).to_contain_text("Suspicious")

    page.goto(f"/sittings/{sitting.id}/result")
    expect(page.locator("[data-field=release]")).to_contain_text("automatically")
    page.goto(f"/s/{sitting.access_token}")
    expect(page.locator("[data-total-marks]")).to_have_text("20")
    expect(page.locator("[data-outcome]")).to_contain_text("You passed, at level B1.")
    [mail] = _received(smtp_server)
    assert mail.message["Subject"] == "Your certification result: passed (B1 certificate)"
    [certificate] = db.session.scalars(select(Certificate)).all()
    assert certificate.is_valid and certificate.code in mail.body()


def test_a_remark_from_the_result_page_flips_the_outcome_and_sends_one_correction(page, admin, factory, smtp_server):
    exam = _certification(admin, factory)
    sitting = factory.finished_sitting(admin, exam, email="zoe@example.com", first_name="Zoë", last_name="Quist",
                                       answer=answering({"B1": 12}))
    [told] = _received(smtp_server)
    assert told.message["Subject"] == "Your certification result: not passed yet (B1 certificate)"
    wrong = db.session.scalar(select(SittingItem.position).join(Response, Response.item_id == SittingItem.id).where(
        Response.sitting_id == sitting.id, Response.correct.is_(False)).order_by(SittingItem.position))
    examiner = factory.staff(admin.institute, "examiner", name="Erin Examiner")
    browser_login(page, examiner.email)
    page.goto(f"/sittings/{sitting.id}/result")

    item = page.locator(f"#item-{wrong + 1}")
    item.get_by_text("Change the marks").click()
    item.get_by_label("Marks", exact=True).fill("1")
    item.get_by_label("Why the marks change").fill("The key was wrong.")
    item.get_by_role("button", name="Save the marks").click()
    expect(page.locator(".flash")).to_contain_text("1 of 1 marks saved.")
    expect(page.locator("[data-field=outcome]")).to_contain_text("passed B1")

    [first, correction] = _received(smtp_server)
    certificate = db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))
    assert correction.message["Subject"] == "Your certification result is corrected (B1 certificate)"
    text = correction.body()
    assert ("- Score: 60 % -> 65 %" in text and "- Result: not passed -> passed" in text
            and f"- Certificate issued: {certificate.code}" in text)
    assert _received(smtp_server) == [first, correction]   # once
