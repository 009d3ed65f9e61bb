"""The pages of errors nobody planned for: an unexpected error (500) and an expired form (CSRF)."""
import pytest
from bs4 import BeautifulSoup

from webapp import create_app


@pytest.fixture
def strict_app(app_config):
    """A second app on the same database as in production: errors are answered, not raised into the
    test, and forms need their CSRF token. It has one route that fails."""
    application = create_app({**app_config, "TESTING": False, "WTF_CSRF_ENABLED": True})

    @application.get("/fails")
    def fails():
        raise RuntimeError("an unexpected failure")

    @application.get("/v1/fails")
    def api_fails():
        raise RuntimeError("an unexpected failure")

    return application


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_an_unexpected_error_gets_a_branded_page_that_says_what_to_do(strict_app):
    response = strict_app.test_client().get("/fails", headers={"Referer": "http://localhost/exams"})
    assert response.status_code == 500 and response.mimetype == "text/html"
    page = _page(response)
    assert page.select_one(".brand").get_text() == "Proctora"
    assert page.h1.get_text() == "Something went wrong on our side"
    assert "please try again" in page.select_one("[data-server-error]").get_text()
    assert page.select_one("[data-back]")["href"] == "/exams"
    assert "Internal Server Error" not in page.get_text() and "an unexpected failure" not in page.get_text()


def test_an_unexpected_api_error_keeps_the_dialects_shape(strict_app):
    response = strict_app.test_client().get("/v1/fails")
    assert response.status_code == 500
    # Section 9's message for the code, our words beside it.
    assert response.get_json() == {"status": "error", "error": {
        "code": "E503", "message": "API Service is currently unavailable", "detail": "Internal server error."}}


def test_an_expired_form_says_to_reload_it_and_links_back(strict_app, admin):
    client = strict_app.test_client()
    response = client.post("/login", data={"email": admin.email, "password": "whatever"},
                           headers={"Referer": "http://localhost/login?next=%2Fexams"})
    assert response.status_code == 400
    page = _page(response)
    assert page.h1.get_text() == "This form has expired"
    assert page.select_one(".error-message").get_text().startswith("This form has expired. Reload the page")
    assert page.select_one("[data-back]")["href"] == "/login?next=%2Fexams"
    assert "CSRF" not in page.get_text()



def test_an_http_error_no_view_raises_is_a_page_in_the_readers_language(client):
    from bs4 import BeautifulSoup
    answer = client.put("/login?lang=es")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    soup = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "es" and "Esta dirección no acepta ese tipo de solicitud." in soup.get_text()
