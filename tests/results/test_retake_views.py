"""Retakes in the console: the exam form's attempts and waiting period (refused beside their fields), the
exam page, the results table with "attempt n of N" and its "latest attempt only" filter, and the
candidate's page listing every attempt."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import right_answer
from tests.exams.test_views import exam_form, exams, field_errors
from tests.results.test_results_services import T0
from tests.results.test_results_views import html, table
from webapp.cli.demo import take_test
from webapp.core import clock
from webapp.core.extensions import db
from webapp.sittings.retakes import start_retake


def test_the_exam_form_sets_the_attempts_and_refuses_what_is_out_of_range(admin_client, admin, factory):
    assessment = factory.assessment(admin, name="English B1")
    form = html(admin_client.get("/exams/new"))
    assert form.select_one("input[name=max_attempts]")["value"] == "1"
    assert form.select_one("input[name=retake_wait_hours]")["value"] == "0"

    refused = html(admin_client.post("/exams/new", data=exam_form(assessment, max_attempts="0",
                                                                  retake_wait_hours="9000")))
    assert field_errors(refused) == {"max_attempts": "The attempts per candidate are a whole number from 1 to 10."}
    assert exams() == []
    refused = html(admin_client.post("/exams/new", data=exam_form(assessment, max_attempts="3",
                                                                  retake_wait_hours="9000")))
    assert field_errors(refused) == {
        "retake_wait_hours": "The waiting period before a retake is a whole number of hours from 0 to 8760."}

    created = admin_client.post("/exams/new", data=exam_form(assessment, max_attempts="3", retake_wait_hours="24"))
    exam, = exams()
    assert (exam.max_attempts, exam.retake_wait_hours) == (3, 24)
    page = html(admin_client.get(created.headers["Location"]))
    assert page.select_one("[data-attempts]").get_text(" ", strip=True) == \
        "3 per candidate, each retake 24 h or more after the previous attempt finished"
    edit = html(admin_client.get(f"/exams/{exam.id}/edit"))
    assert edit.select_one("input[name=max_attempts]")["value"] == "3"


def test_every_attempt_is_a_row_of_the_results_and_the_candidates_page(admin_client, admin, factory):
    exam = factory.exam(admin, factory.assessment(admin), name="Retakes", max_attempts=2)
    clock.freeze(T0)
    first = factory.finished_sitting(admin, exam, "ann@example.com", first_name="Ann", last_name="Lee", now=T0)
    other = factory.finished_sitting(admin, exam, "bob@example.com", first_name="Bob", last_name="Ray", now=T0)
    later = T0 + timedelta(hours=1)
    clock.freeze(later)
    second = take_test(start_retake(first), right_answer, now=later)
    db.session.commit()

    page = html(admin_client.get(f"/exams/{exam.id}/results?sort=finished&order=asc"))
    rows = table(page)
    assert [(row["id"], row["name"]) for row in rows] == [
        (first.id, "Ann Lee ann@example.com attempt 1 of 2"),
        (other.id, "Bob Ray bob@example.com attempt 1 of 2"),
        (second.id, "Ann Lee ann@example.com attempt 2 of 2")]
    choices = [option["value"] for option in page.select("#result-filters select[name=attempts] option")]
    assert choices == ["", "latest"]
    latest = html(admin_client.get(f"/exams/{exam.id}/results?attempts=latest&sort=finished&order=asc",
                                   headers={"HX-Request": "true"}))
    assert [row["id"] for row in table(latest)] == [other.id, second.id]

    candidate = html(admin_client.get(f"/candidates/{first.candidate_id}"))
    listed = [(int(row["data-sitting-id"]), row.select_one("[data-attempt]").get_text())
              for row in candidate.select("table.candidate-sittings tbody tr")]
    assert listed == [(second.id, "attempt 2 of 2"), (first.id, "attempt 1 of 2")]
    assert [link["href"] for link in candidate.select("table.candidate-sittings a[data-result-link]")] == [
        f"/sittings/{second.id}/result", f"/sittings/{first.id}/result"]

    sittings = html(admin_client.get(f"/exams/{exam.id}"))
    assert sorted(tag.get_text() for tag in sittings.select("[data-attempt]")) == [
        "attempt 1 of 2", "attempt 1 of 2", "attempt 2 of 2"]


def test_an_exam_of_one_attempt_shows_no_attempts(admin_client, admin, factory):
    exam = factory.exam(admin, factory.assessment(admin))
    factory.finished_sitting(admin, exam, "ann@example.com")
    page = html(admin_client.get(f"/exams/{exam.id}/results"))
    assert len(table(page)) == 1 and page.select("[data-attempt]") == []
    assert page.select_one("#result-filters select[name=attempts]") is None
