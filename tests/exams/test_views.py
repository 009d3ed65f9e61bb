"""The exams console through the test client: forms posted as a browser posts them, answers read as
parsed HTML and database rows."""
import io
from datetime import date, time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from webapp.assessments.services import FieldInput, set_registration_fields
from webapp.core.extensions import db
from webapp.core.links import personal_url
from webapp.exams.models import Exam, ExamStatus
from webapp.notifications.models import OutboxMessage
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.services import register_candidates
from webapp.sittings.state_machine import transition


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def flashes(soup: BeautifulSoup, category: str) -> list[str]:
    return [p.get_text(" ", strip=True) for p in soup.select(f".flash-{category}")]


def field_errors(soup: BeautifulSoup) -> dict[str, str]:
    return {error["id"].removesuffix("-error"): error.get_text(strip=True) for error in soup.select(".field-error")}


def exams() -> list[Exam]:
    db.session.expire_all()
    return list(db.session.scalars(select(Exam).order_by(Exam.id)))


def sittings(exam) -> dict[str, Sitting]:
    db.session.expire_all()
    return {s.candidate.email: s for s in db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id))}


def register(admin, exam, *emails, **kwargs):
    outcomes = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": email.split("@")[0].title(),
                                                     "Last Name": "Doe", "Site": "Pune"} for email in emails],
                                   **kwargs)
    db.session.commit()
    return outcomes


def start(sitting) -> None:
    for status in ("check_started", "check_completed", "exam_session_opened", "exam_started"):
        transition(sitting, SittingStatus(status))
    db.session.commit()


@pytest.fixture
def assessment(factory, admin):
    return factory.assessment(admin, name="English B1")


def exam_form(assessment, **fields) -> dict:
    """The fields a browser posts for the exam form (unticked boxes are simply absent)."""
    return {"name": "June finals", "assessment_id": str(assessment.id), "schedule_type": "AlwaysOn",
            "fixed_access_option": "ExactTime", "time_zone": "UTC+00:00", "access_type": "OpenForAll",
            "ip_restriction": "NONE", "web_proctoring_count": "3", **fields}


# Creating and editing -------------------------------------------------------------------------------

