"""The results console through the test client: the results table with its filters, sorting and pages,
the chart, the downloads and a sitting's result page, read as parsed HTML, CSV and XLSX."""
from __future__ import annotations

import codecs
import csv
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import event

from tests.conftest import log_in
from tests.results.helpers import answering, tagged_assessment
from tests.results.test_results_services import T0, scores, standard, take
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.proctoring import services as proctoring
from webapp.results import services
from webapp.sittings import taking
from webapp.sittings.services import register_candidates


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def table(soup: BeautifulSoup) -> list[dict]:
    return [{cell["data-field"]: cell.get_text(" ", strip=True) for cell in row.select("td[data-field]")}
            | {"id": int(row["data-sitting-id"])} for row in soup.select("table.result-table tbody tr")]


def facts(soup: BeautifulSoup) -> dict[str, str]:
    return {dd["data-field"]: dd.get_text(" ", strip=True) for dd in soup.select("dd[data-field]")}


@pytest.fixture
def exam(admin, factory):
    return factory.exam(admin, standard(admin), name="Spring intake")


# The results page ---------------------------------------------------------------------------------------

def test_results_page_lists_finished_sittings_with_percentiles(admin_client, admin, factory, exam):
    cy = take(admin, exam, "cy@example.com", first_name="Cy", right=1, minutes=25)
    al = take(admin, exam, "al@example.com", first_name="Al", right=4, minutes=5, start=T0 + timedelta(hours=1))
    soup = html(admin_client.get(f"/exams/{exam.id}/results"))
    assert soup.select_one("h1").get_text(strip=True) == "Results of Spring intake"
    assert table(soup) == [
        {"id": al.id, "name": "Al Lee al@example.com", "grading": "graded", "release": "released",
         "finished": "02 Mar 2026 10:05 UTC", "time": "5 min 0 s", "score": "100 % 4 / 4", "percentile": "100"},
        {"id": cy.id, "name": "Cy Lee cy@example.com", "grading": "graded", "release": "released",
         "finished": "02 Mar 2026 09:25 UTC", "time": "25 min 0 s", "score": "25 % 1 / 4", "percentile": "50"}]
    link = soup.select_one(f"tr[data-sitting-id='{cy.id}'] a[data-result-link]")
    assert link["href"] == f"/sittings/{cy.id}/result"
    assert soup.select_one("a[data-export=csv]")["href"] == f"/exams/{exam.id}/results.csv"
    assert soup.select_one("a[data-export=xlsx]")["href"] == f"/exams/{exam.id}/results.xlsx"
    # The strict Content-Security-Policy: nothing inline.
    assert not soup.select("[style], style, script:not([src])")


def test_filters_and_the_htmx_fragment(admin_client, admin, factory):
    exam = factory.exam(admin, standard(admin, items=3, essay=True))
    pending = factory.finished_sitting(admin, exam, email="pat@example.com", first_name="Pat",
                                       answer=answering({None: 1}, essay=True))
    graded = factory.finished_sitting(admin, exam, email="gil@example.com", first_name="Gil",
                                      answer=answering({None: 2}))
    soup = html(admin_client.get(f"/exams/{exam.id}/results?status=pending"))
    assert [row["id"] for row in table(soup)] == [pending.id]
    assert table(soup)[0]["grading"] == "pending" and table(soup)[0]["percentile"] == "after grading"
    assert soup.select_one("#result-filters select[name=status] option[selected]")["value"] == "pending"

    fragment = html(admin_client.get(f"/exams/{exam.id}/results?search=gil", headers={"HX-Request": "true"}))
    assert fragment.select_one("h1") is None and fragment.select_one("svg") is None
    assert [row["id"] for row in table(fragment)] == [graded.id]
    empty = html(admin_client.get(f"/exams/{exam.id}/results?search=nobody", headers={"HX-Request": "true"}))
    assert empty.get_text(strip=True) == "No result matches these filters."
    # A tampered choice is ignored, as on the other list pages.
    assert len(table(html(admin_client.get(f"/exams/{exam.id}/results?status=bogus&sort=bogus")))) == 2


