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
    # The question text is written in the rich-text editor: "prime" in bold with Ctrl+B.
    page.get_by_role("textbox", name="Question text").click()
    page.keyboard.type("Which numbers are ")
    page.keyboard.press("Control+b")
    page.keyboard.type("prime")
    page.keyboard.press("Control+b")
    page.keyboard.type("?")
    rows = page.locator("#option-rows [data-row]")
    for index, text in enumerate(["2", "4", "5", "9"]):
        rows.nth(index).get_by_role("textbox", name="Option text").fill(text)
    rows.nth(1).get_by_role("button", name="Remove this option").click()
    page.get_by_role("button", name="Add an option").click()
    page.get_by_role("button", name="Add an option").click()
    names = [rows.nth(n).locator("textarea[data-rich-text]").get_attribute("name") for n in range(rows.count())]
    assert len(names) == len(set(names)) == 5
    rows.nth(3).get_by_role("textbox", name="Option text").fill("7")
    rows.nth(0).get_by_label("Correct").check()
    rows.nth(1).get_by_label("Correct").check()
    rows.nth(3).get_by_label("Correct").check()
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")

    assert page.locator(".flash-success").inner_text().endswith("is saved.")
    assert page.locator(".question-stem strong").inner_text() == "prime"
    db.session.expire_all()
    question = db.session.scalars(select(Question)).one()
    assert [(option["html"], option["correct"]) for option in question.options] == [
        ("2", True), ("5", True), ("9", False), ("7", True)]


def test_a_fill_in_with_its_matching_options_in_the_browser(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new?type=FITB")
    page.select_option("#skill_id", label="Grammar")
    page.get_by_role("textbox", name="Question text").fill("I [[1]] like it; it costs [[2]] euros.")
    page.get_by_role("button", name="Add a blank").click()
    rows = page.locator("#blank-rows [data-row]")
    rows.nth(0).get_by_label("Accepted answers for blank").fill("don't | do not")
    rows.nth(0).get_by_label("Curly and straight quotes differ").check()
    # The added row has its own options, every one forgiving until ticked.
    assert [box.is_checked() for box in rows.nth(1).get_by_role("checkbox").all()] == [False] * 6
    rows.nth(1).get_by_label("Accepted answers for blank").fill("8.40")
    rows.nth(1).get_by_label("Numbers may differ by (±)").fill("0.05")
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")

    assert page.locator(".answer-key li .matching").all_inner_texts() == [
        "Ignores capitals, extra spaces, look-alike characters and punctuation at the end; reads numbers as numbers"
        " (8,40 is 8.40).",
        "Ignores capitals, extra spaces, curly or straight quotes, look-alike characters and punctuation at the end;"
        " reads numbers as numbers (8,40 is 8.40), within ±0.05."]
    db.session.expire_all()
    first, second = db.session.scalars(select(Question)).one().answer_keys
    assert first.accepts("DO NOT.") and not first.accepts("don’t")
    assert second.accepts("8,45") and not second.accepts("8,46")


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