def test_the_list_offers_a_new_exam_and_the_form_preselects_the_assessment(admin_client, assessment):
    page = html(admin_client.get("/exams"))
    assert page.find("a", string="New exam")["href"] == "/exams/new"
    form = html(admin_client.get(f"/exams/new?assessment_id={assessment.id}"))
    assert form.select_one("#assessment_id option[selected]").get_text() == "English B1"
    # A new exam takes its institute's zone; the field searches the named zones as it is typed in.
    assert form.select_one("#time_zone")["value"] == "UTC"
    zones = [option["value"] for option in form.select(f"datalist#{form.select_one('#time_zone')['list']} option")]
    assert {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"} <= set(zones) and zones[1:] == sorted(zones[1:])
    assert not {"localtime", "Factory", "CET", "Etc/GMT+5"} & set(zones)
    assert not any(zone.startswith("UTC+") for zone in zones)
    assert form.select_one("fieldset[data-show-when='schedule_type=Fixed'] #starts_on_date")


def test_creating_a_fixed_exam_with_the_form(admin_client, assessment):
    response = admin_client.post("/exams/new", data=exam_form(
        assessment, schedule_type="Fixed", fixed_access_option="SlotWise", starts_on_date="2030-06-27",
        ends_on_date="2030-06-30", starts_on_time="08:00", ends_on_time="18:00:00", time_zone="UTC+05:30",
        access_type="ByInvitation", email_on_invitation="y", ip_restriction="RANGE",
        ip_addresses="10.0.0.0/24\r\n\r\n192.168.1.10-192.168.1.50", web_proctoring_enabled="y",
        web_proctoring_count="4", grade_notification_enabled="y",
        grade_notification_recipients="boss@example.com\r\nhr@example.com", source_app="HR portal",
        test_finish_notification_url="https://hooks.example.com/finish", notify_client="y"))
    [exam] = exams()
    assert response.headers["Location"] == f"/exams/{exam.id}"
    assert (exam.name, exam.schedule_type.value, exam.fixed_access_option.value) == ("June finals", "Fixed", "SlotWise")
    assert (exam.starts_on_date, exam.ends_on_date) == (date(2030, 6, 27), date(2030, 6, 30))
    assert (exam.starts_on_time, exam.ends_on_time, exam.time_zone) == (time(8), time(18), "UTC+05:30")
    assert exam.access_type.value == "ByInvitation" and exam.email_on_invitation
    assert exam.ip_addresses == ["10.0.0.0/24", "192.168.1.10-192.168.1.50"]
    assert exam.web_proctoring_enabled and exam.web_proctoring_count == 4
    assert not exam.web_proctoring_show_remaining and not exam.image_proctoring
    assert exam.grade_notification_recipients == ["boss@example.com", "hr@example.com"]
    assert exam.test_finish_notification_url == "https://hooks.example.com/finish" and exam.notify_client

    page = html(admin_client.get(response.headers["Location"]))
    assert "is created" in flashes(page, "success")[0]
    assert page.select_one("#access-url")["value"] == f"http://proctora.localhost/t/{exam.access_key}"
    assert "Daily from 08:00 to 18:00 (UTC+05:30)" in page.select_one(".exam-summary").get_text()
    assert page.select_one(".window-state")["data-state"] == "not_yet_open"
    assert "Thu, Jun 27, 2030, 08:00 (UTC+05:30)" in page.select_one(".window-state").get_text(" ", strip=True)


def test_a_broken_window_rule_is_shown_beside_its_field_with_the_values_kept(admin_client, assessment):
    page = html(admin_client.post("/exams/new", data=exam_form(
        assessment, name="Autumn", schedule_type="Fixed", starts_on_date="2030-07-01", ends_on_date="2030-06-30",
        grade_notification_enabled="y", grade_notification_recipients="boss@example.com",
        test_start_notification_url="https://hooks.example.com/start")))
    assert exams() == []
    assert field_errors(page) == {"ends_on_date": "Invalid schedule window: the end date is before the start date."}
    assert page.select_one("#ends_on_date")["aria-invalid"] == "true"
    assert page.select_one("#name")["value"] == "Autumn"
    assert page.select_one("#schedule_type option[selected]")["value"] == "Fixed"
    assert page.select_one("#starts_on_date")["value"] == "2030-07-01"
    assert page.select_one("#ends_on_date")["value"] == "2030-06-30"
    assert page.select_one("#grade_notification_recipients").get_text().strip() == "boss@example.com"
    assert page.select_one("#grade_notification_enabled").has_attr("checked")
    assert page.select_one("#test_start_notification_url")["value"] == "https://hooks.example.com/start"


@pytest.mark.parametrize("fields, field, message", [
    ({"schedule_type": "Fixed"}, "starts_on_date", "a Fixed exam needs its start and end dates"),
    ({"starts_on_date": "2030-06-27", "ends_on_date": "2030-06-28"}, "schedule_type", "an AlwaysOn exam has no window"),
    ({"grade_notification_enabled": "y", "grade_notification_recipients": "boss@example.com\nnope"},
     "grade_notification_recipients", "Invalid EmailId nope supplied in recipients of testGradeNotification"),
    ({"ip_restriction": "SINGLE", "ip_addresses": "10.0.0.0/24"}, "ip_addresses", "Invalid IP address"),
    ({"test_graded_notification_url": "ftp://example.com"}, "test_graded_notification_url", "Invalid callback URL"),
    ({"assessment_id": ""}, "assessment_id", "Choose the assessment to schedule."),
])
def test_each_rule_is_shown_beside_its_field(admin_client, assessment, fields, field, message):
    errors = field_errors(html(admin_client.post("/exams/new", data=exam_form(assessment, **fields))))
    assert list(errors) == [field] and message in errors[field]
    assert exams() == []


def test_a_taken_name_is_E019_beside_the_name(admin_client, admin, factory, assessment):
    factory.exam(admin, assessment=assessment, name="June finals")
    errors = field_errors(html(admin_client.post("/exams/new", data=exam_form(assessment, name="JUNE FINALS"))))
    assert errors == {"name": "Schedule name already exists"}


def test_editing_shows_the_stored_values_and_saves_changes(admin_client, admin, factory, assessment):
    exam = factory.exam(admin, assessment=assessment, name="June finals", ip_restriction="RANGE",
                        ip_addresses=["10.0.0.0/24", "10.1.0.0/16"], time_zone="UTC-04:00")
    form = html(admin_client.get(f"/exams/{exam.id}/edit"))
    assert form.select_one("#name")["value"] == "June finals"
    assert form.select_one("#ip_addresses").get_text().strip() == "10.0.0.0/24\n10.1.0.0/16"
    assert form.select_one("#time_zone")["value"] == "UTC-04:00"
    response = admin_client.post(f"/exams/{exam.id}/edit", data=exam_form(assessment, name="July finals",
                                                                           allow_copy_paste="y"))
    assert response.headers["Location"] == f"/exams/{exam.id}"
    [saved] = exams()
    assert (saved.name, saved.allow_copy_paste, saved.ip_addresses, saved.access_key) == (
        "July finals", True, [], exam.access_key)


# The list -----------------------------------------------------------------------------------------

def test_the_list_shows_each_exam_with_its_sittings_by_status(admin_client, admin, factory, assessment):
    other_assessment = factory.assessment(admin, name="Maths")
    june = factory.exam(admin, assessment=assessment, name="June finals", access_type="ByInvitation",
                        schedule_type="Fixed", starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 27),
                        starts_on_time=time(9), ends_on_time=time(12))
    factory.exam(admin, assessment=other_assessment, name="Maths quiz")
    register(admin, june, "ann@example.com", "bob@example.com", "cy@example.com")
    start(sittings(june)["cy@example.com"])

    rows = html(admin_client.get("/exams")).select(".exam-table tbody tr")
    assert [row.find("a").get_text() for row in rows] == ["Maths quiz", "June finals"]
    cells = [cell.get_text(" ", strip=True) for cell in rows[1].find_all("td")]
    assert cells[:5] == ["June finals", "English B1", "Active",
                         "From Thu, Jun 27, 2030, 09:00 to Thu, Jun 27, 2030, 12:00 (UTC)", "By invitation only"]
    counts = {badge["data-status"]: badge.get_text() for badge in rows[1].select(".sitting-count")}
    assert counts == {"registered": "Registered: 2", "exam_started": "Taking the test: 1"}
    assert rows[0].select_one(".sitting-counts").get_text(strip=True) == "none"

    filtered = html(admin_client.get(f"/exams?assessment_id={other_assessment.id}", headers={"HX-Request": "true"}))
    assert filtered.find("h1") is None, "htmx gets the rows alone"
    assert [a.get_text() for a in filtered.select(".exam-table tbody a")] == ["Maths quiz"]
    searched = html(admin_client.get("/exams?text=june&assessment_id=nonsense"))
    assert [a.get_text() for a in searched.select(".exam-table tbody a")] == ["June finals"]


