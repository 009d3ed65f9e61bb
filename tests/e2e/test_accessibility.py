"""Accessibility in real Chromium: axe-core (vendored, pinned: tests/e2e/vendor/VERSIONS.md) finds no
critical or serious violation on the key pages of the console and of the candidate's journey, in English
and in Arabic (right to left), at desktop and phone sizes. Beyond what axe sees: the camera preview takes
the focus and is in view once started, and the report page and the console fit a phone's width."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.candidate.helpers import build_paper, paper_assessment, register
from tests.conftest import PASSWORD
from webapp.accounts.services import update_white_label
from webapp.cli.demo import right_answer
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.proctoring import conversations, services as proctoring
from webapp.sittings import taking

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("critical", "serious")


def admitted(admin, sitting):
    """Through the check, admitted by the proctor, and started."""
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    proctoring.admit(admin, sitting.id)
    taking.start_exam(sitting)
    db.session.commit()
    return sitting


@pytest.fixture
def scene(factory, admin):
    """One exam with a candidate at each stage: one to check, one waiting for the proctor, one taking the test,
    and one finished whose essay waits for a grader. The institute's white label colours the candidate pages
    (axe measures their header text and buttons too)."""
    update_white_label(admin, settings={"header_background_color": "1a237e", "header_font_color": "ffffff",
                                        "button_color": "1b5e20", "button_font_color": "ffffff"})
    paper = build_paper(admin)
    exam = factory.exam(admin, assessment=paper_assessment(admin, paper, show_report_to_candidate_on_exit=True),
                        access_type="ByInvitation", admission_required=True, name="Spring placement")
    set_proctor_pool(admin, exam.id, [admin.id])
    db.session.commit()
    checking = register(admin, exam, "check@example.com")
    waiting = register(admin, exam, "wait@example.com")
    taking.start_check(waiting, ip_address="127.0.0.1")
    taking.complete_check(waiting, browser={"userAgent": "test"})
    running = admitted(admin, register(admin, exam, "run@example.com"))
    # The proctor's sitting page shows a conversation both ways and a flagged moment in its timeline.
    conversations.candidate_says(running, "May I have some water?", "w" * 32)
    proctoring.send_message(admin, running.id, "Yes, of course.")
    proctoring.raise_flag(admin, running.id, "phone", "A phone on the desk")
    finished = admitted(admin, register(admin, exam, "done@example.com"))
    for item in taking.items_and_responses(finished)[0]:
        taking.save_answer(finished, item.id, answer=right_answer(item), version=1)
    taking.finish(finished)
    db.session.commit()
    assert finished.report_key, "the finished sitting has a shared report"
    return {"exam": exam, "assessment_id": exam.assessment_id, "checking": checking, "running": running,
            "finished": finished}


def console_pages(scene) -> dict[str, str]:
    exam_id, assessment_id = scene["exam"].id, scene["assessment_id"]
    return {
        "dashboard": "/",
        "bank": "/bank/questions",
        "question form": "/bank/questions/new",   # with the rich-text editor
        "builder": f"/assessments/{assessment_id}",
        "exam": f"/exams/{exam_id}",
        "candidates": "/candidates",
        "live monitor": f"/proctoring/exams/{exam_id}/monitor",
        "proctor's sitting": f"/proctoring/sittings/{scene['running'].id}",
        "admission": f"/proctoring/exams/{exam_id}/admission",
        "results": f"/exams/{exam_id}/results",
        "sitting result": f"/sittings/{scene['finished'].id}/result",
        "grading": "/grading",
        "two-factor sign-in": "/account/two-factor",
    }


def candidate_pages(scene) -> dict[str, str]:
    return {
        "candidate check": f"/s/{scene['checking'].access_token}",
        "candidate exam": f"/s/{scene['running'].access_token}",
        "summary": f"/s/{scene['running'].access_token}/finish",
        "done": f"/s/{scene['finished'].access_token}",
        "report": f"/reports/{scene['finished'].report_key}",
    }


def with_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"


def problems_of(page) -> list[str]:
    """The page's critical and serious axe violations, one line each with the elements concerned; and,
    beyond axe, a missing top-level heading and (on a phone) a page wider than the screen."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = [f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
             + "; ".join(" ".join(node["target"]) + " " + node.get("failureSummary", "").replace("\n", " ")
                         for node in violation["nodes"][:4])
             for violation in results["violations"] if violation["impact"] in BLOCKING]
    if page.locator("h1").count() != 1:
        found.append(f"{page.locator('h1').count()} h1 headings instead of one")
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if width == PHONE["width"] and scroll_width > width:
        found.append(f"scrolls sideways on a phone: {scroll_width}px wide")
    return found