def test_level_and_outcome_columns_and_filters(admin_client, admin, factory):
    placement = factory.exam(admin, tagged_assessment(admin, ["A1", "A1", "B1", "B1"], placement_bands=[
        {"level": "A1", "min_percent": 50}, {"level": "B1", "min_percent": 50}]))
    b1 = factory.finished_sitting(admin, placement, answer=answering({"A1": 2, "B1": 2}))
    factory.finished_sitting(admin, placement, answer=answering({"A1": 2}))
    soup = html(admin_client.get(f"/exams/{placement.id}/results?level=B1"))
    assert soup.select_one("#result-filters select[name=level]") and not soup.select("select[name=outcome]")
    assert [(row["id"], row["outcome"]) for row in table(soup)] == [(b1.id, "B1")]

    certification = factory.exam(admin, tagged_assessment(admin, ["B1"] * 4, kind="certification",
                                                          target_level="B1", pass_mark_percent=50))
    passed = factory.finished_sitting(admin, certification, answer=answering({"B1": 2}))
    failed = factory.finished_sitting(admin, certification, answer=answering({"B1": 1}))
    soup = html(admin_client.get(f"/exams/{certification.id}/results"))
    outcomes = {row["id"]: row["outcome"] for row in table(soup)}
    assert outcomes == {passed.id: "passed B1: may move on", failed.id: "failed continue the course package"}
    soup = html(admin_client.get(f"/exams/{certification.id}/results?outcome=failed"))
    assert [row["id"] for row in table(soup)] == [failed.id]


