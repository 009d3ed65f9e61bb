"""The exam's open link (/t/<access key>): the problem pages, "by invitation", and registration from
the assessment's registration fields into the candidate's personal link."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from tests.candidate.helpers import inputs_by_label, label_text, page, register
from webapp.assessments.services import FieldInput, set_registration_fields
from webapp.candidates.models import Candidate
from webapp.core.extensions import db
from webapp.exams.services import set_active
from webapp.notifications.models import OutboxMessage
from webapp.sittings.models import Sitting


@pytest.fixture
def open_exam(admin, make_exam):
    exam = make_exam(access_type="OpenForAll")
    set_registration_fields(admin, exam.assessment_id, [
        FieldInput("Email Address", required=True), FieldInput("First Name", required=True),
        FieldInput("Last Name"), FieldInput("Country", field_type="SelectBox", required=True, values=["France", "Spain"])])
    db.session.commit()
    return exam


def _register(client, exam, **values):
    form = inputs_by_label(page(client.get(f"/t/{exam.access_key}")))
    return client.post(f"/t/{exam.access_key}", data={form[label]: value for label, value in values.items()})


def test_an_unknown_link_says_so(client):
    response = client.get("/t/no-such-exam")
    assert response.status_code == 404
    soup = page(response)
    assert soup.h1.get_text() == "Unknown link"
    assert soup.select_one(".topbar") is None and "Proctora" in soup.select_one(".institute-name").get_text()


def test_the_registration_form_asks_for_the_assessments_fields(client, open_exam):
    soup = page(client.get(f"/t/{open_exam.access_key}"))
    labels = [label_text(label) for label in soup.select("form label")]
    assert labels[:4] == ["Email Address *", "First Name *", "Last Name", "Country *"]
    email = soup.find("input", attrs={"type": "email"})
    assert email is not None and email["autocomplete"] == "email"
    assert [option.get_text() for option in soup.select("select option")] == ["-", "France", "Spain"]
    assert soup.select_one(".institute-name").get_text() == "Acme Languages"


def test_registering_leads_to_the_personal_link(client, open_exam):
    response = _register(client, open_exam, **{"Email Address": "Zoe@Example.com", "First Name": "Zoe",
                                               "Last Name": "Ng", "Country": "Spain"})
    sitting = db.session.scalar(select(Sitting).where(Sitting.exam_id == open_exam.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://proctora.localhost/s/{sitting.access_token}"
    assert sitting.registered_by == "open link"
    assert sitting.registration == {"Email Address": "zoe@example.com", "First Name": "Zoe", "Last Name": "Ng",
                                    "Country": "Spain"}


def test_a_missing_field_is_shown_beside_it_and_nothing_is_registered(client, open_exam):
    response = _register(client, open_exam, **{"Email Address": "zoe@example.com", "First Name": "Zoe"})
    soup = page(response)
    error = soup.select_one(".field-error")
    assert error.get_text() == "Please fill in Country."   # the API keeps Mettl's words (E003)
    assert soup.find("select")["aria-invalid"] == "true"
    assert soup.find("input", attrs={"type": "email"})["value"] == "zoe@example.com"   # what was typed stays
    assert db.session.scalar(select(Sitting).where(Sitting.exam_id == open_exam.id)) is None


ALREADY_REGISTERED = "This e-mail address is already registered."


def _invitations_to(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email,
                                                               OutboxMessage.topic == "exam_invitation")))


def test_registering_again_never_shows_someone_elses_link(client, open_exam):
    values = {"Email Address": "zoe@example.com", "First Name": "Zoe", "Country": "France"}
    _register(client, open_exam, **values)
    sitting = db.session.scalar(select(Sitting).where(Sitting.exam_id == open_exam.id))
    response = _register(client, open_exam, **values)
    assert response.status_code == 200 and "Location" not in response.headers
    text = page(response).select_one("[data-notice]").get_text()
    assert text.startswith(ALREADY_REGISTERED) and "we have e-mailed your personal link" in text
    assert sitting.access_token not in response.get_data(as_text=True)
    assert "/s/" not in response.get_data(as_text=True)
    invitation, = _invitations_to("zoe@example.com")
    assert f"/s/{sitting.access_token}" in invitation.payload["text"]


def test_a_known_email_without_a_sitting_here_gets_no_link_its_owner_gets_one(client, admin, make_exam, open_exam):
    """An impostor types the e-mail of a candidate the institute knows from another exam: they see ET-324's
    message and no link; the owner is registered here and only the owner's address gets the new link."""
    other = register(admin, make_exam(assessment={"name": "Earlier test"}, access_type="ByInvitation"),
                     email="ann@example.com")
    owner = other.candidate
    response = _register(client, open_exam, **{"Email Address": "Ann@Example.com", "First Name": "Mallory",
                                               "Country": "Spain"})
    assert response.status_code == 200 and "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert page(response).select_one("[data-notice]").get_text().startswith(ALREADY_REGISTERED)
    assert "/s/" not in body
    here = db.session.scalar(select(Sitting).where(Sitting.exam_id == open_exam.id))
    assert here.candidate_id == owner.id and here.access_token not in body
    invitation, = _invitations_to("ann@example.com")
    assert f"/s/{here.access_token}" in invitation.payload["text"]
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient != "ann@example.com")) is None
    assert db.session.get(Candidate, owner.id).first_name == "Ann"   # the typist changed nobody's name