# Registering candidates ---------------------------------------------------------------------------

@pytest.fixture
def exam(admin, factory, assessment):
    set_registration_fields(admin, assessment.id, [
        FieldInput("First Name", required=True), FieldInput("Last Name", required=True),
        FieldInput("Site", field_type="SelectBox", values=["Berlin", "Pune"], required=True)])
    db.session.commit()
    return factory.exam(admin, assessment=assessment, name="June finals", access_type="ByInvitation")


def outcome_rows(page: BeautifulSoup) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.find_all("td")[:3]]
            for row in page.select(".outcome-table tbody tr")]


def test_registering_from_pasted_csv_reports_every_row(admin_client, admin, exam):
    page = html(admin_client.get(f"/exams/{exam.id}/register"))
    assert page.select_one(".csv-columns").get_text() == "Email Address, First Name, Last Name, Site"
    assert [label.find(string=True).strip() for label in page.select("form[action$='/register'] label")][:4] == [
        "Email Address *", "First Name *", "Last Name *", "Site *"]

    csv = ("email;first name;last name;site\n"
           "ann@example.com;Ann;Lee;Pune\n"
           "not-an-address;Bob;Marsh;Berlin\n"
           "\n"
           "\"cy@example.com\";\"Cy\";\"Young, Jr.\";Berlin\n"
           "dee@example.com;Dee;Dunn;Paris\n")
    page = html(admin_client.post(f"/exams/{exam.id}/register/bulk", data={"bulk-csv_text": csv}))

    assert outcome_rows(page) == [["1", "ann@example.com", "Registered"], ["2", "not-an-address", "Error"],
                                  ["3", "cy@example.com", "Registered"], ["4", "dee@example.com", "Error"]]
    details = [row.find_all("td")[3] for row in page.select(".outcome-table tbody tr")]
    assert details[1].get_text(" ", strip=True) == "Email Address: Invalid format for parameter email id"
    assert details[3].get_text(" ", strip=True) == "Site: Site must be one of: Berlin, Pune."
    by_email = sittings(exam)
    assert sorted(by_email) == ["ann@example.com", "cy@example.com"]
    assert details[0].find("input")["value"] == personal_url(by_email["ann@example.com"].access_token)
    assert by_email["cy@example.com"].registration == {"Email Address": "cy@example.com", "First Name": "Cy",
                                                       "Last Name": "Young, Jr.", "Site": "Berlin"}
    assert {s.registered_by for s in by_email.values()} == {"staff"}
    counts = {strong["data-count"]: strong.get_text() for strong in page.select(".outcome-counts strong")}
    assert counts == {"registered": "2", "other": "0", "error": "2"}
    assert db.session.query(OutboxMessage).count() == 0, "the exam does not e-mail on invitation"


