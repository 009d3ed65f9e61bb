"""Signing in safely in real Chromium (CSRF on, strict CSP): a forgotten password replaced through the
link of an e-mail the worker sent to a real SMTP server, and two-factor sign-in set up with the key the page
shows and used with a code computed here."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from tests.e2e.conftest import browser_login
from webapp.core import clock
from webapp.notifications.worker import deliver_due

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-brand-new-password"
# In the middle of a 30-second TOTP step, so that a code made here is still the server's when it arrives.
T0 = datetime(2031, 3, 4, 9, 0, 15, tzinfo=timezone.utc)


def test_a_forgotten_password_is_replaced_through_the_e_mailed_link(page, admin, smtp_server):
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/login")
    assert page.locator(".flash-info").inner_text() == (
        f"If {admin.email} belongs to an account, an e-mail with a link to choose a new password is on its way.")

    assert deliver_due()["sent"] == 1
    [mail] = smtp_server.received
    assert mail.rcpt_tos == [admin.email] and mail.message["Subject"] == "Choose a new password for Proctora"
    link = next(word for word in mail.body("plain").split() if "/set-password/" in word)
    assert f'href="{link}"' in mail.body("html")

    page.goto(link)
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_url("**/login")
    assert page.locator(".flash-success").inner_text() == "Your password is set. Please log in."
    # Used once: the link leads nowhere now.
    assert page.request.get(link).status == 404

    browser_login(page, admin.email, NEW_PASSWORD)
    assert page.locator("h1").inner_text() == f"Welcome, {admin.name}"


def test_two_factor_sign_in_is_set_up_and_used_with_a_computed_code(page, admin):
    clock.freeze(T0)
    browser_login(page, admin.email)
    page.locator("summary", has_text=admin.name).click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    page.wait_for_url("**/account/two-factor/confirm")
    # The QR code is an image of its own address (no inline script or data), drawn by the browser.
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    qr_code.evaluate("(image) => image.decode()")
    assert qr_code.evaluate("(image) => image.naturalWidth") > 0
    totp = pyotp.TOTP(page.locator(".totp-secret").inner_text().strip())
    page.get_by_label("Code").fill(totp.at(clock.utcnow()))
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    assert page.locator("h1").inner_text() == "Your recovery codes"
    assert page.locator(".recovery-codes code").count() == 10
    page.get_by_role("button", name="I have kept them: continue").click()
    page.locator("summary", has_text=admin.name).click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")

    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/login/code")
    # The code that confirmed the set-up is spent; the next step's is not.
    page.get_by_label("Code").fill(totp.at(clock.utcnow()))
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".field-error").inner_text() == "That code is not right, or it has been used already."
    clock.move(timedelta(seconds=30))
    page.get_by_label("Code").fill(totp.at(clock.utcnow()))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == f"Welcome, {admin.name}"