@pytest.fixture
def open_context(browser, live_server):
    """A page in a browser context of a given size whose CSP is bypassed for axe (injected as a script,
    which the app's policy rightly forbids); a script or console error on any page fails the test."""
    contexts, errors = [], []

    def open_one(viewport: dict, *, axe: bool = True):
        context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=axe)
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        return tab

    yield open_one
    for context in contexts:
        context.close()
    assert not errors, errors


def log_in(page, user, language: str) -> None:
    page.goto(with_language("/login", language))
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[method=post] button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_axe_finds_no_serious_violation_on_the_key_pages(open_context, scene, admin, language, viewport):
    found: dict[str, list[str]] = {}
    staff = open_context(viewport)
    staff.goto(with_language("/login", language))
    found["login"] = problems_of(staff)
    log_in(staff, admin, language)
    for name, path in console_pages(scene).items():
        staff.goto(with_language(path, language))
        expect(staff.locator("html")).to_have_attribute("lang", language)
        found[name] = problems_of(staff)

    candidate = open_context(viewport)
    for name, path in candidate_pages(scene).items():
        candidate.goto(with_language(path, language))
        expect(candidate.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        if name == "candidate check":   # the white label is in force
            expect(candidate.locator(".candidate-header")).to_have_css("background-color", "rgb(26, 35, 126)")
        if name == "candidate exam":   # with the conversation with the proctor open
            candidate.locator("[data-conversation-toggle]").click()
            expect(candidate.locator("#conversation")).to_be_visible()
        found[name] = problems_of(candidate)
    problems = {name: violations for name, violations in found.items() if violations}
    assert not problems, "\n".join(f"{name}: {line}" for name, lines in problems.items() for line in lines)


def in_view(page, selector: str) -> bool:
    """Whether the whole element is inside the window, as it is scrolled now."""
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.width > 0 && box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
            && box.right <= window.innerWidth;
    }""", selector)


def test_the_camera_preview_takes_the_focus_and_is_in_view(open_context, factory, admin):
    exam = factory.exam(admin, assessment=paper_assessment(admin, build_paper(admin)), access_type="ByInvitation",
                        image_proctoring=True, candidate_auth_proctored=True)
    sitting = register(admin, exam)
    page = open_context(DESKTOP, axe=False)
    page.goto(f"/s/{sitting.access_token}")
    page.get_by_label("I agree that the camera is used as described above.").check()
    page.get_by_role("button", name="Start the camera").click()

    take = page.get_by_role("button", name="Take my photo")
    expect(take).to_be_enabled()
    expect(take).to_be_focused()
    page.wait_for_function("document.querySelector('video[data-preview]').videoWidth > 0")
    assert in_view(page, "video[data-preview]") and in_view(page, "[data-take=reference_photo]")
    # Its name says what it shows: the group holding the preview is named after the camera section.
    expect(page.get_by_role("group", name="Camera")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_console_folds_its_links_into_a_menu_on_a_phone(open_context, scene, admin, language):
    phone = open_context(PHONE, axe=False)
    log_in(phone, admin, language)
    link = phone.locator(".topbar a[href='/exams']")
    menu = phone.locator(".topbar .nav-menu > summary")
    expect(menu).to_be_visible()
    expect(link).to_be_hidden()
    menu.click()
    expect(link).to_be_visible()
    # The open menu stays inside the screen, at the end of the bar (the left in Arabic), and the page
    # still does not scroll sideways.
    assert in_view(phone, ".topbar .nav-menu > ul")
    panel = phone.locator(".topbar .nav-menu > ul").bounding_box()
    middle = panel["x"] + panel["width"] / 2
    assert middle < PHONE["width"] / 2 if language == "ar" else middle > PHONE["width"] / 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link.click()
    phone.wait_for_url("**/exams")
    expect(phone.locator("h1")).to_be_visible()

    desktop = open_context(DESKTOP, axe=False)
    log_in(desktop, admin, language)
    expect(desktop.locator(".topbar a[href='/exams']")).to_be_visible()
    expect(desktop.locator(".topbar .nav-menu > summary")).to_be_hidden()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_report_page_and_the_console_fit_a_phone(open_context, scene, admin, language):
    """The axe test checks this on every key page at a phone's size; here the shared report and the exam
    page are also checked with the menu open, where a panel could push the page wider."""
    phone = open_context(PHONE, axe=False)
    phone.goto(with_language(f"/reports/{scene['finished'].report_key}", language))
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    log_in(phone, admin, language)
    phone.goto(with_language(f"/exams/{scene['exam'].id}", language))
    phone.locator(".topbar .nav-menu > summary").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
