"""A wrong key corrected in real Chromium: the examiner ticks the right option in the question's editor,
the question's page warns that two finished results used the earlier key, the preview lists what a
re-score changes (Bob's 1 of 3, not passed, becomes 2 of 3, passed), and one confirmed action applies
it; Bob's result page then shows him passed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from tests.results.helpers import sittings_with_a_wrong_key

pytestmark = pytest.mark.e2e


def test_correct_a_key_preview_the_re_score_and_apply_it(page, admin, factory):
    ann, bob, third = sittings_with_a_wrong_key(admin, factory)
    examiner = factory.staff(admin.institute, "examiner", name="Erin Examiner")
    browser_login(page, examiner.email)

    page.goto(f"/bank/questions/{third}")
    expect(page.locator("[data-outdated-results]")).to_have_count(0)
    page.get_by_role("button", name="Edit").click()
    options = page.locator("#option-rows [data-row]")
    for row in range(options.count()):
        # "wrong" is the answer this question wants; "right" was ticked by mistake.
        option = options.nth(row)
        option.locator("input[type=checkbox], input[type=radio]").set_checked(
            option.get_by_role("textbox", name="Option text").inner_text() == "wrong")
    page.get_by_role("button", name="Save the question").click()

    expect(page.locator("[data-outdated-results]")).to_contain_text("2 finished results used an earlier key")
    page.get_by_role("link", name="See what a re-score would change").click()
    expect(page.locator("[data-rescore-summary]")).to_contain_text("2 result(s) change, 1 outcome(s) change.")
    bob_row = page.locator(f"tr[data-sitting='{bob.id}']")
    expect(bob_row.locator("td")).to_have_text(["1", "2", "not passed", "passed"])

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Re-score these results").click()
    expect(page.locator(".flash")).to_contain_text("2 result(s) re-scored with the current key: 2 changed, "
                                                   "1 outcome(s) changed.")
    expect(page.locator("[data-outdated-results]")).to_have_count(0)

    page.goto(f"/sittings/{bob.id}/result")
    expect(page.locator("[data-field=marks]").first).to_have_text("2 of 3")
    expect(page.locator("[data-field=outcome]")).to_contain_text("passed")
