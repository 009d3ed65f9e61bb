"""The question form and the list in real Chromium (CSRF on, strict CSP): the type <select> swaps in
its fields through htmx, option rows are added and removed, the filters update the rows in place."""
import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login
from webapp.bank import services
from webapp.bank.models import Question
from webapp.core.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Grammar")
    db.session.commit()
    return skill


def test_writing_a_question_in_the_browser(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new")
    page.select_option("#type", "FITB")
    page.wait_for_selector("#blank-rows")
    assert page.locator("#option-rows").count() == 0
    page.select_option("#type", "MCA")
    page.wait_for_selector("#option-rows")

    page.select_option("#skill_id", label="Grammar")
    page.fill("#stem", "<p>Which numbers are <b>prime</b>?</p>")
    rows = page.locator("#option-rows [data-row]")
    for index, text in enumerate(["2", "4", "5", "9"]):
        rows.nth(index).locator("input[type=text]").fill(text)
    rows.nth(1).get_by_role("button", name="Remove this option").click()
    page.get_by_role("button", name="Add an option").click()
    page.get_by_role("button", name="Add an option").click()
    names = [rows.nth(n).locator("input[type=text]").get_attribute("name") for n in range(rows.count())]
    assert len(names) == len(set(names)) == 5
    rows.nth(3).locator("input[type=text]").fill("7")
    rows.nth(0).get_by_label("Correct").check()
    rows.nth(1).get_by_label("Correct").check()
    rows.nth(3).get_by_label("Correct").check()
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")

    assert page.locator(".flash-success").inner_text().endswith("is saved.")
    assert page.locator(".question-stem b").inner_text() == "prime"
    db.session.expire_all()
    question = db.session.scalars(select(Question)).one()
    assert [(option["html"], option["correct"]) for option in question.options] == [
        ("2", True), ("5", True), ("9", False), ("7", True)]


def test_the_filters_update_the_rows_in_place(page, admin, skill):
    for stem, qtype, extra in [("<p>We [[1]] home.</p>", "FITB", {"blanks": [{"accepted": ["went"]}]}),
                               ("<p>Describe a dog.</p>", "LONG_ANSWER", {})]:
        services.create_question(admin, services.QuestionInput(type=qtype, skill_id=skill.id, difficulty="EASY",
                                                               stem=stem, **extra))
    db.session.commit()
    browser_login(page, admin.email)
    page.goto("/bank/questions")
    assert page.locator(".question-table tbody tr").count() == 2
    marker = page.evaluate("() => (window.stillTheSamePage = true)")
    page.select_option("#type", "FITB")
    page.wait_for_url("**/bank/questions?*type=FITB*")
    page.wait_for_function("() => document.querySelectorAll('.question-table tbody tr').length === 1")
    assert page.locator(".question-table tbody td").nth(1).inner_text() == "We [[1]] home."
    assert page.evaluate("() => window.stillTheSamePage") is marker
