"""Item calibration in real Chromium: the examiner starts a calibration, the page polls its progress (htmx,
under the strict CSP) while the worker reads a batch of sittings per poll, then shows the summary and, on
reload, the calibrated items; the cut score page fills in the suggested set, refuses a decreasing one and
saves an adjusted one."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.results.helpers import tagged_assessment
from tests.results.test_calibration import LEVELS, SITTINGS, _take
from webapp.bank.calibration import cut_scores
from webapp.bank.models import CefrLevel
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs

pytestmark = pytest.mark.e2e


def test_an_examiner_calibrates_the_items_and_sets_the_cut_scores(page, admin, factory, app, live_app, monkeypatch):
    for config in (app.config, live_app.config):
        monkeypatch.setitem(config, "CALIBRATION_BATCH_SIZE", 20)
    _take(factory, admin, factory.exam(admin, tagged_assessment(admin, LEVELS)), SITTINGS, 1)
    institute_id = admin.institute_id
    browser_login(page, admin.email)

    page.goto("/bank/questions")
    page.get_by_role("button", name="Item calibration").click()
    expect(page.locator("[data-empty]")).to_be_visible()
    page.get_by_role("button", name="Calibrate from the finished sittings").click()
    expect(page.locator(".flash")).to_contain_text(f"calibrated in the background from {SITTINGS} finished sittings")
    expect(page.locator("[data-progress]")).to_have_text(f"Reading the answers: 0 of {SITTINGS} finished sittings")

    run_periodic_jobs()            # the worker's first poll
    db.session.remove()
    expect(page.locator("[data-progress]")).to_have_text(f"Reading the answers: 20 of {SITTINGS} finished sittings")
    run_periodic_jobs()
    db.session.remove()
    expect(page.locator("[data-run-summary]")).to_contain_text(f"read {SITTINGS} finished sittings and calibrated 6 items")
    page.reload()
    expect(page.locator("[data-calibrated-items] tbody tr")).to_have_count(6)

    page.get_by_role("button", name="CEFR cut scores").click()
    page.get_by_role("link", name="Fill in the suggested cut scores").click()
    suggested = float(page.locator("tr[data-level=B1] [data-suggested]").inner_text())
    adjusted = round((suggested + float(page.locator("tr[data-level=C1] [data-suggested]").inner_text())) / 2, 2)
    expect(page.locator("input[name=b1]")).to_have_value(f"{suggested:g}")
    page.locator("input[name=b2]").fill("-2.9")
    page.get_by_role("button", name="Save the cut scores").click()
    expect(page.locator("#b2-error")).to_contain_text("must be higher than that of B1")
    page.locator("input[name=b2]").fill(str(adjusted))
    page.get_by_role("button", name="Save the cut scores").click()
    expect(page.locator(".flash")).to_contain_text("The CEFR cut scores are saved.")
    db.session.remove()
    assert cut_scores(institute_id)[CefrLevel.B2] == adjusted
