"""An institute's own wording of its candidates' e-mails: placeholders checked, no template language,
the wording in the reader's language or else the default, and in the console an admin edits, previews
and resets it; the next invitation, delivered to a real SMTP server, is in the new wording."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from tests.notifications.helpers import message_to
from tests.results.helpers import answering, tagged_assessment
from tests.test_hostile_input import FIELD_VALUES
from webapp.candidates.models import Candidate
from webapp.core.errors import NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.notifications import mail_templates
from webapp.notifications.models import MailTemplate
from webapp.notifications.worker import deliver_due
from webapp.sittings.services import register_candidates

HTMX = {"HX-Request": "true"}
PREVIEW = "/settings/mail/wording/preview?kind=invitation&language=en"
INVITATION_BODY = ("Dear {{ candidate_name }},\n\nplease sit {{ test_name }} at {{institute_name}}.\n"
                   "Open: {{ window }}\n\n{{ link }}")


def _invite(admin, exam, email: str = "ann@example.com") -> None:
    register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann", "Last Name": "Lee"}],
                        send_email=True)
    db.session.commit()


def _received(smtp_server) -> dict:
    deliver_due()
    return {mail.rcpt_tos[0]: mail for mail in smtp_server.received}


def _encoded(fields: dict) -> str:
    """A lone surrogate goes in as its (invalid) UTF-8 bytes, as a hostile client sends it."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


def _text(mail) -> str:
    return mail.body().replace("\r\n", "\n")


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# The wording and its placeholders -------------------------------------------------------------------

def test_unknown_placeholders_are_refused_by_name(admin):
    with pytest.raises(ValidationError) as error:
        mail_templates.save_wording(admin, "invitation", "en", "Hi {{ level }}", "Go: {{ link }} {{ score }}")
    assert error.value.field == "subject" and "{{ level }}" in error.value.message
    with pytest.raises(ValidationError) as error:
        mail_templates.save_wording(admin, "invitation", "en", "Hi", "Go: {{ link }} {{ score }} {{ nonsense }}")
    assert error.value.field == "body"
    assert "{{ nonsense }}, {{ score }}" in error.value.message and "{{ link }}" in error.value.message
    with pytest.raises(ValidationError, match="not closed"):
        mail_templates.save_wording(admin, "invitation", "en", "Hi", "Go: {{ link")
    assert db.session.query(MailTemplate).count() == 0


@pytest.mark.parametrize("hostile", [
    "{{ ''.__class__ }}", "{{ candidate_name.__class__.__mro__ }}", "{{ config }}", "{{ link|attr('x') }}",
    "{{ cycler.__init__.__globals__.os }}", "{{ 7*7 }}",
])
def test_template_syntax_is_refused_and_never_run(admin, hostile):
    with pytest.raises(ValidationError) as error:
        mail_templates.preview(admin, "invitation", "en", "Subject", f"Hello {hostile}")
    assert "Unknown placeholders" in error.value.message


def test_what_is_not_a_placeholder_is_text_and_the_html_is_escaped(admin):
    preview = mail_templates.preview(admin, "invitation", "en", "Hi {{ candidate_name }} {% raw %}",
                                     "<script>alert(1)</script> {% for x in y %}{{ candidate_name }}\n\n{{ link }}")
    assert preview.subject == "Hi Ann Lee {% raw %}"
    assert preview.text.startswith("<script>alert(1)</script> {% for x in y %}Ann Lee")
    html = BeautifulSoup(str(preview.html), "html.parser")
    assert html.find("script") is None and "<script>alert(1)</script>" in html.get_text()
    assert [a["href"] for a in html.find_all("a")] == ["https://tests.example.org/t/sample-link"]
    assert len(html.find_all("p")) == 2


def test_a_value_with_markup_is_escaped_in_the_html(admin, factory):
    exam = factory.exam(admin, name="<b>Exam</b>", email_on_invitation=True)
    mail_templates.save_wording(admin, "invitation", "en", "{{ exam_name }}", "{{ exam_name }}: {{ link }}")
    _invite(admin, exam)
    payload = message_to("ann@example.com").payload
    assert payload["subject"] == "<b>Exam</b>"
    assert "&lt;b&gt;Exam&lt;/b&gt;" in payload["html"] and "<b>Exam</b>" not in payload["html"]


def test_only_an_admin_words_e_mails_and_only_of_known_kinds_and_languages(admin, factory):
    examiner = factory.staff(admin.institute, "examiner")
    with pytest.raises(PermissionDenied):
        mail_templates.wording(examiner, "invitation", "en")
    with pytest.raises(NotFound):
        mail_templates.wording(admin, "invitation", "fr")
    with pytest.raises(ValidationError):
        mail_templates.wording(admin, "farewell", "en")


