"""The placement and certification e-mails, received by a real SMTP server after one worker run: the
candidate's (level, passed or not, the report), the institute's copy only when the exam notifies it
and the institute has a contact address, each once; a standard test sends none of them."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.candidate.helpers import adaptive_exam, answer_adaptive, build_adaptive_pool, register, start
from tests.conftest import right_answer
from tests.results.helpers import answering, tagged_assessment
from webapp.core.extensions import db
from webapp.core.links import html_report_url, verify_url
from webapp.notifications.models import OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.proctoring.services import review
from webapp.results.grading import grade_response
from webapp.results.models import Certificate
from webapp.sittings.models import Response, SittingItem

OFFICE = "office@lingua.example"
BANDS = [{"level": "A1", "min_percent": 60}, {"level": "A2", "min_percent": 60}, {"level": "B1", "min_percent": 60}]


@pytest.fixture
def lingua(factory):
    """An institute with a contact address; its admin."""
    return factory.institute("Lingua School", contact_email=OFFICE)[1]


def _delivered(smtp_server) -> dict[str, list]:
    """Run the worker (twice: the second run must find nothing left) and sort the mail by recipient."""
    deliver_due()
    assert deliver_due()["sent"] == 0
    received: dict[str, list] = {}
    for mail in smtp_server.received:
        for recipient in mail.rcpt_tos:
            received.setdefault(recipient, []).append(mail)
    return received


def _html_text(mail) -> str:
    return " ".join(BeautifulSoup(mail.body("html"), "html.parser").get_text(" ").split())


def _links(mail) -> list[str]:
    return [a["href"] for a in BeautifulSoup(mail.body("html"), "html.parser").find_all("a")]


def test_the_candidate_hears_of_the_level_and_the_institute_of_the_placement(lingua, factory, smtp_server):
    assessment = tagged_assessment(lingua, ["A1"] * 5 + ["A2"] * 5 + ["B1"] * 5, name="English placement",
                                   placement_bands=BANDS)
    exam = factory.exam(lingua, assessment, name="Autumn intake", notify_client=True)
    sitting = factory.finished_sitting(lingua, exam, email="ann@example.com", first_name="Ann", last_name="Lee",
                                       answer=answering({"A1": 5, "A2": 4, "B1": 3}))

    received = _delivered(smtp_server)

    assert sorted(received) == ["ann@example.com", OFFICE]
    [mail] = received["ann@example.com"]
    assert mail.message["Subject"] == "Your placement result: B1 (English placement)"
    text = mail.body()
    assert "Hello Ann," in text and "Your level is B1." in text and "Your score: 80 %" in text
    skill = assessment.sections[0].picks[0].question.skill.name
    assert f"Your level by skill:\r\n- {skill}: B1\r\n" in text
    assert [li.get_text() for li in BeautifulSoup(mail.body("html"), "html.parser").select("[data-skill-levels] li")] \
        == [f"{skill}: B1"]
    assert html_report_url(sitting) in text
    assert "Your level is B1" in _html_text(mail) and html_report_url(sitting) in _links(mail)
    assert "Lingua School" in _html_text(mail)
    [copy] = received[OFFICE]
    assert copy.message["Subject"] == "Ann Lee: placement result: B1 (English placement)"
    assert ('Ann Lee (ann@example.com) has taken the placement test "English placement" (Autumn intake).'
            in copy.body())
    assert "Level: B1" in copy.body() and "Hello" not in copy.body()
    assert f"By skill: {skill}: B1" in copy.body()
    assert "Level B1" in _html_text(copy) and html_report_url(sitting) in _links(copy)


def test_a_placement_without_a_level_says_so(lingua, factory, smtp_server):
    exam = factory.exam(lingua, tagged_assessment(lingua, [None] * 3, name="Untagged placement"))
    factory.finished_sitting(lingua, exam, email="ann@example.com", answer=answering({None: 3}))

    [mail] = _delivered(smtp_server)["ann@example.com"]

    assert mail.message["Subject"] == "Your placement result: no level (Untagged placement)"
    assert "could not place you at a level" in mail.body() and "Your level is" not in mail.body()


def test_an_adaptive_placement_tells_the_questions_answered_and_the_estimate(lingua, factory, smtp_server):
    exam = adaptive_exam(factory, lingua, build_adaptive_pool(lingua), min_items=2, max_items=3,
                         target_standard_error=0.1)
    sitting = start(register(lingua, exam, "ann@example.com"))
    for right in (True, True, False):
        answer_adaptive(sitting, right)
    course = sitting.placement["adaptive"]

    [mail] = _delivered(smtp_server)["ann@example.com"]

    said = (f"Adaptive test: 3 questions answered, ability estimate {course['ability']:.2f} ± "
            f"{course['standard_error']:.2f}.")
    assert f"Your level is {sitting.level.value}." in mail.body() and said in mail.body()
    assert said in _html_text(mail)


def _certification(admin, factory, **exam_settings):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", name="B1 certificate",
                                   target_level="B1", pass_mark_percent=65)
    return factory.exam(admin, assessment, name="December session", **exam_settings)


def test_a_passed_certification_with_its_verifiable_certificate(lingua, factory, smtp_server):
    exam = _certification(lingua, factory, notify_client=True)
    sitting = factory.finished_sitting(lingua, exam, email="ann@example.com", first_name="Ann", last_name="Lee",
                                       answer=answering({"B1": 13}))
    certificate = db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))

    received = _delivered(smtp_server)

    [mail] = received["ann@example.com"]
    assert mail.message["Subject"] == "Your certification result: passed (B1 certificate)"
    text = " ".join(mail.body().split())
    assert ('you have passed the certification test "B1 certificate" at level B1 with 65 % '
            "(the pass mark is 65 %)") in text
    assert certificate.code in text and verify_url(certificate.code) in text
    assert "course package" not in text
    assert {verify_url(certificate.code), html_report_url(sitting)} <= set(_links(mail))
    [copy] = received[OFFICE]
    assert copy.message["Subject"] == "Ann Lee: certification result: passed (B1 certificate)"
    assert "Result: passed at level B1" in copy.body() and "Score: 65 % (pass mark 65 %)" in copy.body()
    assert f"Certificate: {certificate.code}" in copy.body()


def test_a_failed_certification_tells_the_candidate_to_continue_the_package(lingua, factory, smtp_server):
    exam = _certification(lingua, factory, notify_client=True)
    sitting = factory.finished_sitting(lingua, exam, email="ann@example.com", first_name="Ann", last_name="Lee",
                                       answer=answering({"B1": 12}))

    received = _delivered(smtp_server)

    [mail] = received["ann@example.com"]
    assert mail.message["Subject"] == "Your certification result: not passed yet (B1 certificate)"
    text = " ".join(mail.body().split())
    assert ('You have not passed the certification test "B1 certificate" for level B1 yet: you scored 60 %, '
            "and the pass mark is 65 %.") in text
    assert "Continue your course package" in text and "certificate has the code" not in text
    assert "Continue your course package" in _html_text(mail) and html_report_url(sitting) in _links(mail)
    [copy] = received[OFFICE]
    assert "Result: not passed (level B1); continues the course package" in copy.body()


def test_a_result_withheld_when_graded_is_not_told_to_the_candidate(admin, factory, essay_certification, smtp_server):
    """A violation found before the grader's last mark: the candidate hears only that the result is withheld."""
    sitting = factory.finished_sitting(admin, essay_certification, email="ann@example.com", answer=right_answer)
    review(admin, sitting.id, "violation", "A second voice in the room.")
    response = db.session.scalar(select(Response).join(SittingItem, SittingItem.id == Response.item_id).where(
        Response.sitting_id == sitting.id, SittingItem.question_type == "LONG_ANSWER"))
    grade_response(admin, response.id, 5)
    db.session.commit()
    assert sitting.passed is True

    [mail] = _delivered(smtp_server)["ann@example.com"]

    assert mail.message["Subject"] == "Your result is withheld (Writing B2)"
    text = " ".join(mail.body().split())
    assert "Your result is withheld for now" in text and html_report_url(sitting) in text
    assert "passed" not in text and "%" not in text and "B2" not in text.replace("Writing B2", "")
    assert "passed" not in _html_text(mail) and "withheld" in _html_text(mail)


@pytest.mark.parametrize("notify_client, contact_email", [(False, OFFICE), (True, "")])
def test_the_institute_is_told_only_when_the_exam_notifies_it_and_it_has_an_address(
        factory, smtp_server, notify_client, contact_email):
    admin = factory.institute("Quiet School", contact_email=contact_email)[1]
    exam = _certification(admin, factory, notify_client=notify_client)
    factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 20}))

    assert list(_delivered(smtp_server)) == ["ann@example.com"]


def test_a_standard_test_sends_no_outcome_email(lingua, factory, smtp_server):
    exam = factory.exam(lingua, tagged_assessment(lingua, ["B1"] * 3, kind="standard"), notify_client=True)
    factory.finished_sitting(lingua, exam, email="ann@example.com", answer=answering({"B1": 3}))

    assert _delivered(smtp_server) == {}
    assert db.session.scalars(select(OutboxMessage.topic)).all() == []
