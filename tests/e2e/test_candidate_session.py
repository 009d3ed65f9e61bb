"""A candidate's answer is never lost without the candidate knowing (issue 11 §2), in real Chromium: the
session cookie gone mid-exam (cleared, or unreadable after a restart with a new SECRET_KEY) costs
nothing, since the sitting's link authorises the page; an answer the server refuses is never shown as
saved, stays queued on the device (through a reload) and goes out once the server takes it; and another
site's form cannot post for the candidate."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import items_by_type, register
from tests.e2e.test_candidate_journey import (  # noqa: F401  (fixtures: contexts, make_exam, paper, running)
    ALL_SAVED, contexts, make_exam, paper, palette_button, question, running, stored)
from tests.e2e.conftest import wait_in_page
from webapp.core.extensions import db
from webapp.sittings.models import Sitting, SittingStatus

pytestmark = pytest.mark.e2e

ANSWERED = re.compile(r"\banswered\b")
UNSAVED = re.compile(r"\bunsaved\b")


@pytest.fixture
def new_secret_key(live_app):
    """The served app as if restarted with another SECRET_KEY: every cookie it signed before is void."""
    before = live_app.config["SECRET_KEY"]
    yield lambda: live_app.config.update(SECRET_KEY="a-key-the-old-cookies-were-not-signed-with")
    live_app.config["SECRET_KEY"] = before


@pytest.fixture
def request_limit(live_app):
    """The served app's request size limit, lowered by a test and restored after it."""
    before = live_app.config["MAX_CONTENT_LENGTH"]
    yield lambda limit: live_app.config.update(MAX_CONTENT_LENGTH=limit)
    live_app.config["MAX_CONTENT_LENGTH"] = before


def _answer_and_reload(page, sitting) -> None:
    """Answers two questions, then checks they are stored and come back after a reload."""
    question(page).get_by_label("5", exact=True).check()
    palette_button(page, 4).click()
    question(page).get_by_label("Your answer").fill("Paris")
    question(page).get_by_label("Your answer").blur()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    answers = stored(sitting)
    assert answers["MCQ"].answer == {"option": "b"} and answers["SHORT_ANSWER"].answer == {"text": "Paris"}
    page.reload()
    expect(palette_button(page, 4)).to_have_class(ANSWERED)
    palette_button(page, 4).click()
    expect(question(page).get_by_label("Your answer")).to_have_value("Paris")
    palette_button(page, 1).click()
    expect(question(page).get_by_label("5", exact=True)).to_be_checked()


def test_answers_are_saved_after_the_cookies_are_cleared_mid_exam(page, running):
    page.goto(f"/s/{running.access_token}")
    question(page).get_by_label("4", exact=True).check()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    page.context.clear_cookies()
    _answer_and_reload(page, running)


def test_answers_are_saved_after_a_restart_with_a_new_secret_key(page, running, new_secret_key):
    page.goto(f"/s/{running.access_token}")
    question(page).get_by_label("4", exact=True).check()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    new_secret_key()
    _answer_and_reload(page, running)


def test_the_check_works_with_the_cookies_cleared(page, admin, make_exam):
    sitting = register(admin, make_exam(image_proctoring=True, candidate_auth_proctored=True))
    page.goto(f"/s/{sitting.access_token}")
    page.get_by_label("I agree that the camera is used as described above.").check()
    page.get_by_role("button", name="Start the camera").click()
    page.get_by_role("button", name="Take my photo").click()
    page.get_by_role("button", name="Take a photo of my ID").click()
    expect(page.get_by_alt_text("The photo of your ID that will be sent")).to_be_visible()
    page.context.clear_cookies()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Start the test")).to_be_visible()
    db.session.expire_all()
    check = db.session.get(Sitting, sitting.id).check
    assert check["reference_photo"].endswith(".jpg") and check["id_photo"].endswith(".jpg")