def test_the_starter_is_in_the_wordings_language_and_saving_replaces_it(admin):
    starter = mail_templates.wording(admin, "reminder", "de")
    assert not starter.custom and starter.subject == "Erinnerung: {{ test_name }}"
    mail_templates.save_wording(admin, "reminder", "de", "Bald: {{ test_name }}", "{{ reminder }}\r\n{{ link }}")
    saved = mail_templates.wording(admin, "reminder", "de")
    assert saved.custom and (saved.subject, saved.body) == ("Bald: {{ test_name }}", "{{ reminder }}\n{{ link }}")
    mail_templates.reset_wording(admin, "reminder", "de")
    assert not mail_templates.wording(admin, "reminder", "de").custom


# Which wording an e-mail is sent in ----------------------------------------------------------------

def test_the_wording_in_the_readers_language_else_the_default(admin, factory, smtp_server):
    exam = factory.exam(admin, name="Spring session", email_on_invitation=True)
    mail_templates.save_wording(admin, "invitation", "de", "Einladung zu {{ exam_name }}",
                                "Hallo {{ candidate_name }},\n\n{{ link }}")
    db.session.add(Candidate(institute_id=admin.institute_id, email="jan@example.com", username="jan",
                             first_name="Jan", last_name="Roth", language="de"))
    db.session.commit()
    _invite(admin, exam, "jan@example.com")
    _invite(admin, exam, "ann@example.com")
    mail_templates.save_wording(admin, "invitation", "es", "Invitación", "{{ link }}")
    db.session.commit()

    received = _received(smtp_server)

    german = received["jan@example.com"]
    assert german.message["Subject"] == "Einladung zu Spring session"
    assert _text(german).startswith("Hallo Ann Lee,\n\nhttp://proctora.localhost/")
    html = BeautifulSoup(german.body("html"), "html.parser")
    assert (html.html["lang"], html.find("a")["href"].startswith("http://proctora.localhost/")) == ("de", True)
    english = received["ann@example.com"]    # no English wording: the default
    assert english.message["Subject"] == f"Your invitation: {exam.assessment.name}"
    assert "Start your test here" in english.body()


def test_another_institutes_wording_is_never_used_nor_seen(admin, factory, smtp_server):
    other = factory.institute("Other School")[1]
    mail_templates.save_wording(other, "invitation", "en", "Theirs", "Theirs: {{ link }}")
    db.session.commit()
    assert mail_templates.mail_overview(admin) == set()
    assert not mail_templates.wording(admin, "invitation", "en").custom
    mail_templates.reset_wording(admin, "invitation", "en")
    assert mail_templates.wording(other, "invitation", "en").custom

    _invite(admin, factory.exam(admin, email_on_invitation=True))
    assert _received(smtp_server)["ann@example.com"].message["Subject"] != "Theirs"


def test_the_certification_result_in_the_institutes_wording_and_its_copy_in_the_default(admin, factory,
                                                                                       smtp_server):
    admin.institute.contact_email = "office@example.com"
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65)
    exam = factory.exam(admin, assessment, name="December session", notify_client=True)
    mail_templates.save_wording(admin, "certificate", "en", "{{ test_name }}: {{ outcome }}",
                                "{{ candidate_name }}: {{ score }} of {{ pass_mark }}, {{ certificate_code }}\n"
                                "{{ certificate_link }}")
    db.session.commit()
    factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 14}))

    received = _received(smtp_server)

    mail = received["ann@example.com"]
    assert mail.message["Subject"] == "B1 certificate: passed at level B1"
    first_line, link = _text(mail).split("\n")[:2]
    assert first_line.startswith("Ann ") and ": 70 % of 65 %, " in first_line
    assert link.startswith("http://proctora.localhost/") and first_line.rsplit(", ", 1)[1] in link
    assert received["office@example.com"].message["Subject"].endswith("certification result: passed (B1 certificate)")


# The console ----------------------------------------------------------------------------------------

