"""The candidate's test in real Chromium with a fake camera: the whole journey of an invited candidate
through the check, the waiting room, the exam and the result; an open-link registration; closing the
browser and coming back; answering offline; and a deadline passing while the browser is closed.
The database is only used to set the scene, to admit (the proctor's screen comes later), to move a
deadline, and to check what the clicks stored."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import build_paper, items_by_type, paper_assessment, register, start
from tests.e2e.conftest import wait_in_page
from webapp.assessments.services import SectionInput
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.proctoring import services as proctoring
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, ProctorEvent, Response, Sitting, SittingStatus

pytestmark = pytest.mark.e2e

ALL_SAVED = "All answers saved"


@pytest.fixture
def paper(admin):
    return build_paper(admin)


@pytest.fixture
def make_exam(factory, admin, paper):
    def make(assessment: dict | None = None, **exam_settings):
        return factory.exam(admin, assessment=paper_assessment(admin, paper, **(assessment or {})), **exam_settings)
    return make


@pytest.fixture
def running(admin, make_exam):
    """An invited candidate's test, started through the services."""
    return start(register(admin, make_exam(access_type="ByInvitation")))


class Watched:
    """A browser context of the test's own (to close it, or to take it offline). A script error or a
    console error other than the expected ones fails the test."""

    def __init__(self, browser, live_server, expected: tuple[str, ...] = ()):
        self.context = browser.new_context(base_url=live_server)
        self.context.set_default_timeout(10_000)
        self.expected = expected
        self.errors: list[str] = []
        self.closed = False

    def page(self):
        tab = self.context.new_page()
        tab.on("console", self._console)
        tab.on("pageerror", lambda error: self.errors.append(str(error)))
        return tab

    def _console(self, message):
        if message.type == "error" and not any(expected in message.text for expected in self.expected):
            self.errors.append(message.text)

    def close(self):
        """Like closing the browser: the context's storage goes with it."""
        if not self.closed:
            self.closed = True
            self.context.close()


@pytest.fixture
def contexts(browser, live_server):
    opened: list[Watched] = []

    def open_context(expected: tuple[str, ...] = ()) -> Watched:
        opened.append(Watched(browser, live_server, expected))
        return opened[-1]

    yield open_context
    for watched in opened:
        watched.close()
    assert not [error for watched in opened for error in watched.errors]


def question(page):
    """The question on screen."""
    return page.locator("[data-question]:not([hidden])")


def palette_button(page, number: int):
    return page.locator(f"[data-goto='{number - 1}']")


def answer_each_type(page) -> None:
    """Questions 1 to 5 of the mixed paper, each answered right (the essay written), question 4 flagged."""
    question(page).get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Next").click()
    expect(question(page).get_by_role("heading")).to_have_text(re.compile("Question 2"))
    question(page).get_by_label("2", exact=True).check()
    question(page).get_by_label("6", exact=True).check()
    page.get_by_role("button", name="Next").click()
    question(page).get_by_label("Blank 1").fill("went")
    question(page).get_by_label("Blank 2").fill("slept")
    page.get_by_role("button", name="Next").click()
    question(page).get_by_label("Your answer").fill("Paris")
    question(page).get_by_label("Flag for review").check()
    page.get_by_role("button", name="Next").click()
    question(page).get_by_label("Your answer").fill("My town has a river and an old bridge.")
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)


def stored(sitting: Sitting) -> dict[str, Response]:
    db.session.expire_all()
    return {qtype: db.session.scalar(select(Response).where(Response.item_id == item.id))
            for qtype, item in items_by_type(sitting).items()}


# (a) The whole journey ---------------------------------------------------------------------------------

