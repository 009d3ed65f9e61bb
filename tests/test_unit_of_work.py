"""Each request commits once, before its response and flash are final: a commit the database refuses
is answered as a domain error, and the success the view had announced is withdrawn."""
from __future__ import annotations

from contextlib import contextmanager

from bs4 import BeautifulSoup
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from tests.conftest import log_in
from webapp.assessments.models import Assessment
from webapp.core.extensions import db
from webapp.exams.models import Exam


def flashes(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [" ".join(flash.get_text(" ", strip=True).split()) for flash in soup.select(".flash")]


@contextmanager
def exam_created_meanwhile(template: Exam, assessment: Assessment):
    """Just before the request's change reaches the database, another connection commits an exam
    (a copy of `template`) that uses `assessment`: the race the delete service cannot see."""
    exams = Exam.__table__

    def create_exam(*_arguments):
        with db.engine.begin() as elsewhere:
            values = dict(elsewhere.execute(select(exams).where(exams.c.id == template.id)).mappings().one())
            del values["id"]
            values.update(name="Raced exam", access_key="raced-exam", assessment_id=assessment.id)
            elsewhere.execute(insert(exams).values(**values))

    event.listen(Session, "before_flush", create_exam, once=True)
    try:
        yield
    finally:
        if event.contains(Session, "before_flush", create_exam):
            event.remove(Session, "before_flush", create_exam)


def test_a_commit_refused_by_the_database_is_a_flashed_error_not_a_stale_success(client, admin, factory):
    other_exam = factory.exam(admin, name="Other exam")
    assessment = factory.assessment(admin, name="Grammar test")
    log_in(client, admin)
    client.get("/assessments")

    with exam_created_meanwhile(other_exam, assessment):
        response = client.post(f"/assessments/{assessment.id}/delete", headers={"Referer": "http://localhost/assessments"})

    assert response.status_code == 302 and response.headers["Location"] == "/assessments"
    listing = client.get(response.headers["Location"])
    [message] = flashes(listing)
    assert message.startswith("The change could not be saved, and nothing was changed.")
    assert "is deleted" not in message
    soup = BeautifulSoup(listing.get_data(as_text=True), "html.parser")
    assert "Grammar test" in [link.get_text(strip=True) for link in soup.select("tbody a")]
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id) is not None
    assert db.session.scalars(select(Exam.name).where(Exam.assessment_id == assessment.id)).all() == ["Raced exam"]


def test_a_refused_commit_answers_a_json_request_in_the_error_shape(client, admin, factory):
    other_exam = factory.exam(admin, name="Other exam")
    assessment = factory.assessment(admin, name="Grammar test")
    log_in(client, admin)

    with exam_created_meanwhile(other_exam, assessment):
        response = client.post(f"/assessments/{assessment.id}/delete", headers={"Accept": "application/json"})

    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == "error" and body["error"]["code"] == "E789"
    assert body["error"]["message"].startswith("The change could not be saved")
    client.get("/assessments")
    assert flashes(client.get("/assessments")) == []


def test_flashes_of_earlier_requests_survive_a_refused_commit(client, admin, factory):
    other_exam = factory.exam(admin, name="Other exam")
    assessment = factory.assessment(admin, name="Grammar test")
    spare = factory.assessment(admin, name="Spare test")
    log_in(client, admin)
    # Its success is still waiting to be shown: the redirect was not followed.
    client.post(f"/assessments/{spare.id}/delete")

    with exam_created_meanwhile(other_exam, assessment):
        response = client.post(f"/assessments/{assessment.id}/delete")

    shown = flashes(client.get(response.headers["Location"]))
    assert shown[0] == "Spare test is deleted."
    assert len(shown) == 2 and shown[1].startswith("The change could not be saved")
