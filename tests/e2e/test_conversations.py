"""The conversation in real Chromium with two browser contexts, a candidate's and a proctor's: messages both
ways (unread in the monitor, read on the sitting's page, the panel on the exam page), a message typed offline
sent once when the connection is back, the panel on a phone never covering the question, and a reviewer
stepping to a flagged moment with the keyboard."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import JPEG, register, start
from tests.e2e.conftest import browser_login
from tests.e2e import test_candidate_journey, test_proctoring
from webapp.core.extensions import db
from webapp.proctoring import services
from webapp.proctoring.models import CandidateMessage, MessageAuthor
from webapp.sittings import taking

pytestmark = pytest.mark.e2e

# The proctoring tests' fixtures: an exam with a proctor pool, two browser contexts, a clock polled every second.
paper, proctor, make_exam = test_proctoring.paper, test_proctoring.proctor, test_proctoring.make_exam
two, fast_clock = test_proctoring.two, test_proctoring.fast_clock
_wait_for = test_proctoring._wait_for
contexts = test_candidate_journey.contexts   # contexts of one's own, to take offline


def _messages(sitting_id) -> list[tuple[MessageAuthor, str]]:
    db.session.expire_all()
    return [(message.author, message.body) for message in db.session.scalars(
        select(CandidateMessage).where(CandidateMessage.sitting_id == sitting_id).order_by(CandidateMessage.id))]


def _write(candidate, text: str) -> None:
    candidate.get_by_label("Your message").fill(text)
    candidate.locator("[data-conversation-form]").get_by_role("button", name="Send").click()


def test_a_proctor_and_a_candidate_exchange_messages(two, admin, make_exam, proctor, fast_clock):
    sitting = start(register(admin, make_exam()))
    candidate, staff = two(), two()
    candidate.goto(f"/s/{sitting.access_token}")
    toggle = candidate.locator("[data-conversation-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(candidate.locator("#conversation")).to_be_hidden()
    toggle.focus()
    candidate.keyboard.press("Enter")   # opens by the keyboard, with the focus in the box
    expect(candidate.get_by_label("Your message")).to_be_focused()
    _write(candidate, "Is a dictionary allowed?")
    expect(candidate.locator("[data-conversation-log] li.mine").last).to_have_attribute("data-state", "messageSent")
    expect(candidate.locator("[data-conversation-status]")).to_have_text("Sent")

    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/exams/{sitting.exam_id}/monitor")
    unread = staff.locator(f"tr[data-sitting-id='{sitting.id}'] [data-unread] a")
    expect(unread).to_have_text("1")
    unread.click()
    expect(staff.locator("[data-conversation] li[data-author='candidate']")).to_contain_text("Is a dictionary allowed?")

    staff.get_by_label("Message to the candidate").fill("No, please answer without one.")
    staff.get_by_role("button", name="Send").click()
    expect(candidate.locator("[data-proctor-message]")).to_have_text(
        "Message from your proctor: No, please answer without one.")
    expect(candidate.locator("[data-conversation-log] li.theirs")).to_contain_text("No, please answer without one.")

    # The candidate answers; the sitting's page shows it by itself (htmx) and has read it.
    _write(candidate, "OK, thank you.")
    expect(staff.locator("[data-conversation] li[data-author='candidate']").last).to_contain_text(
        "OK, thank you.", timeout=15_000)
    assert _messages(sitting.id) == [(MessageAuthor.CANDIDATE, "Is a dictionary allowed?"),
                                     (MessageAuthor.PROCTOR, "No, please answer without one."),
                                     (MessageAuthor.CANDIDATE, "OK, thank you.")]
    assert _wait_for(lambda: all(message.read_at for message in db.session.scalars(select(CandidateMessage).where(
        CandidateMessage.author == MessageAuthor.CANDIDATE, CandidateMessage.sitting_id == sitting.id))
        .all()) or db.session.expire_all())
    staff.goto(f"/proctoring/exams/{sitting.exam_id}/monitor")
    expect(staff.locator(f"tr[data-sitting-id='{sitting.id}'] [data-unread]")).to_have_text("")

    # After a reload the page shows the whole conversation.
    candidate.reload()
    candidate.locator("[data-conversation-toggle]").click()
    expect(candidate.locator("[data-conversation-log] li")).to_have_count(3)


def test_a_message_typed_offline_is_sent_once_when_the_connection_is_back(contexts, admin, make_exam):
    sitting = start(register(admin, make_exam()))
    watched = contexts(expected=("ERR_INTERNET_DISCONNECTED",))
    candidate = watched.page()
    candidate.goto(f"/s/{sitting.access_token}")
    candidate.locator("[data-conversation-toggle]").click()
    watched.context.set_offline(True)
    _write(candidate, "My connection keeps dropping.")
    line = candidate.locator("[data-conversation-log] li.mine")
    expect(line).to_have_attribute("data-state", "messageKept")
    # Kept on this device: a reload while offline would lose nothing; back online it goes out once.
    assert "My connection keeps dropping." in candidate.evaluate(
        f"() => localStorage.getItem('proctora-sitting-{sitting.id}-messages')")
    watched.context.set_offline(False)
    candidate.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(line).to_have_attribute("data-state", "messageSent")
    assert candidate.evaluate(f"() => localStorage.getItem('proctora-sitting-{sitting.id}-messages')") == "[]"
    assert _messages(sitting.id) == [(MessageAuthor.CANDIDATE, "My connection keeps dropping.")]


def test_the_panel_on_a_phone_does_not_cover_the_question(two, admin, make_exam):
    sitting = start(register(admin, make_exam()))
    candidate = two()
    candidate.set_viewport_size({"width": 390, "height": 844})
    candidate.goto(f"/s/{sitting.access_token}")
    candidate.locator("[data-conversation-toggle]").click()
    panel = candidate.locator("#conversation")
    expect(panel).to_be_visible()
    question = candidate.locator("[data-question]:visible")
    heading = question.locator("h2")
    heading.scroll_into_view_if_needed()
    box = heading.bounding_box()
    # What is at the heading's centre is the heading itself, not the panel or anything else over it.
    hit = candidate.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('[data-question]') !== null",
                             [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit
    panel_box, question_box = panel.bounding_box(), question.bounding_box()
    assert panel_box["y"] + panel_box["height"] <= question_box["y"]
    assert panel_box["width"] <= 390 and candidate.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_reviewer_steps_to_the_flagged_moment_and_enlarges_a_snapshot(two, admin, make_exam, proctor):
    sitting = register(admin, make_exam(image_proctoring=True))
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG})
    taking.start_exam(sitting)
    services.store_snapshot(sitting, JPEG)
    services.send_message(proctor, sitting.id, "Please look at the screen.")
    services.raise_flag(proctor, sitting.id, "phone", "A phone in view")
    db.session.commit()
    staff = two()
    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/sittings/{sitting.id}")
    staff.locator("h1").click()
    staff.keyboard.press("n")
    flagged = staff.locator("[data-timeline] tr[data-flagged]")
    expect(flagged).to_be_focused()
    expect(flagged).to_have_class("current-flag")
    expect(staff.locator("[data-flag-position]")).to_have_text("Flagged moment 1 of 1")

    thumbnail = staff.locator("[data-timeline] tr[data-snapshot] button[data-enlarge]")
    small = thumbnail.locator("img").bounding_box()["width"]
    thumbnail.focus()
    staff.keyboard.press("Enter")
    expect(thumbnail).to_have_attribute("aria-expanded", "true")
    assert thumbnail.locator("img").bounding_box()["width"] > 2 * small