def test_the_whole_journey_of_an_invited_candidate(page, factory, admin, make_exam):
    exam = make_exam(access_type="ByInvitation", image_proctoring=True, candidate_auth_proctored=True,
                     admission_required=True, assessment={"show_report_to_candidate_on_exit": True})
    sitting = register(admin, exam)
    page.goto(f"/s/{sitting.access_token}")

    # The check: the browser passes; the camera waits for the consent; two photos from the fake camera.
    expect(page.get_by_role("heading", name="Before the test: a quick check")).to_be_visible()
    expect(page.locator("[data-check='storage'] .check-result")).to_have_text("✓ works")
    start_camera = page.get_by_role("button", name="Start the camera")
    expect(start_camera).to_be_disabled()
    page.get_by_label("I agree that the camera is used as described above.").check()
    start_camera.click()
    expect(page.locator("video[data-preview]")).to_be_visible()
    page.get_by_role("button", name="Take my photo").click()
    expect(page.get_by_alt_text("The photo of you that will be sent")).to_be_visible()
    page.get_by_role("button", name="Take a photo of my ID").click()
    expect(page.get_by_alt_text("The photo of your ID that will be sent")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    # The waiting room moves on by itself once a proctor admits the candidate.
    expect(page.get_by_role("heading", name="Please wait")).to_be_visible()
    db.session.expire_all()
    check = db.session.get(Sitting, sitting.id).check
    assert check["reference_photo"].endswith(".jpg") and check["id_photo"].endswith(".jpg")
    assert check["browser"]["localStorage"] == "True"
    proctoring.admit(admin, sitting.id)
    db.session.commit()
    page.get_by_role("button", name="Start the test").click(timeout=15_000)

    # The exam: one question at a time; the palette shows answered, flagged and current.
    expect(question(page).get_by_role("heading")).to_have_text("Question 1 of 5")
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))
    answer_each_type(page)
    for number in (1, 2, 3, 4, 5):
        expect(palette_button(page, number)).to_have_class(re.compile(r"\banswered\b"))
    expect(palette_button(page, 4)).to_have_class(re.compile(r"\bflagged\b"))
    expect(palette_button(page, 4)).to_have_attribute("aria-label", "Question 4: answered, flagged for review")
    expect(palette_button(page, 5)).to_have_attribute("aria-current", "")
    palette_button(page, 1).click()
    expect(question(page).get_by_label("4", exact=True)).to_be_checked()
    question(page).get_by_role("button", name="Clear my answer").click()
    expect(palette_button(page, 1)).not_to_have_class(re.compile(r"\banswered\b"))
    question(page).get_by_label("4", exact=True).check()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)

    # Finish: the summary, then the confirm; the done page with the result.
    page.get_by_role("button", name="Finish the test…").click()
    expect(page.locator("[data-count=answered]")).to_have_text("5")
    expect(page.locator("[data-count=flagged]")).to_have_text("1")
    expect(page.get_by_role("link", name="Question 4")).to_be_visible()
    page.get_by_role("button", name="Submit my answers and finish").click()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    # The essay waits for a grader: the result is not released, so the page says it is pending.
    expect(page.locator("[data-result-pending]")).to_contain_text("Your result is pending")
    expect(page.locator("[data-total-marks]")).to_have_count(0)
    db.session.expire_all()
    finished = db.session.get(Sitting, sitting.id)
    assert (finished.status, finished.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.NORMAL_SUBMISSION)
    answers = stored(finished)
    assert answers["FITB"].answer == {"blanks": ["went", "slept"]} and answers["SHORT_ANSWER"].flagged
    assert [answers[qtype].correct for qtype in ("MCQ", "MCA", "FITB", "SHORT_ANSWER")] == [True] * 4
    # Nothing of the test is left in the browser's storage once it is over (the done page's module script
    # forgets it, which may run a moment after the heading shows).
    wait_in_page(page, f"localStorage.getItem('proctora-sitting-{sitting.id}') === null",
                 "the test's answers were still in the browser's storage")


# (b) The open link ----------------------------------------------------------------------------------------

def test_an_open_link_registration_leads_into_the_test(page, make_exam):
    exam = make_exam(access_type="OpenForAll", assessment={"on_screen_calculator": True})
    page.goto(f"/t/{exam.access_key}")
    page.get_by_label("Email Address").fill("walk.in@example.com")
    page.get_by_label("First Name").fill("Walk")
    page.get_by_label("Last Name").fill("In")
    page.get_by_role("button", name="Register and continue").click()
    expect(page.get_by_role("heading", name="Before the test: a quick check")).to_be_visible()
    sitting = db.session.scalar(select(Sitting).where(Sitting.exam_id == exam.id))
    assert page.url.endswith(f"/s/{sitting.access_token}") and sitting.registered_by == "open link"
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start the test").click()
    expect(question(page).get_by_role("heading")).to_have_text("Question 1 of 5")

    # The calculator, by keyboard: 12 × 3 = 36 (once the page's scripts run: a click before is lost).
    page.wait_for_function("() => window.proctoraCalculator")
    page.get_by_role("button", name="Calculator").click()
    calculator = page.get_by_role("region", name="Calculator")
    calculator.get_by_role("button", name="Clear").press("1")
    page.keyboard.type("2*3=")
    expect(calculator.locator("[data-calculator-display]")).to_have_text("36")
    calculator.get_by_role("button", name="Divide").click()
    calculator.get_by_role("button", name="0", exact=True).click()
    calculator.get_by_role("button", name="Equals").click()
    expect(calculator.locator("[data-calculator-display]")).to_have_text("Error")


# (c) Closing the browser and coming back ------------------------------------------------------------------

