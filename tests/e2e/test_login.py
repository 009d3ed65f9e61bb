from bs4 import BeautifulSoup

from tests.e2e.conftest import browser_login


def test_log_in_and_out_in_chromium(page, admin):
    browser_login(page, admin.email)
    assert page.locator("h1").inner_text() == f"Welcome, {admin.name}"
    page.locator("summary", has_text=admin.name).click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    soup = BeautifulSoup(page.content(), "html.parser")
    assert "You are logged out." in soup.select_one(".flash-info").get_text()


def test_a_wrong_password_is_refused_in_chromium(page, admin):
    page.goto("/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".flash-error").inner_text() == "Unknown e-mail or wrong password."
