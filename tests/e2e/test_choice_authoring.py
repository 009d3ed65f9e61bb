"""Writing matching and ordering questions in real Chromium: the type <select> swaps in their rows (partial
credit ticked by default), pairs are added and removed, and a row removed from the middle is not brought
back as a copy of the last one when the question is saved."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import browser_login
from webapp.bank import services
from webapp.bank.models import Question
from webapp.core.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Geography")
    db.session.commit()
    return skill


def test_writing_a_matching_question(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new")
    page.select_option("#type", "MATCHING")
    page.wait_for_selector(".pair-row")
    expect(page.locator("#partial_credit")).to_be_checked()
    page.select_option("#skill_id", label="Geography")
    page.get_by_role("textbox", name="Question text").fill("Match the capitals.")   # the rich-text editor
    rows = page.locator("#option-rows [data-row]")
    rows.nth(0).get_by_role("textbox", name="Item").fill("France")
    rows.nth(0).get_by_label("Its match").fill("Paris")
    rows.nth(1).get_by_role("textbox", name="Item").fill("Spain")
    rows.nth(1).get_by_label("Its match").fill("Madrid")
    rows.nth(2).get_by_role("button", name="Remove this pair").click()
    page.get_by_role("button", name="Add a pair").click()
    rows.nth(3).get_by_role("textbox", name="Item").fill("Texas")
    rows.nth(3).get_by_label("Its match").fill("Austin")
    page.get_by_label("Answers that match nothing (distractors)").fill("Lyon")
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")
    expect(page.locator(".key-pairs li")).to_have_text(["France → Paris", "Spain → Madrid", "Texas → Austin"])
    db.session.expire_all()
    question = db.session.scalars(select(Question)).one()
    assert [target["html"] for target in question.targets] == ["Paris", "Madrid", "Austin", "Lyon"]
    assert question.partial_credit is True


def test_writing_an_ordering_question_with_a_row_removed(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new?type=ORDERING")
    page.select_option("#skill_id", label="Geography")
    page.get_by_role("textbox", name="Question text").fill("North to south.")
    rows = page.locator("#option-rows [data-row]")
    for index, text in enumerate(["Oslo", "Paris", "Rome", "Madrid"]):
        rows.nth(index).get_by_role("textbox", name="Option text").fill(text)
    rows.nth(2).get_by_role("button", name="Remove this option").click()
    expect(rows.locator("[data-row-number]")).to_have_text(["1", "2", "3"])
    page.get_by_label("Partial credit").uncheck()
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")
    expect(page.locator(".key-order li")).to_have_text(["Oslo", "Paris", "Madrid"])
    db.session.expire_all()
    assert db.session.scalars(select(Question)).one().partial_credit is False