def test_an_invitation_only_exam_asks_for_the_personal_link(client, make_exam):
    exam = make_exam(access_type="ByInvitation")
    for method in (client.get, client.post):
        soup = page(method(f"/t/{exam.access_key}"))
        assert soup.h1.get_text() == "Please use your personal link"
    assert db.session.scalar(select(Sitting)) is None


def test_an_inactive_exam(client, admin, open_exam):
    set_active(admin, open_exam.id, False)
    db.session.commit()
    response = client.get(f"/t/{open_exam.access_key}")
    assert response.status_code == 403 and page(response).h1.get_text() == "This test is not available"


def test_not_yet_open_shows_the_start_in_the_exams_time_zone(client, make_exam):
    start = date.today() + timedelta(days=30)
    exam = make_exam(schedule_type="Fixed", fixed_access_option="ExactTime", starts_on_date=start,
                     ends_on_date=start, starts_on_time=time(9, 30), ends_on_time=time(12), time_zone="UTC+05:30")
    response = client.get(f"/t/{exam.access_key}")
    soup = page(response)
    assert response.status_code == 200 and soup.h1.get_text() == "The test is not open yet"
    opens = soup.find("time")
    assert opens.get_text() == f"{start:%a}, {start:%b} {start.day}, {start.year}, 09:30 (UTC+05:30)"
    assert opens["datetime"] == f"{start.isoformat()}T09:30:00+05:30"
    assert "(UTC+05:30)" in soup.select_one("[data-problem]").get_text()
    assert client.post(f"/t/{exam.access_key}", data={}).status_code == 200
    assert db.session.scalar(select(Sitting)) is None


def test_a_closed_exam(client, make_exam):
    day = date.today() - timedelta(days=3)
    exam = make_exam(schedule_type="Fixed", fixed_access_option="ExactTime", starts_on_date=day, ends_on_date=day)
    response = client.get(f"/t/{exam.access_key}")
    assert response.status_code == 403 and page(response).h1.get_text() == "This test is closed"


def test_an_address_outside_the_allowed_ones(client, make_exam):
    exam = make_exam(ip_restriction="RANGE", ip_addresses=["10.0.0.0/24"])
    response = client.get(f"/t/{exam.access_key}")
    soup = page(response)
    assert response.status_code == 403 and soup.h1.get_text() == "Not from this network"
    assert "127.0.0.1" in soup.select_one("[data-problem]").get_text()
    inside = client.get(f"/t/{exam.access_key}", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert inside.status_code == 200 and page(inside).find("form") is not None


def test_an_open_window_lets_registrations_in(client, make_exam):
    exam = make_exam(schedule_type="Fixed", fixed_access_option="ExactTime",
                     starts_on_date=date.today() - timedelta(days=1), ends_on_date=date.today() + timedelta(days=1))
    assert page(client.get(f"/t/{exam.access_key}")).find("form") is not None