def test_registering_again_reports_the_candidates_who_started_or_finished(admin_client, admin, exam):
    register(admin, exam, "ann@example.com", "bob@example.com")
    for sitting in sittings(exam).values():
        start(sitting)
    sitting = sittings(exam)["bob@example.com"]
    transition(sitting, SittingStatus.EXAM_FINISHED)
    db.session.commit()
    page = html(admin_client.post(f"/exams/{exam.id}/register/bulk", data={
        "bulk-csv_text": "ann@example.com,Ann,Lee,Pune\nbob@example.com,Bob,Marsh,Pune"}))
    assert outcome_rows(page) == [["1", "ann@example.com", "In progress"], ["2", "bob@example.com",
                                                                              "Already completed"]]
    resume = page.select(".outcome-table tbody tr")[0].find("input")
    assert resume["value"] == personal_url(sittings(exam)["ann@example.com"].access_token)
    assert resume["aria-label"] == "Resume link of ann@example.com"


def test_registering_from_an_uploaded_file_sends_the_invitations_when_asked(admin_client, exam):
    data = "\ufeffEmail Address,First Name,Last Name,Site\r\nJosé@Example.com,José,Núñez,Berlin\r\n".encode()
    page = html(admin_client.post(f"/exams/{exam.id}/register/bulk", content_type="multipart/form-data", data={
        "bulk-csv_file": (io.BytesIO(data), "candidates.csv"), "bulk-send_email": "y"}))
    assert outcome_rows(page) == [["1", "josé@example.com", "Registered"]]
    sitting = sittings(exam)["josé@example.com"]
    assert sitting.candidate.name == "José Núñez"
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "josé@example.com" and personal_url(sitting.access_token) in message.payload["text"]


def test_an_empty_upload_is_an_error_beside_the_text(admin_client, exam):
    page = html(admin_client.post(f"/exams/{exam.id}/register/bulk", data={"bulk-csv_text": "email,first,last\n"}))
    assert field_errors(page) == {"bulk-csv_text": "There are no candidates to register: paste their rows or "
                                                   "choose a file."}
    assert page.select_one(".outcome-table") is None


def test_registering_one_candidate(admin_client, exam):
    form = html(admin_client.get(f"/exams/{exam.id}/register"))
    assert not form.select_one("#one-send_email").has_attr("checked")
    page = html(admin_client.post(f"/exams/{exam.id}/register", data={
        "one-field-0": "ann@example.com", "one-field-1": "Ann", "one-field-2": "Lee", "one-field-3": "Pune"}))
    assert outcome_rows(page) == [["1", "ann@example.com", "Registered"]]
    assert page.select_one("#one-field-0")["value"] == "", "a blank form for the next candidate"
    assert list(sittings(exam)) == ["ann@example.com"]

    page = html(admin_client.post(f"/exams/{exam.id}/register", data={
        "one-field-0": "bob@example.com", "one-field-1": "", "one-field-2": "Marsh", "one-field-3": "Pune"}))
    assert field_errors(page) == {"one-field-1": "Mandatory parameter (First Name) for registration not supplied"}
    assert page.select_one("#one-field-0")["value"] == "bob@example.com"
    assert page.select_one("#one-field-3 option[selected]")["value"] == "Pune"
    assert list(sittings(exam)) == ["ann@example.com"]


# The exam page: sittings, invitations, removing -----------------------------------------------------

