"""The inputs of issue 11 that reached a 500 (on PostgreSQL) and the names that were accepted with a
line break: each answered at the edge, or refused where it is entered, in the shape of its door."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.api.conftest import register
from webapp.assessments.models import Assessment
from webapp.candidates.models import Candidate
from webapp.core.extensions import db
from webapp.sittings.services import register_candidates


def _error_page(response, status: int) -> str:
    assert response.status_code == status, response.data[:300]
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find("html") is not None
    return soup.select_one(".error-message").get_text(strip=True)


@pytest.mark.parametrize("path", ["/s/%00", "/t/%00", "/reports/%00", "/verify/%00", "/reports/%00.pdf",
                                  "/set-password/%00"])
def test_a_nul_in_a_public_path_names_nothing(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert BeautifulSoup(response.data, "html.parser").find("h1").get_text(strip=True)


@pytest.mark.parametrize("prefix", ["/s/", "/t/"])
def test_a_candidate_link_with_a_nul_gets_the_candidates_unknown_link_page(client, prefix):
    def page(response):
        assert response.status_code == 404
        soup = BeautifulSoup(response.data, "html.parser")
        return soup.find("h1").get_text(strip=True), soup.find(string="Back to the dashboard")

    assert page(client.get(prefix + "%00")) == page(client.get(prefix + "no-such-link"))


def test_a_nul_in_the_login_email_is_a_bad_request(client, admin):
    message = _error_page(client.post("/login", data={"email": "admin\x00@example.com", "password": "x"}), 400)
    assert "email" in message and "control characters" in message


@pytest.mark.parametrize("path", ["/candidates", "/exams", "/assessments", "/bank/questions", "/messages",
                                  "/audit"])
def test_a_control_character_in_a_console_search_is_a_bad_request(admin_client, path):
    assert "control characters" in _error_page(admin_client.get(path, query_string={"text": "a\x00b"}), 400)


def test_htmx_gets_the_error_as_a_fragment(admin_client):
    response = admin_client.get("/candidates", query_string={"text": "\x00"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find("html") is None and "control characters" in soup.select_one(".error-message").get_text()


def test_a_page_beyond_any_offset_is_an_empty_page(admin_client, admin, factory):
    factory.exam(admin, name="Spring exam")
    response = admin_client.get("/exams?page=999999999999999999999")
    assert response.status_code == 200
    assert "Spring exam" not in response.get_data(as_text=True)


def test_non_ascii_digits_name_no_record(admin_client, admin, factory):
    exam = factory.exam(admin, name="Spring exam")
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(exam.id))  # the same number in Arabic-Indic digits
    assert "Spring exam" in admin_client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert admin_client.get(f"/exams/{arabic}").status_code == 404
    assert admin_client.get("/exams/2%C2%B2").status_code == 404


# Names refuse line breaks where they are entered ------------------------------------------------------

def test_the_console_refuses_an_assessment_name_with_a_line_break(admin_client):
    response = admin_client.post("/assessments/new", data={
        "name": "Placement\r\nBcc: everyone@example.com", "kind": "standard", "duration": "30",
        "section_name": "Section 1"})
    assert response.status_code == 200
    errors = BeautifulSoup(response.data, "html.parser").get_text()
    assert "single line without control characters" in errors
    assert db.session.scalar(select(Assessment.id)) is None


def test_csv_registration_refuses_a_name_with_a_line_break(admin, factory):
    exam = factory.exam(admin)
    bad, good = register_candidates(admin, exam.id, [
        {"Email Address": "ann@example.com", "First Name": "Ann\r\nBcc: x", "Last Name": "Lee"},
        {"Email Address": "bob@example.com", "First Name": "Bob", "Last Name": "Ray"}])
    assert (bad.status, bad.field) == ("Error", "First Name") and "single line" in bad.message
    assert good.status != "Error"
    assert db.session.scalars(select(Candidate.email)).all() == ["bob@example.com"]


def test_staff_edit_of_a_candidate_refuses_a_line_break_and_an_over_long_name(admin_client, admin, factory):
    sitting = register(admin, factory.exam(admin), email="ann@example.com")
    for first_name, message in (("Ann\nLee", "single line"), ("A" * 121, "longer than 120")):
        response = admin_client.post(f"/candidates/{sitting.candidate_id}", data={
            "first_name": first_name, "last_name": "Lee", "username": "ann", "current_level": ""})
        assert message in BeautifulSoup(response.data, "html.parser").get_text()
        db.session.expire_all()
        assert db.session.get(Candidate, sitting.candidate_id).first_name == "Ann"