def test_nothing_can_be_chosen_before_the_pages_script_has_started(page, running):
    """On a slow connection the questions show before the page's script runs; an answer chosen then would
    never be sent, and the script's first pass would undo it without a word. The questions stay inert."""
    held = []
    page.route("**/js/exam.js*", lambda route: held.append(route))   # the page's script, held back until released
    page.goto(f"/s/{running.access_token}", wait_until="commit")
    option = question(page).get_by_label("4", exact=True)
    expect(option).to_be_visible()
    option.click(force=True)   # where a person's click would land; nothing under an inert question takes it
    expect(option).not_to_be_checked()

    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    held[0].continue_()
    wait_in_page(page, "window.proctoraExam !== undefined", "the page's script has started")
    option.check()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    assert stored(running)["MCQ"].answer == {"option": "a"}


def test_a_refused_answer_is_never_shown_as_saved_and_goes_out_once_the_server_takes_it(
        contexts, running, request_limit):
    page = contexts(expected=("413",)).page()
    page.goto(f"/s/{running.access_token}")
    request_limit(200)   # a save of the essay below is now too large for the server
    essay = "My town has a river, an old stone bridge and a market on Saturdays. " * 4
    palette_button(page, 5).click()
    question(page).get_by_label("Your answer").fill(essay)
    question(page).get_by_label("Your answer").blur()

    notice = page.locator("[data-unsaved]")
    expect(notice).to_have_text(re.compile(
        r"^Your answer to question 5 is not saved: .+ It is kept on this device and sent again every few seconds\. "
        r"Keep this page open\. If this message does not go away, reload the page; if it is still there, tell the "
        r"organiser of your test\.$"))
    expect(page.locator("[data-save-status]")).to_have_text("Not saved: 1 answer kept on this device")
    expect(question(page).locator("[data-item-state]")).to_have_text(re.compile("^Not saved: "))
    expect(palette_button(page, 5)).to_have_class(UNSAVED)
    expect(palette_button(page, 5)).not_to_have_class(ANSWERED)
    assert stored(running)["LONG_ANSWER"].answer is None

    # Still queued after a reload: the page brings it back from the device and tries again.
    page.reload()
    palette_button(page, 5).click()
    expect(question(page).get_by_label("Your answer")).to_have_value(essay)
    expect(notice).to_be_visible()

    request_limit(8 * 1024 * 1024)
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED, timeout=15_000)
    expect(notice).to_be_hidden()
    expect(palette_button(page, 5)).to_have_class(ANSWERED)
    expect(palette_button(page, 5)).not_to_have_class(UNSAVED)
    assert stored(running)["LONG_ANSWER"].answer == {"text": essay}


ATTACKER = "http://attacker.example/"


def test_another_sites_form_cannot_answer_or_finish_for_the_candidate(contexts, live_server, running):
    """Both posts arrive without any session check (the candidate's are exempt from it): the origin does it."""
    watched = contexts(expected=("403",))
    item = items_by_type(running)["MCQ"]
    link = f"{live_server}/s/{running.access_token}"
    # A plain-text form that makes its body look like the page's JSON save.
    forged = f'{{"item_id": {item.id}, "answer": {{"option": "a"}}, "version": 99, "x": "'
    watched.context.route(f"{ATTACKER}**", lambda route: route.fulfill(content_type="text/html", body=f"""
        <form method="post" action="{link}/answers" enctype="text/plain">
          <input type="hidden" name='{forged}' value='"}}'><button>Win a prize</button></form>
        <form method="post" action="{link}/finish"><button>Claim it</button></form>"""))
    page = watched.page()
    for button in ("Win a prize", "Claim it"):
        page.goto(ATTACKER)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("heading", name="Refused")).to_be_visible()
        assert page.url.startswith(link)
    db.session.expire_all()
    assert db.session.get(Sitting, running.id).status == SittingStatus.EXAM_STARTED
    assert stored(running)["MCQ"].answer is None