def test_the_exam_page_lists_the_sittings_and_filters_them(admin_client, admin, exam):
    register(admin, exam, "ann@example.com", "bob@example.com")
    page = html(admin_client.get(f"/exams/{exam.id}"))
    rows = page.select(".sitting-table tbody tr")
    assert len(rows) == 2
    ann = sittings(exam)["ann@example.com"]
    first = rows[0]
    assert first.find("a")["href"] == f"/candidates/{ann.candidate_id}"
    assert first.find("a").get_text() == "Ann Doe"
    status = first.select_one("[data-field=status]")
    assert (status["data-status"], status.get_text()) == ("registered", "Registered")
    assert "ToBeTaken" not in first.get_text(), "Mettl's codes are for the API"
    assert first.select_one("[data-registered-by]").get_text() == "Staff"
    assert first.select_one("input.link-input")["value"] == personal_url(ann.access_token)
    assert first.select_one("input[name=sitting_ids]")["form"] == "invite-form"
    refresher = page.select_one("#sitting-rows")
    assert (refresher["hx-get"], refresher["hx-trigger"]) == (f"/exams/{exam.id}/sittings", "every 5s")

    fragment = html(admin_client.get(f"/exams/{exam.id}/sittings?text=bob", headers={"HX-Request": "true"}))
    assert fragment.find("h1") is None
    assert fragment.select_one("#sitting-rows")["hx-get"] == f"/exams/{exam.id}/sittings?text=bob"
    assert [row.find("small").get_text() for row in fragment.select(".sitting-table tbody tr")] == ["bob@example.com"]
    none = html(admin_client.get(f"/exams/{exam.id}?status=mail_sent"))
    assert none.select(".sitting-table") == [] and "No candidate matches" in none.select_one("#sitting-rows").get_text()
    tampered = html(admin_client.get(f"/exams/{exam.id}?status=everything"))
    assert len(tampered.select(".sitting-table tbody tr")) == 2


def test_sending_invitations_to_the_selected_and_to_all(admin_client, admin, exam):
    register(admin, exam, "ann@example.com", "bob@example.com", "cy@example.com")
    by_email = sittings(exam)
    start(by_email["cy@example.com"])

    response = admin_client.post(f"/exams/{exam.id}/invitations", data={"sitting_ids": [
        str(by_email["bob@example.com"].id)]})
    assert response.headers["Location"] == f"/exams/{exam.id}#sittings"
    page = html(admin_client.get(f"/exams/{exam.id}"))
    assert flashes(page, "success") == ["1 invitation e-mail queued. The sitting's status changes once it is "
                                        "delivered."]
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == ["bob@example.com"]

    admin_client.post(f"/exams/{exam.id}/invitations", data={"send_all": "y"})
    assert flashes(html(admin_client.get(f"/exams/{exam.id}")), "success")[0].startswith("2 invitation")
    assert sorted(m.recipient for m in db.session.scalars(select(OutboxMessage))) == [
        "ann@example.com", "bob@example.com", "bob@example.com"]

    admin_client.post(f"/exams/{exam.id}/invitations", data={})
    assert flashes(html(admin_client.get(f"/exams/{exam.id}")), "error") == ["Tick the candidates to invite first."]
    assert {s.status for s in sittings(exam).values()} == {SittingStatus.REGISTERED, SittingStatus.EXAM_STARTED}


def test_removing_a_sitting_not_yet_started(admin_client, admin, exam):
    register(admin, exam, "ann@example.com", "bob@example.com")
    by_email = sittings(exam)
    start(by_email["bob@example.com"])
    page = html(admin_client.get(f"/exams/{exam.id}"))
    removable = [form["action"] for form in page.select(".sitting-table form")]
    assert removable == [f"/sittings/{by_email['ann@example.com'].id}/remove"]

    response = admin_client.post(removable[0])
    assert response.headers["Location"] == f"/exams/{exam.id}#sittings"
    admin_client.post(f"/sittings/{by_email['bob@example.com'].id}/remove")
    assert flashes(html(admin_client.get(f"/exams/{exam.id}")), "error") == [
        "The candidate has started this test; the sitting is kept."]
    assert list(sittings(exam)) == ["bob@example.com"]


@pytest.mark.parametrize("role, sees_links", [("admin", True), ("examiner", True), ("proctor", False),
                                               ("support", False)])
