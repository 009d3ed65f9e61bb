"""An exam from creation to delivered invitations in real Chromium (CSRF on, strict CSP): the form shows
the window only for a Fixed exam, candidates are registered from pasted CSV with a bad row, the
invitations go out through the worker to a real SMTP server, and the sittings table turns mail_sent
by itself (htmx refresh)."""
import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.notifications.worker import deliver_due
from webapp.sittings.models import Sitting

pytestmark = pytest.mark.e2e

CSV = """Email Address,First Name,Last Name
ann@example.com,Ann,Lee
not-an-address,Bob,Marsh
cy@example.com,Cy,"Young, Jr."
dee@example.com,Dee,Dunn
"""


@pytest.fixture
def mailing_live_app(live_app, smtp_server):
    """The served app sending to smtp_server too. The worker runs in the test's own app context,
    which smtp_server already points there."""
    served = live_app
    previous = served.config["MAIL_SERVER"], served.config["MAIL_PORT"]
    served.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    yield served
    served.config["MAIL_SERVER"], served.config["MAIL_PORT"] = previous


def test_from_a_new_exam_to_delivered_invitations(page, mailing_live_app, live_server, admin, factory, smtp_server):
    factory.assessment(admin, name="English B1")
    browser_login(page, admin.email)

    page.goto("/exams")
    page.get_by_role("button", name="New exam").click()
    page.get_by_label("Name").fill("June finals")
    page.select_option("#assessment_id", label="English B1")
    assert page.locator("#starts_on_date").is_hidden()
    page.select_option("#schedule_type", "Fixed")
    assert page.locator("#starts_on_date").is_visible()
    page.select_option("#schedule_type", "AlwaysOn")
    assert page.locator("#starts_on_date").is_hidden()
    page.select_option("#access_type", "ByInvitation")
    page.get_by_label("E-mail the grades when a test is graded").check()
    page.fill("#grade_notification_recipients", "grades@example.com")
    page.get_by_role("button", name="Create the exam").click()
    page.wait_for_url("**/exams/*")

    assert "is created" in page.locator(".flash-success").inner_text()
    db.session.expire_all()
    exam = db.session.scalars(select(Exam)).one()
    assert (exam.access_type.value, exam.grade_notification_recipients) == ("ByInvitation", ["grades@example.com"])
    assert page.locator("#access-url").input_value() == f"{live_server}/t/{exam.access_key}"

    page.get_by_role("button", name="Register candidates").click()
    page.fill("#bulk-csv_text", CSV)
    page.get_by_role("button", name="Register these candidates").click()
    outcomes = page.locator(".outcome-table tbody tr")
    assert outcomes.count() == 4
    assert [outcomes.nth(n).locator("td").nth(2).inner_text().strip() for n in range(4)] == [
        "Registered", "Error", "Registered", "Registered"]
    assert "Invalid format for parameter email id" in outcomes.nth(1).inner_text()
    assert page.locator("[data-count=registered]").inner_text() == "3"

    page.get_by_role("link", name="See all the exam's candidates").click()
    statuses = page.locator(".sitting-table [data-field=status]")
    assert statuses.all_inner_texts() == ["Registered"] * 3
    page.get_by_role("button", name="Send to all not yet started").click()
    assert page.locator(".flash-success").inner_text().startswith("3 invitation e-mails queued")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    # A box ticked now is still ticked after the table refreshes itself.
    page.get_by_label("Select cy@example.com").check()

    assert deliver_due()["sent"] == 3
    db.session.expire_all()
    links = {s.candidate.email: f"{live_server}/s/{s.access_token}" for s in db.session.scalars(select(Sitting))}
    assert sorted(mail.rcpt_tos[0] for mail in smtp_server.received) == sorted(links)
    for mail in smtp_server.received:
        assert links[mail.rcpt_tos[0]] in mail.body("plain") and links[mail.rcpt_tos[0]] in mail.body("html")

    page.wait_for_function(
        "() => [...document.querySelectorAll('.sitting-table [data-field=status]')]"
        ".every((cell) => cell.dataset.status === 'mail_sent')", timeout=12_000)
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert page.locator(".sitting-table [data-field=mail_sent_at] time").count() == 3
    assert page.get_by_label("Select cy@example.com").is_checked()
    assert not page.get_by_label("Select ann@example.com").is_checked()
