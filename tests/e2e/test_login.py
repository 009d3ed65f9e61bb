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


def test_the_console_mirrors_in_arabic_in_chromium(page, admin):
    browser_login(page, admin.email)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    width = page.viewport_size["width"]
    brand = page.locator("a.brand").bounding_box()
    assert brand["x"] > width / 2                      # the brand at the start: on the right
    summary = page.locator("details.user-menu summary")
    summary.click()
    menu, opener = page.locator("details.user-menu ul").bounding_box(), page.locator("details.user-menu").bounding_box()
    # The menu opens towards the page's inside, its end edge at the menu button's end (left) edge
    # (Pico's navigation pulls the button in by its link padding, 8 pixels).
    assert abs(menu["x"] - opener["x"]) <= 10 and menu["x"] + menu["width"] <= width
    assert page.get_by_role("button", name="تسجيل الخروج").is_visible()
    page.goto("/?lang=en")
    page.locator("details.user-menu summary").click()
    menu, opener = page.locator("details.user-menu ul").bounding_box(), page.locator("details.user-menu").bounding_box()
    assert abs((menu["x"] + menu["width"]) - (opener["x"] + opener["width"])) <= 10
