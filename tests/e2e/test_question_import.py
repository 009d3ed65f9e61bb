"""Importing files in real Chromium (a CSV file; GIFT and Moodle XML files others wrote): the examiner uploads it, reads the preview, imports it, follows
the progress (htmx polling under the strict CSP) while the worker does a batch per poll, reads the report
and finds the questions in the bank. The batch is one question here."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).parents[1] / "fixtures"

CSV = ("type,skill,difficulty,stem,option_1,option_2,correct,accepted_answers\n"
       "MCQ,Geography,EASY,Which city is the capital of Peru?,Lima,Quito,a,\n"
       "SHORT_ANSWER,Grammar,,The past tense of “swim”?,,,,swam\n"
       "MCQ,Geography,,Two right?,A,B,\"a,b\",\n")


def test_an_examiner_imports_a_csv_file_and_finds_the_questions_in_the_bank(page, admin, factory, app, live_app,
                                                                              monkeypatch, tmp_path):
    for config in (app.config, live_app.config):
        monkeypatch.setitem(config, "IMPORT_BATCH_SIZE", 1)
    examiner = factory.staff(admin.institute, "examiner")
    path = tmp_path / "my bank.csv"
    path.write_text(CSV)
    browser_login(page, examiner.email)

    page.goto("/bank/questions")
    page.get_by_role("button", name="Import questions").click()
    expect(page.locator("[data-template]")).to_contain_text("CSV template")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    expect(page.locator("[data-preview-summary]")).to_have_text(
        "3 item(s) found: 2 can be imported, 1 will be skipped.")
    expect(page.locator('tr[data-item="line 4"]')).to_contain_text("Skipped: Mark exactly one option as correct.")
    expect(page.locator('tr[data-item="line 2"]')).to_contain_text("Geography (new)")
    page.get_by_role("button", name="Import 2 questions").click()
    expect(page.locator(".flash")).to_contain_text("2 questions are imported in the background")
    expect(page.locator("[data-progress]")).to_have_text("0 of 2 questions processed")

    run_periodic_jobs()            # the worker's first poll: one question
    db.session.remove()
    expect(page.locator("[data-progress]")).to_have_text("1 of 2 questions processed")
    run_periodic_jobs()
    db.session.remove()
    expect(page.locator("[data-run-summary]")).to_have_text("2 question(s) imported, 1 skipped, 0 failed.")
    expect(page.locator("[data-report]")).to_contain_text("line 4: Mark exactly one option as correct.")

    page.locator("[data-imported] a").first.click()
    expect(page.locator("body")).to_contain_text("Which city is the capital of Peru?")
    page.goto("/bank/questions")
    expect(page.locator("#question-rows")).to_contain_text("The past tense of “swim”?")
    expect(page.locator("#question-rows")).to_contain_text("Which city is the capital of Peru?")


@pytest.mark.parametrize("fixture, found, imported", [
    ("gift/tf2.gift", "2 item(s) found: 2 can be imported, 0 will be skipped.", 2),
    ("moodle/nested_categories_with_questions.xml", "5 item(s) found: 5 can be imported, 0 will be skipped.", 5),
])
def test_a_gift_and_a_moodle_file_others_wrote_import_through_the_console(page, admin, fixture, found, imported):
    browser_login(page, admin.email)
    page.goto("/bank/imports/new")
    page.get_by_label("File").set_input_files(str(FIXTURES / fixture))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(found)
    page.get_by_role("button", name=f"Import {imported} questions").click()
    run_periodic_jobs()
    db.session.remove()
    expect(page.locator("[data-run-summary]")).to_have_text(f"{imported} question(s) imported, 0 skipped, 0 failed.")
    expect(page.locator("[data-imported] li")).to_have_count(imported)