def test_an_admin_edits_previews_and_resets_the_invitation_and_the_next_one_uses_it(admin_client, admin, factory,
                                                                                   smtp_server):
    overview = _page(admin_client.get("/settings/mail"))
    cell = overview.select_one('td[data-kind="invitation"][data-language="en"]')
    assert cell.get_text(strip=True) == "Default"
    editor = _page(admin_client.get(cell.a["href"]))
    assert editor.find("input", {"name": "subject"})["value"] == "Your invitation: {{ test_name }}"
    assert "{{ window }}" in [dt.get_text(strip=True) for dt in editor.select("[data-placeholders] dt")]

    fragment = _page(admin_client.post(PREVIEW, headers=HTMX, data={"subject": "Hi", "body": "{{ ''.__class__ }}"}))
    assert fragment.section["id"] == "mail-preview"
    assert "Unknown placeholders: {{ ''.__class__ }}" in fragment.find(role="alert").get_text()

    preview = _page(admin_client.post(PREVIEW, headers=HTMX, data={"subject": "Come to {{ exam_name }}",
                                                                   "body": INVITATION_BODY}))
    assert preview.select_one('[data-preview="subject"]').get_text() == "Come to December session"
    html = preview.select_one('[data-preview="html"]').get_text()
    assert "please sit English placement test at Acme Languages." in html
    assert db.session.query(MailTemplate).count() == 0     # a preview saves nothing

    saved = admin_client.post("/settings/mail/wording?kind=invitation&language=en",
                              data={"subject": "Come to {{ exam_name }}", "body": INVITATION_BODY})
    assert saved.status_code == 302
    assert _page(admin_client.get("/settings/mail")).select_one(
        'td[data-kind="invitation"][data-language="en"]').get_text(strip=True) == "Own wording"

    exam = factory.exam(admin, name="Spring session", email_on_invitation=True)
    _invite(admin, exam)
    mail = _received(smtp_server)["ann@example.com"]
    assert mail.message["Subject"] == "Come to Spring session"
    text = _text(mail)
    assert text.startswith(f"Dear Ann Lee,\n\nplease sit {exam.assessment.name} at Acme Languages.\nOpen: Open at any time")
    html = BeautifulSoup(mail.body("html"), "html.parser")
    assert html.find("a")["href"] in text

    admin_client.post("/settings/mail/wording/reset?kind=invitation&language=en")
    assert not mail_templates.wording(admin, "invitation", "en").custom


def test_the_preview_without_javascript_is_the_whole_page_with_the_text_kept(admin_client):
    page = _page(admin_client.post("/settings/mail/wording/preview?kind=reminder&language=ar",
                                   data={"subject": "تذكير: {{ test_name }}", "body": "{{ reminder }} {{ level }}"}))
    assert page.find("h1") is not None
    assert page.find("textarea", {"name": "body"}).get_text().strip() == "{{ reminder }} {{ level }}"
    assert page.find("textarea", {"name": "body"})["dir"] == "rtl"
    assert "{{ level }}" in page.select_one("#body-error").get_text()


def test_reminder_hours_are_saved_and_checked(admin_client, admin):
    page = _page(admin_client.post("/settings/mail", data={"hours_before_opening": "-3",
                                                           "hours_before_closing": "12"}))
    assert "from 0" in page.select_one("#hours_before_opening-error").get_text()
    assert admin_client.post("/settings/mail", data={"hours_before_opening": "48",
                                                     "hours_before_closing": "0"}).status_code == 302
    settings = mail_templates.mail_settings(admin)
    assert (settings.hours_before_opening, settings.hours_before_closing) == (48, 0)


@pytest.mark.parametrize("path", ["/settings/mail/wording", "/settings/mail/wording/preview"])
def test_hostile_wordings_are_refused_without_a_server_error(admin_client, path):
    for value in FIELD_VALUES + ["{{", "}}{{", "{{ {{ link }} }}", "{{\x00}}"]:
        for kind, language in (("invitation", "ar"), (value, "en"), ("invitation", value)):
            response = admin_client.post(
                f"{path}?{_encoded({'kind': kind, 'language': language})}",
                data=_encoded({"subject": value, "body": value}), content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (value, kind, language, response.status_code)
    assert all("\x00" not in wording.subject + wording.body for wording in db.session.query(MailTemplate))


def test_a_placement_result_in_the_institutes_wording_says_when_there_is_no_level(admin, factory, smtp_server):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 3, name="Untagged placement"))
    mail_templates.save_wording(admin, "results", "en", "Placed: {{ level }}",
                                "{{ test_name }}: {{ level }}, {{ score }}\n{{ report_link }}")
    db.session.commit()
    factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({}))

    mail = _received(smtp_server)["ann@example.com"]

    assert mail.message["Subject"] == "Placed: not placed at a level"
    assert _text(mail).startswith("Untagged placement: not placed at a level, 0 %\nhttp://proctora.localhost/")