def test_closing_the_browser_and_coming_back(contexts, running):
    first = contexts()
    page = first.page()
    page.goto(f"/s/{running.access_token}")
    answer_each_type(page)
    palette_button(page, 3).click()
    for _ in range(50):   # the position goes to the server a moment after the move
        db.session.expire_all()
        if db.session.get(Sitting, running.id).current_item == 2:
            break
        page.wait_for_timeout(100)
    first.close()

    db.session.expire_all()
    left = taking.remaining_seconds(db.session.get(Sitting, running.id))
    page = contexts().page()
    page.goto(f"/s/{running.access_token}")
    expect(question(page).get_by_role("heading")).to_have_text("Question 3 of 5")
    expect(question(page).get_by_label("Blank 1")).to_have_value("went")
    expect(question(page).get_by_label("Blank 2")).to_have_value("slept")
    timer = page.locator("[data-timer]").inner_text()
    minutes, seconds = (int(part) for part in timer.split(":"))
    assert abs(minutes * 60 + seconds - left) <= 3
    for number in (1, 2, 3, 4, 5):
        expect(palette_button(page, number)).to_have_class(re.compile(r"\banswered\b"))
    palette_button(page, 2).click()
    expect(question(page).get_by_label("2", exact=True)).to_be_checked()
    expect(question(page).get_by_label("3", exact=True)).not_to_be_checked()
    palette_button(page, 4).click()
    expect(question(page).get_by_label("Your answer")).to_have_value("Paris")
    expect(question(page).get_by_label("Flag for review")).to_be_checked()
    palette_button(page, 5).click()
    expect(question(page).get_by_label("Your answer")).to_have_value("My town has a river and an old bridge.")


def test_a_question_opened_from_the_finish_summary_is_where_the_time_counts(page, running):
    page.goto(f"/s/{running.access_token}")
    expect(question(page).get_by_role("heading")).to_have_text("Question 1 of 5")
    page.get_by_role("button", name="Finish the test…").click()
    page.get_by_role("link", name="Question 4").click()
    expect(question(page).get_by_role("heading")).to_have_text("Question 4 of 5")
    for _ in range(50):   # the position goes to the server a moment after the page shows the question
        db.session.expire_all()
        if db.session.get(Sitting, running.id).current_item == 3:
            break
        page.wait_for_timeout(100)
    assert db.session.get(Sitting, running.id).current_item == 3


# (d) Offline -------------------------------------------------------------------------------------------------

def test_answers_given_offline_are_kept_and_sent_when_the_connection_is_back(contexts, running):
    watched = contexts(expected=("ERR_INTERNET_DISCONNECTED",))
    page = watched.page()
    page.goto(f"/s/{running.access_token}")
    question(page).get_by_label("4", exact=True).check()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)

    watched.context.set_offline(True)
    palette_button(page, 4).click()
    question(page).get_by_label("Your answer").fill("Paris")
    palette_button(page, 2).click()
    question(page).get_by_label("6", exact=True).check()
    banner = page.get_by_role("alert").filter(has_text="You are offline")
    expect(banner).to_have_text("You are offline — your answers are kept on this device and will be sent when the "
                                "connection is back.")
    expect(page.locator("[data-save-status]")).to_have_text("Offline: 2 answers kept on this device")
    expect(question(page).locator("[data-item-state]")).to_have_text("Kept on this device")
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('proctora-sitting-{running.id}'))")
    unsent = [entry["answer"] for entry in kept["items"].values() if not entry["sent"]]
    assert {"text": "Paris"} in unsent and {"options": ["c"]} in unsent
    answers = stored(running)
    assert answers["SHORT_ANSWER"].answer is None and answers["MCA"].answer is None
    # Finishing now would lose them: the page says so and stays.
    page.get_by_role("button", name="Finish the test…").click()
    expect(page.get_by_role("alert").filter(has_text="Some answers are not sent yet")).to_be_visible()

    watched.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15_000)
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    answers = stored(running)
    assert answers["SHORT_ANSWER"].answer == {"text": "Paris"} and answers["MCA"].answer == {"options": ["c"]}
    assert answers["MCQ"].answer == {"option": "a"}


def test_answers_kept_offline_survive_closing_the_page(contexts, running):
    watched = contexts(expected=("ERR_INTERNET_DISCONNECTED",))
    page = watched.page()
    page.goto(f"/s/{running.access_token}")
    watched.context.set_offline(True)
    question(page).get_by_label("5", exact=True).check()
    expect(page.locator("[data-save-status]")).to_have_text("Offline: 1 answer kept on this device")
    page.close()
    watched.context.set_offline(False)
    page = watched.page()
    page.goto(f"/s/{running.access_token}")
    expect(question(page).get_by_label("5", exact=True)).to_be_checked()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    answer = stored(running)["MCQ"]
    assert answer.answer == {"option": "b"} and answer.version >= 1


# (e) The deadline passes while the browser is closed ---------------------------------------------------------

