"""Proctoring in real Chromium with two browser contexts, a candidate's and a proctor's (fake camera):
admission from the proctor's screen, the browsing tolerance ending a test, a time extension and a
message reaching the candidate's clock, a terminated sitting resumed and finished, and acting from the live
monitor (three admitted at once, minutes added with their reason, a termination confirmed and explained)."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import JPEG, build_paper, paper_assessment, register, start
from tests.e2e.conftest import browser_login
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Sitting, SittingStatus
from webapp.sittings.services import register_candidates

pytestmark = pytest.mark.e2e


@pytest.fixture
def paper(admin):
    return build_paper(admin)


@pytest.fixture
def proctor(factory, admin):
    return factory.staff(admin.institute, "proctor", "Pat Pool")


@pytest.fixture
def make_exam(factory, admin, paper, proctor):
    def make(**settings):
        exam = factory.exam(admin, assessment=paper_assessment(admin, paper), access_type="ByInvitation", **settings)
        set_proctor_pool(admin, exam.id, [proctor.id])
        db.session.commit()
        return exam
    return make


@pytest.fixture
def fast_clock(live_app, monkeypatch):
    """The exam page asks the server every second, so that a proctor's change shows at once."""
    monkeypatch.setitem(live_app.config, "CLOCK_POLL_SECONDS", 1)


@pytest.fixture
def two(browser, live_server):
    """Two browser contexts, candidate and proctor; a console error in either fails the test."""
    errors: list[str] = []
    opened = []

    def open_page():
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(10_000)
        opened.append(context)
        tab = context.new_page()
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        return tab

    yield open_page
    for context in opened:
        context.close()
    assert not errors, errors


def _sitting(sitting_id) -> Sitting:
    db.session.expire_all()
    return db.session.get(Sitting, sitting_id)


def _wait_for(predicate, seconds=10.0):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_a_proctor_admits_a_waiting_candidate(two, admin, make_exam, proctor):
    exam = make_exam(admission_required=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    db.session.commit()
    candidate, staff = two(), two()
    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.get_by_role("heading", name="Please wait")).to_be_visible()

    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/exams/{exam.id}/monitor")
    expect(staff.locator(f"tr[data-sitting-id='{sitting.id}'] [data-state]")).to_contain_text("System check passed")
    staff.get_by_role("button", name="Admission").click()
    card = staff.locator(f".admission-card[data-sitting-id='{sitting.id}']")
    expect(card).to_contain_text("ann@example.com")
    card.get_by_role("button", name="Admit").click()
    expect(staff.get_by_text("Nobody is waiting.")).to_be_visible()

    # The waiting page moves on by itself.
    candidate.get_by_role("button", name="Start the test").click(timeout=15_000)
    expect(candidate.locator("[data-timer]")).to_be_visible()
    assert _sitting(sitting.id).status == SittingStatus.EXAM_STARTED