def test_only_those_who_register_candidates_see_personal_links(client, admin, factory, exam, role, sees_links):
    """A personal link lets whoever holds it take the test in the candidate's name."""
    register(admin, exam, "ann@example.com")
    log_in(client, admin if role == "admin" else factory.staff(admin.institute, role))
    token = sittings(exam)["ann@example.com"].access_token
    for url in (f"/exams/{exam.id}", f"/exams/{exam.id}/sittings"):
        response = client.get(url)
        row = html(response).select_one(".sitting-table tbody tr")
        assert "ann@example.com" in row.get_text()
        assert (token in response.get_data(as_text=True)) is sees_links
        assert (row.select_one("input.link-input") is not None) is sees_links


# The exam page: activation, deleting, the proctor pool ---------------------------------------------

def test_deactivating_and_activating(admin_client, exam):
    admin_client.post(f"/exams/{exam.id}/active", data={"active": "0"})
    assert exams()[0].status == ExamStatus.INACTIVE
    page = html(admin_client.get(f"/exams/{exam.id}"))
    assert "inactive" in flashes(page, "success")[0]
    assert page.find("button", string="Activate")
    admin_client.post(f"/exams/{exam.id}/active", data={"active": "1"})
    assert exams()[0].status == ExamStatus.ACTIVE


def test_deleting_is_refused_once_a_candidate_started(admin_client, admin, exam):
    register(admin, exam, "ann@example.com")
    start(sittings(exam)["ann@example.com"])
    response = admin_client.post(f"/exams/{exam.id}/delete")
    assert response.headers["Location"] == f"/exams/{exam.id}"
    assert flashes(html(admin_client.get(f"/exams/{exam.id}")), "error") == [
        "Candidates have taken this exam; deactivate it instead of deleting it."]
    assert len(exams()) == 1


def test_deleting_an_exam_nobody_started(admin_client, admin, exam):
    register(admin, exam, "ann@example.com")
    page = html(admin_client.get(f"/exams/{exam.id}"))
    assert page.find("button", string="Delete")["data-confirm"].startswith("Delete the exam June finals")
    response = admin_client.post(f"/exams/{exam.id}/delete")
    assert response.headers["Location"] == "/exams"
    assert exams() == [] and db.session.query(Sitting).count() == 0
    assert flashes(html(admin_client.get("/exams")), "success") == ["The exam June finals is deleted."]


def test_the_proctor_pool(admin_client, admin, factory, exam):
    proctor = factory.staff(admin.institute, "proctor", name="Pat Proctor")
    factory.staff(admin.institute, "examiner")
    page = html(admin_client.get(f"/exams/{exam.id}"))
    boxes = page.select("#proctors input[type=checkbox]")
    assert [(box["value"], box.has_attr("checked")) for box in boxes] == [(str(admin.id), False),
                                                                        (str(proctor.id), False)]
    admin_client.post(f"/exams/{exam.id}/proctors", data={"proctors": [str(proctor.id)]})
    assert [user.id for user in exams()[0].proctors] == [proctor.id]
    page = html(admin_client.get(f"/exams/{exam.id}"))
    assert page.select_one(f"#proctors input[value='{proctor.id}']").has_attr("checked")

    admin_client.post(f"/exams/{exam.id}/proctors", data={"proctors": ["999999"]})
    assert flashes(html(admin_client.get(f"/exams/{exam.id}")), "error")
    assert [user.id for user in exams()[0].proctors] == [proctor.id]


# Read-only roles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["proctor", "support"])
def test_proctors_and_support_look_but_do_not_touch(client, admin, factory, exam, role):
    register(admin, exam, "ann@example.com")
    sitting = sittings(exam)["ann@example.com"]
    log_in(client, factory.staff(admin.institute, role))

    listing = html(client.get("/exams"))
    assert [a.get_text() for a in listing.select(".exam-table tbody a")] == ["June finals"]
    assert listing.find("a", string="New exam") is None
    page = html(client.get(f"/exams/{exam.id}"))
    assert page.select_one("#access-url")
    assert len(page.select(".sitting-table tbody tr")) == 1
    for absent in ("#invite-form", "input[name=sitting_ids]", ".sitting-table form", "#proctors form",
                   "a[href$='/edit']", "a[href$='/register']"):
        assert page.select_one(absent) is None, absent
    assert page.find("button", string="Delete") is None

    for method, url in [("GET", "/exams/new"), ("POST", "/exams/new"), ("GET", f"/exams/{exam.id}/edit"),
                        ("POST", f"/exams/{exam.id}/edit"), ("POST", f"/exams/{exam.id}/active"),
                        ("POST", f"/exams/{exam.id}/delete"), ("POST", f"/exams/{exam.id}/proctors"),
                        ("POST", f"/exams/{exam.id}/invitations"), ("GET", f"/exams/{exam.id}/register"),
                        ("POST", f"/exams/{exam.id}/register"), ("POST", f"/exams/{exam.id}/register/bulk"),
                        ("POST", f"/sittings/{sitting.id}/remove")]:
        response = client.open(url, method=method, data={"active": "0", "send_all": "y"})
        assert response.status_code == 403, f"{method} {url}"
    assert exams()[0].status == ExamStatus.ACTIVE and list(sittings(exam)) == ["ann@example.com"]
    assert db.session.query(OutboxMessage).count() == 0


