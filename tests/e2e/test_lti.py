"""LTI 1.3 in real Chromium against the test platform (tests/lti/platform.py) on 127.0.0.1: a learner's launch
lands on their sitting's check page without any login; an instructor's deep linking comes back to the course
as a resource link with a line item; a learner's released result reaches the course's gradebook; a proctored
attempt goes from the platform's LtiStartProctoring through Proctora's check back to the platform's
assessment, and a proctor's terminate reaches the platform."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_login, wait_in_page
from tests.lti import platform as lms
from tests.lti.platform import LtiPlatform, PlatformUser
from webapp.core.extensions import db
from webapp.lti.launch import CLAIM
from webapp.lti.platforms import PlatformInput, add_platform
from webapp.notifications.worker import deliver_due
from webapp.sittings.models import Sitting

pytestmark = pytest.mark.e2e

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def course(live_server, admin):
    """The test platform with Proctora registered on both sides, as their admins would."""
    platform = LtiPlatform()
    platform.register_tool(login_url=f"{live_server}/lti/login", redirect_uris=[f"{live_server}/lti/launch"],
                           jwks_url=f"{live_server}/lti/jwks")
    add_platform(admin, PlatformInput(name="Test LMS", issuer=platform.issuer, client_id=platform.client_id,
                                      auth_login_url=platform.auth_url, jwks_url=platform.jwks_url,
                                      token_url=platform.token_url, deployment_ids=(platform.deployment_id,)))
    db.session.commit()
    yield platform
    platform.close()


def test_a_learner_launch_lands_on_the_sitting_page(page, course, admin, factory):
    exam = factory.exam(admin, name="Biology final")
    launch = course.launch(PlatformUser(sub="ann-1"), custom={"exam": exam.access_key})
    page.goto(launch.start_url)
    page.wait_for_url("**/s/*")
    sitting = db.session.scalars(db.select(Sitting).where(Sitting.exam_id == exam.id)).one()
    assert page.url.endswith(f"/s/{sitting.access_token}")
    assert sitting.candidate.email == "ann@example.edu" and sitting.candidate.name == "Ann Learner"
    assert page.locator("h1").first.is_visible()
    assert not course.refusals


def test_an_instructor_deep_links_an_exam_with_a_line_item(page, course, admin, factory):
    exam = factory.exam(admin, name="Chemistry midterm")
    teacher = PlatformUser(sub="tom-1", name="Tom Teacher", given_name="Tom", family_name="Teacher",
                           email="tom@example.edu", roles=(lms.INSTRUCTOR,))
    launch = course.launch(teacher, message_type=lms.DEEP_LINKING)
    page.goto(launch.start_url)
    page.locator(f"[data-link-exam='{exam.access_key}']").click()
    page.wait_for_selector("text=Added to the course")
    assert not course.refusals
    response, = course.deep_linking_responses
    item, = response.claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Chemistry midterm"
    assert item["custom"] == {"exam": exam.access_key}
    assert item["lineItem"]["scoreMaximum"] == 3          # three one-mark questions
    assert response.claims[CLAIM + "deployment_id"] == course.deployment_id


def test_a_learner_launch_inside_the_courses_iframe(page, course, admin, factory):
    """The course page (served at the platform's origin) frames the launch: the login checks the cookie can
    be kept there, and the sitting's page is allowed inside the platform's frame by its frame-ancestors."""
    exam = factory.exam(admin, name="Physics quiz")
    launch = course.launch(PlatformUser(sub="ben-1", email="ben@example.edu"), custom={"exam": exam.access_key})
    page.route(course.url("/course/1"), lambda route: route.fulfill(
        content_type="text/html", body=f'<!doctype html><title>Course</title><iframe src="{launch.start_url}" '
                                       'width="900" height="700"></iframe>'))
    logins = []
    page.on("request", lambda request: logins.append(request.url) if "/lti/login" in request.url else None)
    page.goto(course.url("/course/1"))
    frame = page.frame_locator("iframe")
    frame.locator("h1").first.wait_for()
    sitting = db.session.scalars(db.select(Sitting).where(Sitting.exam_id == exam.id)).one()
    tool_frame = next(child for child in page.main_frame.child_frames)
    assert tool_frame.url.endswith(f"/s/{sitting.access_token}")
    assert sitting.candidate.email == "ben@example.edu"
    # The platform posted the login initiation; the cookie check page then went on by itself.
    assert len(logins) == 2 and "cookies_checked=1" in logins[1]


def test_a_proctored_attempt_from_the_check_to_a_terminate_on_the_platform(page, browser, live_server, course, admin,
                                                                           factory):
    exam = factory.exam(admin, name="Proctored history quiz", image_proctoring=True)
    db.session.commit()
    launch = course.launch(PlatformUser(sub="cat-1", email="cat@example.edu"), message_type=lms.START_PROCTORING,
                           attempt_number=1, custom={"exam": exam.access_key})
    page.goto(launch.start_url)

    # Proctora's check: consent, then the candidate's photo from the fake camera.
    expect(page.get_by_role("heading", name="Before the test: a quick check")).to_be_visible()
    page.get_by_label("I agree that the camera is used as described above.").check()
    page.get_by_role("button", name="Start the camera").click()
    page.get_by_role("button", name="Take my photo").click()
    expect(page.get_by_alt_text("The photo of you that will be sent")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    # The waiting page moves on by itself to the hand-over, which posts the LtiStartAssessment to the platform.
    page.get_by_role("button", name="Continue to your assessment").click(timeout=15_000)
    expect(page.get_by_role("heading", name="Assessment started")).to_be_visible()
    [started] = course.started_assessments
    assert started.launch is launch and started.claims[lms.AP + "session_data"] == launch.session_data
    assert course.attempt(launch).status == "running" and not course.refusals

    # A proctor terminates from the sitting's page; the worker tells the platform, whose answer is shown.
    sitting = db.session.scalars(db.select(Sitting).where(Sitting.exam_id == exam.id)).one()
    context = browser.new_context(base_url=live_server)
    staff = context.new_page()
    browser_login(staff, admin.email)
    staff.goto(f"/proctoring/sittings/{sitting.id}")
    expect(staff.locator("[data-platform-state]")).to_have_text("The assessment runs on the platform")
    staff.get_by_label("Reason for terminating").fill("Someone else answered")
    staff.once("dialog", lambda dialog: dialog.accept())   # "End the test of ... now?"
    staff.get_by_role("button", name="Terminate").click()
    expect(staff.locator("[data-state]")).to_contain_text("Ended by a proctor")
    assert deliver_due()["sent"] == 1
    assert course.attempt(launch).status == "terminated"
    [control] = course.acs_requests
    assert control.body["action"] == "terminate" and control.body["reason_msg"] == "Someone else answered"
    staff.reload()
    expect(staff.locator("[data-platform-answer]")).to_have_text("platform: terminated")
    staff.goto(f"/proctoring/exams/{exam.id}/monitor")
    expect(staff.locator(f"tr[data-sitting-id='{sitting.id}'] [data-platform-answer]")).to_have_text(
        "platform: terminated")
    context.close()


def test_a_learners_released_result_reaches_the_courses_gradebook(page, course, admin, factory):
    exam = factory.exam(admin, name="Biology final", release_policy="by_hand")
    item = course.add_line_item("course-1", label="Biology final", score_maximum=3)
    launch = course.launch(PlatformUser(sub="cleo-1", name="Cleo Learner", email="cleo@example.edu"),
                           custom={"exam": exam.access_key}, lineitem=item)
    page.goto(launch.start_url)
    page.wait_for_url("**/s/*")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start the test").click()
    # The page's script is there before the learner answers (an answer clicked before it runs is not sent).
    wait_in_page(page, "window.proctoraExam !== undefined", "the exam page's script had not started")
    # Two of the three questions answered rightly.
    for number in (1, 2):
        question = page.locator("[data-question]:not([hidden])")
        expect(question.get_by_role("heading")).to_contain_text(f"Question {number} of 3")
        question.get_by_label("right", exact=True).check()
        page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish the test…").click()
    page.get_by_role("button", name="Submit my answers and finish").click()
    expect(page.get_by_role("heading", name="Your answers are submitted")).to_be_visible()
    sitting = db.session.scalars(db.select(Sitting).where(Sitting.exam_id == exam.id)).one()
    deliver_due()
    assert course.scores == []            # not released yet: the gradebook has nothing

    browser_login(page, admin.email)
    page.goto(f"/sittings/{sitting.id}/result")
    page.locator("[data-release-one]").get_by_role("button", name="Release this result").click()
    expect(page.locator("[data-field=release]")).to_contain_text("by")
    assert deliver_due()["sent"] == 1

    score, = course.scores
    assert score.lineitem_id == item["id"]
    assert (score.score["userId"], score.score["scoreGiven"], score.score["scoreMaximum"]) == ("cleo-1", 2, 3)
    assert score.score["gradingProgress"] == "FullyGraded" and not course.refusals
    page.goto(f"/exams/{exam.id}/deliveries")
    expect(page.get_by_text("Grade sent to the learning platform")).to_be_visible()