def test_switching_tabs_past_the_tolerance_ends_the_test(two, admin, make_exam):
    sitting = start(register(admin, make_exam(web_proctoring_enabled=True, web_proctoring_count=1,
                                              web_proctoring_show_remaining=True)))
    candidate = two()
    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.locator("[data-timer]")).to_be_visible()
    # The tab goes to the background, as when the candidate switches to another tab.
    candidate.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(candidate.locator("[data-browsing-warning]")).to_have_text(
        "You left the test window. 0 more times and the test ends.")
    candidate.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
    }""")
    time.sleep(1.2)   # one exit fires visibilitychange and blur; the page counts them once a second
    # Then another window takes the focus.
    candidate.evaluate("() => window.dispatchEvent(new Event('blur'))")
    expect(candidate.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    finished = _sitting(sitting.id)
    assert (finished.status, finished.finish_mode) == (SittingStatus.EXAM_FINISHED,
                                                        FinishMode.BROWSING_TOLERANCE_EXCEEDED)


def test_a_time_extension_and_a_message_reach_the_candidates_page(two, admin, make_exam, proctor, fast_clock):
    sitting = start(register(admin, make_exam()))
    candidate, staff = two(), two()
    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.locator("[data-timer]")).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))

    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/sittings/{sitting.id}")
    staff.get_by_label("Extend by (minutes)").fill("30")
    staff.get_by_role("button", name="Extend").click()
    expect(candidate.locator("[data-timer]")).to_have_text(re.compile(r"^(1:00:00|59:\d\d)$"))

    staff.get_by_label("Message to the candidate").fill("Please keep your face in view.")
    staff.get_by_role("button", name="Send").click()
    expect(candidate.locator("[data-proctor-message]")).to_have_text(
        "Message from your proctor: Please keep your face in view.")
    # The monitor shows the candidate online (the clock poll is the heartbeat).
    staff.goto(f"/proctoring/exams/{sitting.exam_id}/monitor")
    expect(staff.locator(f"tr[data-sitting-id='{sitting.id}'] [data-online]")).to_have_text("online")


def test_a_terminated_sitting_is_resumed_and_finished(two, admin, make_exam, proctor, fast_clock):
    sitting = start(register(admin, make_exam()))
    candidate, staff = two(), two()
    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.locator("[data-timer]")).to_be_visible()

    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/sittings/{sitting.id}")
    staff.get_by_label("Reason for terminating").fill("Another person in the room.")
    asked = []
    staff.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    staff.get_by_role("button", name="Terminate").click()
    expect(staff.locator("[data-state]")).to_have_text("Finished (Ended by a proctor)")
    expect(candidate.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    expect(candidate.locator("[data-termination-reason]")).to_have_text(
        "The proctor's reason: Another person in the room.")
    assert asked == ["End the test of Ann Lee now?"]

    staff.get_by_label("Resume with (minutes)").fill("10")
    staff.get_by_role("button", name="Resume").click()
    expect(staff.locator("[data-state]")).to_have_text("Taking the test")

    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.locator("[data-timer]")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
    candidate.get_by_role("button", name="Finish the test…").click()
    candidate.get_by_role("button", name="Submit my answers and finish").click()
    expect(candidate.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    finished = _sitting(sitting.id)
    assert (finished.status, finished.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.NORMAL_SUBMISSION)


def test_snapshots_from_the_fake_camera_reach_the_gallery(two, admin, make_exam, proctor, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "SNAPSHOT_SECONDS", 1)
    exam = make_exam(image_proctoring=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG})
    taking.start_exam(sitting)
    db.session.commit()
    candidate, staff = two(), two()
    candidate.context.grant_permissions(["camera"])
    candidate.goto(f"/s/{sitting.access_token}")
    expect(candidate.locator("[data-timer]")).to_be_visible()
    from sqlalchemy import func, select
    from webapp.proctoring.models import Snapshot
    assert _wait_for(lambda: db.session.scalar(select(func.count()).select_from(Snapshot)
                                               .where(Snapshot.sitting_id == sitting.id)) >= 1)
    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/sittings/{sitting.id}/snapshots")
    image = staff.locator(".gallery img").first
    expect(image).to_be_visible()
    assert staff.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0


def _waiting(admin, exam, first_name: str) -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": f"{first_name.lower()}@example.com",
                                                     "First Name": first_name, "Last Name": "Lee"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    db.session.commit()
    return sitting


def test_a_proctor_admits_three_at_once_adds_time_and_terminates_from_the_monitor(two, admin, make_exam, proctor,
                                                                                  fast_clock):
    exam = make_exam(admission_required=True)
    ann, bob, cem = (_waiting(admin, exam, name) for name in ("Ann", "Bob", "Cem"))
    ann_page, bob_page, staff = two(), two(), two()
    for page, sitting in ((ann_page, ann), (bob_page, bob)):
        page.goto(f"/s/{sitting.access_token}")
        expect(page.get_by_role("heading", name="Please wait")).to_be_visible()

    browser_login(staff, proctor.email)
    staff.goto(f"/proctoring/exams/{exam.id}/monitor")
    expect(staff.locator("tr[data-status=check_completed]")).to_have_count(3)
    # A box ticked stays ticked through the monitor's refresh every 5 s.
    staff.get_by_label("Select Ann Lee").check()
    with staff.expect_response(lambda response: "/monitor?" in response.url, timeout=10_000) as refresh:
        pass
    assert f"sitting={ann.id}" in refresh.value.url
    staff.wait_for_timeout(300)   # the rows are swapped just after the answer
    expect(staff.get_by_label("Select Ann Lee")).to_be_checked()
    staff.get_by_role("button", name="Select all waiting").click()
    staff.locator("#monitor-actions button[value=admit]").click()
    expect(staff.locator("#action-outcome")).to_contain_text("Admit: done for 3 candidates.")
    expect(staff.locator("tr[data-status=exam_session_opened]")).to_have_count(3)
    assert {_sitting(sitting.id).status for sitting in (ann, bob, cem)} == {SittingStatus.EXAM_SESSION_OPENED}
    db.session.rollback()   # an open read would hold SQLite's lock against the server's next write

    # The waiting pages move on by themselves.
    for page in (ann_page, bob_page):
        page.get_by_role("button", name="Start the test").click(timeout=15_000)
        expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))

    # Ten minutes more for Ann from her row, with a reason she reads as the clock jumps.
    staff.get_by_label("Reason, message or note").fill("The fire alarm interrupted you.")
    staff.get_by_label("Minutes to add").fill("10")
    staff.locator(f"tr[data-sitting-id='{ann.id}'] button[value=extend]").click()
    expect(staff.locator("#action-outcome")).to_contain_text("Add time: done for 1 candidate. Ann Lee")
    expect(ann_page.locator("[data-proctor-message]")).to_have_text(
        "The proctor added 10 minutes: The fire alarm interrupted you.")
    expect(ann_page.locator("[data-timer]")).to_have_text(re.compile(r"^(40:00|39:\d\d)$"))

    # Terminating Bob asks first, naming him; the reason is given there and reaches his page.
    staff.get_by_label("Reason, message or note").fill("")
    staff.locator(f"tr[data-sitting-id='{bob.id}'] button[value=terminate]").click()
    dialog = staff.locator("dialog[data-confirm=terminate]")
    expect(dialog.locator("[data-confirm-names]")).to_have_text("Bob Lee")
    assert _sitting(bob.id).status == SittingStatus.EXAM_STARTED
    db.session.rollback()
    dialog.get_by_label("Reason (the candidate reads it)").fill("A phone on the desk.")
    dialog.get_by_role("button", name="End the test now").click()
    expect(staff.locator("#action-outcome")).to_contain_text("Terminate: done for 1 candidate. Bob Lee")
    expect(bob_page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    expect(bob_page.locator("[data-termination-reason]")).to_have_text("The proctor's reason: A phone on the desk.")
    assert _sitting(bob.id).finish_mode == FinishMode.TERMINATED_BY_PROCTOR
    assert _sitting(ann.id).status == SittingStatus.EXAM_STARTED
    expect(staff.locator(f"tr[data-sitting-id='{bob.id}'] [data-state]")).to_have_text(
        "Finished (Ended by a proctor)")