def test_a_deadline_passing_while_the_browser_is_closed(contexts, running):
    first = contexts()
    page = first.page()
    page.goto(f"/s/{running.access_token}")
    palette_button(page, 4).click()
    question(page).get_by_label("Your answer").fill("Paris")
    question(page).get_by_label("Your answer").blur()
    expect(page.locator("[data-save-status]")).to_have_text(ALL_SAVED)
    first.close()

    sitting = db.session.get(Sitting, running.id)
    sitting.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert taking.close_overdue_sittings() == 1
    db.session.commit()
    db.session.expire_all()
    sitting = db.session.get(Sitting, running.id)
    assert (sitting.status, sitting.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.EXPIRED)
    assert sitting.total_marks == 2 and stored(sitting)["SHORT_ANSWER"].correct is True

    page = contexts().page()
    page.goto(f"/s/{running.access_token}")
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    expect(page.get_by_text("The time for the test ran out")).to_be_visible()


# The clock running out with the page open ------------------------------------------------------------------

def test_the_page_goes_to_the_done_page_when_the_time_is_up(page, admin, make_exam):
    sitting = register(admin, make_exam(access_type="ByInvitation"))
    start(sitting, now=utcnow() - timedelta(minutes=30) + timedelta(seconds=4))
    page.goto(f"/s/{sitting.access_token}")
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^0:0[0-4]$"))
    question(page).get_by_label("4", exact=True).check()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("The time for the test ran out")).to_be_visible()
    answer = stored(sitting)["MCQ"]
    assert answer.answer == {"option": "a"} and answer.correct is True


# Timed sections --------------------------------------------------------------------------------------------------

@pytest.fixture
def timed_exam(make_exam, paper):
    return make_exam(access_type="ByInvitation", assessment={"name": "Two timed parts", "duration": None, "sections": [
        SectionInput(name="Part one", duration=5, question_ids=paper[:2]),
        SectionInput(name="Part two", duration=5, question_ids=paper[2:])]})


def test_a_timed_sections_deadline_moves_the_page_to_the_next_section(page, admin, timed_exam):
    sitting = register(admin, timed_exam)
    start(sitting, now=utcnow() - timedelta(minutes=5) + timedelta(seconds=4))
    page.goto(f"/s/{sitting.access_token}")
    expect(page.locator("#time-label")).to_have_text("Time left in this section")
    expect(question(page).locator(".section-name")).to_have_text("Part one")
    expect(question(page).locator(".section-name")).to_have_text("Part two", timeout=15_000)
    expect(question(page).get_by_role("heading")).to_have_text("Question 3 of 5")
    expect(page.locator("[data-goto]")).to_have_count(3)
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^[45]:\d\d$"))


def test_moving_on_to_the_next_section_asks_first(page, admin, timed_exam):
    sitting = start(register(admin, timed_exam))
    page.goto(f"/s/{sitting.access_token}")
    question(page).get_by_label("4", exact=True).check()
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Next section").click()
    expect(question(page).locator(".section-name")).to_have_text("Part one")
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Next section").click()
    expect(question(page).locator(".section-name")).to_have_text("Part two")
    assert dialogs == ["Move on to the next section? This section then closes for good: you cannot come back to it."] * 2
    expect(page.get_by_role("button", name="Next section")).to_have_count(0)
    assert stored(sitting)["MCQ"].answer == {"option": "a"}   # saved before the section closed


# Copy and paste, and a save that comes too late -------------------------------------------------------------------

def test_copy_and_paste_are_blocked_and_recorded(page, running):
    page.goto(f"/s/{running.access_token}")
    palette_button(page, 4).click()
    answer = question(page).get_by_label("Your answer")
    answer.fill("Paris")
    answer.press("Control+a")
    answer.press("Control+c")
    expect(page.get_by_role("alert").filter(has_text="Copying and pasting are turned off")).to_be_visible()
    answer.press("Control+v")
    question(page).locator(".stem").click(button="right")
    for _ in range(50):
        db.session.expire_all()
        kinds = set(db.session.scalars(select(ProctorEvent.kind).where(ProctorEvent.sitting_id == running.id)))
        if {"copy_attempt", "paste_attempt", "context_menu_attempt"} <= kinds:
            break
        page.wait_for_timeout(100)
    assert {"copy_attempt", "paste_attempt", "context_menu_attempt"} <= kinds
    expect(answer).to_have_value("Paris")


def test_a_save_after_the_deadline_says_so_and_ends_on_the_done_page(contexts, running):
    page = contexts(expected=("409",)).page()
    page.goto(f"/s/{running.access_token}")
    sitting = db.session.get(Sitting, running.id)
    sitting.deadline = utcnow() - timedelta(seconds=1)   # the page still counts down from its last clock
    db.session.commit()
    question(page).get_by_label("4", exact=True).check()
    expect(page.get_by_role("alert").filter(has_text="The time for this test is over")).to_be_visible()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    assert stored(running)["MCQ"].answer is None
