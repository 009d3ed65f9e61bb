"""An admin words the invitation e-mail in real Chromium (CSRF on, strict CSP): the editor lists the
placeholders, the preview comes in place (htmx) and refuses an unknown placeholder by name, the wording
is saved, and the next invitation, delivered by the worker to a real SMTP server, is in it."""
import pytest

from tests.e2e.conftest import browser_login
from webapp.core.extensions import db
from webapp.notifications.worker import deliver_due
from webapp.sittings.services import register_candidates

pytestmark = pytest.mark.e2e


def test_an_admin_words_the_invitation_and_the_next_one_is_sent_in_it(page, live_app, admin, factory, smtp_server):
    exam = factory.exam(admin, name="Spring session", email_on_invitation=True)
    browser_login(page, admin.email)

    page.goto("/institute")
    page.get_by_role("link", name="E-mails to candidates: your own wording, reminders").click()
    page.locator('td[data-kind="invitation"][data-language="en"] a').click()
    page.wait_for_url("**/settings/mail/wording?kind=invitation&language=en")
    assert page.get_by_label("Subject").input_value() == "Your invitation: {{ test_name }}"
    assert "{{ link }}" in page.locator("[data-placeholders]").inner_text()
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.get_by_label("Subject").fill("Your seat at {{ exam_name }}")
    page.get_by_label("Text").fill("Dear {{ candidate_name }},\n\nyour link: {{ link }}\n\n{{ ''.__class__ }}")
    page.get_by_role("button", name="Preview").click()
    assert "Unknown placeholders: {{ ''.__class__ }}" in page.locator("#mail-preview [role=alert]").inner_text()

    page.get_by_label("Text").fill("Dear {{ candidate_name }},\n\nyour link: {{ link }}")
    page.get_by_role("button", name="Preview").click()
    assert page.locator('[data-preview="subject"]').inner_text() == "Your seat at December session"
    assert page.locator('[data-preview="html"] a').get_attribute("href") == "https://tests.example.org/t/sample-link"
    assert page.evaluate("() => window.stillTheSamePage") is True     # the preview came in place

    page.get_by_role("button", name="Save").click()
    assert "is saved" in page.locator(".flash-success").inner_text()
    assert "in your wording" in page.locator("[data-field=state]").inner_text()

    register_candidates(admin, exam.id, [{"Email Address": "ann@example.com", "First Name": "Ann",
                                          "Last Name": "Lee"}])
    db.session.commit()
    assert deliver_due()["sent"] == 1
    mail, = smtp_server.received
    assert mail.message["Subject"] == "Your seat at Spring session"
    assert mail.body().replace("\r\n", "\n").startswith("Dear Ann Lee,\n\nyour link: http")