# Languages ----------------------------------------------------------------------------------------

def test_the_exam_language_is_chosen_in_the_form_stored_and_shown(admin_client, assessment):
    form = html(admin_client.get("/exams/new"))
    offered = {option["value"]: option.get_text() for option in form.select("#language option")}
    assert offered == {"": "The institute's language", "en": "English", "de": "Deutsch", "es": "Español",
                       "ar": "العربية"}
    admin_client.post("/exams/new", data=exam_form(assessment, language="ar"))
    [exam] = exams()
    assert exam.language == "ar"
    shown = html(admin_client.get(f"/exams/{exam.id}")).select_one("dd[data-language]")
    assert (shown["data-language"], shown.get_text()) == ("ar", "العربية")
    edit = html(admin_client.get(f"/exams/{exam.id}/edit"))
    assert edit.select_one("#language option[selected]")["value"] == "ar"
    admin_client.post(f"/exams/{exam.id}/edit", data=exam_form(assessment, language=""))
    assert exams()[0].language == ""
    shown = html(admin_client.get(f"/exams/{exam.id}")).select_one("dd[data-language]")
    assert shown.get_text() == "The institute's language"


def test_the_exam_pages_read_in_german(admin_client, admin, exam):
    register(admin, exam, "ann@example.com")
    listing = html(admin_client.get("/exams?lang=de"))
    assert listing.find("h1").get_text() == "Prüfungen"
    assert [th.get_text() for th in listing.select(".exam-table th")] == [
        "Name", "Test", "Status", "Zeitplan", "Zugang", "Teilnahmen"]
    row = listing.select_one(".exam-table tbody tr")
    assert "Aktiv" in row.get_text() and "Nur auf Einladung" in row.get_text()
    assert row.select_one(".sitting-count").get_text() == "Angemeldet: 1"

    page = html(admin_client.get(f"/exams/{exam.id}"))     # the language chosen is kept
    assert page.select_one("html")["lang"] == "de"
    assert page.select_one("#sittings h2").get_text() == "Kandidat/innen"
    assert page.select_one("[data-field=status]").get_text() == "Angemeldet"
    assert page.select_one("[data-attempts]").get_text() == "einer pro Kandidat/in"
    assert [o.get_text() for o in page.select("#status option")][:2] == ["Alle Status", "Angemeldet"]
    form = html(admin_client.get(f"/exams/{exam.id}/edit"))
    assert form.select_one("label[for=language]").find(string=True).strip() == \
        "Sprache der Kandidatenseiten und E-Mails"
    assert form.select_one("#access_type option[selected]").get_text() == \
        "Auf Einladung: nur angemeldete Kandidat/innen, über ihre eigenen Links"


def test_the_register_page_reads_right_to_left_in_arabic(admin_client, admin, exam):
    page = html(admin_client.post(f"/exams/{exam.id}/register/bulk?lang=ar", data={
        "bulk-csv_text": "ann@example.com,Ann,Lee,Pune\nbob@example.com,Bob,Marsh,Pune\nnope,C,D,Pune"}))
    assert (page.select_one("html")["lang"], page.select_one("html")["dir"]) == ("ar", "rtl")
    assert page.find("h1").get_text() == "تسجيل المرشحين"
    counts = page.select_one(".outcome-counts")
    assert counts.get_text(" ", strip=True).startswith("من 3 صفوف:")
    assert {strong["data-count"]: strong.get_text() for strong in counts.select("strong")} == {
        "registered": "2", "other": "0", "error": "1"}
    assert outcome_rows(page)[0] == ["1", "ann@example.com", "مسجَّل"]