def test_sortable_headers_and_pages(admin_client, admin, factory, exam, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    sittings = scores(admin, factory, exam, 0, 1, 2, 3, 4)
    soup = html(admin_client.get(f"/exams/{exam.id}/results?search=example"))
    assert [row["id"] for row in table(soup)] == [sittings[4].id, sittings[3].id]
    score = soup.select_one("th[aria-sort] a")
    assert score["data-sort"] == "score" and score.find_parent("th")["aria-sort"] == "descending"
    # Clicking the sorted column turns the order round and keeps the filters, from the first page.
    query = parse_qs(urlsplit(score["href"]).query)
    assert query == {"search": ["example"], "sort": ["score"], "order": ["asc"]}
    name = parse_qs(urlsplit(soup.select_one("a[data-sort=name]")["href"]).query)
    assert name["order"] == ["asc"]

    soup = html(admin_client.get(score["href"]))
    assert [row["id"] for row in table(soup)] == [sittings[0].id, sittings[1].id]
    assert soup.select_one("#result-filters input[name=order]")["value"] == "asc"
    pages = soup.select_one("nav.pagination")
    assert "Page 1 of 3 (5 in all)" in pages.get_text(" ", strip=True)
    soup = html(admin_client.get(pages.select_one("a[rel=next]")["href"]))
    assert [row["id"] for row in table(soup)] == [sittings[2].id, sittings[3].id]
    soup = html(admin_client.get(soup.select_one("nav.pagination a[rel=next]")["href"]))
    assert [row["id"] for row in table(soup)] == [sittings[4].id]
    assert soup.select_one("nav.pagination a[rel=next]") is None


def test_the_page_does_not_query_per_row(admin_client, admin, factory, exam):
    scores(admin, factory, exam, 1, 2)

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert admin_client.get(f"/exams/{exam.id}/results").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    scores(admin, factory, exam, 0, 3, 4, 4, 2)
    assert statements() == few


def test_the_chart_and_its_table(admin_client, admin, factory):
    exam = factory.exam(admin, standard(admin, items=10))
    scores(admin, factory, exam, 0, 1, 1, 5, 9, 10)
    soup = html(admin_client.get(f"/exams/{exam.id}/results"))
    chart = soup.select_one("svg.distribution-chart")
    assert chart["role"] == "img" and chart.select_one("title").get_text(strip=True).startswith("Score distribution")
    bars = {int(bar["data-bucket"]): (int(bar["data-count"]), float(bar["height"])) for bar in chart.select("rect.bar")}
    assert bars == {0: (1, 75), 10: (2, 150), 20: (0, 0), 30: (0, 0), 40: (0, 0), 50: (1, 75), 60: (0, 0),
                    70: (0, 0), 80: (0, 0), 90: (2, 150)}
    counts = {row.th.get_text(strip=True): row.td.get_text(strip=True)
              for row in soup.select("table.distribution-table tbody tr")}
    assert counts["0 to under 10"] == "1" and counts["10 to under 20"] == "2" and counts["90 to 100"] == "2"
    assert soup.select_one("table.distribution-table caption").get_text(strip=True) == "Graded sittings per score band"
    stats = {dd["data-stat"]: dd.get_text(strip=True) for dd in soup.select("dd[data-stat]")}
    assert stats == {"count": "6", "mean": "43.33 %", "median": "30 %", "highest": "100 %", "lowest": "0 %"}


def test_an_exam_without_results(admin_client, exam):
    soup = html(admin_client.get(f"/exams/{exam.id}/results"))
    assert "No candidate has finished this exam yet." in soup.get_text()
    assert soup.select_one("svg") is None and "No graded sitting yet" in soup.get_text()


# Downloads ---------------------------------------------------------------------------------------------

def test_csv_download_is_streamed_with_every_row(admin_client, admin, factory, exam, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_BATCH", 2)
    take(admin, exam, "eve@example.com", first_name="@SUM(A1)", last_name="Ekström", right=3)
    scores(admin, factory, exam, 0, 1, 2, 4)
    response = admin_client.get(f"/exams/{exam.id}/results.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Spring_intake-results.csv"'
    # A UTF-8 byte-order mark first, once, so that Excel reads "Ekström" as it is (as Python's utf-8-sig does).
    data = response.get_data()
    assert data.startswith(codecs.BOM_UTF8) and data.count(codecs.BOM_UTF8) == 1
    header, *lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:4] == ["Name", "E-mail", "Username", "Status"] and header[-1] == "Section 1 marks"
    assert len(lines) == 5
    eve = next(line for line in lines if line[1] == "eve@example.com")
    assert eve[0] == "'@SUM(A1) Ekström" and eve[10:12] == ["75.0", "80.0"]


def test_xlsx_download(admin_client, admin, factory, exam):
    scores(admin, factory, exam, 1, 3)
    response = admin_client.get(f"/exams/{exam.id}/results.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=Spring_intake-results.xlsx"
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][8:12] == ("Marks", "Max marks", "Percent", "Percentile")
    assert sorted(row[8:12] for row in rows[1:]) == [(1, 4, 25, 50), (3, 4, 75, 100)]


# A sitting's result page ---------------------------------------------------------------------------------

def test_the_result_page_of_a_graded_sitting(admin_client, admin, factory, exam):
    scores(admin, factory, exam, 1)
    sitting = take(admin, exam, "ann@example.com", right=3, minutes=12, events=("copy_attempt", "paste_attempt"))
    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))
    assert soup.select_one("h1").get_text(" ", strip=True) == "Ann Lee Spring intake"
    got = facts(soup)
    assert got["status"].startswith("graded") and got["time"] == "12 min 0 s"
    assert (got["marks"], got["percent"], got["percentile"].split()[0]) == ("3 of 4", "75 %", "100")
    assert (got["copy"], got["browsing"], got["flags"], got["snapshots"], got["review"]) == (
        "2", "0", "0", "0", "not reviewed")
    assert "outcome" not in got and soup.select_one("[data-withheld]") is None
    section, = soup.select("tr.section-row")
    assert section["data-section"] == "Section 1" and section.select_one("[data-field=marks]").text == "3"
    skill, = soup.select("tr.skill-row")
    name = taking.items_and_responses(sitting)[0][0].skill_name
    assert skill.th.get_text(strip=True) == name and skill.select_one("[data-field=marks]").text == "3"
    assert soup.select_one("#documents") is not None      # the report and certificate part
    assert not soup.select("[style], style, script:not([src])")


def test_a_pending_sitting_points_to_the_grading_queue(admin_client, admin, factory):
    exam = factory.exam(admin, standard(admin, items=3, essay=True))
    sitting = factory.finished_sitting(admin, exam, answer=answering({None: 2}, essay=True))
    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))
    got = facts(soup)
    assert got["status"].startswith("pending grading 1 answer waits for a grader")
    assert got["percentile"] == "after grading" and got["marks"] == "2 of 8 so far"
    assert soup.select_one("a[data-grading-queue]")["href"] == f"/grading?exam_id={exam.id}"


