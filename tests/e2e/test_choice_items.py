"""True or false, matching and ordering items answered in real Chromium: with the keyboard alone, and by
touch on a phone-sized screen; the answers are saved, come back after a reload, and the result shows the
marks computed by hand."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import items_by_type, paper_assessment, register, start
from tests.e2e.test_candidate_journey import ALL_SAVED, question, stored
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db

pytestmark = pytest.mark.e2e

CAPITALS = ["France", "Spain", "Italy", "Texas"]


@pytest.fixture
def choice_sitting(factory, admin):
    """True or false (1 mark), matching (4 marks, partial credit), ordering (3 marks, partial credit), in
    that order; the result is shown on the done page."""
    skill_id = create_skill(admin, "Mixed").id
    questions = [
        dict(type="TRUE_FALSE", stem="<p>Water boils at 100 °C at sea level.</p>", marks=1,
             options=[{"html": "True", "correct": True}, {"html": "False"}]),
        dict(type="MATCHING", stem="<p>Match each place with its capital.</p>", marks=4, partial_credit=True,
             options=[{"html": name, "match": index} for index, name in enumerate(CAPITALS)],
             targets=[{"html": "Paris"}, {"html": "Madrid"}, {"html": "Rome"}, {"html": "Austin"}, {"html": "Lyon"}]),
        dict(type="ORDERING", stem="<p>Smallest first.</p>", marks=3, partial_credit=True,
             options=[{"html": "one"}, {"html": "two"}, {"html": "three"}]),
    ]
    ids = [create_question(admin, QuestionInput(skill_id=skill_id, difficulty="EASY", **spec)).id for spec in questions]
    db.session.commit()
    exam = factory.exam(admin, assessment=paper_assessment(admin, ids, show_report_to_candidate_on_exit=True),
                        access_type="ByInvitation")
    return start(register(admin, exam))


def _rows(page) -> list[str]:
    return [text.strip() for text in question(page).locator("[data-option] .order-text").all_inner_texts()]


def _put_in_order(page, press) -> None:
    """Moves rows up until they read one, two, three; `press(button)` presses a Move up button."""
    wanted = ["one", "two", "three"]
    for place, text in enumerate(wanted):
        while (rows := _rows(page)).index(text) > place:
            press(question(page).locator("[data-option]").nth(rows.index(text)).get_by_role("button", name="Move up"))
    assert _rows(page) == wanted


def test_each_item_answered_with_the_keyboard_kept_through_a_reload_and_scored(page, choice_sitting):
    page.goto(f"/s/{choice_sitting.access_token}")
    question(page).get_by_label("True").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")

    # Matching: type-ahead in each closed select; France and Italy right, Spain wrong, Texas left open.
    for premise, typed in (("France", "Paris"), ("Spain", "Lyon"), ("Italy", "Rome")):
        question(page).get_by_label(premise).focus()
        page.keyboard.type(typed)
    expect(question(page).get_by_label("Spain")).to_have_value(
        question(page).locator("select[data-premise] option", has_text="Lyon").first.get_attribute("value"))
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")

    # Ordering: Enter on Move up, and Alt+Down once, each move announced.
    first = question(page).locator("[data-option]").first.get_by_role("button", name="Move down")
    moved = _rows(page)[0]
    first.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(question(page).locator("[data-order-status]")).to_have_text(f"{moved}: now in place 2 of 3")
    expect(page.locator(":focus")).to_have_text("Move down")

    def press(button):
        button.focus()
        page.keyboard.press("Enter")
    _put_in_order(page, press)
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)

    answers = stored(choice_sitting)
    items = items_by_type(choice_sitting)
    assert answers["TRUE_FALSE"].answer == {"option": "a"}
    assert answers["ORDERING"].answer == {"order": items["ORDERING"].key["order"]}
    targets = {target["html"]: target["id"] for target in items["MATCHING"].targets}
    premises = {premise["html"]: premise["id"] for premise in items["MATCHING"].premises}
    assert answers["MATCHING"].answer == {"pairs": {premises["France"]: targets["Paris"],
                                                    premises["Spain"]: targets["Lyon"], premises["Italy"]: targets["Rome"]}}

    page.reload()
    expect(question(page).get_by_role("heading")).to_contain_text("Question 3")
    assert _rows(page) == ["one", "two", "three"]
    page.get_by_role("button", name="Previous").click()
    expect(question(page).get_by_label("Italy")).to_have_value(targets["Rome"])
    expect(question(page).get_by_label("Texas")).to_have_value("")
    page.get_by_role("button", name="Previous").click()
    expect(question(page).get_by_label("True")).to_be_checked()

    page.get_by_role("button", name="Finish the test…").click()
    page.get_by_role("button", name="Submit my answers and finish").click()
    # 1 (true) + 4 x 2/4 (two capitals of four) + 3 (the right order) = 6 of 8.
    expect(page.locator("[data-total-marks]")).to_have_text("6")


def test_matching_and_ordering_on_a_phone(browser, live_server, choice_sitting):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"/s/{choice_sitting.access_token}")
        question(page).get_by_text("False").tap()
        page.get_by_role("button", name="Next").tap()
        items = items_by_type(choice_sitting)
        targets = {target["html"]: target["id"] for target in items["MATCHING"].targets}
        for premise, target in zip(CAPITALS, ("Paris", "Madrid", "Rome", "Austin")):
            question(page).get_by_label(premise).select_option(targets[target])
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="Next").tap()
        _put_in_order(page, lambda button: button.tap())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
        page.reload()
        assert _rows(page) == ["one", "two", "three"]
        page.get_by_role("button", name="Finish the test…").tap()
        page.get_by_role("button", name="Submit my answers and finish").tap()
        # 0 (false is wrong, no negative marks) + 4 + 3.
        expect(page.locator("[data-total-marks]")).to_have_text("7")
    finally:
        context.close()
    assert not errors, errors


@pytest.mark.parametrize("language", ["en", "ar"])
def test_axe_finds_no_serious_violation_on_the_newer_items(browser, live_server, choice_sitting, language):
    from tests.e2e.test_accessibility import PHONE, problems_of

    context = browser.new_context(base_url=live_server, viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"/s/{choice_sitting.access_token}?lang={language}")
        found = {}
        for name in ("true or false", "matching", "ordering"):
            if name != "true or false":
                page.locator("[data-next]").click()
            found[name] = problems_of(page)
    finally:
        context.close()
    assert not any(found.values()), found
