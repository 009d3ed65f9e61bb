"""Logging in and out, the single failure message, safe redirects, the rate limit and CSRF."""
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD, log_in
from webapp import create_app
from webapp.accounts.services import update_staff
from webapp.core.extensions import db


def _errors(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [p.get_text(strip=True) for p in soup.select(".flash-error")]


def test_login_leads_to_the_dashboard_and_logout_ends_the_session(client, admin):
    response = client.post("/login", data={"email": admin.email.upper(), "password": PASSWORD})
    assert response.headers["Location"] == "/"
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert "Welcome, Admin" in page.h1.get_text()
    assert "Acme Languages" in page.select_one(".institute-name").get_text()

    client.post("/logout")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_unknown_email_and_wrong_password_get_the_same_message(client, admin):
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": PASSWORD})
    wrong = client.post("/login", data={"email": admin.email, "password": "not-the-password"})
    assert _errors(unknown) == _errors(wrong) == ["Unknown e-mail or wrong password."]
    assert unknown.status_code == wrong.status_code == 200


def test_a_deactivated_user_cannot_log_in(client, factory, admin):
    examiner = factory.staff(admin.institute, "examiner")
    update_staff(admin, examiner.id, name=examiner.name, role="examiner", active=False)
    db.session.commit()
    response = client.post("/login", data={"email": examiner.email, "password": PASSWORD})
    assert _errors(response) == ["Unknown e-mail or wrong password."]


def test_next_redirect_only_goes_to_this_site(client, admin):
    inside = client.post("/login", data={"email": admin.email, "password": PASSWORD, "next": "/staff"})
    assert inside.headers["Location"] == "/staff"
    client.post("/logout")
    for target in ("https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com", "javascript:alert(1)"):
        response = client.post("/login", data={"email": admin.email, "password": PASSWORD, "next": target})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_the_login_form_carries_next_from_the_query(client):
    page = BeautifulSoup(client.get("/login?next=/staff").get_data(as_text=True), "html.parser")
    assert page.select_one("input[name=next]")["value"] == "/staff"


def test_login_attempts_are_rate_limited(app_config, admin):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    responses = [client.post("/login", data={"email": admin.email, "password": "wrong-password"}) for _ in range(4)]
    assert [_errors(response) for response in responses[:3]] == [["Unknown e-mail or wrong password."]] * 3
    assert responses[3].status_code == 429
    assert "Too many attempts" in responses[3].get_data(as_text=True)
    # Even the right password waits until the window has passed.
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 429


def test_forms_without_a_csrf_token_are_refused(app_config, admin):
    protected = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = protected.test_client()
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)

    page = BeautifulSoup(client.get("/login").get_data(as_text=True), "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_every_page_carries_a_strict_content_security_policy(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_change_own_password(client, admin):
    log_in(client, admin)
    wrong = client.post("/account/password", data={"current_password": "nope", "new_password": "a-new-password-1",
                                                  "confirmation": "a-new-password-1"})
    assert "Your current password is not correct." in wrong.get_data(as_text=True)
    short = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short",
                                                   "confirmation": "short"})
    assert "at least 10 characters" in short.get_data(as_text=True)
    ok = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a-new-password-1",
                                                "confirmation": "a-new-password-1"})
    assert ok.headers["Location"] == "/"
    client.post("/logout")
    assert _errors(client.post("/login", data={"email": admin.email, "password": PASSWORD})) == [
        "Unknown e-mail or wrong password."]
    log_in(client, admin, "a-new-password-1")