def test_certification_and_placement_outcomes_on_the_result_page(admin_client, admin, factory):
    certification = factory.exam(admin, tagged_assessment(admin, ["B1"] * 4, kind="certification",
                                                          target_level="B1", pass_mark_percent=50))
    passed = factory.finished_sitting(admin, certification, answer=answering({"B1": 2}))
    failed = factory.finished_sitting(admin, certification, answer=answering({"B1": 1}))
    assert facts(html(admin_client.get(f"/sittings/{passed.id}/result")))["outcome"] == "passed B1: may move on"
    assert facts(html(admin_client.get(f"/sittings/{failed.id}/result")))["outcome"] == (
        "failed continue the course package")
    placement = factory.exam(admin, tagged_assessment(admin, ["A1", "A1"], placement_bands=[
        {"level": "A1", "min_percent": 50}]))
    placed = factory.finished_sitting(admin, placement, answer=answering({"A1": 2}))
    assert facts(html(admin_client.get(f"/sittings/{placed.id}/result")))["outcome"] == "A1"


def test_a_withheld_result_says_so(admin_client, admin, factory, exam):
    sitting, = scores(admin, factory, exam, 4)
    proctoring.review(admin, sitting.id, "violation", "A second person in the room.")
    db.session.commit()
    soup = html(admin_client.get(f"/sittings/{sitting.id}/result"))
    assert "This result is withheld" in soup.select_one("[data-withheld]").get_text()
    assert facts(soup)["review"] == "Violation: A second person in the room."


def test_a_sitting_without_a_result_is_not_found(admin_client, admin, exam):
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "new@example.com", "First Name": "New",
                                                     "Last Name": "Lee"}])
    db.session.commit()
    response = admin_client.get(f"/sittings/{outcome.sitting_id}/result")
    assert response.status_code == 404
    assert html(response).select_one(".error-message").text == "Result not found."


# Links, tenancy and roles ---------------------------------------------------------------------------------

def test_links_from_the_exam_and_candidate(admin_client, admin, factory, exam):
    sitting, = scores(admin, factory, exam, 2)
    assert html(admin_client.get(f"/exams/{exam.id}")).select_one("a[data-results]")["href"] == (
        f"/exams/{exam.id}/results")
    candidate_page = html(admin_client.get(f"/candidates/{sitting.candidate_id}"))
    row = candidate_page.select_one(f"tr[data-sitting-id='{sitting.id}']")
    assert row.select_one("a[data-result-link]")["href"] == f"/sittings/{sitting.id}/result"


def test_another_institutes_exam_and_sitting_are_not_found(client, admin, factory, exam):
    sitting, = scores(admin, factory, exam, 2)
    rival = factory.institute("Rival Academy")[1]
    log_in(client, rival)
    for path in (f"/exams/{exam.id}/results", f"/exams/{exam.id}/results.csv", f"/exams/{exam.id}/results.xlsx",
                 f"/sittings/{sitting.id}/result"):
        response = client.get(path)
        assert response.status_code == 404 and html(response).select_one("h1").text == "Not found"


def test_support_may_look_and_a_proctor_may_not(client, admin, factory, exam):
    sitting, = scores(admin, factory, exam, 2)
    support = factory.staff(admin.institute, Role.SUPPORT)
    log_in(client, support)
    assert [row["id"] for row in table(html(client.get(f"/exams/{exam.id}/results")))] == [sitting.id]
    assert facts(html(client.get(f"/sittings/{sitting.id}/result")))["marks"] == "2 of 4"
    assert html(client.get(f"/exams/{exam.id}")).select_one("a[data-results]") is not None
    client.post("/logout")

    proctor = factory.staff(admin.institute, Role.PROCTOR)
    log_in(client, proctor)
    for path in (f"/exams/{exam.id}/results", f"/exams/{exam.id}/results.csv", f"/sittings/{sitting.id}/result"):
        response = client.get(path)
        assert response.status_code == 403 and html(response).select_one("h1").text == "Not allowed"
    assert html(client.get(f"/exams/{exam.id}")).select_one("a[data-results]") is None
