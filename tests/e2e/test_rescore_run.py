"""A re-score too large for the request, in real Chromium: applying it queues a run, the re-score page polls
its progress every 2 seconds (htmx, under the strict CSP) while the worker does a batch per poll, and shows
the summary when the last batch is done. The limit and the batch are one sitting here."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.results.helpers import sittings_with_a_wrong_key
from tests.results.test_rescore import _correct_the_key
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs

pytestmark = pytest.mark.e2e


def test_a_large_re_score_shows_its_progress_then_its_summary(page, admin, factory, app, live_app, monkeypatch):
    for config in (app.config, live_app.config):
        monkeypatch.setitem(config, "RESCORE_IN_REQUEST_LIMIT", 1)
        monkeypatch.setitem(config, "RESCORE_BATCH_SIZE", 1)
    ann, bob, third = sittings_with_a_wrong_key(admin, factory)
    _correct_the_key(admin, third)
    browser_login(page, admin.email)

    page.goto(f"/bank/questions/{third}/rescore")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Re-score these results").click()
    expect(page.locator(".flash")).to_contain_text("2 results are re-scored in the background")
    expect(page.locator("[data-progress]")).to_have_text("0 of 2 results re-scored")

    run_periodic_jobs()            # the worker's first poll
    db.session.remove()
    expect(page.locator("[data-progress]")).to_have_text("1 of 2 results re-scored")
    run_periodic_jobs()
    db.session.remove()
    expect(page.locator("[data-run-summary]")).to_contain_text("2 results re-scored, 2 changed, 1 outcome(s) changed")
    expect(page.locator("[data-progress]")).to_have_count(0)
