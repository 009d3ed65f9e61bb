"""E-mails in their reader's language, received by a real SMTP server: a candidate's in the language they
chose on a candidate page, else the exam's, else the institute's, else English; the institute's copy and
staff e-mails in the institute's (or the staff member's) language; Arabic ones right to left."""
from __future__ import annotations

from datetime import date, time

import pytest
from bs4 import BeautifulSoup

from tests.results.helpers import answering, tagged_assessment
from webapp.accounts.services import invite_staff
from webapp.candidates.models import Candidate
from webapp.exams.services import language_to_write_in
from webapp.core.extensions import db
from webapp.notifications.worker import deliver_due
from webapp.sittings.services import register_candidates

OFFICE = "office@lingua.example"


@pytest.fixture
def lingua(factory):
    """An institute with a contact address; its admin."""
    return factory.institute("Lingua School", contact_email=OFFICE)[1]


def _candidate(admin, email: str, language: str) -> None:
    """A candidate known before the test, with the language they last chose on a candidate page."""
    db.session.add(Candidate(institute_id=admin.institute_id, email=email, username=email, first_name="Ann",
                             last_name="Lee", language=language))
    db.session.commit()


def _received(smtp_server) -> dict:
    deliver_due()
    return {mail.rcpt_tos[0]: mail for mail in smtp_server.received}


def _html(mail) -> BeautifulSoup:
    return BeautifulSoup(mail.body("html"), "html.parser")


def _certification(admin, factory, **exam_settings):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65)
    return factory.exam(admin, assessment, name="December session", **exam_settings)


def test_a_german_candidate_hears_of_the_result_in_german_and_the_institute_in_its_language(
        lingua, factory, smtp_server):
    _candidate(lingua, "ann@example.com", "de")
    exam = _certification(lingua, factory, notify_client=True)
    factory.finished_sitting(lingua, exam, email="ann@example.com", answer=answering({"B1": 13}))

    received = _received(smtp_server)

    mail = received["ann@example.com"]
    assert mail.message["Subject"] == "Ihr Zertifizierungsergebnis: bestanden (B1 certificate)"
    text = " ".join(mail.body().split())
    assert text.startswith("Guten Tag Ann,")
    assert ("Herzlichen Glückwunsch: Sie haben den Zertifizierungstest „B1 certificate“ auf dem Niveau B1 mit "
            "65 % bestanden (die Bestehensgrenze liegt bei 65 %).") in text
    html = _html(mail)
    assert (html.html["lang"], html.html["dir"]) == ("de", "ltr")
    assert html.find("a", string="Ihren Bericht ansehen") is not None
    copy = received[OFFICE]     # the institute has no language: English
    assert copy.message["Subject"] == "Ann Lee: certification result: passed (B1 certificate)"
    assert "Result: passed at level B1" in copy.body()


def test_an_arabic_candidate_reads_the_result_right_to_left(lingua, factory, smtp_server):
    _candidate(lingua, "ann@example.com", "ar")
    exam = _certification(lingua, factory)
    factory.finished_sitting(lingua, exam, email="ann@example.com", answer=answering({"B1": 12}))

    mail = _received(smtp_server)["ann@example.com"]

    assert mail.message["Subject"] == "نتيجة اختبار الشهادة: لم تنجح بعد (B1 certificate)"
    html = _html(mail)
    assert (html.html["lang"], html.html["dir"]) == ("ar", "rtl")
    words = " ".join(html.get_text(" ").split())
    assert "لم تنجح بعد في اختبار الشهادة B1 certificate للمستوى B1" in words
    assert "تابع حزمتك الدراسية" in words and "Continue" not in words
    assert "مرحبًا Ann،" in mail.body()


def test_without_a_choice_of_their_own_a_candidate_reads_the_exams_then_the_institutes_language(
        admin, factory, smtp_server):
    exam = factory.exam(admin, name="June session", access_type="ByInvitation", schedule_type="Fixed",
                        starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 30),
                        starts_on_time=time(8), ends_on_time=time(18), time_zone="UTC+05:30")
    admin.institute.language = "de"
    _candidate(admin, "chose@example.com", "ar")
    assert language_to_write_in(exam) == "de"
    exam.language = "es"
    db.session.commit()
    assert language_to_write_in(exam) == "es" and language_to_write_in(exam, "ar") == "ar"

    register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Bo", "Last Name": "Marsh"}
                                         for email in ("new@example.com", "chose@example.com")],
                        send_email=True)
    db.session.commit()
    received = _received(smtp_server)

    spanish = received["new@example.com"]
    assert spanish.message["Subject"] == f"Su invitación: {exam.assessment.name}"
    assert "Hola, Bo Marsh:" in spanish.body()
    assert _html(spanish).find("a", string="Comenzar la prueba") is not None
    arabic = received["chose@example.com"]
    assert arabic.message["Subject"] == f"دعوتك: {exam.assessment.name}"
    assert _html(arabic).html["dir"] == "rtl"


def test_a_staff_invitation_is_in_the_institutes_language(admin, smtp_server):
    admin.institute.language = "es"
    db.session.commit()
    invite_staff(admin, email="grace@example.com", name="Grace Hopper", role="proctor")
    db.session.commit()

    mail = _received(smtp_server)["grace@example.com"]

    assert mail.message["Subject"] == f"Está invitado a {admin.institute.name} en Proctora"
    text = " ".join(mail.body().split())
    assert text.startswith("Hola, Grace Hopper:") and "Elija su contraseña aquí" in text
